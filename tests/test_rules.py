"""Worked examples of every conflict rule (SPEC §4): plain facts in, findings out, no app."""

from datetime import date

import pytest

from coi.rules import (
    RULES,
    SEVERITY_EXPLANATION,
    THRESHOLD_INFO,
    ArrangementFact,
    BidFact,
    BoardMemberFact,
    DeclarationFact,
    EngagementFact,
    IncomeFact,
    InvalidThresholds,
    NotificationFact,
    OpportunityFact,
    PartnershipFact,
    PrinciplesFact,
    ReviewContext,
    Thresholds,
    UloFacts,
    conflicted_reviewers,
    evaluate_naive,
    evaluate_pair,
    evaluate_ulo,
    is_conflicted,
    pair_scope,
    rule_thresholds,
    split_register,
)

TODAY = date(2026, 3, 31)
NORTH, SOUTH, EAST = 10, 11, 12
NAMES = {7: "Sam Patel", 8: "Jo Green", 9: "Ali Khan"}
ORGS = {NORTH: "Northshire Council", SOUTH: "Southtown Council", EAST: "Eastham Council"}
JOINT = PartnershipFact(3, "Northshire Joint Commissioning", {NORTH, SOUTH})


def engagement(id=12, *, ulo=1, body=NORTH, influence="consulted", started=date(2024, 1, 1),
               ended=date(2025, 1, 31), areas=("advocacy",), places=(), people=(),
               withdrawn=False):
    return EngagementFact(id, ulo, body, influence, started, ended, areas, places, people,
                          withdrawn)


def opportunity(id=5, *, body=NORTH, areas=("advocacy",), places=(), value=0, route="open",
                published=date(2025, 6, 1), withdrawn=False):
    return OpportunityFact(id, body, areas, places, value, route, published, withdrawn)


def bid(id=40, *, ulo=1, opp=5, status="submitted", submitted=None, team=()):
    return BidFact(id, ulo, opp, status, submitted, team)


def facts(*, opportunities=(), **records):
    return UloFacts(ulo_id=1, opportunities={o.id: o for o in opportunities},
                    person_names=NAMES, org_names=ORGS, **records)


def run(rule, today=TODAY, thresholds=None, **records):
    return evaluate_ulo(facts(**records), thresholds, today, only={rule})


def r1(engagements=(), opps=(), bids=(), partnerships=(), **kwargs):
    return run("R1", engagements=engagements, opportunities=opps or (opportunity(),),
               bids=bids or (bid(),), partnerships=partnerships, **kwargs)


# R1 question then answer


def test_engagement_then_bid_with_the_same_body_is_flagged():
    [found] = r1([engagement(influence="drafted")])
    assert (found.rule, found.fingerprint) == ("R1", "R1:e12:b40")
    assert (found.ulo_id, found.commissioner_id, found.engagement_id, found.bid_id) == (
        1, NORTH, 12, 40)
    assert "The ULO drafted part of the specification (influence: drafted): +40" in found.reasons
    assert "The engagement ended 4 months before the tender was published: +13" in found.reasons
    assert found.thresholds == {"r1_lookback_months": 24, "band_high": 60, "band_medium": 30}
    assert len(found.facts_hash) == 64


def test_every_reason_carries_its_points_and_they_add_up_to_the_score():
    [found] = r1([engagement(areas=("advocacy", "peer_support"), places=("Leeds",))],
                 [opportunity(areas=("advocacy", "brokerage"), places=(" leeds",),
                              value=30_000_000, route="restricted")])
    assert sum(int(reason.rsplit("+", 1)[1]) for reason in found.reasons) == found.score
    assert "The engagement and the tender cover the same places (leeds): +5" in found.reasons
    assert ("The engagement covered 1 of the tender's 2 service areas (Advocacy): +7"
            in found.reasons)
    assert "The contract is worth £300,000: +6" in found.reasons
    assert any(r.startswith("The procedure is restricted") for r in found.reasons)


