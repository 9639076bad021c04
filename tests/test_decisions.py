"""The board's review of flags: decisions, recusal (R6), quorum, effects, reopening, the
commissioner's read-only view and the board pack."""

from datetime import date

import pytest
from flask import g
from sqlalchemy import func, select

from coi import db
from coi.errors import DomainError, Forbidden, Invalid
from coi.models import AuditEvent, Bid, Decision, Document, Flag, User
from coi.services import base, decisions, engagements

TODAY = date.today().isoformat()


def minute(board, **changes):
    data = {"outcome": "manage", "mitigations": ["ethical_wall"], "quorate": True,
            "rationale": "An ethical wall separates the teams.", "decided_on": TODAY,
            "present_ids": [board["me"], board["jo"]], **changes}
    return decisions.decide(board["user"], board["flag"].id, data)


def events(action: str) -> int:
    return db.session().execute(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == action)).scalar()


def flag_status(flag_id: int) -> str:
    s = db.session()
    s.expire_all()
    return s.get(Flag, flag_id).status


def test_a_quorate_board_resolves_a_flag_and_the_minute_is_kept(board):
    decision = minute(board)
    assert flag_status(board["flag"].id) == "resolved"
    assert decision.quorate and decision.present_ids == sorted([board["me"], board["jo"]])
    assert events("decision.create") == 1 and events("flag.decide") == 1


def test_no_conflict_dismisses_the_flag(board):
    minute(board, outcome="no_conflict", mitigations=[])
    assert flag_status(board["flag"].id) == "dismissed"


def test_a_conflicted_board_member_cannot_decide_and_is_recorded_as_withdrawn(board, make):
    s = db.session()
    sam_user = make.user("ulo_board", board["ulo"], email="sam@example.org")
    sam_user = s.get(User, sam_user.id)
    sam_user.person_id = board["sam"]
    s.add(sam_user)
    s.commit()
    make.board_member(board["ulo"], s.get(type(board["person"]), board["sam"]))
    with pytest.raises(Forbidden) as refused:
        decisions.decide(sam_user, board["flag"].id, {
            "outcome": "no_conflict", "rationale": "Fine.", "quorate": True,
            "decided_on": TODAY, "present_ids": [board["me"], board["jo"]]})
    assert "took part in the engagement" in refused.value.detail
    assert "recorded as withdrawn" in refused.value.detail
    assert events("decision.refused") == 1
    assert flag_status(board["flag"].id) == "open"


def test_a_conflicted_member_present_is_recorded_as_withdrawn(board, make):
    make.board_member(board["ulo"], db.session().get(type(board["person"]), board["sam"]))
    decision = minute(board, present_ids=[board["me"], board["jo"], board["sam"]])
    assert decision.withdrawn_ids == [board["sam"]]
    assert decision.quorate


def test_a_gift_keeps_a_member_from_deciding_for_the_administrators_gift_memory(board):
    from datetime import timedelta

    from coi.services import declarations, thresholds
    received = (date.today() - timedelta(days=100)).isoformat()
    declarations.record_declaration(None, {
        "person_id": board["jo"], "category": "gift_hospitality", "arose_on": received,
        "declared_on": received, "description": "Dinner", "value": "30.00",
        "organisation_id": board["council"].id, "gift_decision": "accepted"})

    def jo_conflicts():
        seats = decisions.board(db.session(), board["flag"])
        return next(seat.conflicts for seat in seats if seat.person_id == board["jo"])

    assert any("gift or hospitality from the commissioning body" in r for r in jo_conflicts())
    thresholds.put_thresholds(None, {"r6_gift_months": 2})  # the gift is 3 months old
    assert jo_conflicts() == []


def test_a_meeting_without_a_quorum_is_refused_and_saves_nothing(board):
    with pytest.raises(Invalid) as refused:
        minute(board, present_ids=[board["me"]])
    assert "not quorate" in refused.value.by_field()["present_ids"]
    assert db.session().execute(select(func.count()).select_from(Decision)).scalar() == 0
    assert flag_status(board["flag"].id) == "open"


def test_managing_a_conflict_needs_at_least_one_mitigation(board):
    with pytest.raises(Invalid) as refused:
        minute(board, mitigations=[])
    assert "mitigations" in refused.value.by_field()


def test_ulo_staff_cannot_decide(board):
    staff = db.session().get(User, board["ulo_staff"].id)
    with pytest.raises(Forbidden):
        decisions.decide(staff, board["flag"].id, {})


def test_a_decided_flag_cannot_be_decided_again(board):
    minute(board)
    with pytest.raises(DomainError) as refused:
        minute(board)
    assert refused.value.status == 409 and "already resolved" in refused.value.detail


