"""The role x route access test: every route of the app, every role. A route that is missing
from the tables in tests/access/ fails the suite, and so does an entry for a route that is gone."""

import importlib
import pkgutil
import re

import pytest

from coi import create_app
from coi.models import User
from tests import access
from tests.access.rules import ALL
from tests.factories import Factory

ROLES = ("anonymous",) + ALL
WORLD_KEY = {"organisations": "ulo", "partnerships": "partnership", "people": "person",
             "users": "other_staff", "board-members": "board_member", "income": "income",
             "arrangements": "arrangement", "engagements": "engagement",
             "opportunities": "opportunity", "bids": "bid"}


def _tables() -> dict:
    merged = {}
    for info in pkgutil.iter_modules(access.__path__):
        module = importlib.import_module(f"tests.access.{info.name}")
        for key, rule in getattr(module, "ROUTES", {}).items():
            assert key not in merged, f"{key} is in two access tables"
            merged[key] = rule
    return merged


TABLE = _tables()


def _app_routes(app) -> set[str]:
    out = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            out.add(f"{method} {rule.rule}")
    return out


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    import os

    from tests.conftest import _fresh_postgres
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgresql"):
        _fresh_postgres(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('access') / 'register.db'}"
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": url,
                      "WTF_CSRF_ENABLED": False, "ARGON2_PROFILE": "fast_for_tests"})
    with app.test_request_context():
        world = Factory().world()
        from coi.services import users
        world["tokens"] = {}
        for role in ALL:
            users.issue_token(None, world[role].id, "access test")
            world["tokens"][role] = len(world["tokens"]) + 1
        extra = getattr(access, "extend_world", None)
        for hook in _world_hooks():
            hook(world)
        _ = extra
    yield app, world
    app.extensions["coi.engine"].dispose()


def _world_hooks():
    hooks = []
    for info in pkgutil.iter_modules(access.__path__):
        module = importlib.import_module(f"tests.access.{info.name}")
        if hasattr(module, "extend_world"):
            hooks.append(module.extend_world)
    return hooks


def test_every_route_is_in_the_access_table(env):
    app, _ = env
    routes = _app_routes(app)
    missing = sorted(routes - set(TABLE))
    stale = sorted(set(TABLE) - routes)
    assert not missing, f"routes with no entry in tests/access/: {missing}"
    assert not stale, f"entries for routes that do not exist: {stale}"


def _url(key: str, rule, world, role) -> str:
    path = key.split(" ", 1)[1]
    if rule.path:
        return rule.path(world, role)
    if "<int:record_id>" in path:
        seg = path.replace("/api/v1", "").split("/")[1]
        record = world[WORLD_KEY.get(seg, seg)]
        path = path.replace("<int:record_id>", str(record.id))
    assert "<" not in path, f"{key} needs a path= in its access entry"
    return path


def _login(app, client, world, role):
    if role == "anonymous":
        return
    with app.test_request_context():
        from coi import db
        user = db.session().get(User, world[role].id)
        version = user.session_version
    with client.session_transaction() as sess:
        sess["_user_id"] = f"{world[role].id}:{version}"


def _denied(role: str, response) -> bool:
    if response.status_code in (401, 403, 404, 405):
        return True
    location = response.headers.get("Location", "")
    return role == "anonymous" and response.status_code == 302 and "/login" in location


@pytest.mark.parametrize("key", sorted(TABLE))
def test_route_allows_exactly_its_roles(env, key):
    app, world = env
    rule = TABLE[key]
    method = key.split(" ", 1)[0]
    for role in ROLES:
        client = app.test_client()
        _login(app, client, world, role)
        url = _url(key, rule, world, role)
        kwargs = {}
        if method in ("POST", "PATCH"):
            kwargs = {"json": rule.body or {}} if "/api/" in url else {"data": rule.body or {}}
        response = client.open(url, method=method, **kwargs)
        assert response.status_code < 500, f"{role} {key}: {response.status_code}"
        expected = role in rule.roles
        assert _denied(role, response) != expected, (
            f"{role} {method} {url}: got {response.status_code}, expected "
            f"{'allowed' if expected else 'refused'}")


def test_setup_page_is_gone_once_an_account_exists(env):
    app, _ = env
    assert app.test_client().get("/setup").status_code == 404
    assert re.search("Sign in", app.test_client().get("/login").get_data(as_text=True))
