"""Signing in and out, the first-start setup, and your own account's settings and tokens."""

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from coi.errors import Invalid
from coi.schemas import UserCreate
from coi.services import logins, users
from coi.web import forms
from coi.web.crud import CSRF_MESSAGE

bp = Blueprint("account", __name__)

SETUP_FIELDS = [f for f in forms.fields_of(UserCreate) if f.name in ("name", "email",
                                                                       "password")]


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never another host (open redirect)."""
    if not target:
        return url_for("pages.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("pages.home")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Sign in with email and password."""
    if users.register_is_empty():
        return redirect(url_for("account.setup"))
    errors, email = {}, ""
    if request.method == "POST":
        email = request.form.get("email", "").strip()
        if g.get("csrf_failed"):
            errors = {"_form": CSRF_MESSAGE}
        else:
            try:
                user = logins.sign_in(email, request.form.get("password", ""),
                                      request.remote_addr or "")
                session.clear()
                login_user(users_account(user))
                return redirect(_safe_next(request.args.get("next")))
            except Invalid as exc:
                errors = exc.by_field()
    return render_template("account/login.html", errors=errors, email=email), \
        (422 if errors else 200)


def users_account(user):
    from coi.auth import Account
    return Account(user)


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out: this session ends, and so does any copy of its cookie."""
    if current_user.is_authenticated:
        users.bump_session_version(current_user.user, current_user.id, "user.logout")
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("account.login"))


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
                session.clear()
                login_user(users_account(user))
                flash("Your administrator account is ready. Add organisations next, or "
                      "load the demo register with 'flask demo'.", "success")
                return redirect(url_for("pages.home"))
            except Invalid as exc:
                errors = exc.by_field()
    return render_template("account/setup.html", fields=SETUP_FIELDS, values=values,
                           errors=errors), (422 if errors else 200)


@bp.route("/account")
@login_required
def settings():
    """Your account: sign out everywhere, and your API tokens."""
    return render_template("account/settings.html", tokens=users.list_tokens(current_user),
                           new_token=session.pop("new_token", None), errors={})


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
        return render_template("account/settings.html", tokens=users.list_tokens(current_user),
                               errors=exc.by_field(), name=request.form.get("name", "")), 422
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
    logout_user()
    session.clear()
    flash("You have been signed out on every device.", "success")
    return redirect(url_for("account.login"))
