"""Re-evaluate every rule over the whole register (`flask recompute`).

ULOs are taken in batches: each batch reads its facts with one query per table, evaluates
every rule, and syncs its flags in one transaction that holds the write lock, so a concurrent
write can never be overwritten by an older reading. Memory stays bounded by the batch.
"""

from collections import Counter
from collections.abc import Callable
from datetime import date

from sqlalchemy import select

from coi import db
from coi.models import Organisation
from coi.rules import Thresholds, evaluate_ulo
from coi.services import base, facts_loader, flag_sync, thresholds

EVERY_RULE = ("R1", "R3", "R4", "R5", "R7", "R8")
BATCH = 50


def ulo_ids() -> list[int]:
    """Every ULO in the register, ended or not (their flags stay in the register too)."""
    return list(db.session().execute(select(Organisation.id)
                                      .where(Organisation.kind == "ulo")
                                      .order_by(Organisation.id)).scalars())


def run(progress: Callable[[int], None] | None = None, batch: int = BATCH,
        today: date | None = None, limits: Thresholds | None = None) -> Counter:
    """Evaluate every ULO and sync its flags; returns the counts of opened, updated,
    reopened, superseded and unchanged flags. progress(n) is told after each batch."""
    today, limits = today or date.today(), limits or thresholds.current()
    counts = Counter(dict.fromkeys(flag_sync.COUNTS, 0))
    ids = ulo_ids()
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        with base.writing() as s:
            counts.update(recompute_batch(s, chunk, limits, today))
        if progress is not None:
            progress(len(chunk))
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
