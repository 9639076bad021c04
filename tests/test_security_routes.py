"""Over every route of the app (read from its URL map, so new routes are included as they
are added): security headers on every response, HSTS only over HTTPS, no state change on
GET, and no record of another organisation reachable by id, page or API."""

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from coi import db, security
from coi.models import AuditEvent
from tests import test_access
from tests.test_access import TABLE, WORLD_KEY, _login, _url

env = test_access.env  # the access test's app and world, with every feature's extend_world

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
ORG_BOUND = ("ulo_staff", "commissioner")  # roles that see only their organisation's records
# Object routes whose records every signed-in account may read, so another organisation's id
# is not a secret there. Any other object route must map to an other_<record> in the test
# world (tests/factories.py world(), or an access module's extend_world): a new route that
# does neither fails test_every_object_route_is_covered, so that its author decides.
SHARED_DIRECTORY = {
    "organisations": "the directory of organisations is shared: every account sees every "
                     "ULO and commissioning body to choose them in forms (SPEC §2)",
    "partnerships": "commissioning partnerships are part of the shared directory",
    "opportunities": "opportunities are public tenders: every signed-in account sees them",
}


def _rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static"]


def _concrete(rule, method, world, role) -> str:
    """A URL for rule: from its access-table entry, else with placeholder arguments."""
    key = f"{method} {rule.rule}"
    if key in TABLE:
        return _url(key, TABLE[key], world, role)
    return re.sub(r"<(?:int:)?[^>]+>", "1", rule.rule)


def _audit_count(app) -> int:
    with app.app_context():
        return db.session().execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action != "access.refused")).scalar()


@pytest.fixture(scope="module")
def crawl(env):
    """Every GET route, as an anonymous visitor and as an administrator, over HTTP and HTTPS:
    the responses, and whether the audit chain grew (other than by refused access)."""
    app, world = env
    seen = []
    for role in ("anonymous", "admin"):
        for scheme in ("http", "https"):
            client = app.test_client()
            if role != "anonymous":
                _login_over(app, client, world, role, scheme)
            for rule in _rules(app):
                if "GET" not in rule.methods:
                    continue
                url = _concrete(rule, "GET", world, role)
                before = _audit_count(app)
                response = client.get(url, base_url=f"{scheme}://localhost")
                seen.append(SimpleNamespace(role=role, scheme=scheme, url=url,
                                            response=response,
                                            wrote=_audit_count(app) != before))
    return seen


def _login_over(app, client, world, role, scheme):
    if scheme == "http":
        _login(app, client, world, role)
        return
    with app.test_request_context():
        from coi.models import User
        version = db.session().get(User, world[role].id).session_version
    with client.session_transaction(base_url="https://localhost") as sess:
        sess["_user_id"] = f"{world[role].id}:{version}"


def test_the_crawl_reached_signed_in_pages(crawl):
    ok = [s for s in crawl if s.role == "admin" and s.response.status_code == 200]
    assert len(ok) > 30
    assert any(s.url == "/engagements" for s in ok)


def test_every_response_has_the_security_headers(crawl):
    for s in crawl:
        h = s.response.headers
        where = f"{s.role} {s.scheme} GET {s.url} -> {s.response.status_code}"
        assert h.get("Content-Security-Policy") == security.CSP, where
        assert h.get("X-Content-Type-Options") == "nosniff", where
        assert h.get("Referrer-Policy") == "same-origin", where
        assert h.get("X-Frame-Options") == "DENY", where


def test_the_policy_allows_only_this_site_and_no_inline_code():
    directives = dict(part.strip().split(" ", 1) for part in security.CSP.split(";"))
    assert directives["default-src"] == directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in security.CSP


def test_hsts_is_sent_over_https_only(crawl):
    for s in crawl:
        hsts = s.response.headers.get("Strict-Transport-Security")
        if s.scheme == "https":
            assert hsts == "max-age=63072000; includeSubDomains", s.url
        else:
            assert hsts is None, s.url


def test_static_files_have_the_headers_too(env):
    app, _ = env
    response = app.test_client().get("/static/session-timeout.js")
    assert response.headers["Content-Security-Policy"] == security.CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_are_not_cached(crawl):
    for s in crawl:
        if s.response.mimetype == "text/html" or s.url.startswith("/api/"):
            assert s.response.headers.get("Cache-Control") == "no-store", s.url


def test_no_get_changes_anything(crawl):
    changed = [f"{s.role} GET {s.url}" for s in crawl if s.wrote]
    assert not changed, f"these GETs wrote to the register: {changed}"


