"""The whole audit chain as a file that can be verified away from the app with
tools/verify_audit.py: JSON (one event per line) or CSV (UTF-8 with a BOM, spreadsheet-safe).

An export is a consistent snapshot: the head is read first and every event up to it follows,
oldest first, so the file verifies from the first event to the head it names.
"""

import json
from collections.abc import Iterator

from sqlalchemy import select
from sqlmodel import Session

from coi import audit, csvout, db
from coi.models import AuditEvent, utcnow
from coi.schemas import iso
from coi.services.history import event_public, require_reader

FORMAT = "two-hats-audit-export"
VERSION = 1
CSV_COLUMNS = ("seq", "at", "actor", "action", "entity", "entity_id", "before", "after",
               "prev_hash", "hash")
# Cells starting with these run as formulas in a spreadsheet; a leading ' marks the escape
# (and is itself escaped), so tools/verify_audit.py can undo it exactly.
RISKY = (*csvout.FORMULA_STARTS, "'")
HASHING = ("hash = SHA-256(prev_hash + canonical JSON of {seq, at, actor, action, entity, "
           "entity_id, before, after}); canonical = sorted keys, separators ',' and ':', "
           "non-ASCII escaped; the first prev_hash is 64 zeros")


def spreadsheet_safe(text: str) -> str:
    """A cell that a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in RISKY else text


def _events(s: Session, upto: int, batch: int = 1000) -> Iterator[dict]:
    after = 0
    while True:
        rows = s.execute(select(AuditEvent).where(AuditEvent.seq > after,
                                                  AuditEvent.seq <= upto)
                         .order_by(AuditEvent.seq).limit(batch)).scalars().all()
        if not rows:
            return
        for row in rows:
            yield event_public(row)
        after = rows[-1].seq


def _compact(value) -> str:
    if value is None:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def export(actor, fmt: str) -> tuple[int, str, Iterator[str]]:
    """(head seq, head hash, the file in pieces for streaming) for "json" or "csv";
    auditors and administrators only. The head is read first, so the file is a snapshot."""
    require_reader(actor)
    seq, digest = audit.head(db.session())
    return seq, digest, _streamed(db.engine(), fmt, seq, digest)


def _streamed(engine, fmt: str, seq: int, digest: str) -> Iterator[str]:
    """The file's pieces, read through a session of its own so that streaming can outlive the
    request; events never change once written, so reading them later gives the same file."""
    with Session(engine) as s:
        yield from (_json(s, seq, digest) if fmt == "json" else _csv(s, seq))


def _json(s: Session, seq: int, digest: str) -> Iterator[str]:
    header = {"format": FORMAT, "version": VERSION, "exported_at": iso(utcnow()),
              "head": {"seq": seq, "hash": digest}, "count": seq, "hashing": HASHING}
    yield json.dumps(header, ensure_ascii=False, indent=1)[:-2] + ',\n "events": [\n'
    for n, event in enumerate(_events(s, seq)):
        yield ("" if n == 0 else ",\n") + json.dumps(event, ensure_ascii=False, sort_keys=True)
    yield "\n ]\n}\n"


def csv_row(event: dict) -> list[str]:
    """One event as CSV cells: before and after as compact JSON, empty for none."""
    cells = []
    for name in CSV_COLUMNS:
        value = event[name]
        text = _compact(value) if name in ("before", "after") else (
            "" if value is None else str(value))
        cells.append(spreadsheet_safe(text))
    return cells


def _csv(s: Session, seq: int) -> Iterator[str]:
    rows = (csv_row(event) for event in _events(s, seq))
    return csvout.chunks(CSV_COLUMNS, rows, safe=str)  # csv_row made each cell safe


def write(actor, stream, fmt: str) -> tuple[int, str]:
    """Write the whole export to an open text stream (for the command line); its head."""
    seq, digest, chunks = export(actor, fmt)
    for chunk in chunks:
        stream.write(chunk)
    return seq, digest
