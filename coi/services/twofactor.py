"""Two-factor sign-in: TOTP codes from an authenticator app (RFC 6238) and one-time recovery
codes. Secrets are made here; each code is accepted once; recovery codes are kept hashed."""

import hmac
import secrets
import time

import pyotp
from flask import current_app

from coi import access, audit, auth, db
from coi.errors import Forbidden, Invalid, NotFound
from coi.models import User
from coi.services import base

ISSUER = "Two Hats"
RECOVERY_COUNT = 10
_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i: easy to copy by hand
WRONG_CODE = ("That code is not right. Check the time on your phone is set automatically, "
              "then enter the newest 6-digit code")


def new_secret() -> str:
    """A fresh 160-bit TOTP secret, in the base32 an authenticator app expects."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, email: str) -> str:
    """The otpauth:// address that an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The otpauth:// address as an inline SVG QR code (no style attributes: strict CSP)."""
    import segno
    svg = segno.make(uri, error="m").svg_inline(scale=5, svgclass="qr-code", lineclass=None,
                                                 omitsize=False)
    return svg.replace("<svg ", '<svg role="img" aria-labelledby="qr-label" ', 1)


def spaced(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _matching_step(secret: str, code: str, last_step: int | None) -> int | None:
    """The time step whose code this is (now, or one step either side for clock drift), if
    it is newer than the last one accepted: a code works once."""
    totp = pyotp.TOTP(secret)
    current = int(time.time()) // totp.interval
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step if last_step is None or step > last_step else None
    return None


def _normalise(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())[:40]


def new_recovery_codes() -> tuple[list[str], list[str]]:
    """Ten one-time recovery codes and what is stored instead: each code's first two
    characters (a tag, to know which hash to check) and an argon2 hash of the other ten
    (about 50 bits, so a salted password hash rather than a plain one: ASVS 6.5.2)."""
    codes, stored, tags = [], [], set()
    while len(codes) < RECOVERY_COUNT:
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(12))
        if raw[:2] in tags:
            continue
        tags.add(raw[:2])
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
        stored.append(f"{raw[:2]}${auth.hash_password(raw[2:])}")
    return codes, stored


def _use_recovery_code(user: User, code: str) -> bool:
    """Whether code is one of user's unused recovery codes; if so it is used up."""
    if len(code) != 12:
        return False
    for entry in user.recovery_codes or []:
        tag, _, digest = entry.partition("$")
        if hmac.compare_digest(tag, code[:2]) and auth.check_password(digest, code[2:]):
            user.recovery_codes = [e for e in user.recovery_codes if e != entry]
            return True
    return False


def verify(s, user: User, code: str) -> str | None:
    """'totp' or 'recovery' when code signs this account in (and is then used up), else
    None. Runs inside the caller's write."""
    if user.totp_secret is None:
        return None
    code = _normalise(code)
    if code.isdigit() and len(code) == 6:
        step = _matching_step(user.totp_secret, code, user.totp_last_step)
        if step is None:
            return None
        user.totp_last_step = step
        s.add(user)
        return "totp"
    if not _use_recovery_code(user, code):
        return None
    s.add(user)
    return "recovery"


def enable(user_id: int, secret: str, code: str) -> list[str]:
    """Turn on two-factor sign-in once the app shows a right code; returns the recovery codes
    (shown once)."""
    code = _normalise(code)
    step = _matching_step(secret, code, None) if len(code) == 6 and code.isdigit() else None
    if step is None:
        raise Invalid({"code": WRONG_CODE})
    codes, digests = new_recovery_codes()
    with base.writing() as s:
        user = s.get(User, user_id)
        user.totp_secret, user.totp_last_step, user.recovery_codes = secret, step, digests
        s.add(user)
        audit.append(s, user.email, "user.2fa_enable", "user", user.id)
    return codes


def regenerate_recovery_codes(user_id: int) -> list[str]:
    """New recovery codes; the old ones stop working."""
    codes, digests = new_recovery_codes()
    with base.writing() as s:
        user = s.get(User, user_id)
        if user.totp_secret is None:
            raise Invalid({"_form": "Set up two-factor sign-in first."})
        user.recovery_codes = digests
        s.add(user)
        audit.append(s, user.email, "user.2fa_recovery_codes", "user", user.id)
    return codes


def required_for(user: User) -> bool:
    """The account's role must use two-factor sign-in (TWO_FACTOR_REQUIRED_ROLES)."""
    return user.role in (current_app.config.get("TWO_FACTOR_REQUIRED_ROLES") or ())


def disable(user_id: int) -> None:
    """Turn off two-factor sign-in for your own account (not for a role that requires it)."""
    with base.writing() as s:
        user = s.get(User, user_id)
        if required_for(user):
            raise Forbidden("Your role must use two-factor sign-in, so it cannot be turned "
                            "off. You can set it up again with a new app instead.")
        _clear(user)
        s.add(user)
        audit.append(s, user.email, "user.2fa_disable", "user", user.id)


def _clear(user: User) -> None:
    user.totp_secret, user.totp_last_step, user.recovery_codes = None, None, []


def reset(actor, user_id: int) -> User:
    """An administrator resets an account's two-factor sign-in (a lost phone and lost recovery
    codes): its sessions end, and it sets up again at its next sign-in if its role needs it."""
    from coi.services.users import USERS
    record = base.get_record(USERS, actor, user_id)
    access.require_role(actor, "admin")
    with base.writing() as s:
        user = s.get(User, record.id)
        if user is None:
            raise NotFound("No such account.")
        _clear(user)
        user.session_version += 1
        s.add(user)
        audit.append(s, access.actor_name(actor), "user.2fa_reset", "user", user.id, None,
                     {"session_version": user.session_version})
    return user


def recovery_codes_left(user_id: int) -> int:
    """How many unused recovery codes the account has."""
    user = db.session().get(User, user_id)
    return len(user.recovery_codes or []) if user else 0
