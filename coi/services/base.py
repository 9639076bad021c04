"""What every service shares: validation, one transaction per write, paging, and the generic
list / get / create / update / end over a RecordSpec.

One write = validate, authorise, persist, append one audit event, re-evaluate the rules that
read the record, commit once. The web pages, the API and the CLI all come through here.
"""

import math
import typing
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import String, cast, or_, select
from sqlalchemy.exc import DataError, IntegrityError, OperationalError

from coi import access, audit, db
from coi.errors import Conflict, Invalid, NotFound
from coi.models import AuditEvent
from coi.schemas import In
from coi.services import kept

MAX_ID = 2**31 - 1  # ids are 32-bit integers on every database

MESSAGES = {
    "missing": "{title} is required",
    "string_too_short": "{title} is required",
    "string_too_long": "{title} must be {max_length} characters or fewer",
    "string_pattern_mismatch": "{title} is not in the right format",
    "string_type": "{title} must be text",
    "too_short": "Choose at least {min_length} of the {title_lower}",
    "list_type": "{title} must be a list",
    "literal_error": "{title} must be one of: {expected}",
    "enum": "{title} must be one of: {expected}",
    "date_from_datetime_parsing": "{title} must be a real date, like 2026-03-31",
    "date_parsing": "{title} must be a real date, like 2026-03-31",
    "date_type": "{title} must be a real date, like 2026-03-31",
    "int_parsing": "{title} must be a whole number",
    "int_type": "{title} must be a whole number",
    "greater_than_equal": "{title} must be {ge} or more",
    "less_than_equal": "{title} must be {le} or less",
    "decimal_parsing": "{title} must be a number, like 1250.00",
    "decimal_type": "{title} must be a number, like 1250.00",
    "finite_number": "{title} must be a number, like 1250.00",
    "decimal_max_places": "{title} can have at most 2 decimal places (pence)",
    "decimal_max_digits": "{title} is too large",
    "decimal_whole_digits": "{title} is too large",
    "bool_parsing": "{title} must be yes or no",
    "bool_type": "{title} must be yes or no",
    "extra_forbidden": "{field} is not a field of this record",
    "model_type": "The body must be a JSON object",
    "dict_type": "The body must be a JSON object",
    "unstorable_text": "{title} contains a character the register cannot store (a NUL "
                       "character or a broken one). Remove it and try again",
}


def _message(schema: type[In], err: dict) -> tuple[str, str]:
    loc = [str(part) for part in err["loc"] if not isinstance(part, int)]
    name = loc[0] if loc else "body"
    title = title_of(schema, name)
    template = MESSAGES.get(err["type"])
    if template is None:
        return name, f"{title}: {err['msg']}"
    ctx = {k: v for k, v in (err.get("ctx") or {}).items()}
    if err["type"] == "string_too_short" and ctx.get("min_length", 1) > 1:
        template = "{title} must be at least {min_length} characters"
    if err["type"] == "too_short" and ctx.get("min_length") == 1:
        template = "Choose at least one of the {title_lower}"
    if "expected" in ctx:  # "'a', 'b' or 'c'" reads better without the quotes
        ctx["expected"] = str(ctx["expected"]).replace("'", "")
    return name, template.format(title=title, title_lower=lower_first(title), field=name,
                                 **{k: v for k, v in ctx.items() if k not in ("title", "field")})


def _defaults_for_nulls(schema: type[In], data: Any) -> Any:
    """A null for a field that is not nullable but has a default means "use the default"."""
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for name, value in data.items():
        info = schema.model_fields.get(name)
        if value is None and info is not None and not info.is_required() \
                and info.default is not None and not _nullable(info.annotation):
            out.pop(name)
    return out


def _nullable(annotation) -> bool:
    return type(None) in typing.get_args(annotation)


def validate(schema: type[In], data: Any) -> In:
    """data checked against schema, or Invalid naming each wrong field in plain words."""
    try:
        return schema.model_validate(_defaults_for_nulls(schema, data))
    except ValidationError as exc:
        errors, seen = [], set()
        for err in exc.errors():
            name, message = _message(schema, err)
            if (name, message) not in seen:
                seen.add((name, message))
                errors.append({"field": name, "message": message})
        raise Invalid(errors) from None


