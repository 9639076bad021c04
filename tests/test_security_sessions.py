"""Sessions: cookie flags, a new session at sign-in, idle and absolute limits with a way to
stay signed in, forms kept through signing in again, and a copied cookie that stops working
after sign-out, a password change, sign-out everywhere, an administrator's "end sessions" and
deactivation."""

import pytest

from coi import create_app
from tests.conftest import PASSWORD

IDLE = 30 * 60


def _set_cookie_headers(response) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def _session_cookie(client, name="session"):
    cookie = client.get_cookie(name)
    assert cookie is not None, f"no {name} cookie"
    return cookie.value


def _copy(app, value, name="session"):
    thief = app.test_client()
    thief.set_cookie(name, value)
    return thief


def _signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def _shift(client, **seconds_ago):
    """Move the session's clocks back, as if time had passed."""
    with client.session_transaction() as sess:
        for key, ago in seconds_ago.items():
            sess[key] = int(sess[key]) - ago


def test_session_cookie_is_secure_httponly_and_lax(world, auth):
    response = auth.login_form(world["ulo_staff"].email)
    header = next(h for h in _set_cookie_headers(response) if h.startswith("session="))
    assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header
    assert "Path=/" in header and "Domain" not in header


def test_over_https_the_cookie_has_the_host_prefix(world, client):
    response = client.post("/login", base_url="https://localhost", data={
        "email": world["ulo_staff"].email, "password": PASSWORD})
    header = _set_cookie_headers(response)[0]
    assert header.startswith("__Host-session=")
    assert "Secure" in header and "Path=/" in header and "Domain" not in header
    assert client.get("/account", base_url="https://localhost").status_code == 200


def test_local_development_may_turn_secure_off(db_url, tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "k", "DATABASE_URL": db_url,
                      "WTF_CSRF_ENABLED": False, "ARGON2_PROFILE": "fast_for_tests",
                      "INSECURE_COOKIES": True})
    with app.test_request_context():
        from tests.factories import Factory
        user = Factory().user("ulo_staff", Factory().org())
    response = app.test_client().post("/login", data={"email": user.email,
                                                      "password": PASSWORD})
    header = _set_cookie_headers(response)[0]
    assert "Secure" not in header and "HttpOnly" in header
    https = app.test_client().post("/login", base_url="https://localhost", data={
        "email": user.email, "password": PASSWORD})
    assert "Secure" in _set_cookie_headers(https)[0]
    app.extensions["coi.engine"].dispose()


def test_signing_in_starts_a_new_session(world, client, auth):
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    auth.login_form(world["ulo_staff"].email)
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["_user_id"].startswith(f"{world['ulo_staff'].id}:")


def test_a_copied_cookie_stops_working_after_sign_out(app, world, client, auth):
    auth.login_form(world["ulo_staff"].email)
    thief = _copy(app, _session_cookie(client))
    assert _signed_in(thief)
    client.post("/logout")
    assert not _signed_in(client)
    assert not _signed_in(thief)


def test_a_copied_cookie_stops_working_after_sign_out_everywhere(app, world, client, auth):
    auth.login_form(world["ulo_staff"].email)
    thief = _copy(app, _session_cookie(client))
    client.post("/account/sign-out-everywhere")
    assert not _signed_in(thief)


def test_a_password_change_ends_other_sessions_and_keeps_this_one(app, world, client, auth):
    auth.login_form(world["ulo_staff"].email)
    thief = _copy(app, _session_cookie(client))
    new = "violet kettle marching under lanterns"
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": new, "new_password_again": new})
    assert response.status_code == 302
    assert _signed_in(client)
    assert not _signed_in(thief)
    fresh = app.test_client()
    assert auth.login_form(world["ulo_staff"].email, new, client=fresh).status_code == 302


def test_deactivating_an_account_ends_its_sessions_at_once(app, world, client, auth):
    victim = app.test_client()
    auth.login_form(world["ulo_staff"].email, client=victim)
    assert _signed_in(victim)
    auth.login(world["admin"])
    response = client.post(f"/users/{world['ulo_staff'].id}/end",
                           data={"reason": "Left the organisation"})
    assert response.status_code == 302
    assert not _signed_in(victim)
    assert auth.login_form(world["ulo_staff"].email, client=app.test_client()) \
        .status_code == 422


def test_an_administrator_can_end_an_accounts_sessions(app, world, client, auth):
    victim = app.test_client()
    auth.login_form(world["ulo_staff"].email, client=victim)
    auth.login(world["admin"])
    page = client.get(f"/users/{world['ulo_staff'].id}").get_data(as_text=True)
    assert "End every session" in page
    response = client.post(f"/users/{world['ulo_staff'].id}/sessions/end")
    assert response.status_code == 302
    assert not _signed_in(victim)
    assert _signed_in(client)


def test_only_an_administrator_can_end_someone_elses_sessions(world, client, auth):
    auth.login(world["ulo_board"])
    assert client.post(f"/users/{world['ulo_staff'].id}/sessions/end").status_code == 404
    assert client.post(f"/users/{world['ulo_board'].id}/sessions/end").status_code == 403


def test_an_idle_session_ends_and_says_why(world, client, auth):
    auth.login_form(world["ulo_staff"].email)
    _shift(client, seen_at=IDLE + 5)
    response = client.get("/engagements")
    assert response.status_code == 302
    assert "/login?next=/engagements" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "nothing happened for 30 minutes" in page
    assert not _signed_in(client)


def test_activity_keeps_a_session_alive(world, client, auth):
    auth.login_form(world["ulo_staff"].email)
    _shift(client, seen_at=IDLE - 60, signed_in_at=IDLE - 60)
    assert _signed_in(client)
    _shift(client, seen_at=IDLE - 60)
    assert _signed_in(client)


