"""The JSON API under /api/v1/: the same services as the pages, bearer token or session."""

from flask import Blueprint, current_app, request
from flask_login import current_user

from coi.api import problems
from coi.security import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.before_request
def _authenticate():
    """Every API call needs an account; a session's writes also need the CSRF token."""
    if request.endpoint == "api.openapi":
        return None
    if not current_user.is_authenticated:
        return problems.problem(401, "Sign-in required",
                                "Send 'Authorization: Bearer <token>' or sign in.")
    if (request.method not in ("GET", "HEAD", "OPTIONS") and not current_user.via_token
            and current_app.config.get("WTF_CSRF_ENABLED", True)):
        csrf.protect()
    return None


def body() -> dict:
    """The request's JSON object, or a 400 problem for anything that is not JSON."""
    from coi.errors import DomainError
    data = request.get_json(silent=True)
    if data is None:
        err = DomainError("The body must be JSON (Content-Type: application/json).")
        raise err
    return data


def init_app(app) -> None:
    from coi.api import collections, openapi  # noqa: F401  (routes register on bp)
    collections.register_all()
    csrf.exempt(bp)
    app.register_blueprint(bp)
