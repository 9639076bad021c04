"""A cache of figures computed from the whole register (the dashboard's counts, lists and
pictures), kept correct by checking it against the database on every use.

Every write appends an event to the audit chain (coi.audit), in the same transaction as the
change, and the chain's head (seq, hash) names the register's whole history: a hash covers
every earlier event. A cached figure is stored with the stamp (head seq, head hash, today's
date) it was computed at, and is used only while the database's head and the date are the
same; otherwise it is computed again. So every worker and every instance that shares the
database shows the same, current figures, a write shows in the next view, and figures that
depend on the date (months, declarations due) change at midnight.

The stamp is read BEFORE the figures are computed: a write committed in between makes the
figures newer than their stamp, never older, and that stamp is then already out of date.
Values are plain data (numbers, strings, dicts, tuples, frozen dataclasses), never ORM
records bound to a request's session; callers must not change what they get back. The cache
belongs to one app (app.extensions) and keeps the most recently used MAX_ENTRIES keys, up to
about MAX_BYTES of text (rendered pages, exports) in all.

Rows written straight into the tables, outside the services and without an audit event (as
bench/scale_register.py's bulk load does), are seen from the next audited write or the next
day, or at once by a restarted app.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import UTC, date, datetime

from flask import current_app, g
from sqlalchemy import select

from coi import audit, db
from coi.models import AuditEvent

MAX_ENTRIES = 2048
MAX_BYTES = 32 * 1024 * 1024  # of kept text (a page of a list is ~25 KB): per worker
EXTENSION = "coi.figures_cache"
AUDIT = AuditEvent.__table__
HEAD = select(AUDIT.c.seq, AUDIT.c.hash).order_by(AUDIT.c.seq.desc()).limit(1)


class FiguresCache:
    """Values by key, each with the stamp it was computed at; least recently used go first."""

    def __init__(self, size: int = MAX_ENTRIES, max_bytes: int | None = None):
        self.size, self.max_bytes = size, max_bytes or MAX_BYTES
        self.entries, self.lock, self.bytes = OrderedDict(), threading.Lock(), 0

    def get(self, key: Hashable, stamp: Hashable, compute: Callable[[], object]):
        """The value for key if it was computed at stamp, else compute() stored at stamp."""
        with self.lock:
            found = self.entries.get(key)
            if found is not None and found[0] == stamp:
                self.entries.move_to_end(key)
                return found[1]
        value = compute()
        weight = _weight(value)
        if weight > self.max_bytes // 16:
            return value  # too big to keep: computed each time
        with self.lock:
            old = self.entries.pop(key, None)
            self.bytes += weight - (old[2] if old else 0)
            self.entries[key] = (stamp, value, weight)
            while len(self.entries) > self.size or self.bytes > self.max_bytes:
                self.bytes -= self.entries.popitem(last=False)[1][2]
        return value


def _weight(value) -> int:
    """Roughly how many bytes value holds: its text (and the text of a tuple's or list's
    items), or a small figure's nominal 64."""
    if isinstance(value, str | bytes):
        return len(value)
    if isinstance(value, tuple | list):
        return 64 + sum(_weight(item) for item in value)
    return 64


# The head as two columns to read along with another statement (the signed-in account's).
HEAD_COLUMNS = (
    select(AUDIT.c.seq).order_by(AUDIT.c.seq.desc()).limit(1).scalar_subquery()
    .label("audit_head_seq"),
    select(AUDIT.c.hash).order_by(AUDIT.c.seq.desc()).limit(1).scalar_subquery()
    .label("audit_head_hash"))


def stamp() -> tuple:
    """What the register's figures depend on: the audit chain's head and today's date (both
    the local and the UTC one, as the figures use either).

    Read once per database transaction of the request (a page asks for several figures), or
    taken from a statement that read HEAD_COLUMNS earlier in it (see note_head)."""
    s = db.session()
    memo = g.get("_figures_stamp")
    if memo is not None and memo[0] is s.get_transaction() is not None:
        return memo[1]
    row = s.connection().execute(HEAD).first()  # as audit.head, without the ORM layer
    return note_head(*(row or (None, None)))


def note_head(seq: int | None, head_hash: str | None) -> tuple:
    """The stamp for the audit chain's head as this request's transaction just read it."""
    s = db.session()
    value = (seq or 0, head_hash or audit.GENESIS, date.today(), datetime.now(UTC).date())
    g._figures_stamp = (s.get_transaction(), value)
    return value


def _cache() -> FiguresCache:
    cache = current_app.extensions.get(EXTENSION)
    if cache is None:
        cache = current_app.extensions.setdefault(EXTENSION, FiguresCache())
    return cache


def scope_of(actor) -> tuple:
    """What decides which records an account sees: its role and organisation."""
    return (None, None) if actor is None else (actor.role, actor.organisation_id)


def cached(key: tuple, compute: Callable[[], object], at: tuple | None = None):
    """compute()'s value for key as of the database's current stamp (or the given one)."""
    return _cache().get(key, at or stamp(), compute)