def test_engagement_with_a_partner_counts_for_the_partners_opportunity():
    [found] = r1([engagement(body=SOUTH)], partnerships=[JOINT])
    assert found.commissioner_id == NORTH
    assert any("with Southtown Council, a commissioning partner of Northshire Council" in r
               for r in found.reasons)


def test_engagement_with_a_body_outside_the_partnership_is_not_flagged():
    assert r1([engagement(body=EAST)], partnerships=[JOINT]) == []


def test_no_shared_service_area_means_no_flag():
    assert r1([engagement(areas=("payroll",))]) == []


@pytest.mark.parametrize("change", [
    {"bids": (bid(status="withdrawn"),)},
    {"engagements": (engagement(withdrawn=True),)},
    {"opps": (opportunity(withdrawn=True),)},
])
def test_withdrawn_records_are_ignored(change):
    records = {"engagements": (engagement(),), "opps": (opportunity(),), "bids": (bid(),)}
    assert r1(**(records | change)) == []


@pytest.mark.parametrize("status", ["considering", "submitted", "won", "lost"])
def test_any_bid_status_but_withdrawn_is_flagged(status):
    assert len(r1([engagement()], bids=[bid(status=status)])) == 1


def test_engagement_ending_exactly_the_lookback_before_publication_is_flagged():
    [found] = r1([engagement(started=date(2023, 1, 1), ended=date(2023, 6, 1))])
    assert "The engagement ended 2 years before the tender was published: +5" in found.reasons


def test_engagement_ending_a_day_more_than_the_lookback_before_is_not_flagged():
    assert r1([engagement(started=date(2023, 1, 1), ended=date(2023, 5, 31))]) == []


def test_lookback_counts_calendar_months_to_the_end_of_a_short_month():
    opp = opportunity(published=date(2024, 2, 29))
    assert r1([engagement(started=date(2021, 1, 1), ended=date(2022, 2, 28))], [opp])
    assert not r1([engagement(started=date(2021, 1, 1), ended=date(2022, 2, 27))], [opp])


def test_lookback_is_measured_from_the_later_of_publication_and_submission():
    late_bid = bid(submitted=date(2026, 1, 10))
    [found] = r1([engagement(started=date(2023, 1, 1), ended=date(2024, 1, 10))],
                 bids=[late_bid])
    assert "The engagement ended 2 years before the bid was submitted: +5" in found.reasons


def test_lookback_is_measured_from_today_when_no_date_is_recorded():
    opp = opportunity(published=None)
    assert r1([engagement(ended=date(2024, 3, 31))], [opp])
    assert not r1([engagement(ended=date(2024, 3, 30))], [opp])


def test_lookback_window_is_configurable():
    old = [engagement(started=date(2022, 1, 1), ended=date(2022, 6, 1))]
    assert r1(old) == []
    [found] = r1(old, thresholds=Thresholds(r1_lookback_months=36))
    assert found.thresholds["r1_lookback_months"] == 36


def test_engagement_that_started_after_the_reference_date_is_not_before_it():
    assert r1([engagement(started=date(2025, 6, 2), ended=None)]) == []


def test_engagement_still_running_scores_most_for_recency():
    [running] = r1([engagement(ended=None)])
    [overlapping] = r1([engagement(ended=date(2025, 9, 1))])
    assert "The engagement is still running: +20" in running.reasons
    assert ("The engagement was still running when the tender was published: +20"
            in overlapping.reasons)


def test_each_bid_and_engagement_pair_is_its_own_flag():
    found = r1([engagement(12), engagement(13, body=SOUTH)], partnerships=[JOINT])
    assert [f.fingerprint for f in found] == ["R1:e12:b40", "R1:e13:b40"]


# R2 same people on both sides


def test_person_in_the_engagement_and_the_bid_team_raises_the_score_and_is_named():
    [alone] = r1([engagement(people={7, 8})], bids=[bid(team={9})])
    [shared] = r1([engagement(people={7, 8})], bids=[bid(team={7, 8, 9})])
    assert shared.score == alone.score + 30
    assert "Sam Patel took part in both the engagement and the bid team: +15" in shared.reasons
    assert "Jo Green took part in both the engagement and the bid team: +15" in shared.reasons


