"""Properties every rule must keep, over registers that hypothesis makes up."""

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from coi.rules import (
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
    Thresholds,
    evaluate_naive,
    evaluate_register,
    evaluate_ulo,
    split_register,
)

TODAY = date(2026, 6, 30)
ULOS, BODIES, PEOPLE = (1, 2), (10, 11, 12, 13), tuple(range(1, 7))
AREAS = ("advocacy", "peer_support", "brokerage", "payroll")
PLACES = ("Leeds", "York", "Hull")
INFLUENCES = ("informed", "consulted", "co-designed", "drafted")
ROUTES = ("open", "restricted", "single_source", "grant")
days = st.dates(date(2022, 1, 1), date(2026, 12, 31))
areas, places = st.frozensets(st.sampled_from(AREAS)), st.frozensets(st.sampled_from(PLACES))
rarely = st.sampled_from((False, False, False, True))
people = st.frozensets(st.sampled_from(PEOPLE), max_size=3)
ulos, bodies = st.sampled_from(ULOS), st.sampled_from(BODIES)


def maybe_after(day, draw):
    return draw(st.none() | st.dates(day, date(2027, 12, 31)))


@st.composite
def engagement(draw, id, ulo=ulos, body=bodies):
    started = draw(days)
    return EngagementFact(id, draw(ulo), draw(body), draw(st.sampled_from(INFLUENCES)), started,
                          maybe_after(started, draw), draw(areas), draw(places), draw(people),
                          draw(rarely))


@st.composite
def opportunity(draw, id, body=bodies):
    return OpportunityFact(id, draw(body), draw(areas), draw(places),
                           draw(st.integers(0, 200_000_000)), draw(st.sampled_from(ROUTES)),
                           draw(st.none() | days), draw(rarely))


@st.composite
def bid(draw, id, opportunity_ids, ulo=ulos):
    status = draw(st.sampled_from(("considering", "submitted", "won", "withdrawn")))
    return BidFact(id, draw(ulo), draw(st.sampled_from(opportunity_ids)), status,
                   draw(st.none() | days), draw(people))


def numbered(strategy, low, high):
    return st.integers(low, high).flatmap(
        lambda n: st.tuples(*(strategy(i + 1) for i in range(n))).map(list))


@st.composite
def governance(draw):
    arrangements = [ArrangementFact(i + 1, draw(ulos), draw(bodies), draw(days))
                    for i in range(draw(st.integers(0, 3)))]
    return {
        "arrangements": arrangements,
        "notifications": [NotificationFact(i + 1, draw(st.integers(1, 3)), draw(st.none() | days))
                          for i in range(draw(st.integers(0, 3)))],
        "principles": [PrinciplesFact(draw(ulos), draw(bodies), draw(st.booleans()), i + 1)
                       for i in range(draw(st.integers(0, 3)))],
        "income": [IncomeFact(i + 1, draw(ulos), draw(st.none() | bodies), "funder",
                              draw(st.sampled_from(("2024-25", "2025-26"))),
                              draw(st.integers(0, 10_000)))
                   for i in range(draw(st.integers(0, 6)))],
        "board_members": [BoardMemberFact(draw(ulos), draw(st.sampled_from(PEOPLE)), draw(days),
                                          draw(st.none() | days), draw(st.booleans()),
                                          draw(st.booleans()))
                          for _ in range(draw(st.integers(0, 5)))],
        "declarations": [_declaration(draw, i + 1) for i in range(draw(st.integers(0, 4)))],
    }


def _declaration(draw, id):
    arose = draw(days)
    category = draw(st.sampled_from(("financial", "indirect", "nil", "gift_hospitality")))
    return DeclarationFact(id, draw(st.sampled_from(PEOPLE)), category, arose,
                           draw(st.dates(arose, date(2026, 12, 31))))


@st.composite
def register(draw):
    opportunities = draw(numbered(opportunity, 1, 5))
    ids = [o.id for o in opportunities]
    return {
        "engagements": draw(numbered(engagement, 0, 10)),
        "opportunities": opportunities,
        "bids": draw(numbered(lambda i: bid(i, ids), 0, 8)),
        "partnerships": [PartnershipFact(i + 1, f"P{i + 1}", members) for i, members in enumerate(
            draw(st.lists(st.frozensets(bodies, min_size=2), max_size=2)))],
        **draw(governance()),
    }


def findings(records, today=TODAY):
    by_ulo = split_register((*ULOS, 4), **records, person_orgs={p: 1 for p in PEOPLE})
    return evaluate_register(by_ulo, None, today)


@settings(max_examples=150, deadline=None)
@given(register(), days)
def test_fast_path_finds_exactly_what_the_all_pairs_search_finds(records, today):
    fast = [f for f in findings(records, today) if f.rule == "R1"]
    naive = evaluate_naive(records["engagements"], records["bids"], records["opportunities"],
                           records["partnerships"], Thresholds(), today)
    assert sorted(fast, key=lambda f: f.fingerprint) == naive


@settings(deadline=None)
@given(register())
def test_the_same_facts_give_the_same_fingerprints_and_hashes(records):
    first, again = findings(records), findings({k: list(v) for k, v in records.items()})
    assert first == again
    assert len({f.fingerprint for f in first}) == len(first)


