"""The reading and evaluating half of `flask recompute`, on several processes at once.

The rules are pure Python and take most of a recompute's time, so with N worker processes
N batches of ULOs are read and evaluated at once. A worker reads its batch in one snapshot
(REPEATABLE READ on PostgreSQL; SQLite's read transaction is one already), notes the audit
chain's head in that snapshot, evaluates, and plans the flag changes without writing. The
recompute then applies each plan under the write lock, one batch at a time, only if nothing
but the recompute itself has written since that head (every write appends an audit event); a
batch read before someone else's write is read and evaluated again under the lock. So the
parallel recompute writes exactly what the serial one would.
"""

import gc
import multiprocessing
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from coi.models import AuditEvent
from coi.rules import Thresholds, evaluate_ulo
from coi.services import facts_loader, flag_sync


@dataclass
class Planned:
    """One batch read and evaluated by a worker: the chain head it read at, and its plan."""

    head: int
    counts: Counter
    changes: list = field(default_factory=list)


_job: dict = {}


def planned(engine: Engine, chunks: list[list[int]], limits: Thresholds, today: date,
            workers: int, rules: Iterable[str]) -> Iterator[tuple[list[int], Planned]]:
    """Each chunk with its plan, in order; at most a few plans wait in memory at once."""
    _job.update(engine=engine, limits=limits, today=today, rules=tuple(rules))
    with multiprocessing.get_context("fork").Pool(workers, initializer=_start) as pool:
        pending = []
        for chunk in chunks:
            pending.append((chunk, pool.apply_async(_plan, (chunk,))))
            if len(pending) > workers:
                ready_chunk, result = pending.pop(0)
                yield ready_chunk, result.get()
        for ready_chunk, result in pending:
            yield ready_chunk, result.get()


def _start() -> None:
    """In a new worker: never touch the parent's database connections (ENGINEERING.md)."""
    _job["engine"].dispose(close=False)


def _plan(chunk: list[int]) -> Planned:
    engine = _job["engine"]
    with collector_paused(), Session(engine) as s:
        if engine.dialect.name == "postgresql":
            s.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        head = s.execute(select(func.coalesce(func.max(AuditEvent.seq), 0))).scalar()
        scopes = flag_sync.whole(_job["rules"])
        plan = flag_sync.make_plan(s, [
            flag_sync.Evaluation(facts, evaluate_ulo(facts, _job["limits"], _job["today"]),
                                 scopes)
            for facts in facts_loader.load(s, chunk).values()])
        s.rollback()
    for change in plan.changes:  # plain values travel between processes; rows do not
        if change.row is not None:
            change.row = SimpleNamespace(**change.row._mapping)
    return Planned(head, plan.counts, plan.changes)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for one batch, and back as it was after it.

    A batch holds hundreds of thousands of small objects (rows, facts, findings) that all live
    until its end, so the collector would walk the whole batch again and again for nothing to
    free (it took a third of a recompute's time); reference counting still frees everything
    when the batch ends."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class OwnWrites:
    """The stretches of the audit chain the recompute appended itself, to tell them apart
    from anyone else's writes."""

    def __init__(self) -> None:
        self.stretches: list[tuple[int, int]] = []

    def add(self, after: int, last: int) -> None:
        if last > after:
            self.stretches.append((after, last))

    def only_ours_since(self, seq: int, head: int) -> bool:
        """Whether every event after `seq`, up to `head`, is one the recompute appended."""
        ours = sum(max(0, min(last, head) - max(after, seq)) for after, last in self.stretches)
        return head - seq == ours
