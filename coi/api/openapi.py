"""The OpenAPI 3.1 document, generated from the same pydantic schemas that validate requests."""

from flask import jsonify
from pydantic import BaseModel

from coi import schemas
from coi.api import bp
from coi.resources import RESOURCES

# Other API modules add their own operations here: (path, method, operation dict, models).
EXTRA: list[tuple[str, str, dict, list[type[BaseModel]]]] = []

PROBLEM = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"},
        "status": {"type": "integer"}, "detail": {"type": "string"},
        "errors": {"type": "array", "items": {
            "type": "object", "required": ["field", "message"],
            "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}},
    },
}


def ref(model: type[BaseModel] | str) -> dict:
    name = model if isinstance(model, str) else model.__name__
    return {"$ref": f"#/components/schemas/{name}"}


def problems(*codes: int) -> dict:
    out = {}
    for code in codes:
        out[str(code)] = {"description": "Problem", "content": {
            "application/problem+json": {"schema": ref("Problem")}}}
    return out


def json_body(model) -> dict:
    return {"required": True, "content": {"application/json": {"schema": ref(model)}}}


def ok(model, code: int = 200, many: bool = False) -> dict:
    schema = ref(model)
    if many:
        schema = {"type": "object", "required": ["items", "total", "page", "per_page"],
                  "properties": {"items": {"type": "array", "items": ref(model)},
                                 "total": {"type": "integer"}, "page": {"type": "integer"},
                                 "per_page": {"type": "integer"}}}
    return {str(code): {"description": "OK", "content": {"application/json": {
        "schema": schema}}}}


ID = {"name": "record_id", "in": "path", "required": True,
      "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}}
PAGING = [
    {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 200}},
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                     "maximum": 500}},
    {"name": "include_ended", "in": "query", "schema": {"type": "boolean"}},
]


def _resource_paths(paths: dict, models: list) -> None:
    for res in RESOURCES.values():
        public = getattr(schemas, f"{res.spec.model.__name__}Public")
        create, update = res.spec.create_schema, res.spec.update_schema
        models.extend([public, create, update, schemas.EndRecord])
        filters = [{"name": f, "in": "query", "schema": {"type": "string"}}
                   for f in res.spec.filters]
        tag = [res.title]
        paths[f"/api/v1/{res.name}"] = {
            "get": {"summary": f"List {res.title.lower()}", "tags": tag,
                    "parameters": PAGING + filters,
                    "responses": {**ok(public, many=True), **problems(401)}},
            "post": {"summary": f"Create {res.singular}", "tags": tag,
                     "requestBody": json_body(create),
                     "responses": {**ok(public, 201), **problems(400, 401, 403, 409, 422)}},
        }
        paths[f"/api/v1/{res.name}/{{record_id}}"] = {
            "parameters": [ID],
            "get": {"summary": f"Get one {res.singular}", "tags": tag,
                    "responses": {**ok(public), **problems(401, 404)}},
            "patch": {"summary": f"Change a {res.singular}", "tags": tag,
                      "requestBody": json_body(update),
                      "responses": {**ok(public), **problems(400, 401, 403, 404, 409, 422)}},
        }
        paths[f"/api/v1/{res.name}/{{record_id}}/end"] = {
            "parameters": [ID],
            "post": {"summary": f"End or withdraw a {res.singular} (nothing is deleted)",
                     "tags": tag, "requestBody": json_body(schemas.EndRecord),
                     "responses": {**ok(public), **problems(400, 401, 403, 404, 409, 422)}},
        }


def document() -> dict:
    paths: dict = {}
    models: list = []
    _resource_paths(paths, models)
    for path, method, operation, extra_models in EXTRA:
        paths.setdefault(path, {})[method] = operation
        models.extend(extra_models)
    components: dict = {"Problem": PROBLEM}
    for model in models:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}",
                                         mode="serialization" if model.__name__.endswith(
                                             "Public") else "validation")
        for name, sub in schema.pop("$defs", {}).items():
            components.setdefault(name, sub)
        components[model.__name__] = schema
    return {
        "openapi": "3.1.0",
        "info": {"title": "Two Hats API", "version": "1.0.0",
                 "description": "The voice-versus-business conflict-of-interest register. "
                                "Errors are application/problem+json (RFC 9457)."},
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {"schemas": components, "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer"}}},
    }


@bp.route("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document of this API."""
    return jsonify(document())
