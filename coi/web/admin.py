"""The administrator's settings page: the rule thresholds, the extra service-area codes and
the quorum for board decisions.

Each form posts to their own address and show the whole page again with what was typed and
the errors when a value is refused; the services validate, authorise and audit.
"""

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from coi import access
from coi.errors import Invalid
from coi.services import decisions, thresholds
from coi.services import settings as stored_settings
from coi.web.crud import CSRF_MESSAGE
from coi.web.forms import Field

bp = Blueprint("admin", __name__, url_prefix="/admin")
AREA_FIELDS = [
    Field("code", "Code", "text", required=True, max_length=40,
          hint="Lower-case letters, digits and underscores, like hate_crime_reporting"),
    Field("label", "Label", "text", required=True, max_length=100,
          hint="How the service area reads on pages, like Hate crime reporting"),
]

QUORUM_FIELD = Field("quorum", "Voting board members needed for a decision", "text",
                     required=True, max_length=3,
                     hint="How many voting board members with no conflict must take part in a "
                          "board's decision on a flag: a whole number from 1 to 20")


def threshold_fields() -> list[Field]:
    """One form field per threshold, its hint giving the meaning, unit, range and default."""
    return [Field(t["key"], t["label"], "text", required=True,
                  hint=f"{t['description']} In {t['unit']}, a whole number from {t['minimum']} "
                       f"to {t['maximum']} (default {t['default']})")
            for t in thresholds.describe()]


def _page(values=None, errors=None, area_values=None, quorum_values=None, status=200):
    fields = threshold_fields()
    values = values or {f.name: str(t["value"]) for f, t in zip(
        fields, thresholds.describe(), strict=True)}
    return render_template("admin/settings.html", fields=fields, values=values,
                           errors=errors or {}, area_fields=AREA_FIELDS,
                           area_values=area_values or {}, areas=stored_settings.service_areas(),
                           extra=stored_settings.get("service_areas").get("extra", {}),
                           quorum_field=QUORUM_FIELD,
                           quorum_values=quorum_values or {"quorum": str(decisions.quorum())}
                           ), status


@bp.route("/settings")
@login_required
def settings():
    """The rule thresholds and the service-area codes (administrators only)."""
    access.require_role(current_user.user, "admin")
    return _page()


@bp.route("/settings/thresholds", methods=["POST"])
@login_required
def save_thresholds():
    """Change the rule thresholds; refused values are shown again with their errors."""
    actor = current_user.user
    access.require_role(actor, "admin")
    values = {f.name: request.form.get(f.name, "").strip() for f in threshold_fields()}
    if g.get("csrf_failed"):
        return _page(values, {"_form": CSRF_MESSAGE}, status=422)
    try:
        thresholds.put_thresholds(actor, values)
    except Invalid as exc:
        return _page(values, exc.by_field(), status=422)
    flash("The rule thresholds were saved. Flags raised from now on carry them; every flag "
          "raised earlier keeps the thresholds that raised it.", "success")
    return redirect(url_for("admin.settings"))


@bp.route("/settings/service-areas", methods=["POST"])
@login_required
def add_service_area():
    """Add a service-area code that engagements and opportunities can use."""
    actor = current_user.user
    access.require_role(actor, "admin")
    typed = {f.name: request.form.get(f.name, "") for f in AREA_FIELDS}
    if g.get("csrf_failed"):
        return _page(errors={"_form": CSRF_MESSAGE}, area_values=typed, status=422)
    try:
        stored_settings.add_service_area(actor, typed["code"], typed["label"])
    except Invalid as exc:
        return _page(errors=exc.by_field(), area_values=typed, status=422)
    flash(f"The service area {typed['label'].strip()} was added.", "success")
    return redirect(url_for("admin.settings"))


@bp.route("/settings/quorum", methods=["POST"])
@login_required
def save_quorum():
    """Change how many non-conflicted voting board members a decision needs."""
    actor = current_user.user
    access.require_role(actor, "admin")
    typed = {"quorum": request.form.get("quorum", "")}
    if g.get("csrf_failed"):
        return _page(errors={"_form": CSRF_MESSAGE}, quorum_values=typed, status=422)
    try:
        number = decisions.set_quorum(actor, typed["quorum"])
    except Invalid as exc:
        return _page(errors=exc.by_field(), quorum_values=typed, status=422)
    flash(f"A board's decision now needs {number} voting "
          f"{'member' if number == 1 else 'members'} with no conflict.", "success")
    return redirect(url_for("admin.settings"))
