"""Organisation scoping, enforced by the services for the pages and the API alike: an account
sees its own organisation's records (a commissioner also the engagements with its body and the
bids on its opportunities); a record of another organisation answers 404; an auditor sees
everything and changes nothing."""

import pytest

from coi.errors import NotFound
from coi.models import Engagement
from coi.resources import RESOURCES
from coi.services.base import ListQuery
from tests.foundation_kit import counts, module_app, sign_in, token_for

ULO_RECORDS = ("engagements", "bids", "people", "income", "board-members", "arrangements")
KEY = {"engagements": "engagement", "bids": "bid", "people": "person", "income": "income",
       "board-members": "board_member", "arrangements": "arrangement"}


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    app, world = module_app(tmp_path_factory, "scoping")
    yield app, world
    app.extensions["coi.engine"].dispose()


def listed(app, user, name: str) -> set[int]:
    """The ids the API lists for user (every page, ended records included)."""
    response = app.test_client().get(f"/api/v1/{name}?per_page=500&include_ended=true",
                                      headers=token_for(app, user))
    assert response.status_code == 200
    return {item["id"] for item in response.get_json()["items"]}


def page_of(app, user, path: str):
    return sign_in(app.test_client(), user).get(path)


@pytest.mark.parametrize("name", ULO_RECORDS)
def test_ulo_staff_list_only_their_own_organisations_records(env, name):
    app, w = env
    ids = listed(app, w["ulo_staff"], name)
    assert w[KEY[name]].id in ids
    assert w[f"other_{KEY[name]}"].id not in ids


@pytest.mark.parametrize("name", ULO_RECORDS)
def test_another_organisations_record_answers_404_on_page_and_api(env, name):
    app, w = env
    theirs = w[f"other_{KEY[name]}"].id
    headers = token_for(app, w["ulo_staff"])
    assert app.test_client().get(f"/api/v1/{name}/{theirs}", headers=headers).status_code == 404
    for path in (f"/{name}/{theirs}", f"/{name}/{theirs}/edit", f"/{name}/{theirs}/end"):
        assert page_of(app, w["ulo_staff"], path).status_code == 404


@pytest.mark.parametrize("name", ULO_RECORDS)
def test_the_service_loader_refuses_another_organisations_record(env, name):
    app, w = env
    with app.test_request_context(), pytest.raises(NotFound):
        RESOURCES[name].get(w["ulo_staff"], w[f"other_{KEY[name]}"].id)


def test_the_web_list_does_not_show_another_organisations_records(env):
    app, w = env
    page = page_of(app, w["ulo_staff"], "/engagements?ended=yes").get_data(as_text=True)
    assert w["engagement"].title in page
    assert w["other_engagement"].title not in page


def test_changing_another_organisations_record_answers_404_and_saves_nothing(env):
    app, w = env
    theirs, headers = w["other_engagement"].id, token_for(app, w["ulo_staff"])
    before = counts(app, Engagement)
    client = app.test_client()
    assert client.patch(f"/api/v1/engagements/{theirs}", json={"title": "Mine now"},
                        headers=headers).status_code == 404
    assert client.post(f"/api/v1/engagements/{theirs}/end", json={"reason": "Gone"},
                       headers=headers).status_code == 404
    form = sign_in(app.test_client(), w["ulo_staff"]).post(
        f"/engagements/{theirs}/edit", data={"title": "Mine now"})
    assert form.status_code == 404
    assert counts(app, Engagement) == before


def test_a_commissioner_sees_engagements_with_its_body_and_bids_on_its_opportunities(env):
    app, w = env
    user = w["commissioner"]
    assert listed(app, user, "engagements") == {w["engagement"].id}
    assert listed(app, user, "bids") == {w["bid"].id}
    assert listed(app, user, "board-members") == set()
    assert listed(app, user, "income") == set()
    people = listed(app, user, "people")
    assert w["person"].id not in people and w["other_person"].id not in people


def test_a_commissioner_cannot_open_a_ulos_board_or_income(env):
    app, w = env
    for name in ("board-members", "income", "people"):
        record = w[KEY[name]].id
        assert page_of(app, w["commissioner"], f"/{name}/{record}").status_code == 404


def test_another_body_cannot_see_the_engagement_or_the_bid(env):
    app, w = env
    other = w["other_commissioner"]
    assert w["engagement"].id not in listed(app, other, "engagements")
    assert w["bid"].id not in listed(app, other, "bids")
    assert page_of(app, other, f"/bids/{w['bid'].id}").status_code == 404


def test_a_commissioner_cannot_change_another_bodys_opportunity(env):
    app, w = env
    response = app.test_client().patch(
        f"/api/v1/opportunities/{w['other_opportunity'].id}", json={"title": "Ours"},
        headers=token_for(app, w["commissioner"]))
    assert response.status_code == 403


@pytest.mark.parametrize("name", ULO_RECORDS)
def test_an_auditor_sees_every_organisations_records(env, name):
    app, w = env
    ids = listed(app, w["auditor"], name)
    assert {w[KEY[name]].id, w[f"other_{KEY[name]}"].id} <= ids


def test_an_auditor_changes_nothing(env):
    app, w = env
    headers = token_for(app, w["auditor"])
    before = counts(app, Engagement)
    client = app.test_client()
    record = w["engagement"].id
    assert client.patch(f"/api/v1/engagements/{record}", json={"title": "Audited"},
                        headers=headers).status_code == 403
    assert client.post(f"/api/v1/engagements/{record}/end", json={"reason": "No"},
                       headers=headers).status_code == 403
    assert client.post("/api/v1/engagements", json={}, headers=headers).status_code == 403
    assert page_of(app, w["auditor"], f"/engagements/{record}/edit").status_code == 403
    assert counts(app, Engagement) == before


def test_the_auditors_record_page_offers_no_change_buttons(env):
    app, w = env
    page = page_of(app, w["auditor"], f"/engagements/{w['engagement'].id}").get_data(
        as_text=True)
    assert w["engagement"].title in page
    assert "/edit" not in page and "/end" not in page


def test_every_list_query_goes_through_the_scope(env):
    app, w = env
    with app.test_request_context():
        for name in ULO_RECORDS:
            page = RESOURCES[name].list(w["other_staff"], ListQuery(per_page=500,
                                                                    include_ended=True))
            orgs = {getattr(r, "ulo_id", None) or getattr(r, "organisation_id", None)
                    for r in page.items}
            assert orgs <= {w["other_ulo"].id}, name
