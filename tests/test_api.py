"""The JSON API under /api/v1/: bearer tokens, role and organisation scoping, problem+json
answers, list filters and paging, and every collection's create / read / update / end in the
shapes of SPEC §7, each write audited once."""

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from coi import create_app, db
from coi.errors import Invalid
from coi.models import AuditEvent
from coi.services import users
from tests.factories import Factory

SPEC_SHAPES = {
    "organisations": {"id", "kind", "name", "localities"},
    "partnerships": {"id", "name", "member_ids"},
    "people": {"id", "name", "organisation_id", "email"},
    "users": {"id", "email", "name", "role", "organisation_id", "person_id", "active"},
    "board-members": {"id", "ulo_id", "person_id", "voting", "from_constituency",
                      "started_on", "ended_on"},
    "income": {"id", "ulo_id", "source_id", "source_name", "financial_year", "amount"},
    "engagements": {"id", "ulo_id", "commissioner_id", "title", "question", "purposes",
                    "influence", "service_areas", "localities", "started_on", "ended_on",
                    "participant_ids", "notes"},
    "opportunities": {"id", "commissioner_id", "title", "reference", "ocid", "service_areas",
                      "localities", "value", "route", "published_on", "closes_on"},
    "bids": {"id", "ulo_id", "opportunity_id", "status", "submitted_on", "team_ids"},
    "arrangements": {"id", "ulo_id", "commissioner_id", "kind", "description", "started_on",
                     "ended_on"},
}


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Shared:
    """One app and one factory world for the whole module (a world takes seconds to build);
    every test gets fresh tokens and makes any records it changes."""

    app: object
    world: dict

    def run(self, fn, *args, **kw):
        """Call a service or factory inside a request context of the shared app."""
        with self.app.test_request_context():
            return fn(*args, **kw)


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    from tests.conftest import PG_URL, _fresh_postgres
    url = PG_URL
    if url.startswith("postgresql"):
        _fresh_postgres(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('api') / 'register.db'}"
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": url,
                      "WTF_CSRF_ENABLED": False, "ARGON2_PROFILE": "fast_for_tests",
                      "SCHEMA_FROM_MODELS": True})
    with app.test_request_context():
        world = Factory().world()
    yield Shared(app, world)
    app.extensions["coi.engine"].dispose()


@pytest.fixture
def world(shared):
    return shared.world


@pytest.fixture
def make(shared):
    """The factories, inside a request context of the shared app."""
    with shared.app.test_request_context():
        yield Factory()


@pytest.fixture
def tokens(shared):
    """A fresh bearer token for each role of the world."""
    return {role: shared.run(users.issue_token, None, shared.world[role].id, "tests")
            for role in ("ulo_staff", "ulo_board", "commissioner", "auditor", "admin",
                         "other_staff")}


@pytest.fixture
def client(shared):
    return shared.app.test_client()


@pytest.fixture
def api(client, tokens):
    """api(role, method, path, **kw): a request with that role's bearer token."""
    def call(role, method, path, **kw):
        headers = {**bearer(tokens[role]), **kw.pop("headers", {})}
        return client.open(path, method=method, headers=headers, **kw)
    return call


def audit_events(shared, entity: str, entity_id: int) -> list[str]:
    with shared.app.app_context():
        return list(db.session().execute(select(AuditEvent.action).where(
            AuditEvent.entity == entity, AuditEvent.entity_id == entity_id)
            .order_by(AuditEvent.seq)).scalars())


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    return body


# --- scoping --------------------------------------------------------------------------------

def test_another_organisations_record_is_404(api, world):
    for path in (f"/api/v1/bids/{world['other_bid'].id}",
                 f"/api/v1/engagements/{world['other_engagement'].id}",
                 f"/api/v1/income/{world['other_income'].id}"):
        assert_problem(api("ulo_staff", "GET", path), 404)
    patch = api("ulo_staff", "PATCH", f"/api/v1/engagements/{world['other_engagement'].id}",
                json={"title": "Mine now"})
    assert_problem(patch, 404)


