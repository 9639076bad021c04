"""GET (list) and POST on each collection, GET and PATCH on each item, for every resource.

The handlers only read the request, call the resource's service and shape the answer; the
services validate, authorise, audit and re-evaluate the rules, exactly as for the pages.
"""

from functools import partial

from flask import current_app, jsonify, request
from flask_login import current_user

from coi import access
from coi.api import body, bp, params
from coi.api.payload import check_id
from coi.resources import RESOURCES, Resource
from coi.services import kept
from coi.services.base import Page, listing
from coi.services.plain import page_of

# SPEC §5: the users collection is for administrators only (an account reads its own details
# on its settings page).
ADMIN_ONLY = {"users"}


def _actor(res: Resource):
    actor = current_user.user
    if res.name in ADMIN_ONLY:
        access.require_role(actor, "admin")
    return actor


def envelope(page, items: list) -> dict:
    """The list envelope of SPEC §7 around items already shaped for the answer."""
    return {"items": items, "total": page.total, "page": page.page, "per_page": page.per_page}


def page_json(page, present) -> dict:
    """The list envelope of SPEC §7, each record shaped by present."""
    return envelope(page, [present(r) for r in page.items])


def in_pages(items: list, query) -> Page:
    """A list already in memory, as the page of it that the query asks for."""
    start = (query.page - 1) * query.per_page
    return Page(items[start:start + query.per_page], len(items), query.page, query.per_page)


def list_items(res: Resource):
    """One page of the records the caller may see, filtered. The answer is kept until the
    register changes (coi.services.kept: by the list's statement, which holds the caller's
    scope and filters, and the page), as the pages of a list are read far more often than
    the register changes."""
    actor = _actor(res)
    query = params.parse(res.name, res.spec.filters, request.args)
    stmt = listing(res.spec, actor, query)

    def answer() -> str:
        found = page_json(page_of(res.spec, stmt, query), res.public)
        return jsonify(found).get_data(as_text=True)
    text = kept.by_statement("api list", stmt, answer, query.page, query.per_page)
    return current_app.response_class(text, mimetype=current_app.json.mimetype)


def create_item(res: Resource):
    """Create a record from the JSON body."""
    actor = _actor(res)
    record = res.create(actor, body())
    return jsonify(res.public(record)), 201


def get_item(res: Resource, record_id: int):
    """One record, or 404 when it is missing or out of scope."""
    actor = _actor(res)
    return jsonify(res.public(res.get(actor, check_id(record_id))))


def update_item(res: Resource, record_id: int):
    """Change the fields the body names; the others stay."""
    actor = _actor(res)
    check_id(record_id)
    return jsonify(res.public(res.update(actor, record_id, body())))


def end_item(res: Resource, record_id: int):
    """End or withdraw a record with a reason."""
    actor = _actor(res)
    check_id(record_id)
    return jsonify(res.public(res.end(actor, record_id, body())))


VIEWS = [("", "list", list_items, ["GET"], "List {title}"),
         ("", "create", create_item, ["POST"], "Create a {singular}"),
         ("/<int:record_id>", "get", get_item, ["GET"], "One {singular}"),
         ("/<int:record_id>", "update", update_item, ["PATCH"], "Change a {singular}"),
         ("/<int:record_id>/end", "end", end_item, ["POST"], "End a {singular}")]


_registered: list[bool] = []


def register_all() -> None:
    """Add every resource's routes to the API blueprint, once per process: the blueprint keeps
    them and replays them on every app (a second create_app must not add them again)."""
    if _registered:
        return
    _registered.append(True)
    for res in RESOURCES.values():
        ep = res.name.replace("-", "_")
        for path, name, view, methods, doc in VIEWS:
            bound = partial(view, res)
            bound.__name__ = f"{ep}_{name}"
            bound.__doc__ = doc.format(title=res.title.lower(), singular=res.singular)
            bp.add_url_rule(f"/{res.name}{path}", f"{ep}_{name}", bound, methods=methods)