@contextmanager
def writing():
    """One transaction holding the write lock; commits once, or rolls back on any error.
    Inside batch() it joins the batch's transaction, which commits once at the batch's end."""
    from flask import g
    if g.get("coi_batch") is not None:
        yield g.coi_batch
        return
    s = db.write_session()
    try:
        yield s
        s.commit()
        db.read_freely(s)
    except IntegrityError as exc:
        s.rollback()
        raise Conflict("That change clashes with a record saved at the same time. "
                       "Nothing was saved; please try again.") from exc
    except OperationalError as exc:
        s.rollback()
        raise Conflict("The register was busy and nothing was saved; please try again.") from exc
    except DataError as exc:  # a value the database refuses (too long, unstorable): never a 500
        s.rollback()
        raise Invalid({"_form": "Something you sent is too long or has a character that cannot "
                                "be stored. Nothing was saved."}) from exc
    except BaseException:
        s.rollback()
        raise


@contextmanager
def batch():
    """Many service writes as ONE transaction (an import): all of them are saved, or none."""
    from flask import g
    with writing() as s:
        g.coi_batch = s
        try:
            yield s
        finally:
            g.coi_batch = None


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def window(self) -> list[int | None]:
        """The page numbers a pagination bar offers: the first, the last and two either side
        of this one, with None where an ellipsis stands for the pages left out."""
        last, here = self.pages, self.page
        shown = sorted({1, last, *range(max(1, here - 2), min(last, here + 2) + 1)})
        out: list[int | None] = []
        for n in shown:
            if out and n - out[-1] > 1:
                out.append(None)
            out.append(n)
        return out


@dataclass
class ListQuery:
    q: str = ""
    filters: dict = field(default_factory=dict)
    page: int = 1
    per_page: int = 25
    include_ended: bool = False

    def __post_init__(self):
        self.page = max(1, min(int(self.page or 1), 100_000))
        self.per_page = max(1, min(int(self.per_page or 25), 500))
        self.q = (self.q or "").strip()[:200]


def paginate(s, stmt, query: ListQuery) -> Page:
    total = kept.count(s, stmt)
    rows = s.execute(stmt.limit(query.per_page)
                     .offset((query.page - 1) * query.per_page)).scalars().all()
    return Page(list(rows), total, query.page, query.per_page)


def title_of(schema: type[In], name: str) -> str:
    info = schema.model_fields.get(name)
    return info.title if info and info.title else name.replace("_", " ").capitalize()


def lower_first(title: str) -> str:
    """A title inside a sentence: "Started on" -> "started on", but "ULO" stays "ULO"."""
    first = title.split(" ", 1)[0]
    return title if first.isupper() else title[:1].lower() + title[1:]


def check_dates(errors: dict, values: dict, schema: type[In], start: str, end: str) -> None:
    """end must not be before start (both optional)."""
    a, b = values.get(start), values.get(end)
    if a and b and b < a:
        errors.setdefault(end, f"{title_of(schema, end)} must not be before "
                               f"{lower_first(title_of(schema, start))}")


