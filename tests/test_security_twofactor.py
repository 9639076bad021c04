"""Two-factor sign-in: setting it up with an authenticator app, signing in with a code or a
one-time recovery code, roles that must use it, and an administrator's reset."""

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from coi import db
from coi.models import AuditEvent, User
from tests.conftest import PASSWORD


def _code(secret: str, steps_ahead: int = 1) -> str:
    """A code the server accepts once: one step ahead is within the allowed clock drift and
    newer than the code used to set up."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def _enrol(client) -> tuple[str, list[str]]:
    """Set up two-factor sign-in on a signed-in client; the secret and recovery codes."""
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r"secret=([A-Z2-7]+)", page).group(1)
    response = client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert response.headers["Location"] == "/account/two-factor/recovery-codes"
    codes_page = client.get("/account/two-factor/recovery-codes").get_data(as_text=True)
    codes = re.findall(r"<code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</code>", codes_page)
    return secret, codes


def _password_step(client, email):
    return client.post("/login", data={"email": email, "password": PASSWORD})


def _user(app, user_id) -> User:
    with app.app_context():
        return db.session().get(User, user_id)


@pytest.fixture
def enrolled(app, world, auth):
    """ulo_staff with two-factor sign-in on; returns (secret, recovery codes)."""
    client = app.test_client()
    auth.login_form(world["ulo_staff"].email, client=client)
    return _enrol(client)


def test_setting_up_shows_the_key_as_text_qr_code_and_address(world, client, auth):
    auth.login_form(world["ulo_staff"].email)
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "otpauth://totp/Two%20Hats:" in page
    assert re.search(r"<code class=\"token\">([A-Z2-7]{4} ){7}[A-Z2-7]{4}</code>", page)
    assert '<svg role="img" aria-labelledby="qr-label"' in page
    assert "style=" not in page and "<script>" not in page


def test_a_wrong_code_does_not_turn_it_on(app, world, client, auth):
    auth.login_form(world["ulo_staff"].email)
    client.get("/account/two-factor")
    response = client.post("/account/two-factor", data={"code": "000000"})
    assert response.status_code == 422
    assert "That code is not right" in response.get_data(as_text=True)
    assert _user(app, world["ulo_staff"].id).totp_secret is None


def test_turning_it_on_gives_ten_recovery_codes_shown_once_and_stored_hashed(
        app, world, client, auth):
    auth.login_form(world["ulo_staff"].email)
    secret, codes = _enrol(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    user = _user(app, world["ulo_staff"].id)
    assert user.totp_secret == secret
    stored = " ".join(user.recovery_codes)
    assert "$argon2id$" in stored  # salted password hashes, not the codes
    assert not [c for c in codes if c.replace("-", "")[2:] in stored]
    assert client.get("/account/two-factor/recovery-codes").status_code == 302  # gone


def test_sign_in_asks_for_the_code_after_the_password(app, world, client, enrolled):
    secret, _ = enrolled
    response = _password_step(client, world["ulo_staff"].email)
    assert response.headers["Location"] == "/login/two-factor"
    assert client.get("/account").status_code == 302  # not signed in yet
    assert client.post("/login/two-factor", data={"code": "123456"}).status_code == 422
    done = client.post("/login/two-factor", data={"code": _code(secret)})
    assert done.status_code == 302
    assert client.get("/account").status_code == 200


def test_a_code_works_only_once(app, world, enrolled):
    secret, _ = enrolled
    code = _code(secret)
    first, second = app.test_client(), app.test_client()
    _password_step(first, world["ulo_staff"].email)
    assert first.post("/login/two-factor", data={"code": code}).status_code == 302
    _password_step(second, world["ulo_staff"].email)
    assert second.post("/login/two-factor", data={"code": code}).status_code == 422


def test_a_recovery_code_signs_in_once(app, world, enrolled):
    _, codes = enrolled
    first, second = app.test_client(), app.test_client()
    _password_step(first, world["ulo_staff"].email)
    assert first.post("/login/two-factor", data={"code": codes[0].upper()}) \
        .status_code == 302
    _password_step(second, world["ulo_staff"].email)
    assert second.post("/login/two-factor", data={"code": codes[0]}).status_code == 422
    assert len(_user(app, world["ulo_staff"].id).recovery_codes) == 9


def test_wrong_codes_are_throttled_like_passwords(world, client, enrolled):
    _password_step(client, world["ulo_staff"].email)
    for _ in range(5):
        client.post("/login/two-factor", data={"code": "000000"})
    secret, _ = enrolled
    response = client.post("/login/two-factor", data={"code": _code(secret)})
    assert response.status_code == 429


def test_the_code_step_expires(world, client, enrolled):
    secret, _ = enrolled
    _password_step(client, world["ulo_staff"].email)
    with client.session_transaction() as sess:
        sess["pending_2fa"] = {**sess["pending_2fa"], "at": sess["pending_2fa"]["at"] - 301}
    response = client.post("/login/two-factor", data={"code": _code(secret)})
    assert response.headers["Location"] == "/login"


def test_sign_ins_with_codes_are_recorded(app, world, client, enrolled):
    secret, codes = enrolled
    _password_step(client, world["ulo_staff"].email)
    client.post("/login/two-factor", data={"code": "999999"})
    client.post("/login/two-factor", data={"code": _code(secret)})
    with app.app_context():
        actions = [e.action for e in db.session().execute(select(AuditEvent).where(
            AuditEvent.actor == world["ulo_staff"].email)).scalars()]
    assert "user.2fa_enable" in actions
    assert actions[-2:] == ["login.2fa_failure", "login.2fa_totp"]


@pytest.mark.parametrize("role", ["admin", "auditor"])
def test_administrators_and_auditors_must_set_it_up_before_anything_else(
        app, world, client, role):
    response = _password_step(client, world[role].email)
    assert response.status_code == 302
    blocked = client.get("/engagements")
    assert blocked.headers["Location"] == "/account/two-factor"
    assert client.get("/api/v1/engagements").status_code == 403
    secret, _ = _enrol(client)
    assert client.get("/engagements").status_code == 200
    assert client.get("/api/v1/engagements").status_code == 200


def test_roles_that_need_it_cannot_turn_it_off(app, world, client):
    _password_step(client, world["admin"].email)
    _enrol(client)
    assert "Turn off two-factor" not in client.get("/account").get_data(as_text=True)
    assert client.post("/account/two-factor/off").status_code == 403
    assert _user(app, world["admin"].id).totp_secret is not None


def test_other_roles_can_turn_it_off_after_confirming(app, world, client, auth, enrolled):
    secret, _ = enrolled
    _password_step(client, world["ulo_staff"].email)
    client.post("/login/two-factor", data={"code": _code(secret)})
    assert client.post("/account/two-factor/off").status_code == 302
    assert _user(app, world["ulo_staff"].id).totp_secret is None


def test_confirming_it_is_you_needs_a_code_too(world, client, auth, enrolled):
    secret, _ = enrolled
    auth.login(world["ulo_staff"])
    location = client.get("/account/email").headers["Location"]
    only_password = client.post(location, data={"password": PASSWORD})
    assert only_password.status_code == 422
    both = client.post(location, data={"password": PASSWORD, "code": _code(secret)})
    assert both.headers["Location"] == "/account/email"


def test_new_recovery_codes_replace_the_old_ones(app, world, client, enrolled):
    secret, old = enrolled
    _password_step(client, world["ulo_staff"].email)
    client.post("/login/two-factor", data={"code": _code(secret)})
    assert client.post("/account/two-factor/recovery-codes").status_code == 302
    page = client.get("/account/two-factor/recovery-codes").get_data(as_text=True)
    new = re.findall(r"<code>([a-z0-9-]{14})</code>", page)
    assert len(new) == 10 and not set(new) & set(old)
    fresh = app.test_client()
    _password_step(fresh, world["ulo_staff"].email)
    assert fresh.post("/login/two-factor", data={"code": old[1]}).status_code == 422


def test_an_administrator_can_reset_a_lost_authenticator(app, world, client, auth, enrolled):
    victim = app.test_client()
    secret, _ = enrolled
    _password_step(victim, world["ulo_staff"].email)
    victim.post("/login/two-factor", data={"code": _code(secret)})
    _password_step(client, world["admin"].email)
    _enrol(client)
    page = client.get(f"/users/{world['ulo_staff'].id}").get_data(as_text=True)
    assert "Reset two-factor sign-in" in page
    response = client.post(f"/users/{world['ulo_staff'].id}/two-factor/reset")
    assert response.status_code == 302
    assert _user(app, world["ulo_staff"].id).totp_secret is None
    assert victim.get("/account").status_code == 302  # their sessions ended
    assert _password_step(app.test_client(), world["ulo_staff"].email) \
        .headers["Location"] == "/"


def test_api_tokens_are_not_affected(app, world, client, auth):
    from coi.services import users
    with app.test_request_context():
        token = users.issue_token(None, world["admin"].id, "integration")
    response = app.test_client().get("/api/v1/engagements",
                                     headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_a_locked_out_administrator_is_reset_from_the_command_line(app, world, runner,
                                                                  client):
    _password_step(client, world["admin"].email)
    _enrol(client)
    result = runner.invoke(args=["reset-two-factor", world["admin"].email])
    assert result.exit_code == 0, result.output
    assert "reset" in result.output
    assert _user(app, world["admin"].id).totp_secret is None
    assert client.get("/account").status_code == 302
    unknown = runner.invoke(args=["reset-two-factor", "nobody@example.org"])
    assert unknown.exit_code == 1 and "No account" in unknown.output


def test_end_sessions_from_the_command_line(app, world, runner, client, auth):
    auth.login_form(world["ulo_staff"].email)
    result = runner.invoke(args=["end-sessions", world["ulo_staff"].email])
    assert result.exit_code == 0, result.output
    assert client.get("/account").status_code == 302