def test_lists_hold_only_what_the_tokens_account_may_see(api, world):
    mine = {e["ulo_id"] for e in api("ulo_staff", "GET", "/api/v1/engagements?per_page=500")
            .get_json()["items"]}
    assert mine == {world["ulo"].id}
    everything = api("auditor", "GET", "/api/v1/engagements?per_page=500").get_json()["items"]
    assert {world["engagement"].id, world["other_engagement"].id} <= {e["id"] for e in everything}


def test_an_auditor_reads_but_cannot_write(api, world):
    path = f"/api/v1/engagements/{world['engagement'].id}"
    body = assert_problem(api("auditor", "PATCH", path, json={"title": "x"}), 403)
    assert body["detail"]
    assert api("auditor", "GET", path).get_json()["title"] == world["engagement"].title


def test_the_users_collection_is_for_administrators_only(api, world):
    assert_problem(api("ulo_staff", "GET", "/api/v1/users"), 403)
    assert_problem(api("ulo_staff", "GET", f"/api/v1/users/{world['ulo_staff'].id}"), 403)
    assert api("admin", "GET", "/api/v1/users").get_json()["total"] >= 7


def test_a_commissioner_creates_only_its_own_bodys_opportunities(api, world):
    body = {"commissioner_id": world["other_council"].id, "title": "Not ours",
            "reference": "X-1", "service_areas": ["advocacy"], "value": "10.00",
            "route": "open"}
    problem = assert_problem(api("commissioner", "POST", "/api/v1/opportunities", json=body),
                             422)
    assert [e["field"] for e in problem["errors"]] == ["commissioner_id"]
    body["commissioner_id"] = world["council"].id
    assert api("commissioner", "POST", "/api/v1/opportunities", json=body).status_code == 201


# --- problems -------------------------------------------------------------------------------

@pytest.mark.parametrize("data, content_type, status", [
    ("not json at all", "application/json", 400),
    ("", "application/json", 400),
    ("[1, 2, 3]", "application/json", 400),
    ('"a string"', "application/json", 400),
    ('{"name": NaN}', "application/json", 400),
    ("[" * 5000, "application/json", 400),
    ("name=Forum&kind=ulo", "application/x-www-form-urlencoded", 400),
    ('{"kind": "ulo", "name": "Forum"}', "text/plain", 415),
])
def test_a_body_that_is_not_a_json_object_is_refused_never_a_500(api, data, content_type,
                                                                  status):
    response = api("admin", "POST", "/api/v1/organisations", data=data,
                   content_type=content_type)
    assert_problem(response, status)


def test_invalid_fields_are_a_422_listing_each_field(api, world):
    response = api("admin", "POST", "/api/v1/engagements", json={
        "ulo_id": world["ulo"].id, "commissioner_id": world["council"].id, "title": "",
        "purposes": ["nonsense"], "influence": "drafted", "service_areas": ["advocacy"],
        "started_on": "2025-02-30"})
    body = assert_problem(response, 422)
    fields = {e["field"] for e in body["errors"]}
    assert fields == {"title", "purposes", "started_on"}
    assert all(e["message"] for e in body["errors"])


def test_a_patch_with_unknown_fields_names_them(api, world):
    response = api("admin", "PATCH", f"/api/v1/organisations/{world['ulo'].id}",
                   json={"nmae": "Typo", "colour": "red"})
    body = assert_problem(response, 422)
    assert {e["field"] for e in body["errors"]} == {"nmae", "colour"}


def test_text_no_database_can_store_is_a_422(api, world):
    response = api("admin", "PATCH", f"/api/v1/organisations/{world['ulo'].id}",
                   json={"name": "Forum\u0000"})
    body = assert_problem(response, 422)
    assert body["errors"][0]["field"] == "name"


def test_missing_records_and_addresses_are_404_problems(api):
    assert_problem(api("admin", "GET", "/api/v1/engagements/999999"), 404)
    assert_problem(api("admin", "GET", "/api/v1/engagements/99999999999999999999"), 404)
    assert_problem(api("admin", "GET", "/api/v1/no-such-collection"), 404)


def test_delete_is_405_with_the_allowed_methods(api, world):
    response = api("admin", "DELETE", f"/api/v1/engagements/{world['engagement'].id}")
    assert_problem(response, 405)
    assert "PATCH" in response.headers["Allow"] and "DELETE" not in response.headers["Allow"]


