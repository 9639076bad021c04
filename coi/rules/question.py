"""R1 "question then answer", with R2 "same people on both sides" folded into its score.

The fast path indexes one ULO's engagements by commissioning body and service area, so each bid
meets only the engagements with the opportunity's body and its partners that share one of its
areas. `evaluate_naive` tries every pair of
the whole register; both share `window`, `linked` and `finding`, so they must agree (a property
test checks that they do).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from json.encoder import encode_basestring_ascii as _json_str

from coi.vocab import SERVICE_AREAS

from .facts import BidFact, EngagementFact, OpportunityFact, UloFacts, bid_in_play, partner_map
from .findings import (
    Finding,
    Names,
    RuleInfo,
    Tally,
    add_months,
    fragment,
    hash_text,
    money,
    span,
    thresholds_used,
)
from .thresholds import Thresholds

INFLUENCE_POINTS = {"informed": 10, "consulted": 20, "co-designed": 30, "drafted": 40}
INFLUENCE_REASONS = {
    "informed": "The ULO was kept informed by the commissioner (influence: informed)",
    "consulted": "The ULO was consulted on the requirement (influence: consulted)",
    "co-designed": "The ULO co-designed the requirement (influence: co-designed)",
    "drafted": "The ULO drafted part of the specification (influence: drafted)",
}
RUNNING_POINTS, RECENT_MIN, RECENT_SPAN = 20, 5, 10
AREA_POINTS, PLACE_POINTS, PERSON_POINTS = 15, 5, 15
ROUTES = {
    "single_source": (15, "The contract is single-source, so a requirement the ULO shaped "
                          "favours it directly"),
    "restricted": (10, "The procedure is restricted, so the ULO meets fewer competitors"),
}
VALUE_POINTS = ((100_000_000, 10), (25_000_000, 6), (5_000_000, 3))  # pence: £1m, £250k, £50k
WHEN = {"published": "the tender was published", "submitted": "the bid was submitted"}

R1 = RuleInfo(
    code="R1", name="Question then answer", version=1,
    summary="The ULO helped a commissioning body (or one of its commissioning partners) define "
            "a question, then bid to provide the answer.",
    explanation=(
        "An engagement and a bid are linked when they are the same ULO's, the engagement was "
        "with the body that offers the opportunity or with a partner of it in a commissioning "
        "partnership, they share at least one service area, the bid is not withdrawn, and the "
        "engagement was under way before the reference date and ended no more than the "
        "look-back window before it.",
        "The reference date is the later of the date the tender was published and the date "
        "the bid was submitted; when neither is recorded it is today. An engagement that is "
        "still running has not ended. An engagement that started after the reference date "
        "came after the answer, not before it, and is not linked. Withdrawn engagements, bids "
        "and opportunities are ignored.",
        "An engagement that ended exactly the look-back window before the reference date is "
        "still linked; one that ended a day earlier is not.",
    ),
    factors=(
        "Influence: informed +10, consulted +20, co-designed +30, drafted +40.",
        "Recency: still running at the reference date +20; otherwise +5 to +15, more the "
        "closer the end is to the reference date.",
        "Service areas: up to +15, by the share of the tender's service areas it covered.",
        "Places: +5 when the engagement and the tender share a locality.",
        "Route: single source +15, restricted +10.",
        "Value: £50,000 or more +3, £250,000 or more +6, £1,000,000 or more +10.",
        "Same people (R2): +15 for each person in both the engagement and the bid team.",
    ),
    threshold_keys=("r1_lookback_months",),
)
R2 = RuleInfo(
    code="R2", name="Same people on both sides", version=1,
    summary="A person took part in the engagement and is on the team of a bid linked by R1.",
    explanation=(
        "R2 is not a flag of its own: each person who took part in the engagement and is on "
        "the bid team raises the R1 flag's score by 15 and is named in its reasons, because no "
        "ethical wall separated the voice from the business.",
    ),
)


@dataclass(frozen=True, slots=True)
class Window:
    """The reference date a bid is judged at (and which date it is), and the look-back start."""

    day: date
    kind: str
    start: date


def window(bid: BidFact, opportunity: OpportunityFact, lookback_months: int,
           today: date) -> Window:
    """The later of publication and submission that exist, else today; and the look-back."""
    return window_at(opportunity.published_on, bid.submitted_on, lookback_months, today)


def window_at(published_on: date | None, submitted_on: date | None, lookback_months: int,
              today: date) -> Window:
    """`window` from the two dates it reads (a loader bounds its reads with it)."""
    dates = [(day, kind) for day, kind in ((published_on, "published"),
                                           (submitted_on, "submitted")) if day]
    day, kind = max(dates) if dates else (today, "today")
    return Window(day, kind, add_months(day, -lookback_months))


def linked(engagement: EngagementFact, opportunity: OpportunityFact, within: Window) -> bool:
    """Whether the engagement shaped the opportunity: overlapping, before, and recent enough."""
    return (not engagement.withdrawn and engagement.started_on <= within.day
            and (engagement.ended_on is None or engagement.ended_on >= within.start)
            and not engagement.service_areas.isdisjoint(opportunity.service_areas))


def question_then_answer(facts: UloFacts, thresholds: Thresholds, today: date,
                         bodies: Collection[int] | None = None) -> list[Finding]:
    """R1 (with R2) for one ULO; only bids on opportunities of `bodies` when given."""
    index, parts = _by_body_and_area(facts), Parts(thresholds)
    partners, names, found = facts.partners, facts.names, []
    for bid in facts.bids:
        opportunity = facts.opportunities.get(bid.opportunity_id)
        if bid.ulo_id != facts.ulo_id or not bid_in_play(bid, opportunity):
            continue
        body = opportunity.commissioner_id
        if bodies is not None and body not in bodies:
            continue
        within = window(bid, opportunity, thresholds.r1_lookback_months, today)
        for related in (body, *partners.get(body, ())):
            for engagement in _sharing_an_area(index.get(related), opportunity):
                if linked(engagement, opportunity, within):
                    found.append(finding(engagement, bid, opportunity, within, names,
                                         thresholds, parts))
    return found


def _by_body_and_area(facts: UloFacts) -> dict[int, dict[str, list]]:
    """The ULO's engagements in play, by body, then by service area, as (position, engagement):
    a bid meets only the engagements that share one of its opportunity's areas."""
    index: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for position, engagement in enumerate(facts.engagements):
        if engagement.ulo_id == facts.ulo_id and not engagement.withdrawn:
            by_area = index[engagement.commissioner_id]
            for area in engagement.service_areas:
                by_area[area].append((position, engagement))
    return index


