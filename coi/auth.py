"""Sign-in: Flask-Login wiring, argon2 password hashes, session versions and API tokens."""

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2 import exceptions as argon2_exceptions
from argon2.profiles import RFC_9106_LOW_MEMORY
from flask import g
from flask_login import AnonymousUserMixin, LoginManager, UserMixin
from sqlalchemy import bindparam, select

from coi import db
from coi.models import ApiToken, User
from coi.services import figures_cache

login_manager = LoginManager()
_HASHERS = {
    "rfc9106_low_memory": PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY),
    # Only for the test suite, where thousands of hashes would otherwise take minutes.
    "fast_for_tests": PasswordHasher(time_cost=1, memory_cost=64, parallelism=1),
}


def _hasher() -> PasswordHasher:
    from flask import current_app
    return _HASHERS[current_app.config.get("ARGON2_PROFILE", "rfc9106_low_memory")]


class Account(UserMixin):
    """The signed-in account as the web layer sees it; wraps a User row (read-only for a
    signed-in request: see signed_in_user)."""

    def __init__(self, user: User, via_token: bool = False):
        self.user = user
        self.via_token = via_token

    def __getattr__(self, name):
        return getattr(self.user, name)

    def get_id(self) -> str:
        # The session version makes a copied cookie useless after sign-out everywhere.
        return f"{self.user.id}:{self.user.session_version}"

    @property
    def is_active(self) -> bool:
        return self.user.active


class Anonymous(AnonymousUserMixin):
    role = None
    organisation_id = None
    id = None
    user = None


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password(stored: str, password: str) -> bool:
    try:
        return _hasher().verify(stored, password)
    except (argon2_exceptions.VerificationError, argon2_exceptions.InvalidHashError):
        return False


_DUMMY: dict[str, str] = {}


def dummy_hash() -> str:
    """A hash of a random password, to verify against when no account matches (so that a
    sign-in takes as long whether the account exists or not)."""
    from flask import current_app
    profile = current_app.config.get("ARGON2_PROFILE", "rfc9106_low_memory")
    if profile not in _DUMMY:
        _DUMMY[profile] = _hasher().hash(secrets.token_urlsafe(16))
    return _DUMMY[profile]


def needs_rehash(stored: str) -> bool:
    return _hasher().check_needs_rehash(stored)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh API token and the digest that is stored instead of it."""
    token = "th_" + secrets.token_urlsafe(32)
    return token, token_digest(token)


_USER = User.__table__
_BY_ID = select(*_USER.c, *figures_cache.HEAD_COLUMNS).where(_USER.c.id == bindparam("uid"))


def signed_in_user(user_id: int):
    """The account's row, read-only (attributes as on a User): every request reads it, and an
    ORM object would cost twice as much to load; a service that changes an account loads the
    User it changes inside its own write. The audit chain's head comes in the same statement,
    for the figures the page may show (one round trip instead of two)."""
    row = db.session().connection().execute(_BY_ID, {"uid": user_id}).first()
    if row is not None:
        figures_cache.note_head(row.audit_head_seq, row.audit_head_hash)
    return row


@login_manager.user_loader
def _load_user(user_id: str):
    try:
        uid, version = (int(part) for part in user_id.split(":"))
    except ValueError:
        return None
    user = signed_in_user(uid)
    if user is None or not user.active or user.session_version != version:
        return None
    return Account(user)


@login_manager.request_loader
def _load_from_token(req):
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    s = db.session()
    token = s.execute(select(ApiToken).where(
        ApiToken.token_hash == token_digest(header[7:].strip()),
        ApiToken.revoked_at.is_(None))).scalar_one_or_none()
    if token is None:
        return None
    user = signed_in_user(token.user_id)
    if user is None or not user.active:
        return None
    g.api_token_id = token.id
    from coi.services import credentials
    credentials.note_token_use(token.id, token.last_used_at)
    return Account(user, via_token=True)


def init_app(app) -> None:
    login_manager.init_app(app)
    login_manager.anonymous_user = Anonymous
    login_manager.login_view = "account.login"
    login_manager.login_message = "Sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
