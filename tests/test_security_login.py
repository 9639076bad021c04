"""Signing in: the same answer whether the account exists or not, failures throttled per
account and per address in the database (so across workers), every sign-in, failure and
refused access recorded, and the password rules."""

import pytest
from sqlalchemy import select

from coi import create_app, db
from coi.models import AuditEvent
from tests.conftest import PASSWORD


def _fail(client, email, address="10.0.0.1"):
    return client.post("/login", data={"email": email, "password": "wrong password here"},
                       environ_base={"REMOTE_ADDR": address})


def _events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session().execute(select(AuditEvent).where(
            AuditEvent.action == action)).scalars())


def test_the_answer_is_the_same_whether_the_account_exists_or_not(world, client):
    known = _fail(client, world["ulo_staff"].email)
    unknown = _fail(client, "nobody.here@example.org")
    assert known.status_code == unknown.status_code == 422
    strip = (world["ulo_staff"].email, "nobody.here@example.org")
    bodies = [r.get_data(as_text=True).replace(e, "EMAIL") for r, e in zip((known, unknown),
                                                                            strip, strict=True)]
    assert bodies[0] == bodies[1]
    assert "Enter a correct email address and password" in bodies[0]


def test_a_deactivated_account_gets_the_same_answer_as_a_wrong_password(app, world, client,
                                                                        auth):
    auth.login(world["admin"])
    client.post(f"/users/{world['ulo_board'].id}/end", data={"reason": "Left"})
    response = client.post("/login", data={"email": world["ulo_board"].email,
                                           "password": PASSWORD})
    assert response.status_code == 422
    assert "Enter a correct email address and password" in response.get_data(as_text=True)


def test_failures_for_one_account_lock_it_even_with_the_right_password(world, client):
    email = world["ulo_staff"].email
    for n in range(5):
        _fail(client, email, f"10.0.0.{n}")
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many attempts to sign in. Wait 15 minutes" in response.get_data(as_text=True)


