"""What each worker keeps between requests until the register changes: list totals and
register-wide look-ups (every organisation's name), each kept with the audit chain's head.

Every change to the register appends an audit event in the transaction that makes it (coi.audit),
so a changed register has a new head (seq, hash), read from the shared database on each use:
every worker and every instance sees a change at once, and never shows a figure older than the
rows beside it. Today's date is part of the key too (a figure may depend on the date). A value
is kept only if the head did not move while it was worked out (PostgreSQL reads each statement
afresh); each app (each gunicorn worker) keeps its own, in app.extensions.
"""

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from coi import audit, db
from coi.models import AuditEvent

COUNTS_KEPT = 512
AUDIT = AuditEvent.__table__
HEAD = select(AUDIT.c.seq, AUDIT.c.hash).order_by(AUDIT.c.seq.desc()).limit(1)


def version(s) -> tuple:
    """The register's version: the audit chain's head (as coi.audit.head, read straight from
    the connection, a fifth of the time) and today's date."""
    row = s.connection().execute(HEAD).first()
    return (row[0], row[1]) if row else (0, audit.GENESIS), date.today()


def count(s, stmt) -> int:
    """How many rows stmt selects (a list's total, without counting 100,000 rows on every
    page): kept by the statement with its parameters and the register's version. Statements
    SQLAlchemy cannot key are simply counted."""
    counted = select(func.count()).select_from(stmt.order_by(None).subquery())
    key = _count_key(counted)
    if key is None:
        return s.execute(counted).scalar()
    now = version(s)
    kept_for, counts = current_app.extensions.get("coi.counts", (None, {}))
    if kept_for != now:  # the register changed: every count kept so far is stale
        counts = {}
        current_app.extensions["coi.counts"] = (now, counts)
    found = counts.get(key)
    if found is not None:
        return found
    total = s.execute(counted).scalar()
    if version(s) == now:
        if len(counts) >= COUNTS_KEPT:
            counts.clear()
        counts[key] = total
    return total


def remembered(name: str, compute: Callable[[Any], Any]):
    """compute(session), kept under name until the register's version changes: for
    register-wide look-ups that every page repeats (every organisation's name)."""
    s = db.session()
    values = current_app.extensions.setdefault("coi.remembered", {})
    now = version(s)
    found = values.get(name)
    if found is not None and found[0] == now:
        return found[1]
    value = compute(s)
    if version(s) == now:
        values[name] = (now, value)
    return value


def _count_key(stmt) -> tuple | None:
    cache_key = stmt._generate_cache_key()
    if cache_key is None:
        return None
    try:
        values = tuple(p.effective_value for p in cache_key.bindparams)
        hash(values)
    except TypeError:  # a list or JSON parameter: not worth keying
        return None
    return cache_key.key, values
