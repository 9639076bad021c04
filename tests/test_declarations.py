"""Declarations of interest, nil declarations and gifts: what is saved, what is refused and why,
who sees what, and that every write leaves exactly one audit event."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from coi import db
from coi.errors import Forbidden, Invalid
from coi.models import AuditEvent, Declaration
from coi.services import base, declarations

TODAY = date.today()


def events() -> int:
    """Events about declarations and settings (the rules may add flag events of their own)."""
    return db.session().execute(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.entity.in_(("declaration", "setting")))).scalar()


def rows() -> int:
    return db.session().execute(select(func.count()).select_from(Declaration)).scalar()


def data(world, **kw) -> dict:
    return {"person_id": world["person"].id, "category": "financial",
            "description": "Shares in Riverside Care Ltd", "organisation_id": world["council"].id,
            "arose_on": (TODAY - timedelta(days=10)).isoformat(), **kw}


def gift(world, value: str, decision: str | None, **kw) -> dict:
    return data(world, category="gift_hospitality", description="Dinner at the awards",
                value=value, gift_decision=decision, **kw)


def test_a_declaration_is_saved_with_today_as_its_date_and_one_audit_event(world):
    before = events()
    record = declarations.record_declaration(world["ulo_staff"], data(world))
    assert record.declared_on == TODAY
    assert record.recorded_by == world["ulo_staff"].id
    assert events() == before + 1
    event = db.session().execute(select(AuditEvent).where(AuditEvent.entity == "declaration")
                                 .order_by(AuditEvent.seq.desc())).scalar()
    assert (event.action, event.actor, event.entity_id) == (
        "declaration.create", world["ulo_staff"].email, record.id)
    assert event.before is None and event.after["description"] == "Shares in Riverside Care Ltd"


def test_changing_and_ending_a_declaration_each_append_exactly_one_event(world):
    actor = world["ulo_board"]
    record = declarations.record_declaration(actor, data(world))
    start = events()
    base.update_record(declarations.DECLARATIONS, actor, record.id,
                       {"description": "Shares sold in part"})
    assert events() == start + 1
    base.end_record(declarations.DECLARATIONS, actor, record.id,
                    {"reason": "Shares sold", "ended_on": TODAY.isoformat()})
    assert events() == start + 2
    last = db.session().execute(select(AuditEvent).where(AuditEvent.entity == "declaration")
                                .order_by(AuditEvent.seq.desc())).scalar()
    assert last.action == "declaration.end"
    assert last.before["ended_on"] is None and last.after["ended_on"] == TODAY.isoformat()
    assert last.after["ended_reason"] == "Shares sold"


def test_an_ended_declaration_stays_in_the_register_and_nothing_can_delete_one(world, client,
                                                                              auth):
    record = declarations.record_declaration(None, data(world))
    base.end_record(declarations.DECLARATIONS, None, record.id, {"reason": "No longer held"})
    auth.login(world["ulo_staff"])
    listed = client.get("/api/v1/declarations?include_ended=true").get_json()
    assert [d["id"] for d in listed["items"]] == [record.id]
    assert listed["items"][0]["ended_reason"] == "No longer held"
    assert client.delete(f"/api/v1/declarations/{record.id}").status_code == 405
    assert client.get("/api/v1/declarations").get_json()["total"] == 0  # current ones only


def test_saving_a_declaration_with_nothing_changed_writes_no_event(world):
    record = declarations.record_declaration(None, data(world))
    start = events()
    base.update_record(declarations.DECLARATIONS, None, record.id,
                       {"description": record.description})
    assert events() == start


BAD = [
    ("declared in the future", {"declared_on": (TODAY + timedelta(days=1)).isoformat()},
     "declared_on", "must not be in the future"),
    ("declared before it arose", {"declared_on": (TODAY - timedelta(days=20)).isoformat()},
     "declared_on", "must not be before the date the interest arose"),
    ("arose in the future", {"arose_on": (TODAY + timedelta(days=3)).isoformat()},
     "arose_on", "must not be in the future"),
    ("ended before it arose", {"ended_on": (TODAY - timedelta(days=30)).isoformat()},
     "ended_on", "must not be before"),
    ("no description", {"description": ""}, "description", "Description is required"),
    ("unknown category", {"category": "hobby"}, "category", "Category must be one of"),
    ("an organisation that does not exist", {"organisation_id": 99999}, "organisation_id",
     "Choose an organisation from the list"),
    ("an opportunity that does not exist", {"opportunity_id": 99999}, "opportunity_id",
     "Choose an opportunity from the list"),
    ("a nil declaration about an organisation", {"category": "nil"}, "organisation_id",
     "A nil declaration concerns nothing"),
    ("a value on an interest that is not a gift", {"value": "10.00"}, "value",
     "Only a gift or hospitality has this"),
]


@pytest.mark.parametrize("label, change, field, message", BAD, ids=[b[0] for b in BAD])
def test_a_bad_declaration_names_the_field_and_saves_nothing(world, label, change, field,
                                                             message):
    counts = (rows(), events())
    with pytest.raises(Invalid) as caught:
        declarations.record_declaration(world["ulo_staff"], data(world, **change))
    assert message in caught.value.by_field()[field]
    assert (rows(), events()) == counts


def test_a_declaration_is_only_for_a_current_person_of_your_own_organisation(world, make):
    left = make.person(world["ulo"], "Left Person")
    base.end_record(organisations_spec(), None, left.id, {"reason": "Moved away"})
    for person in (world["other_person"], left):
        with pytest.raises(Invalid) as caught:
            declarations.record_declaration(world["ulo_staff"],
                                            data(world, person_id=person.id))
        assert caught.value.by_field()["person_id"] == (
            "Choose a current person of your organisation from the list")


def organisations_spec():
    from coi.services import organisations
    return organisations.PEOPLE


def test_a_nil_declaration_needs_no_organisation(world):
    record = declarations.record_declaration(world["ulo_board"], data(
        world, category="nil", organisation_id=None, description="Nothing to declare"))
    assert record.category == "nil" and record.organisation_id is None


GIFT_BAD = [
    ("no value", {"value": None}, "value", "Enter the value of the gift or hospitality"),
    ("no body", {"organisation_id": None}, "organisation_id", "Choose the commissioning body"),
    ("no decision", {"gift_decision": None}, "gift_decision", "Choose what was decided"),
]


@pytest.mark.parametrize("label, change, field, message", GIFT_BAD,
                         ids=[b[0] for b in GIFT_BAD])
def test_a_gift_needs_a_value_a_body_and_a_decision(world, label, change, field, message):
    counts = (rows(), events())
    with pytest.raises(Invalid) as caught:
        declarations.record_declaration(world["ulo_staff"], {**gift(world, "30.00", "accepted"),
                                                             **change})
    assert message in caught.value.by_field()[field]
    assert (rows(), events()) == counts


def test_a_gift_must_come_from_a_commissioning_body(world):
    with pytest.raises(Invalid) as caught:
        declarations.record_declaration(world["ulo_staff"], gift(
            world, "30.00", "accepted", organisation_id=world["other_ulo"].id))
    assert "commissioning body" in caught.value.by_field()["organisation_id"]


def test_a_gift_above_the_refusal_threshold_must_be_declined_or_approved(world):
    with pytest.raises(Invalid) as caught:
        declarations.record_declaration(world["ulo_staff"], gift(world, "75.01", "accepted"))
    assert caught.value.by_field()["gift_decision"] == (
        "A gift or hospitality worth more than £75.00 must be declined, unless its acceptance "
        "was approved")
    for decision in ("declined", "approved"):
        saved = declarations.record_declaration(world["ulo_staff"],
                                                gift(world, "120.00", decision))
        assert declarations.DECLARATIONS.public(saved)["value"] == "120.00"
    assert declarations.record_declaration(world["ulo_staff"], gift(world, "75.00", "accepted"))


def test_an_administrator_changes_the_gift_thresholds_and_they_apply_at_once(world):
    start = events()
    declarations.set_gift_thresholds(world["admin"], {"declare_above": "10.00",
                                                      "refuse_above": "40.00"})
    assert events() == start + 1
    assert declarations.gift_thresholds() == (10, 40)
    declarations.set_gift_thresholds(world["admin"], {"declare_above": "10",
                                                      "refuse_above": "40.00"})
    assert events() == start + 1  # the same thresholds again: nothing to save or audit
    with pytest.raises(Invalid) as caught:
        declarations.record_declaration(world["ulo_staff"], gift(world, "45.00", "accepted"))
    assert "more than £40.00" in caught.value.by_field()["gift_decision"]


def test_only_an_administrator_sets_sensible_gift_thresholds(world):
    with pytest.raises(Forbidden):
        declarations.set_gift_thresholds(world["ulo_board"], {"declare_above": "1.00",
                                                              "refuse_above": "2.00"})
    with pytest.raises(Invalid) as caught:
        declarations.set_gift_thresholds(world["admin"], {"declare_above": "80.00",
                                                          "refuse_above": "20.00"})
    assert caught.value.by_field() == {
        "refuse_above": "Refuse above must not be below declare above"}
    assert declarations.gift_thresholds() == (25, 75)


def test_the_declaration_form_quotes_the_thresholds_in_force(world, client, auth):
    auth.login(world["ulo_staff"])
    page = client.get("/declarations/new").get_data(as_text=True)
    assert "worth more than £25.00" in page and "more than £75.00 must be declined" in page
    auth.login(world["admin"])
    answer = client.post("/declarations/gift-thresholds",
                         data={"declare_above": "30", "refuse_above": "100"})
    assert answer.status_code == 302
    page = client.get("/declarations/new").get_data(as_text=True)
    assert "worth more than £30.00" in page and "more than £100.00 must be declined" in page


def test_the_thresholds_form_shows_what_is_wrong_and_keeps_what_was_typed(world, client, auth):
    auth.login(world["admin"])
    answer = client.post("/declarations/gift-thresholds",
                         data={"declare_above": "lots", "refuse_above": "100"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "There is a problem" in page and 'value="lots"' in page
    assert "must be a number" in page


def test_the_form_shows_each_problem_and_keeps_what_was_typed(world, client, auth):
    auth.login(world["ulo_staff"])
    answer = client.post("/declarations/new", data={
        "person_id": str(world["person"].id), "category": "gift_hospitality",
        "description": "Theatre tickets", "organisation_id": str(world["council"].id),
        "arose_on-day": "1", "arose_on-month": "2", "arose_on-year": "2026",
        "value": "90", "gift_decision": "accepted"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "must be declined, unless its acceptance was approved" in page
    assert "Theatre tickets" in page and rows() == 0


def test_each_account_sees_only_its_own_organisations_declarations(world, make):
    ours = declarations.record_declaration(None, data(world))
    theirs = declarations.record_declaration(None, data(
        world, person_id=world["other_person"].id, organisation_id=world["other_council"].id))
    council_person = make.person(world["council"], "Officer Jones")
    officer = declarations.record_declaration(world["commissioner"], data(
        world, person_id=council_person.id, organisation_id=None))
    seen = {role: {d.id for d in base.list_records(
        declarations.DECLARATIONS, world[role], base.ListQuery()).items}
        for role in ("ulo_staff", "other_staff", "commissioner", "auditor", "admin")}
    assert seen["ulo_staff"] == {ours.id}
    assert seen["other_staff"] == {theirs.id}
    assert seen["commissioner"] == {officer.id}
    assert seen["auditor"] == seen["admin"] == {ours.id, theirs.id, officer.id}


def test_a_commissioner_cannot_declare_for_a_ulos_person(world):
    with pytest.raises(Invalid) as caught:
        declarations.record_declaration(world["commissioner"], data(world))
    assert "person_id" in caught.value.by_field()


def test_an_auditor_cannot_declare_change_or_end(world):
    record = declarations.record_declaration(None, data(world))
    counts = (rows(), events())
    with pytest.raises(Forbidden):
        declarations.record_declaration(world["auditor"], data(world))
    with pytest.raises(Forbidden):
        base.update_record(declarations.DECLARATIONS, world["auditor"], record.id,
                           {"description": "x"})
    with pytest.raises(Forbidden):
        base.end_record(declarations.DECLARATIONS, world["auditor"], record.id,
                        {"reason": "x"})
    assert (rows(), events()) == counts


def test_ending_a_declaration_before_it_arose_or_in_the_future_is_refused(world):
    record = declarations.record_declaration(None, data(world))
    for when, message in ((TODAY - timedelta(days=11), "must not be before"),
                          (TODAY + timedelta(days=1), "must not be in the future")):
        with pytest.raises(Invalid) as caught:
            base.end_record(declarations.DECLARATIONS, None, record.id,
                            {"reason": "Sold", "ended_on": when.isoformat()})
        assert message in caught.value.by_field()["ended_on"]
    assert db.session().get(Declaration, record.id).ended_on is None


def test_the_api_refuses_a_bad_declaration_with_a_problem_naming_each_field(world, client,
                                                                            auth):
    auth.login(world["ulo_staff"])
    answer = client.post("/api/v1/declarations", json={
        "person_id": world["person"].id, "category": "nil", "description": "None",
        "organisation_id": world["council"].id, "arose_on": "2026-13-01"})
    assert answer.status_code == 422
    fields = {e["field"] for e in answer.get_json()["errors"]}
    assert "arose_on" in fields
    assert rows() == 0