def test_the_api_refuses_what_the_form_refuses_with_the_same_message(api, world, shared):
    from coi.services import engagements
    data = {"ulo_id": world["ulo"].id, "commissioner_id": world["council"].id,
            "title": "Reference group", "purposes": ["consultation"], "influence": "consulted",
            "service_areas": ["advocacy"], "started_on": "2025-05-01",
            "ended_on": "2025-04-01"}
    with pytest.raises(Invalid) as service:
        shared.run(engagements.record_engagement, world["ulo_staff"], data)
    body = assert_problem(api("ulo_staff", "POST", "/api/v1/engagements", json=data), 422)
    assert body["errors"] == service.value.errors
    assert body["errors"][0]["field"] == "ended_on"


# --- lists ----------------------------------------------------------------------------------

def test_paging_answers_the_envelope_of_the_page_asked_for(api, make, world):
    for n in range(3):
        make.org("ulo", f"Paging Forum {n}")
    first = api("admin", "GET", "/api/v1/organisations?q=Paging&per_page=2").get_json()
    second = api("admin", "GET", "/api/v1/organisations?q=Paging&per_page=2&page=2").get_json()
    assert (first["total"], first["page"], first["per_page"]) == (3, 1, 2)
    assert [o["name"] for o in first["items"] + second["items"]] == [
        "Paging Forum 0", "Paging Forum 1", "Paging Forum 2"]


@pytest.mark.parametrize("query, field", [
    ("page=0", "page"), ("page=abc", "page"), ("per_page=501", "per_page"),
    ("per_page=0", "per_page"), ("kind=charity", "kind"), ("colour=red", "colour"),
    ("include_ended=perhaps", "include_ended"), ("q=" + "x" * 201, "q"),
])
def test_bad_paging_and_filters_are_422_never_silently_changed(api, query, field):
    body = assert_problem(api("admin", "GET", f"/api/v1/organisations?{query}"), 422)
    assert [e["field"] for e in body["errors"]] == [field]


def test_filters_narrow_the_list(api, world, make):
    make.opportunity(world["council"], route="single_source")
    found = api("admin", "GET", "/api/v1/opportunities?route=single_source").get_json()
    assert found["total"] == 1 and found["items"][0]["route"] == "single_source"
    mine = api("admin", "GET", f"/api/v1/bids?ulo_id={world['ulo'].id}").get_json()
    assert {b["ulo_id"] for b in mine["items"]} == {world["ulo"].id}
    bad = assert_problem(api("admin", "GET", "/api/v1/bids?ulo_id=abc"), 422)
    assert bad["errors"][0]["field"] == "ulo_id"


def test_ended_records_are_listed_only_when_asked(api, world, make):
    withdrawn = make.opportunity(world["council"], title="Cancelled tender")
    api("admin", "POST", f"/api/v1/opportunities/{withdrawn.id}/end",
        json={"reason": "Cancelled"})
    listed = api("admin", "GET", "/api/v1/opportunities?per_page=500").get_json()["items"]
    assert withdrawn.id not in {o["id"] for o in listed}
    every = api("admin", "GET", "/api/v1/opportunities?include_ended=true&per_page=500")
    assert withdrawn.id in {o["id"] for o in every.get_json()["items"]}


# --- every collection: create, read, update, end --------------------------------------------

