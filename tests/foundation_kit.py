"""Helpers shared by the foundation's tests: a register kept for a whole module (for tests that
only read, or whose writes are refused), row counts, and a posted form built from API data."""

import os
import re

from sqlalchemy import func, select

from coi import create_app, db
from coi.models import AuditEvent
from tests.conftest import _fresh_postgres
from tests.factories import Factory

ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
SLASHED = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def empty_app(tmp_path_factory, name: str):
    """An app on a fresh, empty database (PostgreSQL when DATABASE_URL says so)."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgresql"):
        _fresh_postgres(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp(name) / 'register.db'}"
    return create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": url,
                       "WTF_CSRF_ENABLED": False, "ARGON2_PROFILE": "fast_for_tests",
                       "SCHEMA_FROM_MODELS": True})


def module_app(tmp_path_factory, name: str):
    """An app on a fresh database with the factories' small world in it."""
    app = empty_app(tmp_path_factory, name)
    with app.test_request_context():
        world = Factory().world()
    return app, world


def counts(app, model) -> tuple[int, int]:
    """(rows of model, audit events of records): what a refused write must leave unchanged.
    A refused request is itself recorded ("access.refused"), so that event does not count."""
    with app.app_context():
        s = db.session()
        return (s.execute(select(func.count()).select_from(model)).scalar(),
                s.execute(select(func.count()).select_from(AuditEvent).where(
                    AuditEvent.entity != "request")).scalar())


def token_for(app, user) -> dict:
    """Headers that sign API calls in as user with a fresh bearer token."""
    from coi.services import users
    with app.test_request_context():
        token = users.issue_token(None, user.id, "tests")
    return {"Authorization": f"Bearer {token}"}


def sign_in(client, user):
    """Sign a test client in as user (a session cookie, as after the sign-in form)."""
    with client.session_transaction() as sess:
        sess["_user_id"] = f"{user.id}:{user.session_version}"
        sess["_fresh"] = True
    return client


def form_data(data: dict) -> dict:
    """API data as a browser would post the generic form: dates as day, month and year boxes,
    lists as repeated fields, yes/no as words."""
    out: dict = {}
    for name, value in data.items():
        if name.endswith("_on"):
            out.update(date_boxes(name, value))
        elif isinstance(value, bool):
            out[name] = "yes" if value else "no"
        elif isinstance(value, list):
            out[name] = [str(v) for v in value]
        else:
            out[name] = "" if value is None else str(value)
    return out


def date_boxes(name: str, value) -> dict:
    """A date as the three boxes of the form; anything else typed into the day box."""
    if value is None:
        return {f"{name}-day": "", f"{name}-month": "", f"{name}-year": ""}
    iso, slashed = ISO.match(str(value)), SLASHED.match(str(value))
    if iso:
        year, month, day = iso.groups()
    elif slashed:
        day, month, year = slashed.groups()
    else:
        day, month, year = str(value), "", ""
    return {f"{name}-day": day, f"{name}-month": month, f"{name}-year": year}