def test_activity_is_noted_to_the_minute_not_resent_with_every_page(world, client, auth):
    auth.login_form(world["ulo_staff"].email)
    client.get("/account")
    again = client.get("/account")  # within the minute: the same cookie serves
    assert not [h for h in _set_cookie_headers(again) if h.startswith("session=")]
    _shift(client, seen_at=61)
    later = client.get("/account")
    assert [h for h in _set_cookie_headers(later) if h.startswith("session=")]
    assert client.get("/session/status").get_json()["idle_left"] >= IDLE - 2


def test_a_session_ends_after_the_absolute_limit_despite_activity(world, client, auth):
    auth.login_form(world["ulo_staff"].email)
    _shift(client, signed_in_at=12 * 3600 + 5)
    response = client.get("/account")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "more than 12 hours ago" in page


def test_asking_for_the_time_left_does_not_count_as_activity(world, client, auth):
    auth.login_form(world["ulo_staff"].email)
    _shift(client, seen_at=IDLE - 100)
    status = client.get("/session/status").get_json()
    assert status["signed_in"] and status["idle_left"] <= 100
    assert client.get("/session/status").get_json()["idle_left"] <= 100


def test_staying_signed_in_resets_the_idle_clock(world, client, auth):
    auth.login_form(world["ulo_staff"].email)
    _shift(client, seen_at=IDLE - 60)
    response = client.post("/session/extend", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.get_json()["idle_left"] >= IDLE - 2


def test_the_password_again_renews_the_absolute_limit(world, client, auth):
    auth.login_form(world["ulo_staff"].email)
    _shift(client, signed_in_at=12 * 3600 - 60)
    wrong = client.post("/session/extend", data={"password": "not my password at all"},
                        headers={"Accept": "application/json"})
    assert wrong.status_code == 422 and wrong.get_json()["error"]
    right = client.post("/session/extend", data={"password": PASSWORD},
                        headers={"Accept": "application/json"})
    assert right.get_json()["absolute_left"] >= 12 * 3600 - 2


def test_every_signed_in_page_carries_the_timeout_warning(world, client, auth):
    auth.login_form(world["ulo_staff"].email)
    page = client.get("/engagements").get_data(as_text=True)
    assert 'role="alertdialog"' in page and "Stay signed in" in page
    assert "/static/session-timeout.js" in page
    assert client.get("/static/session-timeout.js").status_code == 200


def test_a_form_sent_after_the_session_ended_is_kept_through_signing_in(world, client, auth):
    auth.login_form(world["ulo_staff"].email)
    _shift(client, seen_at=IDLE + 5)
    form = {"name": "Priya Shah", "organisation_id": str(world["ulo"].id),
            "email": "priya@example.org"}
    response = client.post("/people/new", data=form)
    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert 'name="carry:name" value="Priya Shah"' in page
    carried = {"email": world["ulo_staff"].email, "password": PASSWORD,
               "carry_to": "/people/new", **{f"carry:{k}": v for k, v in form.items()}}
    resumed = client.post("/login", data=carried)
    assert resumed.status_code == 200
    text = resumed.get_data(as_text=True)
    assert 'action="/people/new"' in text and 'value="Priya Shah"' in text
    saved = client.post("/people/new", data=form)
    assert saved.status_code == 302


def test_a_carried_form_only_goes_to_this_site(world, client):
    response = client.post("/login", data={
        "email": world["ulo_staff"].email, "password": PASSWORD,
        "carry_to": "//evil.example/steal", "carry:name": "x"})
    assert response.status_code == 302
    assert "evil" not in response.headers["Location"]


@pytest.mark.parametrize("path", ["/account/email", "/account/two-factor"])
def test_changing_how_you_sign_in_asks_for_your_password_again(world, client, auth, path):
    auth.login(world["ulo_staff"])  # a session older than the re-authentication window
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/confirm?next=")
    wrong = client.post(response.headers["Location"], data={"password": "nope nope nope"})
    assert wrong.status_code == 422
    assert "Enter your correct password" in wrong.get_data(as_text=True)
    right = client.post(response.headers["Location"], data={"password": PASSWORD})
    assert right.headers["Location"] == path
    assert client.get(path).status_code == 200


def test_a_new_password_needs_the_current_one(app, world, client, auth):
    auth.login(world["ulo_staff"])
    new = "violet kettle marching under lanterns"
    wrong = client.post("/account/password", data={
        "current_password": "not my password", "new_password": new, "new_password_again": new})
    assert wrong.status_code == 422
    assert "Enter your correct password" in wrong.get_data(as_text=True)
    assert auth.login_form(world["ulo_staff"].email, client=app.test_client()) \
        .status_code == 302  # unchanged


def test_a_new_password_must_be_strong_and_typed_twice(world, client, auth):
    auth.login_form(world["ulo_staff"].email)
    weak = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "password1234",
        "new_password_again": "password1234"})
    assert weak.status_code == 422
    assert "harder to guess" in weak.get_data(as_text=True)
    differ = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "violet kettle marching under lanterns",
        "new_password_again": "violet kettle marching under lantern"})
    assert "not the same" in differ.get_data(as_text=True)


def test_signing_out_asks_the_browser_to_forget_cached_pages(world, client, auth):
    auth.login_form(world["ulo_staff"].email)
    response = client.post("/logout")
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'


def test_changing_your_email_changes_how_you_sign_in(app, world, client, auth):
    auth.login_form(world["ulo_staff"].email)
    taken = client.post("/account/email", data={"email": world["ulo_board"].email})
    assert "already exists" in taken.get_data(as_text=True)
    assert client.post("/account/email", data={"email": "new.me@example.org"}) \
        .status_code == 302
    other = app.test_client()
    assert auth.login_form("new.me@example.org", client=other).status_code == 302