class RecordSpec:
    """How one kind of record is scoped, checked, stored and shown. Subclass per entity."""

    entity = "record"
    label = "record"
    model: Any = None
    create_schema: type[In] = In
    update_schema: type[In] = In
    search: tuple[str, ...] = ()
    filters: dict[str, Callable] = {}
    order: tuple = ()
    ended_column: str | None = None
    hidden: tuple[str, ...] = ()

    def scope(self, actor, stmt):
        return stmt

    def authorise_create(self, actor, values: dict, errors: dict) -> None:
        access.require_writer(actor)

    def authorise_update(self, actor, record) -> None:
        access.require_writer(actor)

    def authorise_end(self, actor, record) -> None:
        """Ending is a change: the same rule unless a kind of record says otherwise."""
        self.authorise_update(actor, record)

    def check(self, s, actor, values: dict, record, errors: dict) -> None:
        """Cross-field and cross-record checks; add {field: message} to errors."""

    def columns(self, payload: dict) -> dict:
        return payload

    def apply(self, record, changes: dict) -> None:
        """Write validated changes onto a record (a PATCH)."""
        for name, value in self.columns(changes).items():
            setattr(record, name, value)

    def values_of(self, record) -> dict:
        """The record's current values in schema terms, for checking a PATCH merged."""
        return {name: getattr(record, name, None) for name in self.create_schema.model_fields}

    def public(self, record) -> dict:
        raise NotImplementedError

    def end(self, record, reason: str, on: date) -> None:
        raise Invalid({"reason": f"A {self.label} cannot be ended."})

    def is_ended(self, record) -> bool:
        """Withdrawn or ended (an end date that has come), a withdrawn bid, or a deactivated
        account. An engagement's own end date is a fact about it, not its withdrawal."""
        marks = [self.ended_column] if self.ended_column else ["withdrawn_at", "ended_on"]
        for name in marks:
            value = getattr(record, name, None)
            if isinstance(value, date) and not isinstance(value, datetime):
                if value <= date.today():
                    return True
            elif value is not None:
                return True
        return (getattr(record, "status", None) == "withdrawn"
                or getattr(record, "active", True) is False)

    def after_write(self, s, actor, record) -> None:
        """Re-evaluate what reads this record (the rules); runs inside the write."""
        from coi.services import evaluation
        evaluation.after_write(s, actor, self.entity, record)


def _searchable(spec: RecordSpec, stmt, text: str):
    clauses = [cast(getattr(spec.model, col), String).ilike(f"%{text}%") for col in spec.search]
    return stmt.where(or_(*clauses)) if clauses else stmt


def _filtered(spec: RecordSpec, stmt, filters: dict):
    """Apply the list filters; a filter that cannot be read (an id that is not a number) is
    a field error, not a crash."""
    for name, value in filters.items():
        if value in (None, "") or name not in spec.filters:
            continue
        try:
            if name.endswith("_id") and not _is_id(value):
                raise ValueError(value)
            stmt = spec.filters[name](stmt, value)
        except (TypeError, ValueError):
            message = f"Choose the {name.removesuffix('_id').replace('_', ' ')} filter from " \
                      "the list"
            raise Invalid({name: message}, detail=f"{message}.") from None
    return stmt


def listing(spec: RecordSpec, actor, query: ListQuery):
    """The statement of a list: the actor's scope, the search, the filters, current records
    only unless asked otherwise, in the spec's order."""
    stmt = spec.scope(actor, select(spec.model))
    if query.q:
        stmt = _searchable(spec, stmt, query.q)
    stmt = _filtered(spec, stmt, query.filters)
    if spec.ended_column and not query.include_ended:
        stmt = stmt.where(getattr(spec.model, spec.ended_column).is_(None))
    return stmt.order_by(*spec.order) if spec.order else stmt.order_by(spec.model.id.desc())


def list_records(spec: RecordSpec, actor, query: ListQuery) -> Page:
    """One page of the records the actor may see, as records."""
    return paginate(db.session(), listing(spec, actor, query), query)


def _is_id(value) -> bool:
    try:
        return 1 <= int(value) <= MAX_ID
    except (TypeError, ValueError):
        return False


def get_record(spec: RecordSpec, actor, record_id: int):
    """The record if it exists and actor may see it; otherwise NotFound (never a leak)."""
    if not _is_id(record_id):
        raise NotFound(f"No {spec.label} {record_id}, or you may not see it.")
    pk = spec.model.__table__.primary_key.columns.values()[0]
    stmt = spec.scope(actor, select(spec.model).where(pk == record_id))
    record = db.session().execute(stmt).scalar_one_or_none()
    if record is None:
        raise NotFound(f"No {spec.label} {record_id}, or you may not see it.")
    return record


def _raise(errors: dict) -> None:
    if errors:
        raise Invalid(errors)


