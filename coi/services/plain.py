"""Plain rows for pages that only read a list: each column an attribute of the same name, as on
a record, without building ORM records; JSON lists decoded once per distinct text."""

import json
from functools import lru_cache
from types import SimpleNamespace

from sqlalchemy import JSON, Text, type_coerce

from coi import db
from coi.services import base, kept

ENDING_COLUMNS = ("id", "withdrawn_at", "ended_on", "status", "active")


def page_of(spec: base.RecordSpec, stmt, query: base.ListQuery, only=None) -> base.Page:
    """The page of a list's statement (base.listing) that query asks for, as list_records
    would give it, as plain objects: every column of the table as an attribute of the same
    name (row.title), so that spec.public and spec.is_ended read them as they read records.
    Detached from the session (changing one changes nothing): for lists, exports and the API,
    which only read, without building ORM records (a fraction of the time over fifty or a
    thousand rows). With only (column names), just those columns, the id and the ones
    spec.is_ended reads."""
    s = db.session()
    total = kept.count(s, stmt)
    columns = list(spec.model.__table__.columns)
    if only is not None:
        wanted = {*only, *ENDING_COLUMNS, spec.ended_column}
        columns = [c for c in columns if c.key in wanted]
    result = s.connection().execute(
        stmt.with_only_columns(*selected(columns)).limit(query.per_page)
        .offset((query.page - 1) * query.per_page))
    return base.Page(rows(result, columns), total, query.page, query.per_page)


def selected(columns) -> list:
    """What to select for columns: JSON ones as their stored text (rows() decodes it)."""
    return [type_coerce(c, Text).label(c.key) if isinstance(c.type, JSON) else c
            for c in columns]


def every_row(spec: base.RecordSpec, stmt, limit: int):
    """Every row of a list's statement (base.listing; up to limit), as page_of gives a page
    of them: in one query read a thousand rows at a time, not page after page (an OFFSET walks
    past every row before it, so an export of the whole register read it a hundred times
    over)."""
    columns = list(spec.model.__table__.columns)
    result = db.session().connection().execute(
        stmt.with_only_columns(*selected(columns)).limit(limit))
    for chunk in result.partitions(1000):
        yield from rows(chunk, columns)


def rows(found, columns) -> list[SimpleNamespace]:
    """Rows (a result, or a list of them) as plain objects, one attribute per column."""
    names = [c.key for c in columns]
    json_at = [i for i, c in enumerate(columns) if isinstance(c.type, JSON)]
    out = []
    for row in (found.all() if hasattr(found, "all") else found):
        values = list(row)
        for i in json_at:
            values[i] = decoded(values[i])
        out.append(SimpleNamespace(**dict(zip(names, values, strict=True))))
    return out


def decoded(value):
    """A JSON column's value: a fresh copy of a list of plain values (the same few lists of
    codes come back again and again, and are parsed once), anything else parsed as usual; a
    value the driver has decoded already (PostgreSQL) as it is."""
    if not isinstance(value, str):
        return value
    found = _plain_list(value)
    return list(found) if found is not None else json.loads(value)


@lru_cache(maxsize=8192)
def _plain_list(text: str) -> tuple | None:
    value = json.loads(text)
    if isinstance(value, list) and not any(isinstance(v, (list, dict)) for v in value):
        return tuple(value)
    return None
