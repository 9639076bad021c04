"""Two-factor sign-in pages: the code step after the password, setting it up with an
authenticator app, recovery codes, turning it off, and an administrator's reset."""

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from coi import sessions
from coi.errors import Invalid
from coi.services import logins, twofactor
from coi.web.account import carried, finish_sign_in
from coi.web.crud import CSRF_MESSAGE

bp = Blueprint("twofactor", __name__)
SETUP_SECRET = "totp_setup_secret"
NEW_CODES = "new_recovery_codes"


@bp.route("/login/two-factor", methods=["GET", "POST"])
def verify():
    """The second sign-in step: a code from the authenticator app, or a recovery code."""
    waiting = sessions.pending()
    if waiting is None:
        flash("Sign in again: the time to enter your code ran out.", "info")
        return redirect(url_for("account.login"))
    errors, status = {}, 200
    carry, carry_to = carried()
    if request.method == "POST":
        if g.get("csrf_failed"):
            errors, status = {"_form": CSRF_MESSAGE}, 400
        else:
            try:
                user = logins.check_second_factor(waiting["uid"], request.form.get("code", ""),
                                                  request.remote_addr or "", twofactor.verify)
                if user.session_version != waiting["v"] or not user.active:
                    return redirect(url_for("account.login"))
                return _signed_in(user, waiting["next"], carry, carry_to)
            except Invalid as exc:
                errors, status = exc.by_field(), exc.status
    return render_template("account/two_factor.html", errors=errors, carry=carry,
                           carry_to=carry_to), status


def _signed_in(user, next_url: str, carry: list, carry_to: str):
    response = finish_sign_in(user, next_url, carry, carry_to)
    left = len(user.recovery_codes or [])
    if left <= 3:
        flash(f"You have {left} recovery code{'s' if left != 1 else ''} left. Make new ones "
              "on your account page.", "info")
    return response


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
@sessions.recent_auth_required
def setup():
    """Set up two-factor sign-in: scan the code (or type the key), then enter a code."""
    user = current_user.user
    if user.totp_secret and session.pop(sessions.ENROL, None):
        return redirect(url_for("pages.home"))  # set up meanwhile in another session
    secret = session.get(SETUP_SECRET) or twofactor.new_secret()
    session[SETUP_SECRET] = secret
    errors, status = {}, 200
    if request.method == "POST":
        if g.get("csrf_failed"):
            errors, status = {"_form": CSRF_MESSAGE}, 400
        else:
            try:
                codes = twofactor.enable(user.id, secret, request.form.get("code", ""))
                session.pop(SETUP_SECRET, None)
                session.pop(sessions.ENROL, None)
                session[NEW_CODES] = codes
                flash("Two-factor sign-in is on.", "success")
                return redirect(url_for("twofactor.recovery_codes"))
            except Invalid as exc:
                errors, status = exc.by_field(), exc.status
    uri = twofactor.provisioning_uri(secret, user.email)
    return render_template("account/two_factor_setup.html", errors=errors, secret=secret,
                           spaced=twofactor.spaced(secret), uri=uri,
                           qr=twofactor.qr_svg(uri), required=twofactor.required_for(user),
                           enrolling=bool(session.get(sessions.ENROL))), status


@bp.route("/account/two-factor/recovery-codes", methods=["GET", "POST"])
@login_required
def recovery_codes():
    """Your new recovery codes, shown once; or (POST) make new ones."""
    if request.method == "POST":
        if not sessions.recently_authenticated():
            return redirect(url_for("account.confirm", next=url_for("account.settings")))
        if not g.get("csrf_failed"):
            session[NEW_CODES] = twofactor.regenerate_recovery_codes(current_user.id)
        return redirect(url_for("twofactor.recovery_codes"))
    codes = session.pop(NEW_CODES, None)
    if not codes:
        return redirect(url_for("account.settings"))
    return render_template("account/recovery_codes.html", codes=codes)


@bp.route("/account/two-factor/off", methods=["POST"])
@login_required
@sessions.recent_auth_required
def turn_off():
    """Turn off two-factor sign-in for your account (not for roles that require it)."""
    if g.get("csrf_failed"):
        flash(CSRF_MESSAGE, "error")
        return redirect(url_for("account.settings"))
    twofactor.disable(current_user.id)
    flash("Two-factor sign-in is off. Your password alone now signs you in.", "success")
    return redirect(url_for("account.settings"))


@bp.route("/users/<int:record_id>/two-factor/reset", methods=["POST"])
@login_required
def reset(record_id: int):
    """An administrator resets an account's two-factor sign-in after a lost phone."""
    if not sessions.recently_authenticated() and current_user.role == "admin":
        return redirect(url_for("account.confirm", next=url_for("records.users_show",
                                                                record_id=record_id)))
    user = twofactor.reset(current_user.user, record_id)
    flash(f"Two-factor sign-in was reset for {user.email}, and their sessions ended. "
          "They set it up again when they next sign in.", "success")
    return redirect(url_for("records.users_show", record_id=record_id))


def init_app(app) -> None:
    app.register_blueprint(bp)
