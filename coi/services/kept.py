"""What each worker keeps between requests until the register changes: list totals and
register-wide look-ups (every organisation's name), in the figures cache (coi.services.
figures_cache), so they are checked against the audit chain's head and today's date on every
use: a change shows at once on every worker and every instance.
"""

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from coi import db
from coi.services import figures_cache


def count(s, stmt) -> int:
    """How many rows stmt selects (a list's total, without counting 100,000 rows on every
    page): kept by the statement with its parameters. Statements SQLAlchemy cannot key (or
    with list parameters) are simply counted."""
    counted = select(func.count()).select_from(stmt.order_by(None).subquery())
    return by_statement("count", counted, lambda: s.execute(counted).scalar())


def by_statement(name: str, stmt, compute: Callable[[], Any], *extra):
    """compute() (what stmt's rows come to: a page of a list, an export), kept by name, the
    statement with its parameters, and extra, until the register changes. Statements
    SQLAlchemy cannot key (or with list parameters) are simply computed."""
    key = _statement_key(stmt)
    if key is None:
        return compute()
    return figures_cache.cached((name, *key, *extra), compute)


def remembered(name: str, compute: Callable[[Any], Any]):
    """compute(session), kept under name until the register changes: for register-wide
    look-ups that every page repeats (every organisation's name)."""
    s = db.session()
    return figures_cache.cached(("remembered", name), lambda: compute(s))


def _statement_key(stmt) -> tuple | None:
    cache_key = stmt._generate_cache_key()
    if cache_key is None:
        return None
    try:
        values = tuple(p.effective_value for p in cache_key.bindparams)
        hash(values)
    except TypeError:  # a list or JSON parameter: not worth keying
        return None
    return cache_key.key, values
