"""The conflict rules (SPEC §4): pure functions from plain facts to findings with reasons.

Nothing here touches Flask or the database. A service copies the rows a rule reads into the
frozen facts of `coi.rules.facts`, calls `evaluate_ulo` (or `evaluate_pair` after a change to
one ULO and body), and reconciles the findings with the stored flags by fingerprint.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date

from .catalogue import RULES, SEVERITY_EXPLANATION, rule_thresholds
from .facts import (
    ArrangementFact,
    BidFact,
    BoardMemberFact,
    DeclarationFact,
    EngagementFact,
    IncomeFact,
    NotificationFact,
    OpportunityFact,
    PartnershipFact,
    PrinciplesFact,
    UloFacts,
    partner_map,
    split_register,
)
from .findings import Finding, RuleInfo, hash_facts
from .governance import board_constituency, dependency, unnotified, unprincipled
from .people import (
    ReviewContext,
    conflicted_reviewers,
    is_conflicted,
    late_declarations,
    missing_declarations,
)
from .question import evaluate_naive, question_then_answer
from .thresholds import (
    DEFAULT_THRESHOLDS,
    THRESHOLD_INFO,
    InvalidThresholds,
    ThresholdInfo,
    Thresholds,
)

EVALUATORS = {
    "R1": (question_then_answer,),
    "R3": (dependency,),
    "R4": (unnotified,),
    "R5": (unprincipled,),
    "R7": (board_constituency,),
    "R8": (late_declarations, missing_declarations),
}
PAIR_RULES = ("R1", "R4", "R5")


def evaluate_ulo(facts: UloFacts, thresholds: Thresholds | None, today: date,
                 only: Collection[str] | None = None) -> list[Finding]:
    """Every finding of every rule (or of the rules in `only`) for one ULO, by fingerprint."""
    thresholds = thresholds or DEFAULT_THRESHOLDS
    found = [finding for code, evaluators in EVALUATORS.items()
             if only is None or code in only
             for evaluate in evaluators
             for finding in evaluate(facts, thresholds, today)]
    return sorted(found, key=lambda f: (f.rule, f.fingerprint))


def pair_scope(facts: UloFacts, commissioner_id: int) -> dict[str, frozenset[int]]:
    """Which flags `evaluate_pair` answers for: rule code to the commissioner ids it covers.

    A change to an engagement, bid or opportunity of body B can move R1 flags on the
    opportunities of B and of B's partners, and the R4 and R5 flags of B itself.
    """
    related = frozenset({commissioner_id, *facts.partners.get(commissioner_id, ())})
    return {"R1": related, "R4": frozenset({commissioner_id}), "R5": frozenset({commissioner_id})}


def evaluate_pair(facts: UloFacts, commissioner_id: int, thresholds: Thresholds | None,
                  today: date) -> list[Finding]:
    """The complete findings of `pair_scope` for one ULO and body: a cheap incremental check."""
    thresholds = thresholds or DEFAULT_THRESHOLDS
    scope = pair_scope(facts, commissioner_id)
    found = question_then_answer(facts, thresholds, today, bodies=scope["R1"])
    found += [f for f in unnotified(facts, thresholds, today) + unprincipled(
        facts, thresholds, today) if f.commissioner_id in scope[f.rule]]
    return sorted(found, key=lambda f: (f.rule, f.fingerprint))


def evaluate_register(facts_by_ulo: Mapping[int, UloFacts], thresholds: Thresholds | None,
                      today: date) -> list[Finding]:
    """Every finding for every ULO (for recompute), in ULO then fingerprint order."""
    return [finding for ulo in sorted(facts_by_ulo)
            for finding in evaluate_ulo(facts_by_ulo[ulo], thresholds, today)]


__all__ = [
    "DEFAULT_THRESHOLDS", "EVALUATORS", "PAIR_RULES", "RULES", "SEVERITY_EXPLANATION",
    "THRESHOLD_INFO", "ArrangementFact", "BidFact", "BoardMemberFact", "DeclarationFact",
    "EngagementFact", "Finding", "IncomeFact", "InvalidThresholds", "NotificationFact",
    "OpportunityFact", "PartnershipFact", "PrinciplesFact", "ReviewContext", "RuleInfo",
    "ThresholdInfo", "Thresholds", "UloFacts", "conflicted_reviewers", "evaluate_naive",
    "evaluate_pair", "evaluate_register", "evaluate_ulo", "hash_facts", "is_conflicted",
    "pair_scope", "partner_map", "rule_thresholds", "split_register",
]