def create_record(spec: RecordSpec, actor, data: Any, **extra):
    """Validate, authorise, store, audit and re-evaluate one new record, in one transaction."""
    errors: dict = {}
    spec.authorise_create(actor, {}, errors)  # the role first: no validation for the refused
    payload = validate(spec.create_schema, data).model_dump()
    with writing() as s:
        spec.check(s, actor, payload, None, errors)
        _raise(errors)
        record = spec.model(**spec.columns(payload), **extra)
        s.add(record)
        s.flush()
        audit.append(s, access.actor_name(actor), f"{spec.entity}.create", spec.entity,
                     record.id, None, audit.snapshot(record, spec.hidden))
        spec.after_write(s, actor, record)
    return record


def _required_nulls(spec: RecordSpec, changes: dict) -> dict:
    """A PATCH may not clear a field the record must have; a null elsewhere means default."""
    errors = {}
    for name, value in list(changes.items()):
        info = spec.create_schema.model_fields.get(name)
        if value is not None or info is None or _nullable(info.annotation):
            continue
        if info.is_required():
            errors[name] = f"{title_of(spec.create_schema, name)} is required"
        else:
            changes[name] = info.get_default(call_default_factory=True)
    return errors


def update_record(spec: RecordSpec, actor, record_id: int, data: Any):
    """Change fields of a record the actor may see and change; absent fields stay as they are."""
    spec.authorise_update(actor, get_record(spec, actor, record_id))
    changes = validate(spec.update_schema, data).model_dump(exclude_unset=True)
    _raise(_required_nulls(spec, changes))
    with writing() as s:
        record = get_record(spec, actor, record_id)
        spec.authorise_update(actor, record)
        before = audit.snapshot(record, spec.hidden)
        merged = {**spec.values_of(record), **changes}
        errors: dict = {}
        spec.check(s, actor, merged, record, errors)
        _raise(errors)
        spec.apply(record, changes)
        after = audit.snapshot(record, spec.hidden)
        if after != before:
            s.add(record)
            s.flush()
            audit.append(s, access.actor_name(actor), f"{spec.entity}.update", spec.entity,
                         record.id, before, after)
            spec.after_write(s, actor, record)
    return record


def end_record(spec: RecordSpec, actor, record_id: int, data: Any):
    """End or withdraw a record with a reason; it stays in the register."""
    from coi.schemas import EndRecord
    spec.authorise_end(actor, get_record(spec, actor, record_id))
    payload = validate(EndRecord, data)
    with writing() as s:
        record = get_record(spec, actor, record_id)
        spec.authorise_end(actor, record)
        if spec.is_ended(record):
            raise Conflict(f"This {spec.label} has already ended or been withdrawn; "
                           "nothing was changed.")
        before = audit.snapshot(record, spec.hidden)
        spec.end(record, payload.reason, payload.ended_on or date.today())
        s.add(record)
        s.flush()
        # The reason always goes into the history, also for records without a column for it.
        after = {**audit.snapshot(record, spec.hidden), "reason": payload.reason}
        audit.append(s, access.actor_name(actor), f"{spec.entity}.end", spec.entity,
                     record.id, before, after)
        spec.after_write(s, actor, record)
    return record


def end_reason(spec: RecordSpec, record) -> str:
    """Why a record was ended or withdrawn: its own column, or else its latest end event."""
    for name in ("withdrawn_reason", "ended_reason"):
        if getattr(record, name, None):
            return getattr(record, name)
    event = db.session().execute(select(AuditEvent.after).where(
        AuditEvent.entity == spec.entity, AuditEvent.entity_id == record.id,
        AuditEvent.action == f"{spec.entity}.end").order_by(AuditEvent.seq.desc())
        .limit(1)).scalar()
    return (event or {}).get("reason") or ""


def visible(s, spec: RecordSpec, actor, record_id: int | None):
    """The referenced record if actor may see it, else None (for field-level errors)."""
    if record_id is None:
        return None
    pk = spec.model.__table__.primary_key.columns.values()[0]
    return s.execute(spec.scope(actor, select(spec.model).where(pk == record_id))) \
        .scalar_one_or_none()
