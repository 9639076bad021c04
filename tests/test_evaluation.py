"""Worked examples of every rule through the services: the flag appears, changes, reopens or is
superseded in the same request that recorded the fact."""

from datetime import date

import pytest

from coi.models import Flag
from coi.services import base, declarations, engagements, opportunities, organisations, ulo
from tests import flagkit
from tests.flagkit import flag, flags


@pytest.fixture
def pair(make):
    """A ULO with a staff account and a council with an engagement the ULO drafted."""
    org, council = make.org("ulo", "Eastside Voices"), make.org("commissioner", "Eastside Council")
    person = make.person(org, "Ruth Okafor")
    return {"ulo": org, "council": council, "person": person,
            "staff": make.user("ulo_staff", org),
            "engagement": make.engagement(org, council, participant_ids=[person.id])}


def reasons_add_up(found: dict | Flag) -> bool:
    reasons = found["reasons"] if isinstance(found, dict) else found.reasons
    score = found["score"] if isinstance(found, dict) else found.score
    return sum(int(r.rsplit("+", 1)[1]) for r in reasons if "+" in r) >= score > 0


def test_a_bid_through_the_api_raises_the_flag_in_the_same_request(pair, make, auth, client):
    opportunity = make.opportunity(pair["council"])
    auth.login(pair["staff"])
    made = client.post("/api/v1/bids", json={
        "ulo_id": pair["ulo"].id, "opportunity_id": opportunity.id, "status": "submitted",
        "submitted_on": "2025-06-20", "team_ids": [pair["person"].id]})
    assert made.status_code == 201, made.get_json()
    listed = client.get(f"/api/v1/flags?rule=R1&ulo_id={pair['ulo'].id}").get_json()
    [found] = listed["items"]
    assert (found["engagement_id"], found["bid_id"]) == (pair["engagement"].id,
                                                          made.get_json()["id"])
    assert found["severity"] == "high" and found["status"] == "open"
    assert reasons_add_up(found)
    assert "Ruth Okafor took part in both the engagement and the bid team: +15" in found[
        "reasons"]
    one = client.get(f"/api/v1/flags/{found['id']}").get_json()
    assert one["thresholds"]["r1_lookback_months"] == 24 and one["rule_version"] == 1


def test_a_bid_recorded_on_the_page_raises_the_flag(pair, make, auth, client):
    opportunity = make.opportunity(pair["council"])
    auth.login(pair["staff"])
    response = client.post("/bids/new", data={
        "ulo_id": pair["ulo"].id, "opportunity_id": opportunity.id, "status": "submitted",
        "submitted_on-day": "20", "submitted_on-month": "6", "submitted_on-year": "2025"})
    assert response.status_code == 302
    [found] = flags(rule="R1", ulo_id=pair["ulo"].id)
    assert found.engagement_id == pair["engagement"].id and found.status == "open"
    assert "The ULO drafted part of the specification (influence: drafted): +40" in found.reasons


def test_an_engagement_recorded_after_the_bid_raises_the_same_flag(make):
    org, council = make.org("ulo"), make.org("commissioner")
    bid = make.bid(org, make.opportunity(council))
    engagement = make.engagement(org, council)
    assert flag(f"R1:e{engagement.id}:b{bid.id}").status == "open"


def test_an_engagement_with_a_partner_body_counts_for_the_partners_opportunity(make):
    org = make.org("ulo", "Valley Carers")
    city, county = make.org("commissioner", "City Council"), make.org("commissioner", "County")
    make.partnership(city, county, name="City and County Joint Commissioning")
    engagement = make.engagement(org, county)
    bid = make.bid(org, make.opportunity(city))
    found = flag(f"R1:e{engagement.id}:b{bid.id}")
    assert found.commissioner_id == city.id
    assert any("The engagement with County, a commissioning partner of City Council" in r
               for r in found.reasons)


def test_an_engagement_with_a_body_outside_any_partnership_raises_no_flag(make):
    org, city, other = make.org("ulo"), make.org("commissioner"), make.org("commissioner")
    make.engagement(org, other)
    make.bid(org, make.opportunity(city))
    assert flags(rule="R1") == []


