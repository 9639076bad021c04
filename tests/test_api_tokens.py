"""API tokens over the API (the only DELETE), and how a caller signs in: a bearer token, or a
browser session whose writes also need the CSRF token."""

import pytest

from coi import create_app
from coi.services import users


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return response.get_json()


@pytest.fixture
def people(make):
    """An account of each kind the tests need, in one organisation."""
    forum = make.org("ulo", "Riverside Forum")
    return {"ulo_staff": make.user("ulo_staff", forum), "ulo_board": make.user("ulo_board", forum),
            "commissioner": make.user("commissioner", make.org("commissioner")),
            "auditor": make.user("auditor"), "admin": make.user("admin")}


@pytest.fixture
def tokens(people):
    return {role: users.issue_token(None, user.id, "tests") for role, user in people.items()}


@pytest.fixture
def api(client, tokens):
    """api(role, method, path, **kw): a request with that role's bearer token."""
    def call(role, method, path, **kw):
        return client.open(path, method=method, headers=bearer(tokens[role]), **kw)
    return call


def test_a_valid_bearer_token_reads_the_register(api):
    response = api("ulo_staff", "GET", "/api/v1/organisations")
    assert response.status_code == 200
    assert set(response.get_json()) == {"items", "total", "page", "per_page"}


@pytest.mark.parametrize("header", ["Bearer th_not-a-real-token", "Bearer ", "Basic abc", ""])
def test_a_wrong_or_missing_token_is_401_with_a_challenge(client, header):
    response = client.get("/api/v1/engagements", headers={"Authorization": header})
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_stops_working(api, client, tokens):
    mine = api("ulo_staff", "GET", "/api/v1/tokens").get_json()["items"][0]
    assert api("ulo_staff", "DELETE", f"/api/v1/tokens/{mine['id']}").status_code == 204
    assert_problem(client.get("/api/v1/engagements", headers=bearer(tokens["ulo_staff"])), 401)


def test_a_new_token_is_shown_once_and_works(api, client):
    created = api("commissioner", "POST", "/api/v1/tokens", json={"name": "Finance system"})
    assert created.status_code == 201
    secret = created.get_json()["token"]
    assert client.get("/api/v1/opportunities", headers=bearer(secret)).status_code == 200
    listed = client.get("/api/v1/tokens", headers=bearer(secret)).get_json()["items"]
    assert listed[0]["name"] == "Finance system"  # newest first
    assert all("token" not in t for t in listed)


def test_revoked_tokens_are_listed_only_when_asked(api):
    created = api("auditor", "POST", "/api/v1/tokens", json={"name": "Spare"}).get_json()
    api("auditor", "DELETE", f"/api/v1/tokens/{created['id']}")
    listed = api("auditor", "GET", "/api/v1/tokens").get_json()["items"]
    assert created["id"] not in {t["id"] for t in listed}
    every = api("auditor", "GET", "/api/v1/tokens?include_ended=true").get_json()["items"]
    assert {t["id"]: t["active"] for t in every}[created["id"]] is False


def test_someone_elses_token_cannot_be_revoked(api):
    theirs = api("ulo_board", "GET", "/api/v1/tokens").get_json()["items"][0]
    assert_problem(api("ulo_staff", "DELETE", f"/api/v1/tokens/{theirs['id']}"), 404)
    assert api("ulo_board", "GET", "/api/v1/tokens").status_code == 200


def test_a_token_needs_a_name(api):
    body = assert_problem(api("ulo_staff", "POST", "/api/v1/tokens", json={}), 422)
    assert body["errors"] == [{"field": "name", "message": "Name is required"}]


def test_a_signed_in_session_reads_and_its_writes_need_the_csrf_token(app, people, tokens):
    csrf_app = create_app({"TESTING": True, "SECRET_KEY": "t", "WTF_CSRF_ENABLED": True,
                           "DATABASE_URL": app.config["DATABASE_URL"],
                           "ARGON2_PROFILE": "fast_for_tests", "SCHEMA_FROM_MODELS": True})
    try:
        browser = csrf_app.test_client()
        with browser.session_transaction() as sess:
            sess["_user_id"] = f"{people['admin'].id}:{people['admin'].session_version}"
        assert browser.get("/api/v1/organisations").status_code == 200
        body = {"kind": "ulo", "name": "Session Forum"}
        refused = assert_problem(browser.post("/api/v1/organisations", json=body), 400)
        assert "CSRF" in refused["detail"]
        created = csrf_app.test_client().post("/api/v1/organisations", json=body,
                                              headers=bearer(tokens["admin"]))
        assert created.status_code == 201
    finally:
        csrf_app.extensions["coi.engine"].dispose()


def _token_row(app, user_id):
    from sqlalchemy import select

    from coi import db
    from coi.models import ApiToken
    with app.app_context():
        s = db.session()
        return s.execute(select(ApiToken).where(ApiToken.user_id == user_id)).scalar_one()


def test_a_tokens_last_use_is_kept_to_the_hour(app, api, people, auth, client):
    from datetime import timedelta

    from sqlalchemy import update

    from coi.models import ApiToken
    from coi.services import base
    user = people["ulo_staff"]
    assert _token_row(app, user.id).last_used_at is None
    assert api("ulo_staff", "GET", "/api/v1/organisations").status_code == 200
    first = _token_row(app, user.id).last_used_at
    assert first is not None
    api("ulo_staff", "GET", "/api/v1/organisations")  # within the hour: nothing written
    assert _token_row(app, user.id).last_used_at == first
    with app.test_request_context(), base.writing() as s:
        s.execute(update(ApiToken).where(ApiToken.user_id == user.id).values(
            last_used_at=first - timedelta(hours=2)))
    api("ulo_staff", "GET", "/api/v1/organisations")
    assert _token_row(app, user.id).last_used_at > first - timedelta(hours=2)
    auth.login(user)
    page = client.get("/account").get_data(as_text=True)
    assert "Last used" in page and "Never" not in page
