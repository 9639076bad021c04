"""Every kind of record has a list (search, filters, pages, CSV), a page of its own, create and
edit forms, and ends or is withdrawn with a reason instead of being deleted. Money is exact."""

import csv
import io

from sqlalchemy import select

from coi import db
from coi.models import AuditEvent, Engagement, Income, Opportunity, User
from tests.foundation_kit import form_data, sign_in, token_for


def api(app, user):
    """A client and headers that call the API as user."""
    return app.test_client(), token_for(app, user)


def test_money_goes_in_and_comes_out_exactly(app, world):
    client, headers = api(app, world["commissioner"])
    response = client.post("/api/v1/opportunities", headers=headers, json={
        "commissioner_id": world["council"].id, "title": "Advocacy", "reference": "A-1",
        "service_areas": ["advocacy"], "value": "144000.10", "route": "open"})
    assert response.status_code == 201
    assert response.get_json()["value"] == "144000.10"
    with app.app_context():
        stored = db.session().get(Opportunity, response.get_json()["id"])
        assert stored.value_pence == 14_400_010
    again = client.get(f"/api/v1/opportunities/{stored.id}", headers=headers).get_json()
    assert again["value"] == "144000.10"
    page = sign_in(app.test_client(), world["commissioner"]).get(f"/opportunities/{stored.id}")
    assert "£144,000.10" in page.get_data(as_text=True)


def test_an_amount_typed_with_a_pound_sign_and_commas_is_stored_in_pence(app, world):
    client = sign_in(app.test_client(), world["ulo_staff"])
    response = client.post("/income/new", data={
        "ulo_id": world["ulo"].id, "source_name": "Trusts", "financial_year": "2025-26",
        "amount": "£1,250.05"})
    assert response.status_code == 302
    with app.app_context():
        income = db.session().execute(select(Income).where(
            Income.source_name == "Trusts")).scalar_one()
        assert income.amount_pence == 125_005


def _titled(make, world, *titles):
    return [make.engagement(world["ulo"], world["council"], title=t) for t in titles]


def test_the_list_searches_filters_and_pages(app, world, make):
    with app.test_request_context():
        _titled(make, world, "Carers' strategy workshop", "Direct payments review")
        make.engagement(world["ulo"], world["council"], title="Advocacy reference group",
                        influence="informed")
    client = sign_in(app.test_client(), world["ulo_staff"])
    found = client.get("/engagements?q=strategy").get_data(as_text=True)
    assert "Carers&#39; strategy workshop" in found and "Direct payments review" not in found
    informed = client.get("/engagements?influence=informed").get_data(as_text=True)
    assert "Advocacy reference group" in informed and "Direct payments review" not in informed
    first = client.get("/engagements?per_page=2").get_data(as_text=True)
    second = client.get("/engagements?per_page=2&page=2").get_data(as_text=True)
    assert "4 engagements, page 1 of 2." in first
    assert "page 2 of 2" in second and 'aria-current="page"' in second
    listed = client.get("/api/v1/engagements?per_page=2&page=2",
                        headers=token_for(app, world["ulo_staff"])).get_json()
    assert (listed["total"], listed["page"], listed["per_page"], len(listed["items"])) == \
        (4, 2, 2, 2)


def test_a_filter_that_is_not_an_id_is_a_clear_error_not_a_crash(app, world):
    client = sign_in(app.test_client(), world["ulo_staff"])
    response = client.get("/engagements?commissioner_id=not-a-number")
    assert response.status_code == 422
    assert "Choose the commissioner filter from the list." in response.get_data(as_text=True)


def test_withdrawn_records_are_hidden_until_asked_for_and_then_tagged(app, world):
    client = sign_in(app.test_client(), world["ulo_staff"])
    record = world["engagement"]
    ended = client.post(f"/engagements/{record.id}/end",
                        data={"reason": "Entered against the wrong council"})
    assert ended.status_code == 302
    assert record.title not in client.get("/engagements").get_data(as_text=True)
    listed = client.get("/engagements?ended=yes").get_data(as_text=True)
    assert record.title in listed and "Withdrawn</strong>" in listed
    api_list = client.get("/api/v1/engagements?include_ended=true",
                          headers=token_for(app, world["ulo_staff"])).get_json()
    assert [i["withdrawn"] for i in api_list["items"] if i["id"] == record.id] == [True]


