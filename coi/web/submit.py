"""The POST half of a form page, the same everywhere: what was typed is kept, a CSRF failure
saves nothing and says why, a service's Invalid becomes a message at each field."""

from collections.abc import Callable

from flask import g, request

from coi.errors import Invalid
from coi.web import forms
from coi.web.crud import CSRF_MESSAGE


def submit(fields: list, save: Callable[[dict], object]) -> tuple[dict, dict, object]:
    """(values typed, errors, what save answered): save gets the parsed form and is not called
    after a CSRF failure; its answer is None when it raised Invalid or was not called."""
    values = forms.raw_values(request.form, fields)
    if g.get("csrf_failed"):
        return values, {"_form": CSRF_MESSAGE}, None
    try:
        return values, {}, save(forms.parse(request.form, fields))
    except Invalid as exc:
        return values, forms.friendly(exc.by_field(), fields), None
