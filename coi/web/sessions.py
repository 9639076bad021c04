"""The session's clock for the timeout warning, staying signed in, and an administrator
ending an account's sessions."""

from flask import Blueprint, flash, g, jsonify, redirect, request, url_for
from flask_login import current_user, login_required

from coi import sessions
from coi.errors import Invalid
from coi.services import credentials, logins
from coi.web.account import _safe_next

bp = Blueprint("sessions", __name__)


@bp.route("/session/status")
def status():
    """Seconds left in this session (asking does not count as activity)."""
    return sessions.status_json()


@bp.route("/session/extend", methods=["POST"])
@login_required
def extend():
    """Stay signed in: activity resets the idle limit; the password again also renews the
    absolute limit."""
    password = request.form.get("password", "")
    error = None
    if password and not g.get("csrf_failed"):
        try:
            logins.confirm_password(current_user.id, password, request.remote_addr or "")
            sessions.renew_absolute()
        except Invalid as exc:
            error = next(iter(exc.by_field().values()))
    if request.accept_mimetypes.best == "application/json":
        body = {**sessions.remaining(), "error": error}
        return jsonify(body), (422 if error else 200)
    if error:
        flash(error, "error")
    else:
        flash("You are still signed in.", "success")
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/users/<int:record_id>/sessions/end", methods=["POST"])
@login_required
def end_for_user(record_id: int):
    """An administrator signs an account out on every device."""
    user = credentials.end_sessions(current_user.user, record_id)
    if user.id == current_user.id:
        return redirect(url_for("account.login"))
    flash(f"Every session of {user.email} has ended.", "success")
    return redirect(url_for("records.users_show", record_id=record_id))
