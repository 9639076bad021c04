"""Sign-in checks, throttled in the database so that the limit holds across workers, and the
record of every sign-in, failure and refused access."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from coi import access, audit, auth
from coi.errors import Invalid
from coi.models import LoginAttempt, User, utcnow
from coi.services import base

WRONG = "Enter a correct email address and password"
WRONG_PASSWORD = "Enter your correct password"


class Throttled(Invalid):
    """Too many failures for this account or this address: wait, then try again."""

    status = 429
    title = "Too many attempts"


def _recent_failures(s, column, value: str, since) -> int:
    return s.execute(select(func.count()).select_from(LoginAttempt).where(
        column == value, LoginAttempt.succeeded.is_(False), LoginAttempt.at >= since)).scalar()


def _is_throttled(s, email: str, address: str) -> bool:
    cfg = current_app.config
    since = utcnow() - timedelta(minutes=cfg["LOGIN_WINDOW_MINUTES"])
    limit = cfg["LOGIN_MAX_FAILURES"]
    return (_recent_failures(s, LoginAttempt.email, email, since) >= limit
            or _recent_failures(s, LoginAttempt.address, address, since) >= limit * 4)


def _password_matches(user: User | None, password: str) -> bool:
    """Check the password; for an unknown account, spend the same time on a dummy hash so
    that the answer's timing does not tell whether the account exists."""
    if user is None:
        auth.check_password(auth.dummy_hash(), password)
        return False
    return auth.check_password(user.password_hash, password)


def sign_in(email: str, password: str, address: str) -> User:
    """The account for these credentials, or Invalid with the same words whether the account
    exists or not; too many failures for the account or the address lock it for a while."""
    email = (email or "").strip().lower()[:254]
    address = (address or "")[:64]
    with base.writing() as s:
        throttled = _is_throttled(s, email, address)
        user = s.execute(select(User).where(func.lower(User.email) == email)).scalar()
        ok = (not throttled and _password_matches(user, password or "")
              and bool(user and user.active))
        s.add(LoginAttempt(email=email, address=address, succeeded=ok))
        action = "login.throttled" if throttled else ("login.success" if ok else "login.failure")
        audit.append(s, email or "anonymous", action, "user", user.id if user else None,
                     None, {"address": address})
        if ok and auth.needs_rehash(user.password_hash):
            user.password_hash = auth.hash_password(password)
            s.add(user)
    if throttled:
        raise _throttled()
    if not ok:
        raise Invalid({"email": WRONG, "password": WRONG})
    return user


def confirm_password(user_id: int, password: str, address: str,
                     field: str = "password") -> None:
    """Re-authentication of a signed-in account: its password again, throttled and recorded
    like a sign-in, so an unattended session cannot be used to guess it."""
    address = (address or "")[:64]
    with base.writing() as s:
        user = s.get(User, user_id)
        throttled = _is_throttled(s, user.email.lower(), address)
        ok = not throttled and auth.check_password(user.password_hash, password or "")
        s.add(LoginAttempt(email=user.email.lower(), address=address, succeeded=ok))
        action = "reauth.throttled" if throttled else (
            "reauth.success" if ok else "reauth.failure")
        audit.append(s, user.email, action, "user", user.id, None, {"address": address})
    if throttled:
        raise _throttled(field)
    if not ok:
        raise Invalid({field: WRONG_PASSWORD})


def check_second_factor(user_id: int, code: str, address: str, verify) -> User:
    """The second sign-in step: verify(s, user, code) says whether the code is right (and
    uses it up); failures count towards the same throttle as passwords."""
    address = (address or "")[:64]
    with base.writing() as s:
        user = s.get(User, user_id)
        email = user.email.lower()
        throttled = _is_throttled(s, email, address)
        how = None if throttled else verify(s, user, code)
        s.add(LoginAttempt(email=email, address=address, succeeded=bool(how)))
        action = "login.2fa_throttled" if throttled else (
            f"login.2fa_{how}" if how else "login.2fa_failure")
        audit.append(s, user.email, action, "user", user.id, None, {"address": address})
    if throttled:
        raise _throttled("code")
    if not how:
        raise Invalid({"code": "Enter the 6-digit code from your authenticator app, or one "
                               "of your recovery codes"})
    return user


def record_refusal(actor, method: str, path: str) -> None:
    """An account was refused something its role may not do: one audit event."""
    with base.writing() as s:
        audit.append(s, access.actor_name(actor), "access.refused", "request", None, None,
                     {"method": method, "path": path[:200]})


def _throttled(field: str = "email") -> Throttled:
    minutes = current_app.config["LOGIN_WINDOW_MINUTES"]
    return Throttled({field: f"Too many attempts to sign in. Wait {minutes} minutes and try "
                             "again, or ask your administrator to help."})