def _sharing_an_area(by_area: dict[str, list] | None,
                     opportunity: OpportunityFact) -> list[EngagementFact]:
    """The engagements of one body that share an area with the opportunity, in their order."""
    if not by_area:
        return []
    lists = [by_area[area] for area in opportunity.service_areas if area in by_area]
    if len(lists) == 1:
        return [engagement for _, engagement in lists[0]]
    merged = dict(pair for pairs in lists for pair in pairs)
    return [merged[position] for position in sorted(merged)]


def evaluate_naive(engagements: Iterable[EngagementFact], bids: Iterable[BidFact],
                   opportunities: Iterable[OpportunityFact], partnerships: Iterable,
                   thresholds: Thresholds | None, today: date,
                   person_names: Mapping | None = None,
                   org_names: Mapping | None = None) -> list[Finding]:
    """R1 by trying every engagement against every bid of the register: the slow reference."""
    thresholds = thresholds or Thresholds()
    by_id = {o.id: o for o in opportunities}
    partners, bids = partner_map(tuple(partnerships)), list(bids)
    names, found = Names(person_names or {}, org_names or {}), []
    for engagement in engagements:
        for bid in bids:
            opportunity = by_id.get(bid.opportunity_id)
            if engagement.ulo_id != bid.ulo_id or not bid_in_play(bid, opportunity):
                continue
            body = opportunity.commissioner_id
            if engagement.commissioner_id not in {body, *partners.get(body, ())}:
                continue
            within = window(bid, opportunity, thresholds.r1_lookback_months, today)
            if linked(engagement, opportunity, within):
                found.append(finding(engagement, bid, opportunity, within, names, thresholds))
    return sorted(found, key=lambda f: f.fingerprint)


def finding(engagement: EngagementFact, bid: BidFact, opportunity: OpportunityFact,
            within: Window, names: Names, thresholds: Thresholds,
            parts: Parts | None = None) -> Finding:
    """The R1 finding for a linked engagement and bid, scored factor by factor."""
    parts = parts or Parts(thresholds)
    covered, engagement_facts, influence = parts.engagement(engagement)
    opportunity_facts, route_and_value = parts.opportunity(opportunity)
    areas = engagement.service_areas & opportunity.service_areas
    places = sorted(p.strip() for p in opportunity.localities
                    if p.strip().casefold() in covered) if covered else []
    people = engagement.participant_ids & bid.team_ids
    tally = Tally(list(influence))
    _recency(tally, engagement, within)
    _overlap(tally, engagement, opportunity, areas, names)
    if places:
        tally.add(PLACE_POINTS,
                  f"The engagement and the tender cover the same places ({', '.join(places)})")
    tally.parts += route_and_value
    for person in sorted(people, key=lambda p: (names.person(p), p)):
        tally.add(PERSON_POINTS,
                  f"{names.person(person)} took part in both the engagement and the bid team")
    score, reasons = tally.finish()
    return Finding(rule=R1.code, rule_version=R1.version,
                   fingerprint=f"R1:e{engagement.id}:b{bid.id}",
                   severity=thresholds.severity(score), score=score, reasons=reasons,
                   ulo_id=bid.ulo_id, thresholds=dict(parts.thresholds),
                   facts_hash=hash_text(engagement_facts, opportunity_facts,
                                        _pair_facts(bid, areas, places, people)),
                   commissioner_id=opportunity.commissioner_id, engagement_id=engagement.id,
                   bid_id=bid.id)


