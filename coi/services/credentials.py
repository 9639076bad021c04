"""Changing your own password and email address, and an administrator ending an account's
sessions (the web layer asks for the password again before any of these), and when an API
token was last used."""

from datetime import UTC, datetime, timedelta

from pydantic import Field
from sqlalchemy import func, select, update

from coi import access, audit, auth
from coi.errors import Invalid
from coi.models import ApiToken, User, utcnow
from coi.schemas import Email, In
from coi.services import base
from coi.services.users import USERS, password_problem


class EmailChange(In):
    email: Email = Field(title="New email address")


def change_password(user_id: int, new: str, again: str) -> User:
    """A new password for your own account; every other session of it ends."""
    new, again = new or "", again or ""
    with base.writing() as s:
        user = s.get(User, user_id)
        errors = {}
        problem = password_problem(new, user.email, user.name)
        if problem:
            errors["new_password"] = problem
        elif auth.check_password(user.password_hash, new):
            errors["new_password"] = "Choose a password you have not been using"
        if new != again:
            errors["new_password_again"] = "The two new passwords are not the same"
        if errors:
            raise Invalid(errors)
        user.password_hash = auth.hash_password(new)
        user.session_version += 1
        s.add(user)
        audit.append(s, user.email, "user.password_change", "user", user.id, None,
                     {"session_version": user.session_version})
    return user


def change_email(user_id: int, email: str) -> User:
    """A new email address (and sign-in name) for your own account."""
    data = base.validate(EmailChange, {"email": email})
    with base.writing() as s:
        user = s.get(User, user_id)
        clash = s.execute(select(User.id).where(
            func.lower(User.email) == data.email.lower(), User.id != user_id)).scalar()
        if clash:
            raise Invalid({"email": "An account with this email address already exists"})
        before = {"email": user.email}
        if user.email == data.email:
            return user
        user.email = data.email
        s.add(user)
        audit.append(s, before["email"], "user.email_change", "user", user.id, before,
                     {"email": user.email})
    return user


def end_sessions(actor, user_id: int) -> User:
    """An administrator signs an account out on every device at once."""
    record = base.get_record(USERS, actor, user_id)
    access.require_role(actor, "admin")
    with base.writing() as s:
        user = s.get(User, record.id)
        user.session_version += 1
        s.add(user)
        audit.append(s, access.actor_name(actor), "user.sessions_end", "user", user.id, None,
                     {"session_version": user.session_version})
    return user


TOKEN_USE_EVERY = timedelta(hours=1)


def note_token_use(token_id: int, last_used_at: datetime | None) -> None:
    """Keep an API token's "last used" time, to the hour (a token in a loop does not write on
    every request). Bookkeeping about a credential, like sign-in attempts, not a change to the
    register: no audit event."""
    now = utcnow()
    if last_used_at is not None:
        seen = last_used_at if last_used_at.tzinfo else last_used_at.replace(tzinfo=UTC)
        if now - seen < TOKEN_USE_EVERY:
            return
    with base.writing() as s:
        s.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