@settings(deadline=None)
@given(register(), st.randoms(use_true_random=False))
def test_shuffling_the_records_changes_no_finding(records, random):
    shuffled = {name: random.sample(rows, len(rows)) for name, rows in records.items()}
    assert findings(shuffled) == findings(records)


def unrelated(records):
    """A record of a ULO nothing else mentions, or about a body no bid or partnership knows."""
    ids = [o.id for o in records["opportunities"]]
    return st.one_of(
        engagement(999, ulo=st.just(4)).map(lambda e: ("engagements", e)),
        bid(999, ids, ulo=st.just(4)).map(lambda b: ("bids", b)),
        opportunity(999).map(lambda o: ("opportunities", o)),
        engagement(999, body=st.just(99)).map(lambda e: ("engagements", e)),
        st.builds(IncomeFact, st.just(999), st.just(4), bodies, st.just("x"),
                  st.just("2025-26"), st.integers(1, 100)).map(lambda i: ("income", i)),
        st.builds(BoardMemberFact, st.just(4), st.just(50), days).map(
            lambda m: ("board_members", m)),
    )


@settings(deadline=None)
@given(st.data())
def test_an_unrelated_record_never_changes_an_existing_flag(data):
    records = data.draw(register())
    name, extra = data.draw(unrelated(records))
    before = {f.fingerprint: f for f in findings(records)}
    after = {f.fingerprint: f for f in findings(records | {name: [*records[name], extra]})}
    assert before.items() <= after.items()


# Monotonicity of R1: more influence, recency, overlap or shared people never lowers a score.


@st.composite
def linked_pair(draw):
    published = draw(st.dates(date(2023, 1, 1), date(2026, 1, 1)))
    tendered = draw(st.frozensets(st.sampled_from(AREAS), min_size=1))
    shared = draw(st.frozensets(st.sampled_from(sorted(tendered)), min_size=1))
    started = draw(st.dates(date(2020, 1, 1), published))
    ended = draw(st.none() | st.dates(max(started, published - timedelta(days=700)),
                                      date(2027, 1, 1)))
    return (
        EngagementFact(1, 1, 10, draw(st.sampled_from(INFLUENCES)), started, ended,
                       shared | (draw(areas) - tendered), draw(places), draw(people)),
        OpportunityFact(1, 10, tendered, draw(places), draw(st.integers(0, 200_000_000)),
                        draw(st.sampled_from(ROUTES)), published),
        BidFact(1, 1, 1, "submitted", None, draw(people)),
    )


def score(engagement, opportunity, bid):
    records = {"engagements": [engagement], "opportunities": [opportunity], "bids": [bid]}
    by_ulo = split_register([1], **records)
    found = evaluate_ulo(by_ulo[1], None, TODAY, only={"R1"})
    return found[0].score if found else None


@st.composite
def raised(draw, pair):
    """The pair after one change that means more influence, recency, overlap or people."""
    engagement, opportunity, bid = pair
    change = draw(st.sampled_from(("influence", "recency", "area", "new area", "place",
                                   "person")))
    if change == "influence":
        higher = INFLUENCES[INFLUENCES.index(engagement.influence):]
        return replace(engagement, influence=draw(st.sampled_from(higher))), opportunity, bid
    if change == "recency":
        later = st.none() if engagement.ended_on is None else st.none() | st.dates(
            engagement.ended_on, date(2027, 12, 31))
        return replace(engagement, ended_on=draw(later)), opportunity, bid
    if change in ("area", "new area"):
        area = draw(st.sampled_from(AREAS if change == "new area" else sorted(
            opportunity.service_areas)))
        return (replace(engagement, service_areas=engagement.service_areas | {area}),
                replace(opportunity, service_areas=opportunity.service_areas | {area}), bid)
    if change == "place":
        place = draw(st.sampled_from(PLACES))
        return (replace(engagement, localities=engagement.localities | {place}),
                replace(opportunity, localities=opportunity.localities | {place}), bid)
    person = draw(st.sampled_from(PEOPLE))
    return (replace(engagement, participant_ids=engagement.participant_ids | {person}),
            opportunity, replace(bid, team_ids=bid.team_ids | {person}))


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_more_influence_recency_overlap_or_shared_people_never_lowers_the_score(data):
    pair = data.draw(linked_pair())
    before = score(*pair)
    assert before is not None
    for _ in range(data.draw(st.integers(1, 4))):
        pair = data.draw(raised(pair))
        after = score(*pair)
        assert after is not None and after >= before
        before = after


@settings(deadline=None)
@given(register(), days)
def test_the_declarations_due_list_names_exactly_whom_r8_flags(records, today):
    from coi.services.declarations_due import late_declarations, missing_declarations
    limits = Thresholds()
    by_ulo = split_register((*ULOS, 4), **records, person_orgs={p: 1 for p in PEOPLE})
    for ulo_id, facts in by_ulo.items():
        r8 = evaluate_ulo(facts, limits, today, only=("R8",))
        members = [m for m in facts.board_members if m.ulo_id == ulo_id]
        due = missing_declarations(members, facts.declarations, today,
                                   limits.r8_declaration_months)
        assert {m.person_id for m in due} == {
            f.person_id for f in r8 if ":missing" in f.fingerprint}
        late = late_declarations(facts.declarations, limits.r8_late_days)
        assert {x.declaration_id for x in late} == {
            int(f.fingerprint.rsplit(":d", 1)[1]) for f in r8 if ":late:" in f.fingerprint}