# Each window edge is written in both orders: a write reads only the records its dates allow.
BOTH_ORDERS = pytest.mark.parametrize("engagement_first", [True, False],
                                      ids=["engagement first", "bid first"])


def _linked(make, engagement_first: bool, engagement: dict, bid: dict,
            opportunity: dict) -> bool:
    """Write an engagement and a bid in this order, after other dealings of the ULO with the
    body that link to neither (so the pair must be found through the write's own reads);
    whether R1 links the two."""
    org, council = make.org("ulo"), make.org("commissioner")
    make.engagement(org, council, service_areas=["payroll"], started_on="2020-01-01",
                    ended_on=None)
    make.bid(org, make.opportunity(council, service_areas=["peer_support"],
                                   published_on="2026-06-01", closes_on="2026-07-01"),
             submitted_on="2026-06-05")
    writes = [lambda: make.engagement(org, council, **engagement),
              lambda: make.bid(org, make.opportunity(council, **opportunity), **bid)]
    made = [write() for write in (writes if engagement_first else writes[::-1])]
    e, b = made if engagement_first else made[::-1]
    return bool(flags(rule="R1", engagement_id=e.id, bid_id=b.id))


@BOTH_ORDERS
@pytest.mark.parametrize(("ended_on", "flagged"), [
    ("2023-06-01", True),   # exactly 24 months before publication: still counts
    ("2023-05-31", False),  # a day earlier: outside the look-back window
])
def test_the_look_back_window_counts_its_first_day_and_not_the_day_before(
        make, ended_on, flagged, engagement_first):
    assert _linked(make, engagement_first, {"started_on": "2023-01-01", "ended_on": ended_on},
                   {"status": "considering", "submitted_on": None},
                   {"published_on": "2025-06-01"}) is flagged


@BOTH_ORDERS
@pytest.mark.parametrize(("started_on", "submitted_on", "flagged"), [
    ("2025-06-01", None, True),           # starts on the day the tender was published
    ("2025-06-02", None, False),          # starts after it: it cannot have shaped the tender
    ("2025-06-20", "2025-06-20", True),   # a later submission is the day the bid is judged at
    ("2025-06-21", "2025-06-20", False),
])
def test_an_engagement_counts_only_if_it_started_by_the_day_the_bid_is_judged_at(
        make, started_on, submitted_on, flagged, engagement_first):
    bid = {"status": "submitted" if submitted_on else "considering",
           "submitted_on": submitted_on}
    assert _linked(make, engagement_first, {"started_on": started_on, "ended_on": None}, bid,
                   {"published_on": "2025-06-01"}) is flagged


@BOTH_ORDERS
def test_a_bid_with_no_dates_is_judged_today(make, engagement_first):
    assert _linked(make, engagement_first, {"started_on": "2026-01-10", "ended_on": None},
                   {"status": "considering", "submitted_on": None},
                   {"published_on": None, "closes_on": None})


def test_withdrawing_the_bid_supersedes_its_flag(pair, make):
    bid = make.bid(pair["ulo"], make.opportunity(pair["council"]))
    fingerprint = f"R1:e{pair['engagement'].id}:b{bid.id}"
    base.end_record(opportunities.BIDS, pair["staff"], bid.id, {"reason": "Not viable"})
    found = flag(fingerprint)
    assert found.status == "superseded"
    last = flagkit.history(found.id)[-1]
    assert (last.action, last.actor) == ("flag.supersede", pair["staff"].email)
    assert "no longer hold" in last.after["why"]


def test_correcting_the_engagement_supersedes_its_flag(pair, make):
    bid = make.bid(pair["ulo"], make.opportunity(pair["council"]))
    base.update_record(engagements.ENGAGEMENTS, None, pair["engagement"].id,
                       {"service_areas": ["payroll"]})
    assert flag(f"R1:e{pair['engagement'].id}:b{bid.id}").status == "superseded"


