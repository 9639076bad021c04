"""Rule R8 as the "declarations due" list: board members with no declaration in the last 12
months (a nil one counts, a gift does not), and declarations made more than 28 days late."""

from datetime import date, timedelta

from coi.rules import BoardMemberFact, DeclarationFact
from coi.rules.findings import add_months
from coi.services import base, declarations, ulo
from coi.services.declarations_due import (
    Late,
    Missing,
    declarations_due,
    late_declarations,
    missing_declarations,
)

TODAY = date(2026, 6, 15)


def member(person: int, **kw) -> BoardMemberFact:
    return BoardMemberFact(ulo_id=1, person_id=person, started_on=date(2020, 1, 1), **kw)


def declared(n: int, person: int, category: str, on: date, arose: date | None = None):
    return DeclarationFact(id=n, person_id=person, category=category,
                           arose_on=arose or on, declared_on=on)


def test_a_board_member_who_never_declared_is_due():
    assert missing_declarations([member(7)], [], TODAY) == [Missing(1, 7, True, None)]


def test_a_nil_declaration_within_twelve_months_counts_and_a_gift_does_not():
    found = missing_declarations(
        [member(7), member(8, voting=False)],
        [declared(1, 7, "nil", TODAY - timedelta(days=60)),
         declared(2, 8, "gift_hospitality", TODAY - timedelta(days=5))], TODAY)
    assert found == [Missing(1, 8, False, None)]


def test_a_declaration_older_than_twelve_months_is_due_again_from_the_day_after():
    since = add_months(TODAY, -12)
    on_the_day = missing_declarations([member(7)], [declared(1, 7, "financial", since)], TODAY)
    a_day_older = missing_declarations(
        [member(7)], [declared(1, 7, "financial", since - timedelta(days=1))], TODAY)
    assert on_the_day == []
    assert a_day_older == [Missing(1, 7, True, since - timedelta(days=1))]


def test_former_and_future_board_members_are_not_due():
    gone = member(7, ended_on=TODAY - timedelta(days=1))
    future = BoardMemberFact(ulo_id=1, person_id=8, started_on=TODAY + timedelta(days=1))
    assert missing_declarations([gone, future], [], TODAY) == []


def test_a_declaration_made_more_than_28_days_after_the_interest_arose_is_late():
    arose = date(2026, 1, 1)
    found = late_declarations([
        declared(1, 7, "financial", arose + timedelta(days=28), arose),
        declared(2, 7, "indirect", arose + timedelta(days=29), arose),
        declared(3, 8, "nil", arose + timedelta(days=300), arose),
        declared(4, 8, "gift_hospitality", arose + timedelta(days=40), arose),
    ])
    assert found == [Late(4, 8, "gift_hospitality", arose, arose + timedelta(days=40), 40),
                     Late(2, 7, "indirect", arose, arose + timedelta(days=29), 29)]


def _declare(world, person, category="financial", arose=None, declared=None, **kw):
    today = date.today()
    return declarations.record_declaration(None, {
        "person_id": person.id, "category": category, "description": f"{category} interest",
        "organisation_id": None if category == "nil" else kw.pop("org", world["council"]).id,
        "arose_on": (arose or today).isoformat(),
        "declared_on": (declared or today).isoformat(), **kw})


def test_the_list_shows_who_must_declare_and_which_were_late(world, client, auth):
    today = date.today()
    late = _declare(world, world["person"], arose=today - timedelta(days=40))
    due = declarations_due(world["ulo_board"])
    assert due.missing == []  # a late declaration is still a declaration
    assert [x.declaration_id for x in due.late] == [late.id]
    auth.login(world["ulo_board"])
    page = client.get("/declarations/due").get_data(as_text=True)
    assert "Late declarations" in page and "<td>40</td>" in page
    assert "Every current board member of Riverside Disabled People&#39;s Forum has " \
           "declared" in page


def test_a_board_member_with_only_a_gift_appears_until_a_nil_declaration(world, client, auth):
    _declare(world, world["person"], "gift_hospitality", value="30.00",
             gift_decision="accepted")
    auth.login(world["ulo_staff"])
    page = client.get("/declarations/due").get_data(as_text=True)
    assert "Sam Patel" in page and "Never declared" in page
    assert "Record a declaration<span class=\"visually-hidden\"> for Sam Patel" in page
    _declare(world, world["person"], "nil")
    assert declarations_due(world["ulo_staff"]).missing == []


def test_each_account_sees_the_list_for_its_own_ulo_only(world):
    other = declarations_due(world["other_staff"]).missing
    assert [m.person_id for m in other] == [world["other_person"].id]
    assert declarations_due(world["commissioner"]).missing == []
    everyone = {m.person_id for m in declarations_due(world["auditor"]).missing}
    assert everyone == {world["person"].id, world["other_person"].id}
    only_ours = declarations_due(world["auditor"], ulo_id=world["ulo"].id).missing
    assert [m.person_id for m in only_ours] == [world["person"].id]


def test_a_member_who_left_the_board_is_no_longer_due(world):
    base.end_record(ulo.BOARD_MEMBERS, None, world["board_member"].id,
                    {"reason": "Stood down", "ended_on": (date.today() - timedelta(days=1))
                     .isoformat()})
    assert declarations_due(world["ulo_staff"]).missing == []


def test_an_auditor_filters_the_list_by_ulo(world, client, auth):
    auth.login(world["auditor"])
    page = client.get(f"/declarations/due?ulo_id={world['other_ulo'].id}").get_data(
        as_text=True)
    assert "Sam Patel" not in page and "must declare" in page
    for nonsense in ("nonsense", "%C2%B2", "99999999999999999999"):  # ² is a digit to isdigit()
        assert client.get(f"/declarations/due?ulo_id={nonsense}").status_code == 200


def test_the_deadline_and_the_interval_follow_the_administrators_thresholds(world, client,
                                                                           auth):
    from coi.services import thresholds
    _declare(world, world["person"], arose=date.today() - timedelta(days=40))
    thresholds.put_thresholds(world["admin"], {"r8_late_days": 45})
    due = declarations_due(world["ulo_board"])
    assert (due.late, due.late_days) == ([], 45)
    auth.login(world["ulo_board"])
    assert "within 45 days of arising" in client.get("/declarations/due").get_data(
        as_text=True)
    assert "Declare within 45 days" in client.get("/declarations/new").get_data(as_text=True)