def test_score_is_capped_at_100_and_says_so():
    [found] = r1([engagement(influence="drafted", ended=None, people={7, 8, 9})],
                 [opportunity(route="single_source", value=200_000_000)],
                 [bid(team={7, 8, 9})])
    assert (found.score, found.severity) == (100, "high")
    assert found.reasons[-1] == "The score is capped at 100"


def test_severity_bands_follow_the_thresholds():
    weak = [engagement(influence="informed", started=date(2023, 1, 1), ended=date(2023, 7, 1))]
    wide = [opportunity(areas=("advocacy", "brokerage"))]
    [found] = r1(weak, wide)
    assert (found.score, found.severity) == (22, "low")
    [banded] = r1(weak, wide, thresholds=Thresholds(band_medium=20))
    assert banded.severity == "medium"


# R3 too close to one funder


def income(id, source, pounds, year="2025-26"):
    return IncomeFact(id, 1, source, ORGS.get(source, "Donations"), year, pounds * 100)


def test_funder_above_the_dependency_threshold_is_flagged():
    [found] = run("R3", income=[income(1, NORTH, 60_000), income(2, None, 40_000)])
    assert (found.fingerprint, found.commissioner_id, found.score) == ("R3:u1:c10:2025-26",
                                                                       NORTH, 60)
    assert found.reasons == ("Northshire Council gave £60,000 of the ULO's £100,000 income in "
                             "2025-26 (60%), more than the 50% threshold: +60",)


def test_funder_at_exactly_the_threshold_is_not_flagged():
    assert run("R3", income=[income(1, NORTH, 50_000), income(2, SOUTH, 50_000)]) == []


def test_each_financial_year_is_judged_on_its_own():
    rows = [income(1, NORTH, 90, "2024-25"), income(2, SOUTH, 10, "2024-25"),
            income(3, NORTH, 40, "2025-26"), income(4, SOUTH, 60, "2025-26")]
    assert [f.fingerprint for f in run("R3", income=rows)] == [
        "R3:u1:c10:2024-25", "R3:u1:c11:2025-26"]


def test_partnership_members_together_above_the_threshold_are_flagged():
    [found] = run("R3", partnerships=[JOINT], income=[
        income(1, NORTH, 30), income(2, SOUTH, 30), income(3, EAST, 40)])
    assert (found.fingerprint, found.commissioner_id) == ("R3:u1:p3:2025-26", None)
    assert found.reasons[0].startswith("The members of Northshire Joint Commissioning "
                                       "(Northshire Council, Southtown Council) together gave")


def test_partnership_is_not_flagged_again_when_one_member_is_over_alone():
    found = run("R3", partnerships=[JOINT], income=[income(1, NORTH, 60), income(2, SOUTH, 10),
                                                    income(3, None, 30)])
    assert [f.fingerprint for f in found] == ["R3:u1:c10:2025-26"]


# R4 arrangement not notified


def arrangement(started=date(2024, 1, 1), ended=None):
    return ArrangementFact(3, 1, NORTH, started, ended, "informal")


def test_active_arrangement_never_notified_is_flagged():
    [found] = run("R4", arrangements=[arrangement()])
    assert (found.fingerprint, found.arrangement_id, found.score) == ("R4:a3", 3, 60)
    assert "informal arrangement with Northshire Council" in found.reasons[0]


def test_notification_within_twelve_months_clears_the_flag():
    sent = NotificationFact(8, 3, date(2025, 3, 31))
    assert run("R4", arrangements=[arrangement()], notifications=[sent]) == []


def test_lapsed_notification_is_a_new_flag_naming_the_last_one():
    sent = NotificationFact(8, 3, date(2025, 3, 30))
    [found] = run("R4", arrangements=[arrangement()], notifications=[sent])
    assert (found.fingerprint, found.score) == ("R4:a3:n8", 40)
    assert "was sent on 30 March 2025, more than 12 months ago" in found.reasons[0]


