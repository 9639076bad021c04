"""The home page (each role's dashboard), the health check and the plain-English pages."""

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import text

from coi import db
from coi.services import users

bp = Blueprint("pages", __name__)

NAV = [
    ("Home", "pages.home", None),
    ("Flags", "flags.queue", None),
    ("Engagements", "records.engagements_list", None),
    ("Opportunities", "records.opportunities_list", None),
    ("Bids", "records.bids_list", ("ulo_staff", "ulo_board", "commissioner", "auditor",
                                   "admin")),
    ("Documents", "documents.index", None),
    ("Declarations", "records.declarations_list", None),
    ("Arrangements", "records.arrangements_list", None),
    ("Board", "records.board_members_list", ("ulo_staff", "ulo_board", "auditor", "admin")),
    ("Income", "records.income_list", ("ulo_staff", "ulo_board", "auditor", "admin")),
    ("People", "records.people_list", None),
    ("Organisations", "records.organisations_list", None),
    ("Partnerships", "records.partnerships_list", None),
    ("History", "history.index", ("auditor", "admin")),
    ("Accounts", "records.users_list", ("admin",)),
    ("Settings", "admin.settings", ("admin",)),
]


def has_endpoint(name: str) -> bool:
    return name in current_app.view_functions


def nav_links() -> list[tuple[str, str, tuple | None]]:
    """(label, url, roles) of the menu's pages that exist: the same on every page, so built
    once per app (and per script root and length of NAV, should either change)."""
    key = (request.script_root, len(NAV))
    built = current_app.extensions.setdefault("coi.nav_links", {})
    if key not in built:
        built[key] = [(label, url_for(endpoint), roles) for label, endpoint, roles in NAV
                      if has_endpoint(endpoint)]
    return built[key]


def nav_items() -> list[dict]:
    """The main menu for the signed-in role (links only; the services enforce access)."""
    role, path = current_user.role, request.path
    return [{"label": label, "url": url,
             "current": path == url or (url != "/" and path.startswith(url))}
            for label, url, roles in nav_links() if not roles or role in roles]


@bp.app_context_processor
def _globals():
    return {"nav_items": nav_items, "has_endpoint": has_endpoint}


@bp.route("/")
def home():
    """Each role's dashboard of what needs its action."""
    if not current_user.is_authenticated:
        if users.register_is_empty():
            return redirect(url_for("account.setup"))
        return redirect(url_for("account.login"))
    return render_template("pages/home.html", dashboard=dashboard_html(current_user.user))


def dashboard_html(actor) -> Markup:
    """The dashboard's content, rendered once per register state for each role, organisation
    and chosen ULO and kept in coi.services.figures_cache (checked against the audit chain's
    head and today's date on every view, like the figures it shows)."""
    from coi.services import dashboard, figures_cache
    key = ("dashboard page", *figures_cache.scope_of(actor),
           request.args.get("income_ulo", type=int), request.script_root)
    return figures_cache.cached(key, lambda: Markup(render_template(
        "pages/_dashboard.html", board=dashboard.for_actor(actor), role=actor.role)))


@bp.route("/healthz")
def healthz():
    """200 when the database answers, 503 when it does not."""
    try:
        db.session().execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return {"status": "unavailable"}, 503
    return {"status": "ok"}


@bp.route("/accessibility")
def accessibility():
    """The accessibility statement."""
    return render_template("pages/accessibility.html")


@bp.route("/methodology")
def methodology():
    """How conflicts are found: every rule in plain English with its thresholds."""
    from coi.services import methodology as m
    return render_template("pages/methodology.html", rules=m.describe(), severity=m.severity())