def _bodies(w: dict) -> dict:
    """(create body, patch body) per collection, as an administrator would send them."""
    return {
        "organisations": ({"kind": "ulo", "name": "Southside Voice", "localities": ["E09000030"]},
                          {"localities": ["E09000030", "Southside"]}),
        "partnerships": ({"name": "North Partnership",
                          "member_ids": [w["council"].id, w["other_council"].id]},
                         {"name": "North and River Partnership"}),
        "people": ({"name": "Ada Jones", "organisation_id": w["ulo"].id,
                    "email": "ada@example.org"}, {"name": "Ada Jones-Smith"}),
        "users": ({"email": "new.staff@example.org", "name": "New Staff", "role": "ulo_staff",
                   "organisation_id": w["ulo"].id, "password": "purple monkey dishwasher 42"},
                  {"name": "Newer Staff"}),
        "board-members": ({"ulo_id": w["ulo"].id, "person_id": w["person"].id,
                           "started_on": "2024-01-01", "voting": False},
                          {"voting": True}),
        "income": ({"ulo_id": w["ulo"].id, "source_name": "Lottery", "financial_year": "2024-25",
                    "amount": 1250.5}, {"amount": "1300.00"}),
        "engagements": ({"ulo_id": w["ulo"].id, "commissioner_id": w["council"].id,
                         "title": "Carers' strategy", "purposes": ["consultation"],
                         "influence": "consulted", "service_areas": ["peer_support"],
                         "started_on": "2025-02-01"}, {"influence": "co-designed"}),
        "opportunities": ({"commissioner_id": w["council"].id, "title": "Advice line",
                           "reference": "RC-9", "service_areas": ["information_advice"],
                           "value": "144000", "route": "open", "published_on": "2025-08-01"},
                          {"closes_on": "2025-09-01"}),
        "bids": ({"ulo_id": w["ulo"].id, "opportunity_id": w["other_opportunity"].id,
                  "status": "considering"}, {"status": "submitted",
                                             "submitted_on": "2025-06-20"}),
        "arrangements": ({"ulo_id": w["ulo"].id, "commissioner_id": w["council"].id,
                          "kind": "informal", "description": "Monthly catch-up",
                          "started_on": "2025-01-01"}, {"kind": "formal"}),
    }


ENTITY = {"organisations": "organisation", "partnerships": "partnership", "people": "person",
          "users": "user", "board-members": "board_member", "income": "income",
          "engagements": "engagement", "opportunities": "opportunity", "bids": "bid",
          "arrangements": "arrangement"}


@pytest.mark.parametrize("collection", sorted(SPEC_SHAPES))
def test_each_collection_creates_reads_changes_and_ends_with_one_audit_event_each(
        shared, api, world, collection):
    create, patch = _bodies(world)[collection]
    base = f"/api/v1/{collection}"
    created = api("admin", "POST", base, json=create)
    assert created.status_code == 201, created.get_data(as_text=True)
    record = created.get_json()
    assert SPEC_SHAPES[collection] <= set(record)
    entity = ENTITY[collection]
    assert audit_events(shared, entity, record["id"]) == [f"{entity}.create"]
    assert api("admin", "GET", f"{base}/{record['id']}").get_json() == record
    changed = api("admin", "PATCH", f"{base}/{record['id']}", json=patch)
    assert changed.status_code == 200, changed.get_data(as_text=True)
    for key, value in patch.items():
        assert changed.get_json()[key] == value
    assert audit_events(shared, entity, record["id"]) == [f"{entity}.create", f"{entity}.update"]
    ended = api("admin", "POST", f"{base}/{record['id']}/end", json={"reason": "Tested"})
    assert ended.status_code == 200, ended.get_data(as_text=True)
    assert audit_events(shared, entity, record["id"])[-1] == f"{entity}.end"
    assert len(audit_events(shared, entity, record["id"])) == 3


def test_money_is_a_decimal_string_in_pounds(api, world):
    income = api("admin", "POST", "/api/v1/income", json={
        "ulo_id": world["ulo"].id, "source_name": "Trust", "financial_year": "2025-26",
        "amount": 1250.5}).get_json()
    assert income["amount"] == "1250.50"
    opportunity = api("admin", "GET", f"/api/v1/opportunities/{world['opportunity'].id}")
    assert opportunity.get_json()["value"] == "144000.00"
    too_precise = api("admin", "PATCH", f"/api/v1/income/{income['id']}",
                      json={"amount": "10.005"})
    assert assert_problem(too_precise, 422)["errors"][0]["field"] == "amount"


def test_a_patch_that_changes_nothing_writes_no_audit_event(shared, api, world):
    path = f"/api/v1/arrangements/{world['arrangement'].id}"
    same = api("admin", "GET", path).get_json()["description"]
    before = audit_events(shared, "arrangement", world["arrangement"].id)
    assert api("admin", "PATCH", path, json={"description": same}).status_code == 200
    assert audit_events(shared, "arrangement", world["arrangement"].id) == before


def test_a_write_adds_one_audit_event_besides_the_rules_own(shared, api, world):
    def events():
        with shared.app.app_context():
            return db.session().execute(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.entity != "flag")).scalar()
    count = events()
    api("admin", "PATCH", f"/api/v1/people/{world['person'].id}", json={"name": "Sam P."})
    assert events() == count + 1
