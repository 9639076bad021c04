"""The append-only, hash-chained audit log: append() inside a write, verify() over the chain.

hash = SHA-256(prev_hash || canonical JSON of the event), canonical meaning sorted keys, no
spaces, dates and times as ISO 8601. The first event's prev_hash is 64 zeros.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, text
from sqlmodel import Session, SQLModel

from coi.models import AuditEvent, utcnow

GENESIS = "0" * 64
ADVISORY_LOCK_KEY = 7_071_2026


def _default(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(f"cannot put {type(value).__name__} in an audit event")


def plain(value):
    """value as the JSON the database will store (dates become ISO strings)."""
    return json.loads(json.dumps(value, default=_default))


def snapshot(record: SQLModel, hide: tuple[str, ...] = ()) -> dict:
    """Every column of a record as plain JSON, without secrets named in hide."""
    data = {c.name: getattr(record, c.name) for c in record.__table__.columns}
    for key in hide:
        data.pop(key, None)
    return plain(data)


def event_hash(prev_hash: str, fields: dict) -> str:
    body = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=_default)
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def hashed_fields(event) -> dict:
    """The fields of an event that its hash covers."""
    at = event.at if isinstance(event.at, str) else event.at.isoformat()
    return {
        "seq": event.seq, "at": at, "actor": event.actor, "action": event.action,
        "entity": event.entity, "entity_id": event.entity_id,
        "before": event.before, "after": event.after,
    }


def chain_lock(s: Session) -> None:
    """Serialise with every other writer for the rest of the transaction: PostgreSQL takes the
    chain's advisory lock, once per transaction (SQLite's BEGIN IMMEDIATE holds the write lock
    already). The app takes no savepoints, so a lock taken stays until the transaction ends."""
    if s.get_bind().dialect.name != "postgresql":
        return
    transaction = s.get_transaction()
    if transaction is not None and s.info.get("coi_chain_lock") is transaction:
        return
    s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ADVISORY_LOCK_KEY})
    s.info["coi_chain_lock"] = s.get_transaction()


def append(s: Session, actor: str, action: str, entity: str, entity_id: int | None,
           before: dict | None = None, after: dict | None = None) -> AuditEvent:
    """Add one event to the chain inside the caller's transaction."""
    chain_lock(s)
    last = s.execute(select(AuditEvent.seq, AuditEvent.hash)
                     .order_by(AuditEvent.seq.desc()).limit(1)).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    event = AuditEvent(seq=seq, at=utcnow(), actor=actor, action=action, entity=entity,
                       entity_id=entity_id, before=plain(before), after=plain(after),
                       prev_hash=prev, hash="")
    event.hash = event_hash(prev, hashed_fields(event))
    s.add(event)
    s.flush()
    return event


@dataclass
class Verdict:
    intact: bool
    count: int
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    reason: str = ""


def verify_events(events) -> Verdict:
    """Walk events in seq order and say whether the chain holds; pure, also used offline."""
    prev, expected, count = GENESIS, 1, 0
    for ev in events:
        if ev.seq != expected:
            return Verdict(False, count, expected - 1, prev, expected,
                           f"event {expected} is missing (found {ev.seq} next)")
        if ev.prev_hash != prev:
            return Verdict(False, count, ev.seq - 1, prev, ev.seq,
                           f"event {ev.seq} does not follow event {ev.seq - 1}")
        if event_hash(prev, hashed_fields(ev)) != ev.hash:
            return Verdict(False, count, ev.seq - 1, prev, ev.seq,
                           f"event {ev.seq} was changed after it was written")
        prev, expected, count = ev.hash, expected + 1, count + 1
    return Verdict(True, count, expected - 1, prev)


def verify(s: Session, batch: int = 2000) -> Verdict:
    """Verify the whole chain in the database, a batch at a time."""
    def stream():
        after = 0
        while True:
            rows = s.execute(select(AuditEvent).where(AuditEvent.seq > after)
                             .order_by(AuditEvent.seq).limit(batch)).scalars().all()
            if not rows:
                return
            yield from rows
            after = rows[-1].seq
    return verify_events(stream())


def head(s: Session) -> tuple[int, str]:
    """The chain's latest (seq, hash), to write into board minutes."""
    row = s.execute(select(AuditEvent.seq, AuditEvent.hash)
                    .order_by(AuditEvent.seq.desc()).limit(1)).first()
    return (row[0], row[1]) if row else (0, GENESIS)
