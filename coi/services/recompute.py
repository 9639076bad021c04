"""Re-evaluate every rule over the whole register (`flask recompute`).

ULOs are taken in batches: each batch reads its facts with one query per table, evaluates
every rule, and syncs its flags in one transaction that holds the write lock, so a concurrent
write can never be overwritten by an older reading. Memory stays bounded by the batch.
"""

from collections import Counter
from collections.abc import Callable
from datetime import date

from sqlalchemy import select

from coi import audit, db
from coi.models import Organisation
from coi.rules import Thresholds, evaluate_ulo
from coi.services import base, facts_loader, flag_sync, recompute_workers, thresholds
from coi.services.recompute_workers import collector_paused

EVERY_RULE = ("R1", "R3", "R4", "R5", "R7", "R8")
BATCH = 50


def ulo_ids() -> list[int]:
    """Every ULO in the register, ended or not (their flags stay in the register too)."""
    return list(db.session().execute(select(Organisation.id)
                                      .where(Organisation.kind == "ulo")
                                      .order_by(Organisation.id)).scalars())


def run(progress: Callable[[int], None] | None = None, batch: int = BATCH,
        today: date | None = None, limits: Thresholds | None = None,
        workers: int = 1) -> Counter:
    """Evaluate every ULO and sync its flags; returns the counts of opened, updated,
    reopened, superseded and unchanged flags. progress(n) is told after each batch. With
    several workers, batches are read and evaluated in parallel (recompute_workers)."""
    today, limits = today or date.today(), limits or thresholds.current()
    counts = Counter(dict.fromkeys(flag_sync.COUNTS, 0))
    ids = ulo_ids()
    chunks = [ids[start:start + batch] for start in range(0, len(ids), batch)]
    if workers > 1 and len(chunks) > 1:
        db.session().close()  # no connection of this process is open when the workers fork
        plans = recompute_workers.planned(db.engine(), chunks, limits, today, workers,
                                          EVERY_RULE)
    else:
        plans = ((chunk, None) for chunk in chunks)
    ours = recompute_workers.OwnWrites()
    for chunk, planned in plans:
        with collector_paused(), base.writing() as s:
            counts.update(sync_batch(s, chunk, planned, ours, limits, today))
        if progress is not None:
            progress(len(chunk))
    return counts


def sync_batch(s, chunk: list[int], planned, ours, limits: Thresholds,
               today: date) -> Counter:
    """Apply a worker's plan if nothing but this recompute wrote since it read (else read
    and evaluate the batch again here, under the lock); note the events appended."""
    flag_sync.lock(s)
    start = audit.head(s)[0]
    if planned is not None and ours.only_ours_since(planned.head, start):
        flag_sync.apply(s, planned.changes, actor="rules", trigger="recompute")
        counts = planned.counts
    else:
        counts = recompute_batch(s, chunk, limits, today)
    ours.add(start, audit.head(s)[0])
    return counts


def recompute_batch(s, chunk: list[int], limits: Thresholds, today: date) -> Counter:
    """One batch of ULOs: read, evaluate every rule, sync (inside the caller's transaction)."""
    flag_sync.lock(s)
    facts = facts_loader.load(s, chunk)
    scopes = flag_sync.whole(EVERY_RULE)
    evaluations = [flag_sync.Evaluation(f, evaluate_ulo(f, limits, today), scopes)
                   for f in facts.values()]
    return flag_sync.sync(s, evaluations, actor="rules", trigger="recompute")


def summary(counts: Counter) -> str:
    """The counts in one line, for the command line."""
    return ", ".join(f"{counts.get(name, 0)} {name}" for name in flag_sync.COUNTS)
