"""First start: an empty register offers a one-time page that creates the first administrator,
and then never again. And /healthz answers for the database."""

import re

import pytest
from sqlalchemy import create_engine, func, select

from coi import db
from coi.errors import Forbidden
from coi.models import User
from coi.web.crud import CSRF_MESSAGE

GOOD = {"name": "Ada Admin", "email": "ada@example.org",
        "password": "correct horse battery staple"}


def accounts(app) -> int:
    with app.app_context():
        return db.session().execute(select(func.count()).select_from(User)).scalar()


def test_the_first_visit_to_an_empty_register_goes_to_the_setup_page(client):
    assert client.get("/").headers["Location"].endswith("/setup")
    assert client.get("/login").headers["Location"].endswith("/setup")
    page = client.get("/setup").get_data(as_text=True)
    assert "Set up the register" in page
    for field in ("name", "email", "password"):
        assert f'<label class="label" for="f-{field}">' in page


def test_setup_creates_the_first_administrator_and_signs_them_in(app, client):
    response = client.post("/setup", data=GOOD)
    assert response.status_code == 302
    with app.app_context():
        admin = db.session().execute(select(User)).scalar_one()
        assert (admin.email, admin.role, admin.organisation_id) == \
            ("ada@example.org", "admin", None)
        assert admin.password_hash.startswith("$argon2id$")
    after = client.get("/")
    assert after.status_code in (200, 302)
    assert "/login" not in after.headers.get("Location", "")


def test_the_setup_page_is_gone_once_an_account_exists(app, client):
    client.post("/setup", data=GOOD)
    fresh = app.test_client()
    assert fresh.get("/setup").status_code == 404
    again = fresh.post("/setup", data={**GOOD, "email": "eve@example.org"})
    assert again.status_code == 404
    assert accounts(app) == 1
    assert fresh.get("/login").status_code == 200


def test_the_setup_service_refuses_once_an_account_exists(app, ctx):
    from coi.services import users
    users.setup_first_admin(GOOD)
    with pytest.raises(Forbidden):
        users.setup_first_admin({**GOOD, "email": "eve@example.org"})


@pytest.mark.parametrize("data, field, words", [
    ({**GOOD, "password": "password1234"}, "password", "Choose a password that is harder"),
    ({**GOOD, "password": "short"}, "password", "Password must be at least 12 characters"),
    ({**GOOD, "email": "not-an-email"}, "email", "Email address is not in the right format"),
    ({**GOOD, "name": ""}, "name", "Full name is required"),
])
def test_setup_explains_a_bad_answer_and_keeps_the_rest(app, client, data, field, words):
    response = client.post("/setup", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert words in page and f'href="#f-{field}"' in page
    if field != "name":
        assert 'value="Ada Admin"' in page
    assert 'type="password" value=""' in page  # a password is never sent back
    assert accounts(app) == 0


def test_setup_without_a_csrf_token_keeps_what_was_typed(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/setup", data=GOOD)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert CSRF_MESSAGE in page and 'value="ada@example.org"' in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post("/setup", data={**GOOD, "csrf_token": token}).status_code == 302
    assert accounts(app) == 1


def test_healthz_answers_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_answers_503_when_the_database_does_not(app, tmp_path):
    working = app.extensions["coi.engine"]
    gone = create_engine(f"sqlite:///{tmp_path / 'no' / 'such' / 'folder' / 'register.db'}")
    app.extensions["coi.engine"] = gone
    try:
        response = app.test_client().get("/healthz")
    finally:
        app.extensions["coi.engine"] = working
        gone.dispose()
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable"}
