"""Accounts: creating users (the first admin too), passwords, sessions and API tokens."""

import re

from sqlalchemy import func, select

from coi import access, audit, auth, db
from coi.errors import Forbidden, Invalid, NotFound
from coi.models import ApiToken, Organisation, Person, User, utcnow
from coi.schemas import UserCreate, UserPublic, UserUpdate
from coi.services import base, scoping

SECRET_FIELDS = ("password_hash", "totp_secret", "recovery_codes")
# Words a password must not lean on (ASVS 6.1.2), besides the account's own email and name.
CONTEXT_WORDS = ("two hats", "twohats", "conflict", "interest", "register", "declaration",
                 "engagement", "commissioner", "council", "ulo", "user-led", "board")


def password_problem(password: str, email: str = "", name: str = "") -> str | None:
    """Why a password is refused, or None: 12 to 128 characters, no composition rules, and
    not common or guessable (zxcvbn, a maintained strength estimator)."""
    from flask import current_app
    minimum = current_app.config.get("PASSWORD_MIN_LENGTH", 12)
    if len(password) < minimum:
        return f"Password must be at least {minimum} characters"
    if len(password) > 128:
        return "Password must be 128 characters or fewer"
    from zxcvbn import zxcvbn
    words = [w for w in re.split(r"[\W_]+", f"{email} {name}".lower()) if len(w) > 2]
    inputs = [email, name, name.replace(" ", ""), *CONTEXT_WORDS, *words]
    verdict = zxcvbn(password[:72], user_inputs=inputs)  # zxcvbn refuses longer ones
    if verdict["score"] < 3:
        hint = verdict["feedback"].get("warning") or "It is too easy to guess"
        return (f"Choose a password that is harder to guess: {hint.rstrip('.')}. "
                "A few unrelated words together work well")
    return None


class UserSpec(base.RecordSpec):
    entity, label, model = "user", "account", User
    create_schema, update_schema = UserCreate, UserUpdate
    search = ("email", "name")
    filters = {"role": lambda stmt, v: stmt.where(User.role == v)}
    order = (User.email,)
    hidden = SECRET_FIELDS

    def scope(self, actor, stmt):
        if actor is not None and actor.role != "admin":
            return stmt.where(User.id == actor.id)
        return stmt

    def authorise_create(self, actor, values, errors):
        access.require_role(actor, "admin")

    def authorise_update(self, actor, record):
        access.require_role(actor, "admin")

    def authorise_end(self, actor, record):
        super().authorise_end(actor, record)
        access.require(actor is None or actor.id != record.id,
                       "You cannot deactivate your own account: ask another administrator.")

    def values_of(self, record):
        values = super().values_of(record)
        values["password"] = None
        return values

    def check(self, s, actor, values, record, errors):
        if record is not None and actor is not None and record.id == actor.id:
            # An administrator must not lock themself (and perhaps everyone) out.
            if values.get("role") != "admin":
                errors["role"] = "You cannot take the administrator role from your own account"
            if values.get("active") is False:
                errors["active"] = "You cannot deactivate your own account"
        clash = s.execute(select(User.id).where(
            func.lower(User.email) == (values.get("email") or "").lower())).scalar()
        if clash and (record is None or clash != record.id):
            errors["email"] = "An account with this email address already exists"
        role, org_id = values.get("role"), values.get("organisation_id")
        needs = {"ulo_staff": "ulo", "ulo_board": "ulo", "commissioner": "commissioner"}
        if role in needs:
            if org_id is None:
                errors["organisation_id"] = "Choose the organisation this account belongs to"
            else:
                scoping.org_field_error(s, actor, errors, "organisation_id", org_id,
                                        needs[role], False, f"a {needs[role]} organisation"
                                        .replace("a ulo", "a ULO")
                                        .replace("a commissioner", "a commissioning body"))
        if values.get("password"):
            problem = password_problem(values["password"], values.get("email") or "",
                                       values.get("name") or "")
            if problem:
                errors["password"] = problem

    def columns(self, payload):
        out = {k: v for k, v in payload.items() if k != "password"}
        if payload.get("password"):
            out["password_hash"] = auth.hash_password(payload["password"])
        if payload.get("role") in ("auditor", "admin") and "organisation_id" not in payload:
            out["organisation_id"] = None
        return out

    def apply(self, record, changes):
        """A new password, role or organisation, or deactivation, ends the account's
        sessions: a copied cookie must not keep the old rights."""
        ends_sessions = (changes.get("password") or changes.get("active") is False
                         or any(name in changes and changes[name] != getattr(record, name)
                                for name in ("role", "organisation_id")))
        moved = "organisation_id" in changes and changes["organisation_id"] != \
            record.organisation_id
        super().apply(record, changes)
        if moved:  # the account is a person of its new organisation (after_write links it)
            record.person_id = None
        if ends_sessions:
            record.session_version += 1

    def public(self, record):
        return UserPublic.model_validate(record).model_dump(mode="json")

    def end(self, record, reason, on):
        """Deactivating an account ends its sessions at once."""
        record.active = False
        record.session_version += 1

    def after_write(self, s, actor, record):
        link_person(s, record)
        super().after_write(s, actor, record)


