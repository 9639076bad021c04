"""Reading an API request: the JSON body and the list query string, each checked before any
service sees it, so that bad input is a 400, 415 or 422 problem and never a 500."""

import json
from decimal import Decimal

from flask import request

from coi.errors import DomainError, Invalid, NotFound
from coi.ids import MAX_ID
from coi.inputs import storable

MAX_DEPTH = 32


class NotJson(DomainError):
    status = 400
    title = "The body is not JSON"


class UnsupportedMediaType(DomainError):
    status = 415
    title = "Unsupported media type"


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _is_json_type() -> bool:
    mimetype = request.mimetype or ""
    return mimetype == "application/json" or (
        mimetype.startswith("application/") and mimetype.endswith("+json"))


def read_object() -> dict:
    """The body as a JSON object: 400 when it is empty, not JSON or not an object, 415 when
    it is JSON sent under another Content-Type, 422 naming any text that cannot be stored."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise NotJson("The request has no body: send a JSON object "
                      "(Content-Type: application/json).")
    try:
        data = json.loads(raw, parse_float=Decimal, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if hasattr(exc, "lineno") else ""
        raise NotJson(f"The body is not valid JSON{where}.") from None
    if not isinstance(data, dict):
        raise NotJson(f"The body must be a JSON object, not {_kind(data)}.")
    if not _is_json_type():
        raise UnsupportedMediaType("Send the body with Content-Type: application/json.")
    errors = list(_bad_text(data, "", 0))
    if errors:
        raise Invalid(errors)
    return data


def _kind(value) -> str:
    names = {list: "an array", str: "a string", bool: "true or false", type(None): "null"}
    return names.get(type(value), "a number")


def _bad_text(value, field: str, depth: int):
    """Strings no database can store (NUL characters, lone surrogates), and absurd nesting."""
    if depth > MAX_DEPTH:
        yield {"field": field or "body", "message": "The body is nested too deeply"}
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _bad_text(item, field or key, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _bad_text(item, field, depth + 1)
    elif isinstance(value, str) and not storable(value):
        yield {"field": field or "body",
               "message": "Text must not contain NUL characters or invalid Unicode"}


def check_id(record_id: int) -> int:
    """An id beyond the integer columns' range cannot exist: 404, not a database error."""
    if record_id > MAX_ID:
        raise NotFound(f"No record {record_id}.")
    return record_id
