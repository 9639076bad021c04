"""R8 late or missing declarations, and R6 conflicted reviewers (checked when a flag is decided)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from coi.dates import long_date
from coi.vocab import DECLARATION_CATEGORIES

from .facts import BidFact, BoardMemberFact, DeclarationFact, EngagementFact, UloFacts
from .findings import Finding, Names, RuleInfo, Tally, add_months, make_finding
from .thresholds import DEFAULT_THRESHOLDS, Thresholds

R6 = RuleInfo(
    code="R6", name="Conflicted reviewer", version=1,
    summary="A board member who declared an interest in the body or opportunity, or took part "
            "in the engagement or bid, tries to decide the flag.",
    explanation=(
        "R6 raises no flag of its own: it is checked when a decision is recorded. The decision "
        "is refused and the person is recorded as having declared an interest and withdrawn.",
        "A person is conflicted when they took part in the flag's engagement, are on its bid "
        "team, are the person the flag is about, or have a declaration (other than a nil "
        "declaration) about the flag's commissioning body or opportunity that had not ended. "
        "A gift or hospitality counts for the gift memory after it was received.",
    ),
    threshold_keys=("r6_gift_months",),
)
R8 = RuleInfo(
    code="R8", name="Late or missing declaration", version=1,
    summary="A declaration was made more than the deadline after the interest arose, or a "
            "board member has made no declaration within the declaration interval.",
    explanation=(
        "Every declaration except a nil declaration is checked against its deadline, one flag "
        "each. Every current board member, voting or not, must have declared within the "
        "interval; a nil declaration counts, a gift or hospitality does not.",
    ),
    factors=("Late: +30, +20 more when more than three times the deadline, +10 more for a "
             "financial interest.",
             "Missing: never declared +50, last declaration too old +35, voting member +10."),
    threshold_keys=("r8_late_days", "r8_declaration_months"),
)


def is_late(declaration: DeclarationFact, late_days: int) -> bool:
    """R8: a declaration other than a nil one, made more than late_days after its interest
    arose."""
    return (declaration.category != "nil"
            and (declaration.declared_on - declaration.arose_on).days > late_days)


def latest_declarations(declarations: Iterable[DeclarationFact],
                        today: date) -> dict[int, DeclarationFact]:
    """R8: each person's latest declaration made by today that counts (a nil one does, a gift
    or hospitality does not)."""
    latest: dict[int, DeclarationFact] = {}
    for declaration in sorted(declarations, key=lambda d: (d.declared_on, d.id)):
        if declaration.category != "gift_hospitality" and declaration.declared_on <= today:
            latest[declaration.person_id] = declaration
    return latest


def current_board(members: Iterable[BoardMemberFact], today: date,
                  ulo_id: int | None = None) -> dict[tuple[int, int], bool]:
    """R8: (ULO, person) -> voting for each current board member (of one ULO when given);
    voting when any of their current seats votes."""
    board: dict[tuple[int, int], bool] = {}
    for member in members:
        if (ulo_id is None or member.ulo_id == ulo_id) and member.current(today):
            key = (member.ulo_id, member.person_id)
            board[key] = board.get(key, False) or member.voting
    return board


def late_declarations(facts: UloFacts, thresholds: Thresholds, today: date) -> list[Finding]:
    """R8: each declaration made more than the deadline after its interest arose."""
    return [_late_finding(facts, declaration, thresholds) for declaration in facts.declarations
            if is_late(declaration, thresholds.r8_late_days)]


def _late_finding(facts: UloFacts, declaration: DeclarationFact, thresholds) -> Finding:
    delay, limit = (declaration.declared_on - declaration.arose_on).days, thresholds.r8_late_days
    tally = Tally()
    tally.add(30, f"{facts.names.person(declaration.person_id)} declared "
                  f"{_what(declaration.category)} {delay} days after it arose on "
                  f"{long_date(declaration.arose_on)}, more than the {limit} days allowed")
    tally.add(20 if delay > 3 * limit else 0, "The delay was more than three times the deadline")
    tally.add(10 if declaration.category == "financial" else 0, "It is a financial interest")
    return make_finding(
        R8, tally, thresholds,
        fingerprint=f"R8:u{facts.ulo_id}:p{declaration.person_id}:late:d{declaration.id}",
        ulo_id=facts.ulo_id, person_id=declaration.person_id,
        facts=[declaration.id, declaration.person_id, declaration.category,
               declaration.arose_on, declaration.declared_on])


def _what(category: str) -> str:
    if category == "gift_hospitality":
        return "a gift or hospitality"
    label = DECLARATION_CATEGORIES.get(category, category).lower()
    return f"{'an' if label[:1] in 'aeiou' else 'a'} {label} interest"


def missing_declarations(facts: UloFacts, thresholds: Thresholds, today: date) -> list[Finding]:
    """R8: each current board member with no declaration (nil counts) within the interval."""
    members = {person: voting for (_, person), voting
               in current_board(facts.board_members, today, facts.ulo_id).items()}
    latest = latest_declarations(facts.declarations, today)
    since = add_months(today, -thresholds.r8_declaration_months)
    return [_missing_finding(facts, person, members[person], latest.get(person), thresholds)
            for person in sorted(members)
            if person not in latest or latest[person].declared_on < since]


def _missing_finding(facts, person, voting, last, thresholds) -> Finding:
    name = facts.names.person(person)
    tally = Tally()
    if last is None:
        tally.add(50, f"{name} is on the board and has no declaration of interests on record "
                      f"(a nil declaration counts)")
    else:
        tally.add(35, f"{name} last declared their interests on {long_date(last.declared_on)}, "
                      f"more than {thresholds.r8_declaration_months} months ago")
    tally.add(10 if voting else 0, f"{name} is a voting board member")
    suffix = f":d{last.id}" if last else ""
    return make_finding(R8, tally, thresholds,
                        fingerprint=f"R8:u{facts.ulo_id}:p{person}:missing{suffix}",
                        ulo_id=facts.ulo_id, person_id=person,
                        facts={"person": person, "voting": voting,
                               "last": [last.id, last.declared_on] if last else None})


@dataclass(frozen=True, slots=True)
class ReviewContext:
    """What a flag links, as R6 needs it to tell whether a reviewer is conflicted."""

    commissioner_id: int | None = None
    opportunity_id: int | None = None
    participant_ids: frozenset[int] = frozenset()
    team_ids: frozenset[int] = frozenset()
    subject_id: int | None = None

    @classmethod
    def for_flag(cls, commissioner_id: int | None, *, engagement: EngagementFact | None = None,
                 bid: BidFact | None = None, person_id: int | None = None) -> ReviewContext:
        """The context of a flag from its body, engagement, bid and person (any may be None)."""
        return cls(commissioner_id=commissioner_id,
                   opportunity_id=bid.opportunity_id if bid else None,
                   participant_ids=engagement.participant_ids if engagement else frozenset(),
                   team_ids=bid.team_ids if bid else frozenset(), subject_id=person_id)


def is_conflicted(person_id: int, context: ReviewContext,
                  declarations: Iterable[DeclarationFact], today: date,
                  thresholds: Thresholds = DEFAULT_THRESHOLDS,
                  name: str | None = None) -> list[str]:
    """R6: why this person may not decide the flag (an empty list when they may)."""
    who = name or Names().person(person_id)
    reasons = []
    if person_id == context.subject_id:
        reasons.append(f"{who} is the person the flag is about")
    if person_id in context.participant_ids:
        reasons.append(f"{who} took part in the engagement")
    if person_id in context.team_ids:
        reasons.append(f"{who} is on the bid team")
    gifts_since = add_months(today, -thresholds.r6_gift_months)
    for declaration in sorted(declarations, key=lambda d: (d.declared_on, d.id)):
        about = _about(declaration, context)
        if declaration.person_id == person_id and about and _in_force(declaration, today,
                                                                      gifts_since):
            linking = "from" if declaration.category == "gift_hospitality" else "in"
            reasons.append(f"{who} declared {_what(declaration.category)} {linking} the {about} "
                           f"on {long_date(declaration.declared_on)}")
    return reasons


def conflicted_reviewers(person_ids: Iterable[int], context: ReviewContext,
                         declarations: Iterable[DeclarationFact], today: date,
                         thresholds: Thresholds = DEFAULT_THRESHOLDS,
                         names: Mapping[int, str] | None = None) -> dict[int, list[str]]:
    """R6 for a meeting: each conflicted person with their reasons; the others are left out."""
    declarations, names = list(declarations), names or {}
    found = {person: is_conflicted(person, context, declarations, today, thresholds,
                                   names.get(person))
             for person in sorted(set(person_ids))}
    return {person: reasons for person, reasons in found.items() if reasons}


def _about(declaration: DeclarationFact, context: ReviewContext) -> str | None:
    if declaration.opportunity_id is not None and (
            declaration.opportunity_id == context.opportunity_id):
        return "opportunity"
    if declaration.organisation_id is not None and (
            declaration.organisation_id == context.commissioner_id):
        return "commissioning body"
    return None


def _in_force(declaration: DeclarationFact, today: date, gifts_since: date) -> bool:
    if declaration.category == "nil":
        return False
    if declaration.ended_on is not None and declaration.ended_on < today:
        return False
    return declaration.category != "gift_hospitality" or declaration.arose_on >= gifts_since
