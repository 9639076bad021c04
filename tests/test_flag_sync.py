"""How findings become flags: opened once, updated, refreshed, reopened or superseded, never
deleted, and every change audited with who or what made it."""

from datetime import date, timedelta
from types import SimpleNamespace

from coi import audit, db, workflow
from coi.models import Flag
from coi.rules import Finding
from coi.services import base, evaluation, flag_evidence, flag_sync, opportunities
from tests import flagkit
from tests.flagkit import flag, flags


def _evaluate(pairs, today=None, actor=None):
    targets = evaluation.Targets()
    for ulo, body in pairs:
        targets.pair(ulo, body).rules.update({"R1", "R4", "R5"})
    with base.writing() as s:
        return evaluation.evaluate(s, actor, targets, "test", today=today)


def _finding(**kw) -> Finding:
    values = {"rule": "R1", "rule_version": 1, "fingerprint": "R1:e1:b1", "severity": "high",
              "score": 70, "reasons": ("A: +70",), "ulo_id": 1, "facts_hash": "h1",
              "thresholds": {"r1_lookback_months": 24, "band_high": 60, "band_medium": 30}}
    return Finding(**{**values, **kw})


def _row(**kw):
    values = {"status": "open", "facts_hash": "h1", "rule_version": 1, "score": 70,
              "severity": "high", "reasons": ["A: +70"],
              "thresholds": {"r1_lookback_months": 24, "band_high": 60, "band_medium": 30}}
    return SimpleNamespace(**{**values, **kw})


def test_a_finding_without_a_flag_opens_one_and_the_same_finding_changes_nothing():
    assert flag_sync.decide(None, _finding()) == "open"
    assert flag_sync.decide(_row(), _finding()) is None


def test_changed_facts_update_an_open_flag_and_reopen_a_closed_one():
    changed = _finding(facts_hash="h2")
    assert flag_sync.decide(_row(status="under_review"), changed) == "update"
    assert flag_sync.decide(_row(status="dismissed"), changed) == "reopen"
    assert flag_sync.decide(_row(status="resolved"), changed) == "reopen"
    assert flag_sync.decide(_row(status="superseded"), _finding()) == "reopen"


def test_a_drifting_score_refreshes_only_a_flag_still_in_the_queue():
    drifted = _finding(score=65, reasons=("A: +65",))
    assert flag_sync.decide(_row(), drifted) == "refresh"
    assert flag_sync.decide(_row(status="dismissed"), drifted) is None
    new_thresholds = _finding(score=65, thresholds={"r1_lookback_months": 36})
    assert flag_sync.decide(_row(), new_thresholds) is None  # keeps the thresholds that raised it


def test_evidence_changes_read_as_sentences():
    before = {"bid 4": {"submitted_on": "2025-06-20", "team_ids": [1]}, "engagement 2": {}}
    after = {"bid 4": {"submitted_on": "2025-07-01", "team_ids": []}, "opportunity 9": {}}
    assert flag_evidence.changes(before, after) == [
        "the submitted date of bid 4 changed from 2025-06-20 to 2025-07-01",
        "the bid team of bid 4 changed from 1 to nothing",
        "engagement 2 no longer counts",
        "opportunity 9 now counts",
    ]


def test_re_evaluating_the_same_facts_never_makes_a_second_flag(world):
    pair = (world["ulo"].id, world["council"].id)
    before = [(f.id, f.fingerprint, f.updated_at) for f in flags()]
    counts = _evaluate([pair])
    assert counts["opened"] == counts["updated"] == counts["superseded"] == 0
    assert [(f.id, f.fingerprint, f.updated_at) for f in flags()] == before


def test_a_conflict_seen_through_two_partner_bodies_is_one_flag(make):
    org = make.org("ulo")
    city, county = make.org("commissioner"), make.org("commissioner")
    make.partnership(city, county)
    engagement = make.engagement(org, county)
    bid = make.bid(org, make.opportunity(city))
    fingerprint = f"R1:e{engagement.id}:b{bid.id}"
    flagkit.close(flag(fingerprint).id)
    base.update_record(opportunities.BIDS, None, bid.id, {"submitted_on": "2025-07-02"})
    assert len(flags(fingerprint=fingerprint)) == 1
    assert [e.action for e in flagkit.history(flag(fingerprint).id)].count("flag.reopen") == 1


def _running_reference_today(make):
    """An R1 flag whose reference date is today: no publication or submission date."""
    org, council = make.org("ulo"), make.org("commissioner")
    make.engagement(org, council, ended_on=str(date.today() - timedelta(days=60)),
                    started_on="2024-01-01")
    make.bid(org, make.opportunity(council, published_on=None, closes_on=None),
             status="considering", submitted_on=None)
    return (org.id, council.id), flags(rule="R1")[0]


def test_a_score_that_drifts_with_today_is_refreshed_without_reopening(make):
    pair, found = _running_reference_today(make)
    score, facts_hash = found.score, found.facts_hash
    counts = _evaluate([pair], today=date.today() + timedelta(days=300))
    now = flag(found.fingerprint)
    assert counts["updated"] == 1 and now.status == "open"
    assert now.score < score and now.facts_hash == facts_hash
    last = flagkit.history(found.id)[-1]
    assert last.action == "flag.update" and "brought up to date" in last.after["why"]


def test_a_dismissed_flag_keeps_its_score_when_only_today_moves(make):
    pair, found = _running_reference_today(make)
    score = found.score
    flagkit.close(found.id)
    counts = _evaluate([pair], today=date.today() + timedelta(days=300))
    assert counts["updated"] == 0 and flag(found.fingerprint).score == score


def test_a_flag_under_review_is_updated_in_place_when_a_fact_changes(world):
    found = flags(ulo_id=world["ulo"].id, rule="R1")[0]
    score = found.score
    with base.writing() as s:
        record = s.get(Flag, found.id)
        record.status = workflow.transition("open", "start_review", "ulo_staff")
        s.add(record)
    base.update_record(opportunities.BIDS, world["ulo_staff"], world["bid"].id,
                       {"team_ids": []})
    now = flag(found.fingerprint)
    assert now.status == "under_review" and now.score == score - 15
    last = flagkit.history(found.id)[-1]
    assert (last.action, last.actor) == ("flag.update", world["ulo_staff"].email)
    assert f"the bid team of bid {world['bid'].id} changed" in last.after["why"]


def test_flags_are_never_deleted_and_every_change_is_in_the_audit_chain(world, make):
    seen = {f.id for f in flags()}
    base.end_record(opportunities.BIDS, None, world["bid"].id, {"reason": "Withdrawn"})
    make.bid(world["ulo"], make.opportunity(world["council"]))
    assert seen <= {f.id for f in flags()}
    verdict = audit.verify(db.session())
    assert verdict.intact
    for found in flags():
        assert flagkit.history(found.id)[0].action == "flag.open"


def test_a_write_by_an_account_is_named_in_the_flag_history(make):
    org, council = make.org("ulo"), make.org("commissioner")
    staff = make.user("ulo_staff", org)
    make.engagement(org, council)
    bid = base.create_record(opportunities.BIDS, staff, {
        "ulo_id": org.id, "opportunity_id": make.opportunity(council).id,
        "status": "submitted", "submitted_on": "2025-06-20"})
    event = flagkit.history(flags(bid_id=bid.id)[0].id)[0]
    assert event.actor == staff.email and event.after["trigger"] == f"bid {bid.id}"
