"""Declarations pages beyond the generic record pages: the R8 "declarations due" list and the
administrator's gift and hospitality thresholds. The list, forms and end page are coi.web.crud's.
"""

from functools import partial

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from coi import access
from coi.ids import as_id
from coi.services import declarations, declarations_due
from coi.web import forms
from coi.web.filters import prime
from coi.web.submit import submit

bp = Blueprint("declarations", __name__, url_prefix="/declarations")
bp.add_app_template_global(declarations.gift_rule, "gift_rule")


@bp.route("/due")
@login_required
def due():
    """Who must declare (R8): board members with no recent declaration, and late ones."""
    actor = current_user.user
    ulos = declarations_due.ulos_in_scope(actor)
    ulo_id = as_id(request.args.get("ulo_id", ""))
    result = declarations_due.declarations_due(actor, ulo_id)
    from coi.models import Person
    prime(Person, [m.person_id for m in result.missing] + [x.person_id for x in result.late])
    return render_template("declarations/due.html", due=result, ulos=ulos, ulo_id=ulo_id,
                           can_declare=actor.role in access.WRITER_ROLES)


@bp.route("/gift-thresholds", methods=["GET", "POST"])
@login_required
def gift_thresholds():
    """The administrator's gift and hospitality thresholds."""
    actor = current_user.user
    access.require_role(actor, "admin")
    fields = forms.fields_of(declarations.GiftThresholds)
    errors: dict = {}
    if request.method == "POST":
        values, errors, saved = submit(fields, partial(declarations.set_gift_thresholds, actor))
        if saved is not None:
            flash("The gift and hospitality thresholds were saved.", "success")
            return redirect(url_for("declarations.gift_thresholds"))
    else:
        declare, refuse = declarations.gift_thresholds()
        values = {"declare_above": f"{declare:.2f}", "refuse_above": f"{refuse:.2f}"}
    return render_template("declarations/gift_thresholds.html", fields=fields, values=values,
                           errors=errors, rule=declarations.gift_rule()), \
        (422 if errors else 200)
