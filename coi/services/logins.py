"""Sign-in checks, throttled in the database so that the limit holds across workers."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from coi import audit, auth
from coi.errors import Invalid
from coi.models import LoginAttempt, User, utcnow
from coi.services import base

WRONG = "Enter a correct email address and password"


def _recent_failures(s, column, value: str, since) -> int:
    return s.execute(select(func.count()).select_from(LoginAttempt).where(
        column == value, LoginAttempt.succeeded.is_(False), LoginAttempt.at >= since)).scalar()


def sign_in(email: str, password: str, address: str) -> User:
    """The account for these credentials, or Invalid with the same words whether the account
    exists or not; too many failures for the account or the address lock it for a while."""
    email = (email or "").strip().lower()[:254]
    cfg = current_app.config
    since = utcnow() - timedelta(minutes=cfg["LOGIN_WINDOW_MINUTES"])
    with base.writing() as s:
        limit = cfg["LOGIN_MAX_FAILURES"]
        throttled = (_recent_failures(s, LoginAttempt.email, email, since) >= limit
                     or _recent_failures(s, LoginAttempt.address, address, since) >= limit * 4)
        user = s.execute(select(User).where(func.lower(User.email) == email)).scalar()
        ok = bool(not throttled and user and user.active
                  and auth.check_password(user.password_hash, password))
        s.add(LoginAttempt(email=email, address=address[:64], succeeded=ok))
        action = "login.throttled" if throttled else ("login.success" if ok else "login.failure")
        audit.append(s, email or "anonymous", action, "user", user.id if user else None)
        if ok and auth.needs_rehash(user.password_hash):
            user.password_hash = auth.hash_password(password)
            s.add(user)
    if throttled:
        raise _throttled(cfg["LOGIN_WINDOW_MINUTES"])
    if not ok:
        raise Invalid({"email": WRONG, "password": WRONG})
    return user


def _throttled(minutes: int) -> Invalid:
    return Invalid({"email": f"Too many attempts to sign in. Wait {minutes} minutes and try "
                             "again, or ask your administrator to help."})