USERS = UserSpec()


def link_person(s, user: User) -> None:
    """An account of an organisation is also a person of it: the one with its email, or new."""
    if user.organisation_id is None or user.person_id is not None:
        return
    person = s.execute(select(Person).where(
        Person.organisation_id == user.organisation_id,
        func.lower(Person.email) == user.email.lower())).scalars().first()
    if person is None:
        person = Person(name=user.name, organisation_id=user.organisation_id, email=user.email)
        s.add(person)
        s.flush()
        audit.append(s, "system", "person.create", "person", person.id, None,
                     audit.snapshot(person))
    user.person_id = person.id
    s.add(user)
    s.flush()


def create_user(actor, data) -> User:
    """Create an account (admins only; the CLI and the first-start setup act as system)."""
    data = dict(data)
    if isinstance(data.get("organisation_id"), str) and not data["organisation_id"].isdigit():
        data["organisation_id"] = org_id_by_name(data["organisation_id"])
    user = base.create_record(USERS, actor, data)
    return user


def org_id_by_name(name: str) -> int | None:
    return db.session().execute(select(Organisation.id).where(
        Organisation.name == name)).scalar()


def register_is_empty() -> bool:
    """No account exists yet: the first visit may create the first administrator."""
    return db.session().execute(select(func.count()).select_from(User)).scalar() == 0


def setup_first_admin(data) -> User:
    """The one-time setup: only while no account exists."""
    with base.writing() as s:
        if s.execute(select(func.count()).select_from(User)).scalar():
            raise Forbidden("The register already has an administrator.")
    return create_user(None, {**dict(data), "role": "admin"})


def find_by_email(email: str) -> User | None:
    return db.session().execute(select(User).where(
        func.lower(User.email) == (email or "").strip().lower())).scalar_one_or_none()


def bump_session_version(actor, user_id: int, action: str) -> None:
    """End every session of an account (sign out everywhere, deactivation)."""
    with base.writing() as s:
        user = s.get(User, user_id)
        if user is None:
            raise NotFound("No such account.")
        if actor is not None and actor.id != user_id:
            access.require_role(actor, "admin")
        user.session_version += 1
        s.add(user)
        audit.append(s, access.actor_name(actor), action, "user", user.id, None,
                     {"session_version": user.session_version})


def issue_token(actor, user_id: int, name: str = "API token") -> str:
    """A new API token for an account (your own, or any as an admin); shown once."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise Invalid({"name": "Give the token a name of 100 characters or fewer"})
    with base.writing() as s:
        user = s.get(User, user_id)
        if user is None or not user.active:
            raise NotFound("No such active account.")
        if actor is not None and actor.id != user_id:
            access.require_role(actor, "admin")
        token, digest = auth.new_token()
        record = ApiToken(user_id=user_id, name=name, token_hash=digest)
        s.add(record)
        s.flush()
        audit.append(s, access.actor_name(actor), "token.create", "api_token", record.id,
                     None, {"user_id": user_id, "name": name})
    return token


def list_tokens(actor) -> list[ApiToken]:
    return list(db.session().execute(select(ApiToken).where(
        ApiToken.user_id == actor.id).order_by(ApiToken.id.desc())).scalars())


def revoke_token(actor, token_id: int) -> None:
    """Revoke one of your own tokens (an admin may revoke anyone's)."""
    with base.writing() as s:
        token = s.get(ApiToken, token_id)
        if token is None or (token.user_id != actor.id and actor.role != "admin"):
            raise NotFound("No such token.")
        if token.revoked_at is None:
            token.revoked_at = utcnow()
            s.add(token)
            audit.append(s, access.actor_name(actor), "token.revoke", "api_token", token.id,
                         None, {"revoked_at": token.revoked_at})

