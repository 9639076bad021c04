"""Pages for the OCDS import: uploading a package (commissioners and administrators) and the
administrator's CPV -> service-area table. Both call coi.services.ocds / coi.services.cpv,
like `flask import-ocds` and the API."""

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from coi import access
from coi.errors import Invalid
from coi.services import cpv, ocds, settings
from coi.web.crud import CSRF_MESSAGE

bp = Blueprint("ocds", __name__)


@bp.route("/opportunities/import", methods=["GET", "POST"])
@login_required
def import_page():
    """Import opportunities from an OCDS release or record package file."""
    actor = current_user.user
    access.require_role(actor, "commissioner", "admin")
    errors: dict = {}
    problems: list = []
    report = None
    if request.method == "POST":
        upload = request.files.get("file")
        if g.get("csrf_failed"):
            errors = {"_form": CSRF_MESSAGE}
        elif upload is None or not upload.filename:
            errors = {"file": "Choose an OCDS file (.json) to import"}
        else:
            try:
                report = ocds.import_file(actor, upload.read())
            except Invalid as exc:
                errors, problems = {"file": exc.detail}, exc.errors
    return render_template("ocds/import.html", errors=errors, problems=problems,
                           report=report, rows=cpv.rows()), (422 if errors else 200)


@bp.route("/admin/cpv", methods=["GET", "POST"])
@login_required
def cpv_table():
    """The administrator's table from CPV codes to service areas, for the OCDS import."""
    actor = current_user.user
    access.require_role(actor, "admin")
    errors: dict = {}
    text = cpv.as_lines(cpv.table())
    if request.method == "POST":
        text = request.form.get("codes", "")
        if g.get("csrf_failed"):
            errors = {"_form": CSRF_MESSAGE}
        elif request.form.get("action") == "restore":
            cpv.restore_defaults(actor)
            flash("The CPV table is back to its documented defaults.", "success")
            return redirect(url_for("ocds.cpv_table"))
        else:
            try:
                cpv.save_lines(actor, text)
                flash("The CPV table was saved.", "success")
                return redirect(url_for("ocds.cpv_table"))
            except Invalid as exc:
                errors = {"codes": " ".join(e["message"] for e in exc.errors)}
    return render_template("ocds/cpv.html", rows=cpv.rows(), text=text, errors=errors,
                           default=cpv.is_default(), areas=settings.service_areas()), \
        (422 if errors else 200)