def test_every_state_changing_route_refuses_get(env):
    app, world = env
    gets = {r.rule for r in _rules(app) if "GET" in r.methods}
    client = app.test_client()
    _login(app, client, world, "admin")
    checked = 0
    for rule in _rules(app):
        if rule.methods & WRITES and rule.rule not in gets:
            url = _concrete(rule, sorted(rule.methods & WRITES)[0], world, "admin")
            assert client.get(url).status_code == 405, f"GET {url} should be refused"
            checked += 1
    assert checked >= 10


def _other_key(world, rule) -> str | None:
    """The test world's key for another organisation's record behind rule's id."""
    seg = rule.rule.replace("/api/v1", "").split("/")[1]
    own = WORLD_KEY.get(seg, seg)
    for key in (own, f"other_{own}", f"other_{seg.rstrip('s').replace('-', '_')}"):
        if key.startswith("other_") and key in world:
            return key
    return None


def _object_routes(app):
    return [(rule, method) for rule in _rules(app) if "<int:" in rule.rule
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]


def _segment(rule) -> str:
    return rule.rule.replace("/api/v1", "").split("/")[1]


def test_every_object_route_is_covered(env):
    app, world = env
    unmapped = sorted({rule.rule for rule, _ in _object_routes(app)
                       if _segment(rule) not in SHARED_DIRECTORY and rule.rule not in SPECIAL
                       and _other_key(world, rule) is None})
    assert not unmapped, ("object routes with no other-organisation record in the test world:"
                          f" add other_<record> in an extend_world, or a reason: {unmapped}")


def _swapped(world, key: str, record) -> dict:
    """The world as the path builders see it, with the own record replaced by record."""
    own = key.removeprefix("other_")
    out = {**world, key: record}
    if own in world:
        out[own] = record
    return out


def _words_of(record) -> list[str]:
    return [str(getattr(record, attr)) for attr in ("title", "name", "email", "description")
            if getattr(record, attr, None)]


def _other_token(world, missing: bool) -> dict:
    token = 987654 if missing else world["tokens"]["admin"]
    return {**world, "tokens": {role: token for role in world["tokens"]}}


def _other_bid_history(world, missing: bool) -> dict:
    return {**world, "bid": SimpleNamespace(id=987654) if missing else world["other_bid"]}


# Object routes whose id is not one of the record kinds above: how to point them at another
# account's object (missing=True: at an id that does not exist).
SPECIAL = {
    "/account/tokens/<int:token_id>/revoke": _other_token,
    "/api/v1/tokens/<int:token_id>": _other_token,
    "/history/<entity>/<int:entity_id>": _other_bid_history,
}


def _object_url(rule, method, world, role, record) -> str:
    """The route pointed at record: directly when its one argument is the id, else through its
    access-table entry's path builder (which reads the swapped world)."""
    ints = re.findall(r"<int:[^>]+>", rule.rule)
    if len(ints) == 1 and rule.rule.count("<") == 1:
        return rule.rule.replace(ints[0], str(record.id))
    key = f"{method} {rule.rule}"
    assert key in TABLE, f"{key} needs an access-table entry with a path builder"
    return _url(key, TABLE[key], world, role)


def _send(client, method: str, url: str):
    kwargs = {}
    if method in ("POST", "PATCH"):
        kwargs = {"json": {}} if url.startswith("/api/") else {"data": {}}
    return client.open(url, method=method, **kwargs)


@pytest.mark.parametrize("role", ORG_BOUND)
def test_another_organisations_records_answer_404_and_say_nothing(env, role):
    app, world = env
    failures, checked = [], 0
    for rule, method in _object_routes(app):
        seg = _segment(rule)
        if seg in SHARED_DIRECTORY:
            continue
        checked += 1
        client = app.test_client()
        _login(app, client, world, role)
        if rule.rule in SPECIAL:
            url = _concrete(rule, method, SPECIAL[rule.rule](world, False), role)
            missing = _concrete(rule, method, SPECIAL[rule.rule](world, True), role)
            words = []
        else:
            key = _other_key(world, rule)
            if key is None:
                continue  # test_every_object_route_is_covered names it
            record = world[key]
            url = _object_url(rule, method, _swapped(world, key, record), role, record)
            words = _words_of(record)
            ghost = SimpleNamespace(id=987654)
            missing = _object_url(rule, method, _swapped(world, key, ghost), role, ghost)
        response = _send(client, method, url)
        body = response.get_data(as_text=True)
        leaked = [w for w in words if w in body]
        status = response.status_code
        if status == 403:
            # A role refused whatever the id leaks nothing, if a missing id gets the same.
            status = 404 if _send(client, method, missing).status_code == 403 else 403
        if status != 404 or leaked:
            failures.append(f"{method} {url}: {response.status_code} {leaked or ''}")
    assert not failures, "\n".join(failures)
    assert checked >= 50
