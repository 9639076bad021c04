"""GET (list) and POST on each collection, GET and PATCH on each item, for every resource."""

from functools import partial

from flask import jsonify, request
from flask_login import current_user

from coi.api import body, bp
from coi.resources import RESOURCES, Resource
from coi.services.base import ListQuery


def _actor():
    return current_user.user


def page_json(page, present) -> dict:
    return {"items": [present(r) for r in page.items], "total": page.total,
            "page": page.page, "per_page": page.per_page}


def list_items(res: Resource):
    args = request.args
    query = ListQuery(q=args.get("q", ""), page=args.get("page", 1, type=int),
                      per_page=args.get("per_page", 25, type=int),
                      filters={f: args.get(f, "") for f in res.spec.filters},
                      include_ended=args.get("include_ended") in ("true", "1", "yes"))
    return jsonify(page_json(res.list(_actor(), query), res.public))


def create_item(res: Resource):
    record = res.create(_actor(), body())
    return jsonify(res.public(record)), 201


def get_item(res: Resource, record_id: int):
    return jsonify(res.public(res.get(_actor(), record_id)))


def update_item(res: Resource, record_id: int):
    return jsonify(res.public(res.update(_actor(), record_id, body())))


def end_item(res: Resource, record_id: int):
    return jsonify(res.public(res.end(_actor(), record_id, body())))


def register_all() -> None:
    for res in RESOURCES.values():
        ep = res.name.replace("-", "_")
        rules = [("", "list", list_items, ["GET"]), ("", "create", create_item, ["POST"]),
                 ("/<int:record_id>", "get", get_item, ["GET"]),
                 ("/<int:record_id>", "update", update_item, ["PATCH"]),
                 ("/<int:record_id>/end", "end", end_item, ["POST"])]
        for path, name, view, methods in rules:
            bound = partial(view, res)
            bound.__name__ = f"{ep}_{name}"
            bp.add_url_rule(f"/{res.name}{path}", f"{ep}_{name}", bound, methods=methods)