def test_withdrawing_the_bid_withdraws_it_and_resolves_the_flag(board):
    minute(board, outcome="withdraw_bid", mitigations=["withdraw"])
    s = db.session()
    s.expire_all()
    assert s.get(Bid, board["bid"].id).status == "withdrawn"
    assert flag_status(board["flag"].id) == "resolved"


def test_declaring_to_the_commissioner_writes_a_letter(board, client, auth):
    decision = minute(board, mitigations=["declare_to_commissioner"])
    letter = decision.letter_markdown
    assert "Riverside Council" in letter and board["opportunity"].title in letter
    assert "Procurement Act 2023" in letter and "{{" not in letter
    auth.login(board["user"])
    got = client.get(f"/flags/{board['flag'].id}/decisions/{decision.id}/letter")
    assert got.status_code == 200 and got.mimetype == "text/markdown"
    assert board["opportunity"].title in got.get_data(as_text=True)
    beyond = f"/flags/{board['flag'].id}/decisions/99999999999999999999/letter"
    assert client.get(beyond).status_code == 404


def test_notifying_the_political_member_starts_a_draft_notification(board):
    decision = minute(board, mitigations=["notify_political_member"])
    doc = db.session().get(Document, decision.notification_document_id)
    assert doc.kind == "political_notification"
    assert doc.arrangement_id == board["arrangement"].id and doc.sent_on is None


def test_a_dismissed_flag_reopens_when_a_fact_changes_and_says_why(board):
    minute(board, outcome="no_conflict", mitigations=[])
    base.update_record(engagements.ENGAGEMENTS, None, board["engagement"].id,
                       {"influence": "co-designed"})
    assert flag_status(board["flag"].id) == "open"
    reopened = db.session().execute(select(AuditEvent).where(
        AuditEvent.action == "flag.reopen", AuditEvent.entity_id == board["flag"].id)
    ).scalars().one()
    assert "influence" in str(reopened.after)


def test_a_dismissed_flag_stays_dismissed_when_nothing_changed(board):
    minute(board, outcome="no_conflict", mitigations=[])
    base.update_record(engagements.ENGAGEMENTS, None, board["engagement"].id,
                       {"notes": "A note that no rule reads."})
    assert flag_status(board["flag"].id) == "dismissed"


def test_the_decision_form_leads_to_check_your_answers_then_minutes(board, client, auth):
    auth.login(board["user"])
    flag_id = board["flag"].id
    form = {"outcome": "manage", "mitigations": ["ethical_wall", "share_information"],
            "rationale": "Wall and sharing.", "quorate": "yes",
            "present_ids": [str(board["me"]), str(board["jo"])],
            "decided_on-day": str(date.today().day), "decided_on-month": str(date.today().month),
            "decided_on-year": str(date.today().year)}
    posted = client.post(f"/flags/{flag_id}/decide", data=form)
    assert posted.status_code == 302 and posted.location.endswith("/decide/check")
    check = client.get(f"/flags/{flag_id}/decide/check").get_data(as_text=True)
    assert "Check the decision" in check and "Jo Board" in check
    assert "Share the information from the engagement with every bidder" in check
    assert flag_status(flag_id) == "open"
    client.application.config["WTF_CSRF_ENABLED"] = True
    stale = client.post(f"/flags/{flag_id}/decide/check")
    client.application.config["WTF_CSRF_ENABLED"] = False
    g.pop("csrf_failed")  # the fixtures' app context outlives requests; a server's does not
    assert stale.status_code == 422 and "<title>Error: " in stale.get_data(as_text=True)
    assert "The decision was not saved" in stale.get_data(as_text=True)
    assert flag_status(flag_id) == "open"
    done = client.post(f"/flags/{flag_id}/decide/check", follow_redirects=True)
    assert "The decision was minuted" in done.get_data(as_text=True)
    assert flag_status(flag_id) == "resolved"


def test_the_decision_form_shows_errors_and_keeps_what_was_typed(board, client, auth):
    auth.login(board["user"])
    got = client.post(f"/flags/{board['flag'].id}/decide",
                      data={"rationale": "Kept text", "quorate": "yes"})
    page = got.get_data(as_text=True)
    assert got.status_code == 422 and "There is a problem" in page
    assert "Kept text" in page and "<title>Error:" in page


