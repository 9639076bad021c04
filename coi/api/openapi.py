"""The OpenAPI 3.1 document, generated from the same pydantic schemas that validate requests
(bodies in coi.schemas, list query strings in coi.api.params)."""

from flask import jsonify
from pydantic import BaseModel

from coi import schemas
from coi.api import bp, params
from coi.api.collections import ADMIN_ONLY
from coi.ids import MAX_ID
from coi.resources import RESOURCES

# Other API modules add their own operations here: (path, method, operation dict, models).
EXTRA: list[tuple[str, str, dict, list[type[BaseModel]]]] = []

PROBLEM = {
    "type": "object",
    "description": "An RFC 9457 problem. 'errors' lists each invalid field (always present "
                   "on a 422).",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"},
        "status": {"type": "integer"}, "detail": {"type": "string"},
        "errors": {"type": "array", "items": {
            "type": "object", "required": ["field", "message"],
            "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}},
    },
    "example": {"type": "/api/v1/problems/invalid", "title": "Invalid input", "status": 422,
                "detail": "Some fields need correcting.",
                "errors": [{"field": "ended_on",
                            "message": "Ended on must not be before started on"}]},
}

WHY = {
    400: "The body is empty, not JSON, or not a JSON object",
    401: "No valid bearer token (or session) was sent",
    403: "Your role or organisation may not do this",
    404: "No such record, or you may not see it",
    409: "The change clashes with the register's current state; nothing was saved",
    413: "The body is larger than 2 MB",
    415: "The body was not sent as application/json",
    422: "Some fields or query parameters are invalid; 'errors' names each one",
}
WRITE_PROBLEMS = (400, 401, 403, 409, 413, 415, 422)


def ref(model: type[BaseModel] | str) -> dict:
    """A reference to a schema in the document's components."""
    name = model if isinstance(model, str) else model.__name__
    return {"$ref": f"#/components/schemas/{name}"}


def problems(*codes: int) -> dict:
    """Problem responses for these status codes."""
    out = {}
    for code in codes:
        out[str(code)] = {"description": WHY.get(code, "Problem"), "content": {
            "application/problem+json": {"schema": ref("Problem")}}}
    return out


def json_body(model) -> dict:
    """A required JSON request body of one schema."""
    return {"required": True, "content": {"application/json": {"schema": ref(model)}}}


def envelope(model) -> dict:
    """The list envelope of SPEC §7 around items of one schema."""
    return {"type": "object", "required": ["items", "total", "page", "per_page"],
            "properties": {"items": {"type": "array", "items": ref(model)},
                           "total": {"type": "integer", "minimum": 0},
                           "page": {"type": "integer", "minimum": 1},
                           "per_page": {"type": "integer", "minimum": 1}}}


def ok(model, code: int = 200, many: bool = False) -> dict:
    """A success response of one schema, or of the list envelope around it."""
    schema = envelope(model) if many else ref(model)
    return {str(code): {"description": "OK", "content": {"application/json": {
        "schema": schema}}}}


def path_id(name: str, description: str | None = None) -> dict:
    """A record id in the path, as the routes' <int:...> and check_id() take it."""
    out = {"name": name, "in": "path", "required": True,
           "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
    return out | ({"description": description} if description else {})


ID = path_id("record_id")


def _operation(op_id: str, summary: str, tag: list, responses: dict, **more) -> dict:
    return {"operationId": op_id, "summary": summary, "tags": tag, **more,
            "responses": responses}


def _resource_paths(paths: dict, models: list) -> None:
    for res in RESOURCES.values():
        public = getattr(schemas, f"{res.spec.model.__name__}Public")
        create, update = res.spec.create_schema, res.spec.update_schema
        models.extend([public, create, update, schemas.EndRecord])
        ep, tag = res.name.replace("-", "_"), [res.title]
        read = (401, 403, 422) if res.name in ADMIN_ONLY else (401, 422)
        item = (401, 403, 404) if res.name in ADMIN_ONLY else (401, 404)
        paths[f"/api/v1/{res.name}"] = {
            "get": _operation(f"{ep}_list", f"List {res.title.lower()}", tag,
                              {**ok(public, many=True), **problems(*read)},
                              parameters=params.openapi_parameters(res.name, res.spec.filters)),
            "post": _operation(f"{ep}_create", f"Create a {res.singular}", tag,
                               {**ok(public, 201), **problems(*WRITE_PROBLEMS)},
                               requestBody=json_body(create)),
        }
        paths[f"/api/v1/{res.name}/{{record_id}}"] = {
            "parameters": [ID],
            "get": _operation(f"{ep}_get", f"One {res.singular}", tag,
                              {**ok(public), **problems(*item)}),
            "patch": _operation(f"{ep}_update", f"Change a {res.singular}: absent fields stay "
                                "as they are", tag,
                                {**ok(public), **problems(404, *WRITE_PROBLEMS)},
                                requestBody=json_body(update)),
        }
        paths[f"/api/v1/{res.name}/{{record_id}}/end"] = {
            "parameters": [ID],
            "post": _operation(f"{ep}_end", f"End or withdraw a {res.singular} (nothing is "
                               "deleted)", tag, {**ok(public), **problems(404, *WRITE_PROBLEMS)},
                               requestBody=json_body(schemas.EndRecord)),
        }


def _components(models: list) -> dict:
    components: dict = {"Problem": PROBLEM}
    for model in models:
        serialising = model.__name__.endswith("Public") or issubclass(model, schemas.Out)
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}",
                                         mode="serialization" if serialising else "validation")
        for name, sub in schema.pop("$defs", {}).items():
            components.setdefault(name, sub)
        components[model.__name__] = schema
    return components


