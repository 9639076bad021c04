"""The JSON API under /api/v1/: the same services as the pages, bearer token or session."""

from flask import Blueprint, current_app, request
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from coi.api import problems
from coi.security import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.before_request
def _authenticate():
    """Every API call needs an account; a session's writes also need the CSRF token."""
    if request.endpoint == "api.openapi":
        return None
    if not current_user.is_authenticated:
        response = problems.problem(401, "Sign-in required",
                                    "Send 'Authorization: Bearer <token>' with a valid, "
                                    "unrevoked token, or sign in.")
        response.headers["WWW-Authenticate"] = 'Bearer realm="Two Hats"'
        return response
    if (request.method not in ("GET", "HEAD", "OPTIONS") and not current_user.via_token
            and current_app.config.get("WTF_CSRF_ENABLED", True)):
        csrf.protect()
    return None


def body() -> dict:
    """The request's JSON object: 400 for a body that is not JSON or not an object, 415 for
    JSON under another Content-Type (see coi.api.payload)."""
    from coi.api.payload import read_object
    return read_object()


@bp.errorhandler(HTTPException)
def _http_problem(exc: HTTPException):
    """Any other HTTP error raised inside an API view answers problem+json too."""
    return problems.problem(exc.code or 500, exc.name, exc.description or exc.name)


def init_app(app) -> None:
    # Each module adds its routes to bp (and its operations to the OpenAPI document).
    from coi.api import (  # noqa: F401
        audit,
        collections,
        decisions,
        documents,
        flags,
        ocds,
        openapi,
        settings,
        tokens,
    )
    collections.register_all()
    csrf.exempt(bp)
    app.register_blueprint(bp)
