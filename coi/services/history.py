"""The auditor's read-only history (SPEC §3 Audit event): the events of the chain, filtered;
every change to one record, field by field; a record as it stood on a date; the chain's head
and its verification. Auditors and administrators only; nothing here writes.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal, Optional

from pydantic import Field
from sqlalchemy import or_, select
from sqlmodel import Session

from coi import access, audit, db
from coi.errors import Invalid, NotFound
from coi.ids import is_id
from coi.models import AuditEvent, Declaration, Person
from coi.schemas import Id, In
from coi.services import base
from coi.services.declarations import people_of

READERS = ("auditor", "admin")
EMPTY = (None, "", [], {})


class EventFilters(In):
    """What the event list can be narrowed to; every field is optional."""

    entity: Optional[str] = Field(None, max_length=40, title="Kind of record")
    entity_id: Optional[Id] = Field(None, title="Record number")
    action: Optional[str] = Field(None, max_length=60, title="Action")
    actor: Optional[str] = Field(None, max_length=254, title="Made by",
                                 description="All or part of an email address, or system")
    since: Optional[date] = Field(None, title="From")
    until: Optional[date] = Field(None, title="To")
    person_id: Optional[Id] = Field(None, title="Declarations of person")
    organisation_id: Optional[Id] = Field(None, title="Declarations of or about organisation")
    order: Literal["desc", "asc"] = Field("desc", title="Order")
    page: int = Field(1, ge=1, le=100_000, title="Page")
    per_page: int = Field(50, ge=1, le=500, title="Events per page")


def require_reader(actor) -> None:
    """Only auditors and administrators (and the command line) read the history."""
    access.require_role(actor, *READERS)


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _declaration_ids(person_id: int | None, organisation_id: int | None):
    stmt = select(Declaration.id)
    if person_id is not None:
        stmt = stmt.where(Declaration.person_id == person_id)
    if organisation_id is not None:
        stmt = stmt.where(or_(Declaration.organisation_id == organisation_id,
                              Declaration.person_id.in_(people_of(organisation_id))))
    return stmt


def _filtered(stmt, f: EventFilters):
    exact = {"entity": f.entity, "entity_id": f.entity_id, "action": f.action}
    for name, value in exact.items():
        if value not in (None, ""):
            stmt = stmt.where(getattr(AuditEvent, name) == value)
    if f.actor:
        stmt = stmt.where(AuditEvent.actor.ilike(f"%{f.actor}%"))
    if f.since:
        stmt = stmt.where(AuditEvent.at >= _start(f.since))
    if f.until:
        stmt = stmt.where(AuditEvent.at < _start(f.until + timedelta(days=1)))
    if f.person_id is not None or f.organisation_id is not None:
        stmt = stmt.where(AuditEvent.entity == "declaration", AuditEvent.entity_id.in_(
            _declaration_ids(f.person_id, f.organisation_id)))
    return stmt


def filters_of(data: Any) -> EventFilters:
    """The filters checked: friendly field messages, and To not before From."""
    f = base.validate(EventFilters, data)
    if f.since and f.until and f.until < f.since:
        raise Invalid({"until": "To must not be before from"})
    return f


def list_events(actor, data: Any) -> base.Page:
    """The audit events matching the filters, a page at a time (newest first by default)."""
    require_reader(actor)
    f = filters_of(data)
    order = AuditEvent.seq.desc() if f.order == "desc" else AuditEvent.seq
    stmt = _filtered(select(AuditEvent), f).order_by(order)
    return base.paginate(db.session(), stmt, base.ListQuery(page=f.page, per_page=f.per_page))


def event_public(event: AuditEvent) -> dict:
    """An event as the API and the exports give it; `at` is exactly the hashed text."""
    fields = audit.hashed_fields(event)
    return {**fields, "prev_hash": event.prev_hash, "hash": event.hash}


def record_events(actor, entity: str, entity_id: int) -> list[AuditEvent]:
    """Every event of one record, oldest first; NotFound when it has none."""
    require_reader(actor)
    rows = db.session().execute(select(AuditEvent).where(
        AuditEvent.entity == entity, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.seq)).scalars().all() if is_id(entity_id) else []
    if not rows:
        raise NotFound(f"There is no history of a {entity.replace('_', ' ')} {entity_id}.")
    return list(rows)


def as_of(events: list[AuditEvent], on: date) -> AuditEvent | None:
    """The latest of a record's events made on or before the date (its `after` is how the
    record stood that day), or None when the record did not exist yet."""
    cutoff = _start(on + timedelta(days=1))
    earlier = [e for e in events if _aware(e.at) < cutoff]
    return max(earlier, key=lambda e: e.seq) if earlier else None


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Change:
    """One field's change in an event: set (was empty), changed, or cleared (now empty)."""

    field: str
    before: Any
    after: Any
    kind: str


def diff(before: dict | None, after: dict | None) -> list[Change]:
    """Field-by-field changes from before to after; for a new record, every field it set."""
    before, after = before or {}, after or {}
    keys = list(after) + [k for k in before if k not in after]
    out = []
    for key in keys:
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        kind = "set" if old in EMPTY else ("cleared" if new in EMPTY else "changed")
        out.append(Change(key, old, new, kind))
    return out


def people(actor) -> list[tuple[int, str]]:
    """Every person ever recorded, (id, name) by name, to filter declarations by (readers see
    the whole register, people who left included)."""
    require_reader(actor)
    return [tuple(r) for r in db.session().execute(select(Person.id, Person.name)
                                                   .order_by(Person.name))]


def choices(column) -> list[str]:
    """The distinct values of an event column (entities or actions), for filter lists."""
    rows = db.session().execute(select(column).distinct().order_by(column)).scalars()
    return [r for r in rows if r]


def chain_head(actor) -> tuple[int, str]:
    """The chain's latest (seq, hash), to write into board minutes."""
    require_reader(actor)
    return audit.head(db.session())


def verify_chain(actor) -> audit.Verdict:
    """Walk the whole chain: intact, or the first broken event and why."""
    require_reader(actor)
    with Session(db.engine()) as fresh:  # the database as it is, not objects cached earlier
        return audit.verify(fresh)