def test_failures_from_one_address_are_throttled_across_accounts(world, client):
    for n in range(20):
        _fail(client, f"guess{n}@example.org", "10.9.9.9")
    response = client.post("/login", data={"email": world["ulo_staff"].email,
                                           "password": PASSWORD},
                           environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert response.status_code == 429
    elsewhere = client.post("/login", data={"email": world["ulo_staff"].email,
                                            "password": PASSWORD},
                            environ_base={"REMOTE_ADDR": "10.1.1.1"})
    assert elsewhere.status_code == 302


def test_throttling_holds_across_two_app_instances_on_one_database(app, db_url, world):
    second = create_app({"TESTING": True, "SECRET_KEY": "another", "DATABASE_URL": db_url,
                         "WTF_CSRF_ENABLED": False, "ARGON2_PROFILE": "fast_for_tests"})
    try:
        one, two = app.test_client(), second.test_client()
        email = world["ulo_board"].email
        for n in range(3):
            assert _fail(one, email, f"10.0.1.{n}").status_code == 422
        for n in range(2):
            assert _fail(two, email, f"10.0.2.{n}").status_code == 422
        for client in (one, two):
            right = client.post("/login", data={"email": email, "password": PASSWORD})
            assert right.status_code == 429
    finally:
        second.extensions["coi.engine"].dispose()


def test_every_sign_in_and_failure_is_in_the_audit_chain(app, world, client):
    _fail(client, world["ulo_staff"].email)
    _fail(client, "nobody@example.org")
    client.post("/login", data={"email": world["ulo_staff"].email, "password": PASSWORD})
    failures = _events(app, "login.failure")
    assert {e.actor for e in failures} == {world["ulo_staff"].email, "nobody@example.org"}
    assert failures[0].after == {"address": "10.0.0.1"}
    assert [e.actor for e in _events(app, "login.success")] == [world["ulo_staff"].email]


def test_throttled_attempts_are_recorded(app, world, client):
    for n in range(6):
        _fail(client, world["commissioner"].email, f"10.0.3.{n}")
    assert len(_events(app, "login.throttled")) == 1


def test_refused_access_is_recorded(app, world, client, auth):
    auth.login(world["auditor"])
    response = client.get("/engagements/new")
    assert response.status_code == 403
    refused = _events(app, "access.refused")
    assert refused and refused[-1].actor == world["auditor"].email
    assert refused[-1].after == {"method": "GET", "path": "/engagements/new"}


def test_the_next_address_after_sign_in_stays_on_this_site(world, client):
    for target in ("https://evil.example/", "//evil.example", "/\\evil.example"):
        response = client.post(f"/login?next={target}", data={
            "email": world["ulo_staff"].email, "password": PASSWORD})
        assert response.headers["Location"] == "/"
        client.post("/logout")


@pytest.mark.parametrize("password, problem", [
    ("short words", "at least 12 characters"),
    ("x" * 129, "128 characters or fewer"),
    ("password1234", "harder to guess"),
    ("qwertyuiop123", "harder to guess"),
    ("NewPerson2025", "harder to guess"),
])
def test_weak_passwords_are_refused_with_a_helpful_message(world, client, auth, password,
                                                          problem):
    auth.login(world["admin"])
    response = client.post("/users/new", data={
        "email": "new.person@example.org", "name": "New Person", "role": "auditor",
        "password": password})
    assert response.status_code == 422
    assert problem in response.get_data(as_text=True)


@pytest.mark.parametrize("password", ["correct horse battery staple",
                                      "plain lowercase words with no rules at all",
                                      "ünïcödé façade résumé naïve", "a" * 3 + "Zq9!k#Lm@p7$w2"])
def test_long_passwords_without_composition_rules_are_accepted(world, client, auth, password):
    auth.login(world["admin"])
    response = client.post("/users/new", data={
        "email": "new.person@example.org", "name": "New Person", "role": "auditor",
        "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)


def test_password_fields_allow_pasting_and_password_managers(world, client, auth):
    page = client.get("/login").get_data(as_text=True)
    assert 'autocomplete="current-password"' in page
    auth.login_form(world["ulo_staff"].email)
    form = client.get("/account/password").get_data(as_text=True)
    assert 'autocomplete="new-password"' in form
    for html in (page, form):
        assert "onpaste" not in html and 'autocomplete="off"' not in html


def test_secrets_of_an_account_are_never_sent(app, world, client, auth):
    auth.login(world["admin"])
    shown = client.get(f"/api/v1/users/{world['ulo_staff'].id}").get_json()
    listed = client.get("/api/v1/users").get_json()["items"]
    page = client.get(f"/users/{world['ulo_staff'].id}").get_data(as_text=True)
    for secret in ("password_hash", "totp_secret", "recovery_codes", "$argon2"):
        assert secret not in str(shown) and secret not in str(listed) and secret not in page


def test_the_whole_password_counts_and_long_ones_are_welcome(world, client, auth, app):
    long = ("the river runs past the old mill and under nine stone bridges to the sea " * 2)[:120]
    auth.login(world["admin"])
    created = client.post("/users/new", data={
        "email": "long.phrase@example.org", "name": "Long Phrase", "role": "auditor",
        "password": long})
    assert created.status_code == 302
    fresh = app.test_client()
    assert auth.login_form("long.phrase@example.org", long[:-1] + "X", client=fresh) \
        .status_code == 422
    assert auth.login_form("long.phrase@example.org", long.upper(), client=fresh) \
        .status_code == 422
    assert auth.login_form("long.phrase@example.org", long, client=fresh).status_code == 302


def test_signing_in_needs_the_forms_csrf_token(db_url, world):
    strict = create_app({"TESTING": True, "SECRET_KEY": "csrf", "DATABASE_URL": db_url,
                         "ARGON2_PROFILE": "fast_for_tests", "WTF_CSRF_ENABLED": True})
    try:
        client = strict.test_client()
        forged = client.post("/login", data={"email": world["ulo_staff"].email,
                                             "password": PASSWORD})
        assert forged.status_code == 400
        assert "was not sent" in forged.get_data(as_text=True)
        with client.session_transaction() as sess:
            assert "_user_id" not in sess
    finally:
        strict.extensions["coi.engine"].dispose()


@pytest.mark.parametrize("hops, counted", [(0, "127.0.0.1"), (1, "203.0.113.9")])
def test_forwarded_addresses_are_trusted_only_behind_a_configured_proxy(db_url, world, hops,
                                                                       counted):
    proxied = create_app({"TESTING": True, "SECRET_KEY": "proxy", "DATABASE_URL": db_url,
                          "ARGON2_PROFILE": "fast_for_tests", "WTF_CSRF_ENABLED": False,
                          "PROXY_HOPS": hops})
    try:
        client = proxied.test_client()
        response = client.post("/login", data={"email": "x@example.org", "password": "nope"},
                               headers={"X-Forwarded-For": "203.0.113.9",
                                        "X-Forwarded-Proto": "https"})
        assert ("Strict-Transport-Security" in response.headers) == bool(hops)
        assert _events(proxied, "login.failure")[-1].after == {"address": counted}
    finally:
        proxied.extensions["coi.engine"].dispose()