def test_withdrawing_keeps_the_record_marked_with_its_reason_and_audited(app, world):
    client = sign_in(app.test_client(), world["ulo_staff"])
    record = world["engagement"]
    response = client.post(f"/engagements/{record.id}/end",
                           data={"reason": "Entered against the wrong council"},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "The engagement was withdrawn." in page
    assert "Withdrawn</strong> Reason: Entered against the wrong council" in page
    with app.app_context():
        s = db.session()
        assert s.get(Engagement, record.id).withdrawn_reason == \
            "Entered against the wrong council"
        event = s.execute(select(AuditEvent).where(
            AuditEvent.action == "engagement.end", AuditEvent.entity_id == record.id)).scalar_one()
        assert event.after["withdrawn_reason"] == "Entered against the wrong council"
    again = client.post(f"/api/v1/engagements/{record.id}/end", json={"reason": "Twice"},
                        headers=token_for(app, world["ulo_staff"]))
    assert again.status_code == 409


def test_a_withdrawn_bid_and_a_person_who_left_read_well(app, world):
    client = sign_in(app.test_client(), world["ulo_staff"])
    bid = client.post(f"/bids/{world['bid'].id}/end", data={"reason": "Board decision"},
                      follow_redirects=True).get_data(as_text=True)
    assert "The bid was withdrawn." in bid and "Status</dt>" in bid
    person = client.post(f"/people/{world['person'].id}/end", data={"reason": "Moved away"},
                         follow_redirects=True).get_data(as_text=True)
    assert "The person was marked as left." in person


def test_the_reason_is_kept_also_for_records_without_a_column_for_it(app, world):
    client = sign_in(app.test_client(), world["admin"])
    partnership = world["partnership"]
    client.post(f"/partnerships/{partnership.id}/end", data={"reason": "The councils merged"})
    page = client.get(f"/partnerships/{partnership.id}").get_data(as_text=True)
    assert "Ended</strong> Reason: The councils merged" in page
    with app.app_context():
        event = db.session().execute(select(AuditEvent).where(
            AuditEvent.action == "partnership.end")).scalar_one()
        assert event.after["reason"] == "The councils merged"


def _csv_rows(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_csv_export_is_safe_to_open_in_a_spreadsheet(app, world, make):
    with app.test_request_context():
        _titled(make, world, "=1+1", "@SUM(A1)", "+x", "-x")
    response = sign_in(app.test_client(), world["ulo_staff"]).get("/engagements?format=csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv_rows(response)
    titles = {row[rows[0].index("title")] for row in rows[1:]}
    assert {"'=1+1", "'@SUM(A1)", "'+x", "'-x", world["engagement"].title} <= titles
    assert world["other_engagement"].title not in titles  # the export is scoped too


def test_an_export_with_nothing_in_it_still_has_its_header(app, world):
    response = sign_in(app.test_client(), world["ulo_staff"]).get(
        "/engagements?format=csv&q=nothing-matches-this")
    rows = _csv_rows(response)
    assert rows[0][:3] == ["id", "ulo_id", "commissioner_id"] and len(rows) == 1


def test_the_edit_form_starts_filled_in(app, world):
    record = world["engagement"]
    page = sign_in(app.test_client(), world["ulo_staff"]).get(
        f"/engagements/{record.id}/edit").get_data(as_text=True)
    assert f'value="{record.title}"' in page
    assert 'value="preparing_documents" checked' in page
    assert 'value="drafted" checked' in page
    assert f'value="{world["person"].id}" checked' in page
    assert 'name="started_on-day" type="text" inputmode="numeric" value="10"' in page
    assert 'name="ended_on-year" type="text" inputmode="numeric" value="2025"' in page


def test_saving_the_edit_form_changes_only_what_was_changed(app, world):
    record = world["engagement"]
    client = sign_in(app.test_client(), world["ulo_staff"])
    data = form_data({"title": "Renamed", "question": "", "purposes": ["preparing_documents"],
                      "influence": "drafted", "service_areas": ["advocacy"], "localities": "",
                      "started_on": "2025-01-10", "ended_on": "2025-03-31",
                      "participant_ids": [world["person"].id], "notes": ""})
    assert client.post(f"/engagements/{record.id}/edit", data=data).status_code == 302
    shown = client.get(f"/api/v1/engagements/{record.id}",
                       headers=token_for(app, world["ulo_staff"])).get_json()
    assert shown["title"] == "Renamed" and shown["participant_ids"] == [world["person"].id]


def test_a_commissioner_editing_an_engagement_keeps_the_ulos_people(app, world):
    record = world["engagement"]
    client = sign_in(app.test_client(), world["commissioner"])
    page = client.get(f"/engagements/{record.id}/edit").get_data(as_text=True)
    assert "cannot see a ULO&#39;s people" in page and 'name="participant_ids"' not in page
    data = form_data({"title": "Renamed by the council", "purposes": ["preparing_documents"],
                      "influence": "drafted", "service_areas": ["advocacy"],
                      "started_on": "2025-01-10", "ended_on": "2025-03-31"})
    assert client.post(f"/engagements/{record.id}/edit", data=data).status_code == 302
    with app.app_context():
        assert db.session().get(Engagement, record.id).participant_ids == [world["person"].id]


def test_someone_who_left_stays_on_an_engagement_when_it_is_edited(app, world):
    record, person = world["engagement"], world["person"]
    client = sign_in(app.test_client(), world["ulo_staff"])
    client.post(f"/people/{person.id}/end", data={"reason": "Left the ULO"})
    page = client.get(f"/engagements/{record.id}/edit").get_data(as_text=True)
    assert f'value="{person.id}" checked' in page and "Sam Patel" in page


def test_the_record_page_shows_codes_and_linked_records_in_words(app, world):
    client = sign_in(app.test_client(), world["admin"])
    page = client.get(f"/engagements/{world['engagement'].id}").get_data(as_text=True)
    for words in ("Riverside Disabled People&#39;s Forum", "Riverside Council", "Drafted",
                  "Preparing tender documents or the specification", "Advocacy", "Sam Patel",
                  "10 January 2025"):
        assert words in page
    orgs = client.get("/organisations").get_data(as_text=True)
    assert "User-led organisation" in orgs and "Commissioning body" in orgs


def test_a_new_form_starts_with_the_usual_answers(app, world):
    page = sign_in(app.test_client(), world["ulo_staff"]).get("/bids/new").get_data(
        as_text=True)
    assert 'value="considering" checked' in page
    assert "For example, 31 3 2026" in page


def test_an_account_for_a_ulo_needs_its_organisation(app, world):
    client = sign_in(app.test_client(), world["admin"])
    response = client.post("/users/new", data={
        "email": "new.staff@example.org", "name": "New Staff", "role": "ulo_staff",
        "password": "correct horse battery staple", "active": "yes"})
    assert response.status_code == 422
    assert "Choose the organisation this account belongs to" in response.get_data(as_text=True)


def test_editing_an_account_without_a_new_password_keeps_the_password(app, world):
    user = world["ulo_staff"]
    client = sign_in(app.test_client(), world["admin"])
    data = {"email": user.email, "name": "Renamed Staff", "role": "ulo_staff",
            "organisation_id": world["ulo"].id, "password": "", "active": "yes"}
    assert client.post(f"/users/{user.id}/edit", data=data).status_code == 302
    with app.app_context():
        stored = db.session().get(User, user.id)
        assert stored.name == "Renamed Staff" and stored.password_hash == user.password_hash
        assert stored.session_version == user.session_version


def test_a_new_password_from_an_administrator_ends_the_accounts_sessions(app, world):
    user = world["ulo_staff"]
    theirs = sign_in(app.test_client(), user)
    admin = sign_in(app.test_client(), world["admin"])
    data = {"email": user.email, "name": user.name, "role": "ulo_staff",
            "organisation_id": world["ulo"].id, "password": "violet tractor harbour moon",
            "active": "yes"}
    assert admin.post(f"/users/{user.id}/edit", data=data).status_code == 302
    assert theirs.get("/engagements").status_code == 302  # back to the sign-in page


def test_a_partnership_can_be_changed_through_its_form(app, world, make):
    with app.test_request_context():
        third = make.org("commissioner", "Lowfield Council")
    client = sign_in(app.test_client(), world["admin"])
    partnership = world["partnership"]
    response = client.post(f"/partnerships/{partnership.id}/edit", data={
        "name": "Riverside, Hillside and Lowfield",
        "member_ids": [world["council"].id, world["partner"].id, third.id]})
    assert response.status_code == 302
    page = client.get(f"/partnerships/{partnership.id}").get_data(as_text=True)
    assert "Riverside Council, Hillside Council, Lowfield Council" in page


def test_an_administrator_cannot_lock_themself_out(app, world):
    admin = world["admin"]
    client = sign_in(app.test_client(), admin)
    page = client.get(f"/users/{admin.id}").get_data(as_text=True)
    assert f"/users/{admin.id}/end" not in page
    assert client.post(f"/users/{admin.id}/end", data={"reason": "Oops"}).status_code == 403
    response = client.post(f"/users/{admin.id}/edit", data={
        "email": admin.email, "name": admin.name, "role": "auditor", "active": "no"})
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "You cannot take the administrator role from your own account" in text
    assert "You cannot deactivate your own account" in text
    with app.app_context():
        stored = db.session().get(User, admin.id)
        assert (stored.role, stored.active) == ("admin", True)
