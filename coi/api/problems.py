"""RFC 9457 problem+json answers."""

from flask import jsonify

TYPES = {400: "bad-request", 401: "unauthorised", 403: "forbidden", 404: "not-found",
         405: "method-not-allowed", 409: "conflict", 413: "too-large",
         415: "unsupported-media-type", 422: "invalid",
         429: "too-many-requests", 500: "server-error"}


def problem(status: int, title: str, detail: str = "", errors: list | None = None):
    """A problem+json response; a 422 always lists its errors (maybe none)."""
    body = {"type": f"/api/v1/problems/{TYPES.get(status, 'error')}", "title": title,
            "status": status, "detail": detail or title}
    if errors is not None or status == 422:
        body["errors"] = errors or []
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response