def test_unsent_notification_does_not_count():
    draft = NotificationFact(8, 3, None)
    assert len(run("R4", arrangements=[arrangement()], notifications=[draft])) == 1


@pytest.mark.parametrize(("started", "ended", "flagged"), [
    (date(2024, 1, 1), date(2026, 3, 30), False),
    (date(2024, 1, 1), TODAY, True),
    (date(2026, 4, 1), None, False),
])
def test_only_active_arrangements_need_notifying(started, ended, flagged):
    assert bool(run("R4", arrangements=[arrangement(started, ended)])) is flagged


# R5 no agreed principles


def test_bidding_for_a_bodys_work_without_agreed_principles_is_flagged():
    [found] = run("R5", opportunities=[opportunity()], bids=[bid()])
    assert (found.fingerprint, found.commissioner_id, found.score) == ("R5:u1:c10", NORTH, 30)
    assert found.reasons == ("There is no working-principles document with Northshire "
                             "Council: +30",)


def test_wearing_both_hats_with_one_body_scores_more():
    [found] = run("R5", engagements=[engagement()], opportunities=[opportunity()], bids=[bid()])
    assert found.score == 50
    assert "The ULO both engages with Northshire Council and bids for its work: +20" in (
        found.reasons)


def test_principles_agreed_by_both_sides_clear_the_flag():
    docs = [PrinciplesFact(1, NORTH, False, 4), PrinciplesFact(1, NORTH, True, 5)]
    assert run("R5", engagements=[engagement()], principles=docs) == []


def test_principles_agreed_by_one_side_only_are_not_enough():
    [found] = run("R5", engagements=[engagement()], principles=[PrinciplesFact(1, NORTH, False)])
    assert "are not agreed by both sides" in found.reasons[0]


def test_withdrawn_bids_and_engagements_need_no_principles():
    assert run("R5", engagements=[engagement(withdrawn=True)], opportunities=[opportunity()],
               bids=[bid(status="withdrawn")]) == []


# R6 conflicted reviewer


CONTEXT = ReviewContext.for_flag(NORTH, engagement=engagement(people={7}),
                                 bid=bid(team={8}))


def declaration(id, person, category="financial", arose=date(2025, 1, 1), declared=None,
                ended=None, org=None, opp=None):
    return DeclarationFact(id, person, category, arose, declared or arose, ended, org, opp)


def test_people_on_either_side_of_the_flag_are_conflicted():
    assert is_conflicted(7, CONTEXT, [], TODAY, name="Sam Patel") == [
        "Sam Patel took part in the engagement"]
    assert is_conflicted(8, CONTEXT, [], TODAY, name="Jo Green") == ["Jo Green is on the bid team"]
    assert is_conflicted(9, CONTEXT, [], TODAY) == []


def test_declared_interest_in_the_body_or_opportunity_conflicts_a_reviewer():
    declarations = [declaration(1, 9, org=NORTH), declaration(2, 9, "indirect", opp=5)]
    assert is_conflicted(9, CONTEXT, declarations, TODAY, name="Ali Khan") == [
        "Ali Khan declared a financial interest in the commissioning body on 1 January 2025",
        "Ali Khan declared an indirect interest in the opportunity on 1 January 2025",
    ]


@pytest.mark.parametrize("kept_out", [
    declaration(1, 9, "nil", org=NORTH),
    declaration(1, 9, ended=date(2026, 1, 1), org=NORTH),
    declaration(1, 9, "gift_hospitality", arose=date(2025, 3, 30), org=NORTH),
    declaration(1, 9, org=EAST),
    declaration(1, 10, org=NORTH),
])
def test_declarations_that_do_not_conflict_a_reviewer(kept_out):
    assert is_conflicted(9, CONTEXT, [kept_out], TODAY) == []


def test_recent_gift_from_the_body_conflicts_a_reviewer():
    gift = declaration(1, 9, "gift_hospitality", arose=date(2025, 3, 31), org=NORTH)
    assert is_conflicted(9, CONTEXT, [gift], TODAY) == [
        "Person #9 declared a gift or hospitality from the commissioning body on 31 March 2025"]