def _pair_facts(bid: BidFact, areas: frozenset[str], places: list[str],
                people: frozenset[int]) -> str:
    """`fragment([bid id, submitted, sorted areas, places, sorted people])`, written out
    directly (ids are ints; strings are escaped exactly as the canonical JSON escapes them)."""
    submitted = "null" if bid.submitted_on is None else f'"{bid.submitted_on.isoformat()}"'
    return (f"{bid.id},{submitted},[{','.join(map(_json_str, sorted(areas)))}],"
            f"[{','.join(map(_json_str, places))}],[{','.join(map(str, sorted(people)))}]")


class Parts:
    """What a finding takes from one engagement or one opportunity alone, worked out once per
    evaluation instead of once per pair: the places an engagement covered, its influence
    factor, each record's part of the hashed facts, an opportunity's route and value factors,
    and the thresholds the findings keep.

    The facts hashed are, in order: the engagement's id, body, influence, start and end; the
    opportunity's id, body, areas, value, route and publication; the bid's id and submission;
    the areas, places and people both sides share."""

    def __init__(self, thresholds: Thresholds) -> None:
        self.thresholds = thresholds_used(R1, thresholds)
        self.engagements: dict[int, tuple[set[str], str, tuple]] = {}
        self.opportunities: dict[int, tuple[str, list[tuple[int, str]]]] = {}

    def engagement(self, e: EngagementFact) -> tuple[set[str], str, tuple]:
        known = self.engagements.get(e.id)
        if known is None:
            influence = Tally()
            influence.add(INFLUENCE_POINTS.get(e.influence, 0),
                          INFLUENCE_REASONS.get(e.influence, ""))
            known = self.engagements[e.id] = (
                {place.strip().casefold() for place in e.localities},
                fragment([e.id, e.commissioner_id, e.influence, _day(e.started_on),
                          _day(e.ended_on)]), tuple(influence.parts))
        return known

    def opportunity(self, o: OpportunityFact) -> tuple[str, list[tuple[int, str]]]:
        known = self.opportunities.get(o.id)
        if known is None:
            tally = Tally()
            _route_and_value(tally, o)
            known = self.opportunities[o.id] = (fragment(
                [o.id, o.commissioner_id, sorted(o.service_areas), o.value_pence, o.route,
                 _day(o.published_on)]), tally.parts)
        return known


def shared_places(engagement: EngagementFact, opportunity: OpportunityFact) -> list[str]:
    """The tender's localities that the engagement also covered, compared case-blind."""
    covered = {place.strip().casefold() for place in engagement.localities}
    return sorted(p.strip() for p in opportunity.localities if p.strip().casefold() in covered)


def _recency(tally: Tally, engagement: EngagementFact, within: Window) -> None:
    ended = engagement.ended_on
    if ended is None or ended >= within.day:
        still = ended is None or within.kind == "today"
        tally.add(RUNNING_POINTS, "The engagement is still running" if still
                  else f"The engagement was still running when {WHEN[within.kind]}")
        return
    length = (within.day - within.start).days
    points = RECENT_MIN + RECENT_SPAN * (length - (within.day - ended).days) // length
    when = (f"before {WHEN[within.kind]}" if within.kind in WHEN
            else "ago (no tender or bid date is recorded)")
    tally.add(points, f"The engagement ended {span(ended, within.day)} {when}")


def _day(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _overlap(tally: Tally, engagement: EngagementFact, opportunity: OpportunityFact,
             areas: frozenset[str], names: Names) -> None:
    total = len(opportunity.service_areas)
    who = "The engagement"
    if engagement.commissioner_id != opportunity.commissioner_id:
        who = (f"The engagement with {names.org(engagement.commissioner_id)}, a commissioning "
               f"partner of {names.org(opportunity.commissioner_id)},")
    tally.add(max(1, AREA_POINTS * len(areas) // total),
              f"{who} covered {len(areas)} of the tender's {total} service areas "
              f"({_area_labels(areas)})")


@lru_cache(maxsize=1024)
def _area_labels(areas: frozenset[str]) -> str:
    return ", ".join(sorted(SERVICE_AREAS.get(a, a) for a in areas))


def _route_and_value(tally: Tally, opportunity: OpportunityFact) -> None:
    tally.add(*ROUTES.get(opportunity.route, (0, "")))
    for minimum, points in VALUE_POINTS:
        if opportunity.value_pence >= minimum:
            tally.add(points, f"The contract is worth {money(opportunity.value_pence)}")
            return
