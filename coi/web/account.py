"""Signing in and out, the first-start setup, and your own account: settings, tokens,
password, email address, re-authentication and signing out everywhere."""

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, logout_user

from coi import sessions
from coi.errors import Invalid
from coi.schemas import UserCreate
from coi.services import credentials, logins, users
from coi.web import forms
from coi.web.crud import CSRF_MESSAGE

bp = Blueprint("account", __name__)

SETUP_FIELDS = [f for f in forms.fields_of(UserCreate) if f.name in ("name", "email",
                                                                       "password")]
LOOPBACK = ("localhost", "127.0.0.1", "[::1]")


def _local_path(target: str | None) -> bool:
    if not target:
        return False
    parts = urlsplit(target)
    return not (parts.scheme or parts.netloc or not target.startswith("/")
                or target.startswith("//") or "\\" in target)


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never another host (open redirect)."""
    return target if _local_path(target) else url_for("pages.home")


def carried() -> tuple[list, str]:
    """A form that was sent after the session ended, carried through signing in again."""
    carry = [(k[6:], v) for k, v in request.form.items(multi=True) if k.startswith("carry:")]
    target = request.form.get("carry_to", "")
    return (carry, target) if carry and _local_path(target) else ([], "")


def _cookies_will_be_dropped() -> bool:
    """Secure cookies over plain HTTP (not on this machine): the browser will not keep them."""
    cfg = current_app.config
    secure = cfg["SESSION_COOKIE_SECURE"] and not cfg.get("INSECURE_COOKIES")
    return secure and not request.is_secure and request.host.rsplit(":", 1)[0] not in LOOPBACK


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with email and password (and then a code, for two-factor accounts)."""
    if users.register_is_empty():
        return redirect(url_for("account.setup"))
    errors, email, status = {}, "", 200
    carry, carry_to = carried()
    if request.method == "POST":
        email = request.form.get("email", "").strip()[:254]
        if g.get("csrf_failed"):
            errors, status = {"_form": CSRF_MESSAGE}, 400
        else:
            try:
                user = logins.sign_in(email, request.form.get("password", ""),
                                      request.remote_addr or "")
                return _after_password(user, carry, carry_to)
            except Invalid as exc:
                errors, status = exc.by_field(), exc.status
                if errors.get("password") == errors.get("email"):
                    errors.pop("password")  # one message for the pair, at the first field
    return render_template("account/login.html", errors=errors, email=email, carry=carry,
                           carry_to=carry_to, http_warning=_cookies_will_be_dropped()), status


def _after_password(user, carry: list, carry_to: str):
    next_url = _safe_next(request.args.get("next"))
    if user.totp_secret:
        sessions.begin_second_factor(user, next_url)
        if carry:
            return render_template("account/two_factor.html", errors={}, carry=carry,
                                   carry_to=carry_to)
        return redirect(url_for("twofactor.verify"))
    return finish_sign_in(user, next_url, carry, carry_to)