def test_a_dismissed_flag_stays_dismissed_when_nothing_the_rule_reads_changes(pair, make):
    bid = make.bid(pair["ulo"], make.opportunity(pair["council"]))
    found = flag(f"R1:e{pair['engagement'].id}:b{bid.id}")
    flagkit.close(found.id)
    events = len(flagkit.history(found.id))
    base.update_record(engagements.ENGAGEMENTS, None, pair["engagement"].id,
                       {"title": "Advocacy co-design (renamed)", "notes": "Minutes attached"})
    assert flag(found.fingerprint).status == "dismissed"
    assert len(flagkit.history(found.id)) == events


def test_a_dismissed_flag_reopens_when_a_fact_changes_and_says_which(pair, make):
    bid = make.bid(pair["ulo"], make.opportunity(pair["council"]))
    found = flag(f"R1:e{pair['engagement'].id}:b{bid.id}")
    flagkit.close(found.id)
    base.update_record(opportunities.BIDS, None, bid.id, {"submitted_on": "2025-07-01"})
    assert flag(found.fingerprint).status == "open"
    last = flagkit.history(found.id)[-1]
    assert last.action == "flag.reopen" and last.actor == "rules"
    assert (f"the submitted date of bid {bid.id} changed from 2025-06-20 to 2025-07-01"
            in last.after["why"])


def test_a_superseded_flag_reopens_when_its_facts_hold_again(pair, make):
    bid = make.bid(pair["ulo"], make.opportunity(pair["council"]))
    fingerprint = f"R1:e{pair['engagement'].id}:b{bid.id}"
    for areas, status in ((["payroll"], "superseded"), (["advocacy"], "open")):
        base.update_record(engagements.ENGAGEMENTS, None, pair["engagement"].id,
                           {"service_areas": areas})
        assert flag(fingerprint).status == status
    assert "hold again" in flagkit.history(flag(fingerprint).id)[-1].after["why"]


def test_changing_an_opportunity_re_evaluates_every_ulo_that_bid_on_it(make):
    council = make.org("commissioner")
    opportunity = make.opportunity(council)
    ulos = [make.org("ulo"), make.org("ulo")]
    for org in ulos:
        make.engagement(org, council)
        make.bid(org, opportunity)
    assert {f.status for f in flags(rule="R1")} == {"open"}
    base.update_record(opportunities.OPPORTUNITIES, None, opportunity.id,
                       {"service_areas": ["brokerage"]})
    assert [f.status for f in flags(rule="R1")] == ["superseded", "superseded"]


def test_leaving_a_partnership_supersedes_the_partner_flag(make):
    org = make.org("ulo")
    city, county = make.org("commissioner"), make.org("commissioner")
    third = make.org("commissioner")
    joint = make.partnership(city, county)
    engagement = make.engagement(org, county)
    bid = make.bid(org, make.opportunity(city))
    organisations.update_partnership(None, joint.id, {"member_ids": [city.id, third.id]})
    assert flag(f"R1:e{engagement.id}:b{bid.id}").status == "superseded"


def test_r3_flags_a_funder_above_the_dependency_threshold(make):
    org, council = make.org("ulo"), make.org("commissioner", "Big Council")
    make.income(org, council, amount="60000.00")
    make.income(org, None, amount="40000.00")
    [found] = flags(rule="R3")
    assert found.fingerprint == f"R3:u{org.id}:c{council.id}:2025-26" and found.score == 60
    make.income(org, None, amount="30000.00", source_name="Lottery")
    assert flag(found.fingerprint).status == "superseded"


def test_r4_flags_an_unnotified_arrangement_until_a_notification_is_sent(make):
    org, council = make.org("ulo"), make.org("commissioner")
    arrangement = make.arrangement(org, council)
    [found] = flags(rule="R4")
    assert found.arrangement_id == arrangement.id and found.score == 60
    note = flagkit.document(None, "political_notification", org, council,
                            arrangement_id=arrangement.id)
    assert flag(found.fingerprint).status == "open"  # a draft that was never sent
    flagkit.update_document(None, note, sent_on=date.today())
    assert flag(found.fingerprint).status == "superseded"