def test_the_commissioner_sees_the_flag_and_decision_but_cannot_decide(board, client, auth):
    minute(board, rationale="Visible to the commissioner.")
    auth.login(db.session().get(User, board["commissioner"].id))
    page = client.get(f"/flags/{board['flag'].id}").get_data(as_text=True)
    assert "Visible to the commissioner." in page
    assert "Record the board" not in page
    assert client.get(f"/flags/{board['flag'].id}/decide").status_code == 403
    api = client.get(f"/api/v1/flags/{board['flag'].id}/decisions").get_json()
    assert api["items"][0]["rationale"] == "Visible to the commissioner."


def test_another_commissioner_cannot_see_the_flag(board, client, auth):
    auth.login(db.session().get(User, board["other_commissioner"].id))
    assert client.get(f"/flags/{board['flag'].id}").status_code == 404


def test_the_api_minutes_a_decision_and_refuses_a_second(board, client, auth):
    auth.login(board["user"])
    body = {"outcome": "manage", "mitigations": ["independent_evaluation"], "quorate": True,
            "rationale": "Independent panel.", "decided_on": TODAY,
            "present_ids": [board["me"], board["jo"]], "withdrawn_ids": []}
    made = client.post(f"/api/v1/flags/{board['flag'].id}/decisions", json=body)
    assert made.status_code == 201
    assert set(made.get_json()) >= {"id", "flag_id", "outcome", "mitigations", "rationale",
                                    "present_ids", "withdrawn_ids", "quorate", "decided_on",
                                    "decided_by"}
    again = client.post(f"/api/v1/flags/{board['flag'].id}/decisions", json=body)
    assert again.status_code == 409 and "already resolved" in again.get_json()["detail"]


def test_the_board_pack_lists_open_flags_and_recent_decisions(board, client, auth, make):
    minute(board, rationale="Minuted for the pack.")
    auth.login(board["user"])
    page = client.get("/flags/board-pack").get_data(as_text=True)
    assert "Minuted for the pack." in page
    csv_text = client.get("/flags/board-pack?format=csv").get_data(as_text=True)
    assert csv_text.startswith("\ufeff") and "Minuted for the pack." in csv_text
    later = client.get("/flags/board-pack?since=2999-01-01").get_data(as_text=True)
    assert "Minuted for the pack." not in later
    bad = client.get("/flags/board-pack?since=yesterday")
    assert bad.status_code == 422 and "real date" in bad.get_data(as_text=True)


def test_the_board_pack_csv_is_safe_to_open_in_a_spreadsheet(board, client, auth):
    import csv
    import io
    minute(board, rationale="=HYPERLINK(\"http://evil.example\")",
           mitigations=["ethical_wall", "declare_to_commissioner"])
    auth.login(board["user"])
    response = client.get("/flags/board-pack?format=csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    decided = next(r for r in rows if r["section"] == "decision")
    assert decided["rationale"].startswith("'=HYPERLINK")
    assert decided["mitigations"] == "ethical_wall; declare_to_commissioner"


def test_starting_a_review_and_returning_the_flag(board, client, auth):
    auth.login(db.session().get(User, board["ulo_staff"].id))
    client.post(f"/flags/{board['flag'].id}/review")
    assert flag_status(board["flag"].id) == "under_review"
    client.post(f"/flags/{board['flag'].id}/return")
    assert flag_status(board["flag"].id) == "open"


@pytest.mark.parametrize("role, words", [
    ("ulo_board", "Flags for the board to decide: "),
    ("ulo_staff", "Flags waiting for review: "),
    ("commissioner", "Flags involving your body: "),
    ("auditor", "Audit chain"),
])
def test_each_role_has_a_dashboard_of_what_needs_its_action(board, client, auth, role, words):
    auth.login(db.session().get(User, board[role].id))
    page = client.get("/").get_data(as_text=True)
    assert words in page
    if role != "auditor":
        assert f"/flags/{board['flag'].id}" in page


def test_the_board_dashboard_lists_documents_waiting_for_its_agreement(board, client, auth):
    from coi.services import documents
    doc = documents.create_document(None, {
        "kind": "working_principles", "title": "Principles for working together",
        "ulo_id": board["ulo"].id, "commissioner_id": board["council"].id})
    auth.login(board["user"])
    page = client.get("/").get_data(as_text=True)
    assert "Principles for working together" in page and f"/documents/{doc.id}" in page


def test_an_administrator_sets_the_quorum_from_the_command_line(board, runner):
    assert "2 voting board members" in runner.invoke(args=["quorum"]).output
    assert runner.invoke(args=["quorum", "zero"]).exit_code == 1
    assert "now 3" in runner.invoke(args=["quorum", "3"]).output
    with pytest.raises(Invalid) as refused:
        minute(board)
    assert "at least 3" in refused.value.by_field()["present_ids"]
