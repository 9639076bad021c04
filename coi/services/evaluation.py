"""The bridge from a write to the conflict rules: re-evaluate what a changed record touches.

Every service write calls `after_write` inside its transaction, after the record is flushed
(coi.services.base does it for every RecordSpec). The rules hook works out which ULOs and
commissioning bodies the record touches, reads only their facts, evaluates only the rules that
read the record, and reconciles the findings with the stored flags, all in the same
transaction: the flag is there, or gone, when the write commits.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from coi import access
from coi.rules import evaluate_pair, evaluate_ulo, pair_scope
from coi.services import facts_loader, facts_written, flag_sync, thresholds

_hooks: list = []
EVERY = {"R1", "R3", "R4", "R5", "R7", "R8"}


def register(hook) -> None:
    """hook(s, actor, entity, record) runs inside every write, after the record is flushed."""
    if hook not in _hooks:
        _hooks.append(hook)


def after_write(s, actor, entity: str, record) -> None:
    """Run every registered hook for one written record."""
    for hook in _hooks:
        hook(s, actor, entity, record)


@dataclass
class PairWork:
    """What to re-evaluate for one ULO and body: whole rules (R1 for the body and its
    partners, R4, R5), and R1 limited to the bids or engagements that were written."""

    rules: set[str] = field(default_factory=set)
    bids: set[int] = field(default_factory=set)
    bid_rows: dict[int, tuple] = field(default_factory=dict)  # written bids already read
    engagements: dict[int, tuple] = field(default_factory=dict)  # written: id to its row


@dataclass
class Targets:
    """What a write touched: (ULO, body) pairs, and ULO-wide rules per ULO."""

    pairs: dict[tuple[int, int], PairWork] = field(default_factory=dict)
    ulo_rules: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))

    def pair(self, ulo_id: int, body_id: int) -> PairWork:
        return self.pairs.setdefault((ulo_id, body_id), PairWork())

    def __bool__(self) -> bool:
        return bool(self.pairs or self.ulo_rules)


def rules_hook(s, actor, entity: str, record) -> None:
    """Re-evaluate the rules that read this record, for the ULOs and bodies it touches."""
    from coi.services import touched
    finder = touched.FINDERS.get(entity)
    if finder is None:
        return
    targets = Targets()
    finder(s, record, targets)
    if targets:
        evaluate(s, actor, targets, trigger=f"{entity} {getattr(record, 'id', '')}".strip())


def evaluate(s, actor, targets: Targets, trigger: str, today: date | None = None):
    """Evaluate the targets' rules and sync their flags; returns the counts of changes."""
    today = today or date.today()
    flag_sync.lock(s)
    # The thresholds come with the pairs' small reads, in one statement, when there are pairs.
    shared = facts_written.read_shared(s, targets.pairs, thresholds.KEY) if targets.pairs else None
    limits = thresholds.from_setting(shared.setting) if shared else thresholds.current()
    evaluations = [_ulo_evaluation(s, ulo, rules, limits, today)
                   for ulo, rules in sorted(targets.ulo_rules.items()) if rules]
    whole = {e.facts.ulo_id for e in evaluations if {sc.rule for sc in e.scopes} >= EVERY}
    for (ulo, body), work in sorted(targets.pairs.items()):
        if ulo not in whole:
            evaluations.append(_pair_evaluation(s, ulo, body, work, limits, today, shared))
    # Nothing is appended to the audit chain between the shared read and the flags' events.
    return flag_sync.sync(s, evaluations, actor=_actor(actor), trigger=trigger,
                          head=shared.head if shared else None)


def _ulo_evaluation(s, ulo: int, rules: set[str], limits, today) -> flag_sync.Evaluation:
    """Some rules (or all) over one whole ULO."""
    facts = facts_loader.load(s, [ulo], facts_loader.parts_for(rules))[ulo]
    found = evaluate_ulo(facts, limits, today, only=rules)
    return flag_sync.Evaluation(facts, found, flag_sync.whole(rules))


def _pair_evaluation(s, ulo: int, body: int, work: PairWork, limits, today,
                     shared: facts_written.Shared) -> flag_sync.Evaluation:
    """One ULO and body: the whole pair, or R1 for the written bids and engagements only
    (no other R1 flag reads them) with R4 or R5 for the body."""
    Scope = flag_sync.Scope
    if "R1" in work.rules:
        facts = facts_loader.load_pair(s, ulo, body)
        scopes = tuple(Scope(rule, bodies=bodies)
                       for rule, bodies in sorted(pair_scope(facts, body).items()))
        return flag_sync.Evaluation(facts, evaluate_pair(facts, body, limits, today), scopes)
    body_rules = work.rules & {"R4", "R5"}
    scopes = tuple(Scope(rule, bodies=frozenset({body})) for rule in sorted(body_rules))
    if work.bids:
        scopes += (Scope("R1", bids=frozenset(work.bids)),)
    if work.engagements:
        scopes += (Scope("R1", engagements=frozenset(work.engagements)),)
    facts = facts_written.load_written(s, ulo, body, bids=work.bids,
                                      engagements=work.engagements, rules=body_rules,
                                      shared=shared, bid_rows=work.bid_rows,
                                      lookback_months=limits.r1_lookback_months, today=today)
    rules = body_rules | ({"R1"} if work.bids or work.engagements else set())
    found = [f for f in evaluate_ulo(facts, limits, today, only=rules)
             if any(scope.covers(f) for scope in scopes)]
    return flag_sync.Evaluation(facts, found, scopes)


def _actor(actor) -> str:
    """Who changed a flag: the account whose write it followed, or the rules themselves."""
    return "rules" if actor is None else access.actor_name(actor)


def init_app(app) -> None:
    """Turn on automatic evaluation: every write re-evaluates the rules it touches."""
    register(rules_hook)