def test_the_person_a_flag_is_about_may_not_decide_it():
    context = ReviewContext(subject_id=9)
    assert is_conflicted(9, context, [], TODAY, name="Ali Khan") == [
        "Ali Khan is the person the flag is about"]


def test_conflicted_reviewers_lists_only_the_conflicted():
    found = conflicted_reviewers([7, 8, 9, 7], CONTEXT, [], TODAY, names=NAMES)
    assert found == {7: ["Sam Patel took part in the engagement"],
                     8: ["Jo Green is on the bid team"]}


# R7 board not user-led


def member(person, *, voting=True, drawn=True, started=date(2020, 1, 1), ended=None, ulo=1):
    return BoardMemberFact(ulo, person, started, ended, voting, drawn)


def test_board_below_the_user_led_share_is_flagged():
    board = [member(1), member(2), member(3, drawn=False), member(4, voting=False, drawn=False)]
    [found] = run("R7", board_members=board)
    assert (found.fingerprint, found.score) == ("R7:u1", 58)
    assert found.reasons[0] == ("2 of the ULO's 3 current voting board members (66%) are drawn "
                                "from its constituency, fewer than 75%: +40")


def test_board_at_exactly_the_user_led_share_is_not_flagged():
    board = [member(1), member(2), member(3), member(4, drawn=False)]
    assert run("R7", board_members=board) == []


def test_former_and_future_members_do_not_count():
    board = [member(1), member(2, drawn=False, ended=date(2026, 3, 30)),
             member(3, drawn=False, started=date(2026, 4, 1))]
    assert run("R7", board_members=board) == []


def test_ulo_with_no_voting_board_recorded_is_not_flagged():
    assert run("R7", board_members=[member(1, voting=False, drawn=False)]) == []


# R8 late or missing declaration


def test_declaration_made_more_than_28_days_after_the_interest_arose_is_flagged():
    late = declaration(3, 9, arose=date(2026, 1, 1), declared=date(2026, 1, 30))
    [found] = run("R8", declarations=[late])
    assert (found.fingerprint, found.person_id, found.score) == ("R8:u1:p9:late:d3", 9, 40)
    assert found.reasons[0] == ("Ali Khan declared a financial interest 29 days after it arose "
                                "on 1 January 2026, more than the 28 days allowed: +30")


def test_declaration_made_28_days_after_the_interest_arose_is_on_time():
    assert run("R8", declarations=[declaration(3, 9, "indirect", arose=date(2026, 1, 1),
                                               declared=date(2026, 1, 29))]) == []


def test_board_member_who_never_declared_is_flagged():
    [found] = run("R8", board_members=[member(7)])
    assert (found.fingerprint, found.person_id, found.score) == ("R8:u1:p7:missing", 7, 60)
    assert found.reasons == (
        "Sam Patel is on the board and has no declaration of interests on record (a nil "
        "declaration counts): +50", "Sam Patel is a voting board member: +10")


def test_nil_declaration_within_twelve_months_counts():
    nil = declaration(3, 7, "nil", arose=date(2025, 3, 31))
    assert run("R8", board_members=[member(7)], declarations=[nil]) == []


def test_gift_is_not_a_declaration_of_interests():
    gift = declaration(3, 7, "gift_hospitality", arose=date(2026, 3, 1))
    assert [f.fingerprint for f in run("R8", board_members=[member(7)],
                                       declarations=[gift])] == ["R8:u1:p7:missing"]


def test_declaration_older_than_twelve_months_is_a_lapse_naming_it():
    old = declaration(3, 7, "nil", arose=date(2025, 3, 30))
    [found] = run("R8", board_members=[member(7, voting=False)], declarations=[old])
    assert (found.fingerprint, found.score) == ("R8:u1:p7:missing:d3", 35)


# Thresholds, registry, hashing and the entry points


