#!/usr/bin/env python3
"""Verify a Two Hats audit export away from the app: standard library only, no import from it.

    python3 tools/verify_audit.py export.json
    python3 tools/verify_audit.py export.csv --head 42:3f9c...   # the head minuted by the board

Each event's hash must be SHA-256(previous hash + canonical JSON of {seq, at, actor, action,
entity, entity_id, before, after}), where canonical JSON has sorted keys, the separators ","
and ":" and non-ASCII characters escaped; the first event follows 64 zeros. Sequence numbers
must run 1, 2, 3 ... with no gap. With --head, the chain must also reach that event with that
hash, which shows that nothing was cut from the end or rewritten since the head was minuted.

Exit status: 0 intact; 1 broken (the first broken event is named); 2 the file cannot be read.
"""

import argparse
import csv
import hashlib
import json
import sys

GENESIS = "0" * 64
HASHED = ("seq", "at", "actor", "action", "entity", "entity_id", "before", "after")
CSV_COLUMNS = HASHED + ("prev_hash", "hash")
ESCAPED = ("=", "+", "-", "@", "\t", "\r", "'")


class Unreadable(Exception):
    """The file is not an audit export this script understands."""


def event_hash(prev_hash, event):
    """The hash an event must carry, computed exactly as the app computes it."""
    fields = {name: event[name] for name in HASHED}
    body = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def verify(events):
    """(True, count, head_seq, head_hash, None, "") when the chain holds, else
    (False, count_good, last_good_seq, last_good_hash, broken_seq, reason)."""
    prev, expected, count = GENESIS, 1, 0
    for event in events:
        seq = event.get("seq")
        if seq != expected:
            return (False, count, expected - 1, prev, expected,
                    f"event {expected} is missing (found {seq} next)")
        if event.get("prev_hash") != prev:
            return (False, count, seq - 1, prev, seq,
                    f"event {seq} does not follow event {seq - 1}")
        if event_hash(prev, event) != event.get("hash"):
            return (False, count, seq - 1, prev, seq,
                    f"event {seq} was changed after it was written")
        prev, expected, count = event["hash"], expected + 1, count + 1
    return (True, count, expected - 1, prev, None, "")


def unescape(text):
    """Undo the export's spreadsheet escape: a ' put before a risky first character."""
    if len(text) >= 2 and text[0] == "'" and text[1] in ESCAPED:
        return text[1:]
    return text


def _csv_event(row, line):
    cells = {name: unescape(row.get(name) or "") for name in CSV_COLUMNS}
    try:
        event = dict(cells)
        event["seq"] = int(cells["seq"])
        event["entity_id"] = int(cells["entity_id"]) if cells["entity_id"] else None
        for name in ("before", "after"):
            event[name] = json.loads(cells[name]) if cells[name] else None
    except ValueError as exc:
        raise Unreadable(f"line {line}: {exc}") from None
    return event


def read_csv(path):
    """The events of a CSV export, in file order."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise Unreadable(f"not an audit export: no column {', '.join(missing)}")
        return [_csv_event(row, n) for n, row in enumerate(reader, start=2)]


def read_json(path):
    """The events of a JSON export (or a bare list of events), in file order."""
    with open(path, encoding="utf-8-sig") as handle:
        try:
            data = json.load(handle)
        except ValueError as exc:
            raise Unreadable(f"not JSON: {exc}") from None
    events = data.get("events") if isinstance(data, dict) else data
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        raise Unreadable("not an audit export: no list of events")
    return events, (data.get("head") if isinstance(data, dict) else None)


def read(path, fmt):
    """(events, the head the file states or None), from a .json or .csv export."""
    if fmt == "auto":
        fmt = "csv" if path.lower().endswith(".csv") else "json"
    if fmt == "csv":
        return read_csv(path), None
    return read_json(path)


def _head_arg(text):
    seq, _, digest = text.partition(":")
    if not seq.isdigit() or len(digest) != 64:
        raise argparse.ArgumentTypeError("give the head as SEQ:HASH, like 42:3f9c...")
    return int(seq), digest.lower()


def check_head(events, head):
    """A reason when the chain does not contain event head[0] with hash head[1], else ""."""
    seq, digest = head
    found = next((e for e in events if e.get("seq") == seq), None)
    if found is None:
        return f"the export stops before event {seq}, the head you gave"
    if found.get("hash") != digest:
        return f"event {seq} has hash {found.get('hash')}, not the head you gave"
    return ""


def main(argv=None):
    """Verify one export; the exit status says intact (0), broken (1) or unreadable (2)."""
    parser = argparse.ArgumentParser(description="Verify a Two Hats audit export.")
    parser.add_argument("file", help="the exported .json or .csv file")
    parser.add_argument("--format", choices=("auto", "json", "csv"), default="auto")
    parser.add_argument("--head", type=_head_arg, help="SEQ:HASH minuted by the board")
    args = parser.parse_args(argv)
    try:
        events, stated = read(args.file, args.format)
    except (OSError, Unreadable) as exc:
        print(f"Cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    intact, count, seq, digest, broken, reason = verify(events)
    if not intact:
        print(f"BROKEN at event {broken}: {reason}. "
              f"The {count} events before it are intact (up to event {seq}, hash {digest}).")
        return 1
    problems = [check_head(events, args.head) if args.head else ""]
    if stated and (stated.get("seq"), stated.get("hash")) != (seq, digest):
        problems.append(f"the file says its head is event {stated.get('seq')} "
                        f"({stated.get('hash')}) but its events end at event {seq} ({digest})")
    problems = [p for p in problems if p]
    if problems:
        print("BROKEN: " + "; ".join(problems) + ".")
        return 1
    print(f"INTACT: {count} events, head event {seq}, hash {digest}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
