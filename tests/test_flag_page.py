"""The flag's page: what it shows stays current after every change although each worker keeps
the parts every account of a role and organisation sees alike, and it is read in a handful of
queries."""

import re
from datetime import date, timedelta

from sqlalchemy import event

from coi import db
from coi.models import User
from coi.services import decisions, declarations

TODAY = date.today().isoformat()


def page_of(client, auth, user, flag_id: int) -> str:
    auth.login(db.session().get(User, user.id))
    got = client.get(f"/flags/{flag_id}")
    assert got.status_code == 200
    return got.get_data(as_text=True)


def seat_of(page: str, name: str) -> str:
    """The 'May decide this flag?' cell of one board member's row."""
    return re.search(rf'<th scope="row">{name}</th><td>\w+</td>\s*<td>(.*?)</td>', page).group(1)


def test_a_declaration_recorded_after_a_view_makes_the_member_conflicted_on_the_next(
        board, client, auth):
    assert seat_of(page_of(client, auth, board["user"], board["flag"].id), "Jo Board") == "Yes"
    received = (date.today() - timedelta(days=10)).isoformat()
    declarations.record_declaration(None, {
        "person_id": board["jo"], "category": "gift_hospitality", "arose_on": received,
        "declared_on": received, "description": "Dinner", "value": "30.00",
        "organisation_id": board["council"].id, "gift_decision": "accepted"})
    again = seat_of(page_of(client, auth, board["user"], board["flag"].id), "Jo Board")
    assert again.startswith("<strong>No, conflicted:</strong>")
    assert "gift or hospitality from the commissioning body" in again


def test_a_decision_shows_at_once_and_the_flag_can_no_longer_be_decided(board, client, auth):
    before = page_of(client, auth, board["user"], board["flag"].id)
    assert "No decision has been minuted on this flag." in before
    assert "Record the board's decision" in before
    decisions.decide(board["user"], board["flag"].id, {
        "outcome": "manage", "mitigations": ["ethical_wall"], "quorate": True,
        "rationale": "A wall between the teams.", "decided_on": TODAY,
        "present_ids": [board["me"], board["jo"]]})
    after = page_of(client, auth, board["user"], board["flag"].id)
    assert "A wall between the teams." in after and "Jo Board" in after
    assert "No decision has been minuted" not in after
    assert "Record the board's decision" not in after
    assert "Status: Resolved." in after  # the history's new line


def test_a_commissioner_is_never_shown_the_board_kept_for_the_ulo(board, client, auth):
    assert "Who may decide" in page_of(client, auth, board["user"], board["flag"].id)
    seen = page_of(client, auth, board["commissioner"], board["flag"].id)
    assert "Who may decide" not in seen and "Sam Patel</th>" not in seen
    assert "Who may decide" in page_of(client, auth, board["ulo_staff"], board["flag"].id)


def test_the_buttons_are_those_of_the_account_viewing(board, client, auth):
    staff = page_of(client, auth, board["ulo_staff"], board["flag"].id)
    assert "Start the review" in staff and "Record the board" not in staff
    auditor = page_of(client, auth, board["auditor"], board["flag"].id)
    assert "Start the review" not in auditor and "Record the board" not in auditor
    assert "Record the board" in page_of(client, auth, board["user"], board["flag"].id)


def test_a_flag_out_of_scope_is_not_found_even_once_kept_for_others(board, client, auth):
    page_of(client, auth, board["auditor"], board["flag"].id)
    auth.login(db.session().get(User, board["other_staff"].id))
    assert client.get(f"/flags/{board['flag'].id}").status_code == 404
    assert client.get("/flags/99999999999").status_code == 404


def test_the_page_is_read_in_a_handful_of_queries_and_seen_again_in_two(board, client, auth):
    statements = []
    engine = client.application.extensions["coi.engine"]

    def count(conn, cursor, statement, *_):
        if not statement.startswith(("BEGIN", "SAVEPOINT", "RELEASE")):
            statements.append(statement)
    event.listen(engine, "before_cursor_execute", count)
    try:
        page_of(client, auth, board["user"], board["flag"].id)
        first, statements[:] = len(statements), []
        page_of(client, auth, board["user"], board["flag"].id)
        again = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # The account, the audit chain's head, the flag with its records, the decisions, the
    # board with its declarations, the history, the people's names; and, the first time since
    # the register changed, the thresholds and every organisation's name.
    assert first <= 9
    assert again <= 2  # the account and the audit chain's head