def test_thresholds_come_from_an_admin_setting_and_name_bad_fields():
    assert Thresholds.from_mapping({"r1_lookback_months": "36"}).r1_lookback_months == 36
    with pytest.raises(InvalidThresholds) as caught:
        Thresholds.from_mapping({"r3_dependency_pct": 0, "colour": 1, "band_high": True})
    assert [e["field"] for e in caught.value.errors] == ["colour", "band_high",
                                                        "r3_dependency_pct"]
    with pytest.raises(InvalidThresholds):
        Thresholds.from_mapping({"band_medium": 70})


def test_every_rule_explains_itself_for_the_methodology_page():
    assert list(RULES) == ["R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8"]
    for info in RULES.values():
        assert info.name and info.summary and info.explanation and info.version >= 1
        assert set(info.threshold_keys) <= set(THRESHOLD_INFO)
    assert [i.key for i, _ in rule_thresholds("R8")] == ["r8_late_days", "r8_declaration_months"]
    assert set(Thresholds().as_dict()) == set(THRESHOLD_INFO)
    assert "capped at 100" in SEVERITY_EXPLANATION


def test_flag_fields_are_json_ready():
    [found] = r1([engagement()])
    fields = found.as_flag_fields()
    assert isinstance(fields["reasons"], list) and isinstance(fields["thresholds"], dict)
    assert set(fields) == {"rule", "rule_version", "fingerprint", "severity", "score", "reasons",
                           "thresholds", "facts_hash", "ulo_id", "commissioner_id",
                           "engagement_id", "bid_id", "arrangement_id", "person_id"}


def test_facts_hash_changes_only_when_a_fact_the_rule_reads_changes():
    [base] = r1([engagement(people={7})], bids=[bid(team={8})])
    [same] = r1([engagement(people={7, 9})], bids=[bid(status="won", team={8})])
    [moved] = r1([engagement(people={7}, ended=date(2025, 2, 1))], bids=[bid(team={8})])
    assert same.facts_hash == base.facts_hash
    assert moved.facts_hash != base.facts_hash


def test_evaluate_pair_answers_for_the_body_and_its_partners_only():
    register = facts(engagements=[engagement(12, body=SOUTH), engagement(13, body=EAST)],
                     opportunities=[opportunity(5), opportunity(6, body=EAST)],
                     bids=[bid(40, opp=5), bid(41, opp=6)], partnerships=[JOINT])
    everything = evaluate_ulo(register, None, TODAY)
    scope = pair_scope(register, SOUTH)
    pair = evaluate_pair(register, SOUTH, None, TODAY)
    assert pair == [f for f in everything if f.commissioner_id in scope.get(f.rule, ())]
    assert [f.fingerprint for f in pair] == ["R1:e12:b40", "R5:u1:c11"]


def test_split_register_gives_each_ulo_its_own_records():
    board = [member(7), member(8, ulo=2)]
    by_ulo = split_register(
        [1, 2], engagements=[engagement(12), engagement(13, ulo=2)], board_members=board,
        arrangements=[arrangement()], notifications=[NotificationFact(8, 3, TODAY)],
        declarations=[declaration(1, 7), declaration(2, 8), declaration(3, 9)],
        person_orgs={9: 2})
    assert [e.id for e in by_ulo[2].engagements] == [13]
    assert [d.id for d in by_ulo[1].declarations] == [1]
    assert [d.id for d in by_ulo[2].declarations] == [2, 3]
    assert len(by_ulo[1].notifications) == 1 and by_ulo[2].notifications == ()


def test_naive_reference_finds_the_same_flags():
    engagements = [engagement(12, body=SOUTH), engagement(13, ulo=2)]
    opps, bids = [opportunity()], [bid(40), bid(41, ulo=2)]
    fast = [f for ulo in (1, 2) for f in evaluate_ulo(
        UloFacts(ulo, engagements, bids, {5: opps[0]}, partnerships=[JOINT]), None, TODAY,
        only={"R1"})]
    assert evaluate_naive(engagements, bids, opps, [JOINT], Thresholds(), TODAY) == fast