DESCRIPTION = """The voice-versus-business conflict-of-interest register, over the same services
as the pages: the same validation, access rules and audit events.

* Authenticate with `Authorization: Bearer <token>`: create tokens on your account page, with
  `flask create-token EMAIL`, or at `/api/v1/tokens`. A token acts with its account's role and
  organisation. A signed-in browser session also works (writes then need the CSRF token).
* Dates are ISO 8601 (`2026-03-31`), times UTC ISO 8601, money a decimal string in pounds
  (`"144000.00"`), ids integers.
* Lists answer `{"items": [...], "total": N, "page": P, "per_page": K}`; `page` (1 to 100000)
  and `per_page` (1 to 500) outside their range, unknown query parameters and filter values of
  the wrong type are refused with 422, never silently changed.
* Errors are `application/problem+json` (RFC 9457) with an `errors` list of `{field, message}`:
  400 for a body that is not a JSON object, 404 for a record that does not exist or that you may
  not see, 403 for an action your role may not take, 409 for a stale or clashing write, 415 for
  a body not sent as `application/json`, 422 for invalid fields (unknown fields included).
* Nothing is deleted: records are ended or withdrawn with `POST .../{id}/end`. The only DELETE
  revokes one of your API tokens.
"""


def document() -> dict:
    """The whole OpenAPI 3.1 document: the record collections plus every module's EXTRA."""
    paths: dict = {}
    models: list = []
    _resource_paths(paths, models)
    for path, method, operation, extra_models in EXTRA:
        paths.setdefault(path, {})[method] = operation
        models.extend(extra_models)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Two Hats API", "version": "1.0.0", "description": DESCRIPTION},
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}, {"sessionCookie": []}],
        "paths": paths,
        "components": {"schemas": _components(models), "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer",
                           "description": "An API token from your account page"},
            "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "session",
                              "description": "A signed-in browser session (named "
                                             "__Host-session over HTTPS); writes also need "
                                             "the X-CSRFToken header"}}},
    }


@bp.route("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document of this API."""
    return jsonify(document())