def finish_sign_in(user, next_url: str, carry: list, carry_to: str):
    """A new session; then the page asked for, or the form that was waiting to be sent."""
    sessions.start(user)
    if carry and not session.get(sessions.ENROL):
        return render_template("account/resume.html", carry=carry, carry_to=carry_to)
    return redirect(next_url)


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out: this session ends, and so does any copy of its cookie."""
    if current_user.is_authenticated and not current_user.via_token:
        users.bump_session_version(current_user.user, current_user.id, "user.logout")
    return _signed_out("You have signed out.")


def _signed_out(message: str):
    """End the session here, and ask the browser to forget what it cached of the register."""
    logout_user()
    session.clear()
    flash(message, "success")
    response = redirect(url_for("account.login"))
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/setup", methods=["GET", "POST"])
def setup():
    """The one-time page that creates the first administrator of an empty register."""
    if not users.register_is_empty():
        abort(404)
    errors, values = {}, {}
    if request.method == "POST":
        values = forms.raw_values(request.form, SETUP_FIELDS)
        if g.get("csrf_failed"):
            errors = {"_form": CSRF_MESSAGE}
        else:
            try:
                user = users.setup_first_admin(forms.parse(request.form, SETUP_FIELDS))
                sessions.start(user)
                flash("Your administrator account is ready. Add organisations next, or "
                      "load the demo register with 'flask demo'.", "success")
                return redirect(url_for("pages.home"))
            except Invalid as exc:
                errors = exc.by_field()
    return render_template("account/setup.html", fields=SETUP_FIELDS, values=values,
                           errors=errors), (422 if errors else 200)


def _settings_page(errors: dict, status: int = 200, **extra):
    from coi.services import twofactor
    return render_template(
        "account/settings.html", tokens=users.list_tokens(current_user), errors=errors,
        new_token=session.pop("new_token", None),
        codes_left=twofactor.recovery_codes_left(current_user.id), **extra), status


@bp.route("/account")
@login_required
def settings():
    """Your account: password, email, two-factor sign-in, API tokens and sessions."""
    return _settings_page({})


@bp.route("/account/tokens", methods=["POST"])
@login_required
def create_token():
    """Create an API token; it is shown once."""
    if g.get("csrf_failed"):
        flash(CSRF_MESSAGE, "error")
        return redirect(url_for("account.settings"))
    try:
        session["new_token"] = users.issue_token(current_user.user, current_user.id,
                                                 request.form.get("name", ""))
    except Invalid as exc:
        return _settings_page(exc.by_field(), 422, name=request.form.get("name", ""))
    return redirect(url_for("account.settings"))


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    """Revoke one of your API tokens."""
    users.revoke_token(current_user.user, token_id)
    flash("The token was revoked: it no longer works.", "success")
    return redirect(url_for("account.settings"))


@bp.route("/account/sign-out-everywhere", methods=["POST"])
@login_required
def sign_out_everywhere():
    """End every session of your account, on every device."""
    users.bump_session_version(current_user.user, current_user.id, "user.logout_everywhere")
    return _signed_out("You have been signed out on every device.")


@bp.route("/account/confirm", methods=["GET", "POST"])
@login_required
def confirm():
    """Enter your password again (and a code, with two-factor sign-in) before a change to
    how you sign in."""
    errors, status = {}, 200
    next_url = _safe_next(request.args.get("next"))
    if request.method == "POST":
        if g.get("csrf_failed"):
            errors, status = {"_form": CSRF_MESSAGE}, 400
        else:
            try:
                _check_again(request.form.get("password", ""), request.form.get("code", ""))
                sessions.confirmed()
                return redirect(next_url)
            except Invalid as exc:
                errors, status = exc.by_field(), exc.status
    return render_template("account/confirm.html", errors=errors), status


def _check_again(password: str, code: str) -> None:
    address = request.remote_addr or ""
    logins.confirm_password(current_user.id, password, address)
    if current_user.totp_secret:
        from coi.services import twofactor
        logins.check_second_factor(current_user.id, code, address, twofactor.verify)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Choose a new password (with your current one); your other sessions end."""
    errors, status = {}, 200
    if request.method == "POST":
        if g.get("csrf_failed"):
            errors, status = {"_form": CSRF_MESSAGE}, 400
        else:
            try:
                logins.confirm_password(current_user.id, request.form.get("current_password"),
                                        request.remote_addr or "", field="current_password")
                sessions.confirmed()
                user = credentials.change_password(
                    current_user.id, request.form.get("new_password", ""),
                    request.form.get("new_password_again", ""))
                sessions.renew(user)
                flash("Your password was changed. Any other device that was signed in as you "
                      "has been signed out.", "success")
                return redirect(url_for("account.settings"))
            except Invalid as exc:
                errors, status = exc.by_field(), exc.status
    return render_template("account/password.html", errors=errors), status


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
@sessions.recent_auth_required
def change_email():
    """Change the email address you sign in with."""
    errors, status, email = {}, 200, current_user.email
    if request.method == "POST":
        email = request.form.get("email", "").strip()[:254]
        if g.get("csrf_failed"):
            errors, status = {"_form": CSRF_MESSAGE}, 400
        else:
            try:
                credentials.change_email(current_user.id, email)
                flash("Your email address was changed: use it to sign in from now on.",
                      "success")
                return redirect(url_for("account.settings"))
            except Invalid as exc:
                errors, status = exc.by_field(), exc.status
    return render_template("account/email.html", errors=errors, email=email), status
