"""The query string of every list endpoint: one pydantic model per collection, which both checks
the query (422 naming the parameter, never a silent clamp) and describes its parameters in the
OpenAPI document."""

from functools import cache
from typing import Annotated, Any, Optional

from pydantic import Field, create_model

from coi import schemas
from coi.errors import Invalid
from coi.inputs import storable
from coi.services.base import ListQuery, validate

MAX_PAGE = 100_000
MAX_PER_PAGE = 500
ServiceArea = Annotated[str, Field(min_length=1, max_length=40,
                                   description="A service-area code, like advocacy")]
FilterText = Annotated[str, Field(min_length=1, max_length=100)]

# The type of each filter where its name alone does not say it (a *_id is a record id).
FILTER_TYPES: dict[str, dict[str, Any]] = {
    "organisations": {"kind": schemas.OrgKind},
    "users": {"role": schemas.Role},
    "arrangements": {"kind": schemas.ArrangementKind},
    "engagements": {"influence": schemas.Influence, "service_area": ServiceArea},
    "opportunities": {"route": schemas.Route, "service_area": ServiceArea},
    "bids": {"status": schemas.BidStatus},
    "income": {"financial_year": schemas.FinancialYear},
    "declarations": {"category": schemas.Category},
}

COMMON = {
    "q": (Optional[Annotated[str, Field(max_length=200)]],
          Field(None, title="Search text", description="Words to look for; up to 200 "
                "characters")),
    "page": (int, Field(1, ge=1, le=MAX_PAGE, title="Page", description="1 is the first page")),
    "per_page": (int, Field(25, ge=1, le=MAX_PER_PAGE, title="Per page",
                            description=f"Items per page, 1 to {MAX_PER_PAGE}")),
    "include_ended": (bool, Field(False, title="Include ended",
                                  description="Also list records that ended or were withdrawn")),
}


def filter_type(collection: str, name: str):
    """The type of one filter: from FILTER_TYPES, a record id for *_id, else short text."""
    known = FILTER_TYPES.get(collection, {})
    if name in known:
        return known[name]
    return schemas.Id if name.endswith("_id") else FilterText


@cache
def query_model(collection: str, filters: tuple[str, ...]):
    """The pydantic model of one collection's query string."""
    fields = dict(COMMON)
    for name in filters:
        fields[name] = (Optional[filter_type(collection, name)],
                        Field(None, title=name.replace("_", " ").capitalize(),
                              description=f"Only records whose {name} is this"))
    model_name = "".join(part.capitalize() for part in collection.split("-")) + "Query"
    return create_model(model_name, __base__=schemas.In, **fields)


def unreadable(values: dict, known) -> list[dict]:
    """An error for each query parameter that is not one of `known` or whose text cannot be
    stored (the values are then safe to validate)."""
    errors = [{"field": name, "message": f"{name} is not a query parameter of this list"}
              for name in values if name not in known]
    errors += [{"field": name, "message": "Text must not contain NUL characters or invalid "
                "Unicode"} for name, value in values.items()
               if name in known and not storable(value)]
    return errors


def parse(collection: str, filters, args) -> ListQuery:
    """The list query from request.args, or Invalid naming each bad or unknown parameter."""
    model = query_model(collection, tuple(filters))
    values = args.to_dict(flat=True)
    errors = unreadable(values, model.model_fields)
    try:
        query = validate(model, {k: v for k, v in values.items()
                                 if v != "" and k in model.model_fields and storable(v)})
    except Invalid as exc:
        errors += exc.errors
    if errors:
        raise Invalid(errors)
    chosen = {name: getattr(query, name) for name in filters}
    return ListQuery(q=query.q or "", page=query.page, per_page=query.per_page,
                     filters={k: v for k, v in chosen.items() if v is not None},
                     include_ended=query.include_ended)


def openapi_parameters(collection: str, filters) -> list[dict]:
    """The query parameters of one list, in OpenAPI terms, from the same model."""
    return parameters_of(query_model(collection, tuple(filters)))


def parameters_of(model) -> list[dict]:
    """A query-string model's fields as OpenAPI query parameters, all optional."""
    properties = model.model_json_schema()["properties"]
    out = []
    for name, info in model.model_fields.items():
        schema = _without_null(properties[name])
        schema.pop("title", None)
        schema.pop("description", None)
        out.append({"name": name, "in": "query", "required": False,
                    "description": info.description or info.title or name, "schema": schema})
    return out


def _without_null(schema: dict) -> dict:
    """An optional parameter is simply left out: its schema needs no null branch."""
    options = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
    if len(options) != 1:
        return dict(schema)
    rest = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
    return {**options[0], **rest}
