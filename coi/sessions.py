"""The life of a signed-in session: how it starts, its idle and absolute limits, the second
factor that some roles must set up, and recent re-authentication before sensitive changes.

The session (a signed cookie) holds: signed_in_at and seen_at (epoch seconds) for the limits,
auth_at for re-authentication, pending_2fa between the password and the code, and
must_enrol_2fa for a role that needs two-factor sign-in and has not set it up yet. Sessions
that lack the timestamps (made before this code, or by the tests) start their clocks now.
"""

import time
from functools import wraps

from flask import (
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user

PENDING = "pending_2fa"
ENROL = "must_enrol_2fa"
PENDING_SECONDS = 300
# Activity is noted to the minute (to a thirtieth of a shorter idle limit): the cookie is signed
# and sent again at most that often, not on every request; the idle limit and its warning (which
# asks /session/status) follow it. Staying signed in is always noted at once.
SEEN_EVERY = 60
# What a session that must set up two-factor sign-in may still reach.
ENROL_ALLOWED = {"twofactor.setup", "account.logout", "sessions.status", "sessions.extend",
                 "pages.accessibility", "account.confirm", "static"}
# Where an ended session simply gives way to a new sign-in.
SIGNING_IN = {"account.login", "account.logout", "account.setup", "twofactor.verify"}
ENDED_ELSEWHERE = ("You were signed out, from another device or by an administrator. Sign "
                   "in again to carry on.")
SECRET_FORM_FIELDS = ("csrf_token", "password", "new_password", "new_password_again", "code")


def now() -> int:
    return int(time.time())


def start(user) -> None:
    """A brand-new session for an account that has fully signed in."""
    from coi.auth import Account
    session.clear()
    login_user(Account(user))
    t = now()
    session.update(signed_in_at=t, seen_at=t, auth_at=t)
    if needs_enrolment(user):
        session[ENROL] = True


def renew(user) -> None:
    """Keep this session signed in after its account's session version changed (a new
    password): other sessions end, this one carries on with its clocks."""
    from coi.auth import Account
    kept = {k: session[k] for k in ("signed_in_at", "seen_at", "auth_at") if k in session}
    login_user(Account(user))
    session.update(kept)


def needs_enrolment(user) -> bool:
    """The account's role must use two-factor sign-in and it has not set it up yet."""
    required = current_app.config.get("TWO_FACTOR_REQUIRED_ROLES") or ()
    return user.totp_secret is None and user.role in required


def begin_second_factor(user, next_url: str) -> None:
    """The password was right; the session waits for the code, signed in to nothing yet."""
    session.clear()
    session[PENDING] = {"uid": user.id, "v": user.session_version, "at": now(),
                        "next": next_url}


def pending() -> dict | None:
    """The account waiting for its second factor, if the password step was recent."""
    waiting = session.get(PENDING)
    if not isinstance(waiting, dict) or now() - int(waiting.get("at", 0)) > PENDING_SECONDS:
        session.pop(PENDING, None)
        return None
    return waiting


def limits() -> tuple[int, int]:
    """The idle and the absolute limit, in seconds."""
    cfg = current_app.config
    return int(cfg["SESSION_IDLE_MINUTES"]) * 60, int(cfg["SESSION_ABSOLUTE_HOURS"]) * 3600


def remaining() -> dict:
    """Seconds left before the idle and the absolute limit end this session."""
    idle, absolute = limits()
    t = now()
    return {"signed_in": True,
            "idle_left": max(0, idle - (t - int(session.get("seen_at", t)))),
            "absolute_left": max(0, absolute - (t - int(session.get("signed_in_at", t))))}


def _every() -> int:
    """How often activity is noted, in seconds."""
    return max(1, min(SEEN_EVERY, limits()[0] // 30))


def _expired_reason() -> str | None:
    idle, absolute = limits()
    t = now()
    session.setdefault("signed_in_at", t)
    seen = int(session.setdefault("seen_at", t))
    if t - seen > idle:
        return (f"You were signed out because nothing happened for {idle // 60} minutes. "
                "Sign in again to carry on.")
    if t - int(session["signed_in_at"]) > absolute:
        return (f"You were signed out because you signed in more than {absolute // 3600} "
                "hours ago. Sign in again to carry on.")
    return None


def enforce():
    """Before every request: end an expired session, count activity, and keep a role that
    must set up two-factor sign-in on that page until it has."""
    # Decide the account afresh for every request, even where requests share one app
    # context (the test client inside a pushed context): never a previous request's user.
    g.pop("_login_user", None)
    if request.endpoint == "static" or "_user_id" not in session:
        return None
    ended = not current_user.is_authenticated  # signed out elsewhere, or a copied cookie
    reason = ENDED_ELSEWHERE if ended else _expired_reason()
    if reason:
        if request.endpoint in SIGNING_IN or (ended and request.method != "POST"):
            logout_user()
            session.clear()
            return None
        return _expired(reason)
    t = now()
    if request.endpoint == "sessions.extend" or (
            request.endpoint != "sessions.status" and t - int(session["seen_at"]) >= _every()):
        session["seen_at"] = t
    if session.get(ENROL) and request.endpoint not in ENROL_ALLOWED:
        return _enrol_first()
    return None


def _expired(reason: str):
    email = current_user.email if current_user.is_authenticated else ""
    logout_user()
    session.clear()
    if request.path.startswith("/api/"):
        from coi.api.problems import problem
        return problem(401, "Session ended", reason)
    if request.method == "POST":
        # Keep what was typed: sign in on this page, then send the same form again.
        carry = [(k, v) for k, v in request.form.items(multi=True)
                 if k not in SECRET_FORM_FIELDS]
        return render_template("account/login.html", errors={}, email=email, notice=reason,
                               carry=carry, carry_to=request.path), 401
    flash(reason, "info")
    return redirect(url_for("account.login", next=request.full_path.rstrip("?")))


def _enrol_first():
    message = ("Your role must use two-factor sign-in. Set it up now to carry on: it takes a "
               "minute with an authenticator app.")
    if request.path.startswith("/api/"):
        from coi.api.problems import problem
        return problem(403, "Two-factor sign-in required", message)
    flash(message, "info")
    return redirect(url_for("twofactor.setup"))


def recently_authenticated() -> bool:
    """The password was entered (again) within the last REAUTH_MINUTES."""
    minutes = int(current_app.config.get("REAUTH_MINUTES", 10))
    return now() - int(session.get("auth_at", 0)) <= minutes * 60


def recent_auth_required(view):
    """Send the account to confirm its password first unless it did so in the last few
    minutes (before changing email, password or two-factor settings)."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not recently_authenticated():
            if request.path.startswith("/api/"):
                from coi.api.problems import problem
                return problem(403, "Confirm your password", "Sign in again first.")
            return redirect(url_for("account.confirm", next=request.path))
        return view(*args, **kwargs)
    return wrapped


def confirmed() -> None:
    """The account has just proved itself again (password, and code when it has 2FA)."""
    session["auth_at"] = now()


def renew_absolute() -> None:
    """The password was entered again: the absolute limit starts afresh."""
    session["signed_in_at"] = session["auth_at"] = now()


def status_json():
    """The session's clock as JSON, for the timeout warning."""
    if not current_user.is_authenticated or current_user.via_token:
        return jsonify({"signed_in": False})
    return jsonify(remaining())