def test_r5_flags_dealings_without_principles_agreed_by_both_sides(make):
    org, council = make.org("ulo"), make.org("commissioner")
    board, officer = make.user("ulo_board", org), make.user("commissioner", council)
    make.engagement(org, council)
    fingerprint = f"R5:u{org.id}:c{council.id}"
    assert flag(fingerprint).status == "open"
    doc = flagkit.document(None, "working_principles", org, council)
    flagkit.agree(None, doc, "ulo", board.id)
    assert flag(fingerprint).status == "open"  # one side is not enough
    flagkit.agree(None, doc, "commissioner", officer.id)
    assert flag(fingerprint).status == "superseded"
    flagkit.revise(None, doc)
    assert flag(fingerprint).status == "open"  # a new revision must be agreed again


def test_r7_flags_a_board_that_is_not_user_led(make):
    org = make.org("ulo")
    for constituency in (True, False, False):
        make.board_member(org, make.person(org), from_constituency=constituency)
    [found] = flags(rule="R7")
    assert "1 of the ULO's 3 current voting board members (33%)" in found.reasons[0]


def test_r8_flags_a_late_declaration_and_a_member_who_never_declared(make):
    org = make.org("ulo")
    person = make.person(org, "Dev Shah")
    make.board_member(org, person)
    missing = flag(f"R8:u{org.id}:p{person.id}:missing")
    late = declarations.record_declaration(None, {
        "person_id": person.id, "category": "financial", "description": "Shares in a supplier",
        "arose_on": "2025-01-01", "declared_on": "2025-03-01"})
    assert flag(missing.fingerprint).status == "superseded"  # a declaration now exists
    found = flag(f"R8:u{org.id}:p{person.id}:late:d{late.id}")
    assert any("Dev Shah declared a financial interest 59 days after" in r for r in found.reasons)


def test_a_board_member_joining_re_evaluates_the_boards_rules(make):
    org = make.org("ulo")
    make.board_member(org, make.person(org), from_constituency=False)
    assert flags(rule="R7")[0].status == "open"
    for _ in range(3):
        make.board_member(org, make.person(org))
    assert flags(rule="R7")[0].status == "superseded"


def test_a_commissioner_sees_the_flags_of_its_body_only(world, auth, client):
    auth.login(world["commissioner"])
    items = client.get("/api/v1/flags?per_page=100").get_json()["items"]
    assert items and {f["commissioner_id"] for f in items} == {world["council"].id}
    other = flags(ulo_id=world["other_ulo"].id, rule="R1")[0]
    assert client.get(f"/api/v1/flags/{other.id}").status_code == 404


def test_flag_history_is_given_to_whoever_may_see_the_flag(world, auth, client):
    found = flags(ulo_id=world["ulo"].id, rule="R1")[0]
    auth.login(world["ulo_staff"])
    events = client.get(f"/api/v1/flags/{found.id}/history").get_json()["items"]
    assert events[0]["action"] == "flag.open" and events[0]["after"]["why"]
    auth.login(world["other_staff"])
    assert client.get(f"/api/v1/flags/{found.id}/history").status_code == 404


def test_an_income_change_leaves_other_rules_flags_untouched(world):
    before = {f.fingerprint: f.updated_at for f in flags(ulo_id=world["ulo"].id)}
    base.update_record(ulo.INCOME, None, world["income"].id, {"amount": "900.00"})
    after = {f.fingerprint: f.updated_at for f in flags(ulo_id=world["ulo"].id)}
    changed = {fp for fp in before if before[fp] != after[fp]}
    assert changed <= {fp for fp in before if fp.startswith("R3")}


def test_the_flag_list_filters_by_status_and_names_a_filter_it_cannot_read(world, auth, client):
    auth.login(world["auditor"])
    active = client.get("/api/v1/flags?status=active&per_page=100").get_json()["items"]
    assert active and {f["status"] for f in active} <= {"open", "under_review"}
    refused = client.get("/api/v1/flags?status=closed")
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["field"] == "status"
