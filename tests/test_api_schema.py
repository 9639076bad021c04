"""The OpenAPI document at /api/v1/openapi.json: valid OpenAPI 3.1, generated from the same
schemas that validate requests, and true: schemathesis sends generated requests (valid and
invalid) to every operation, as an administrator and as ULO staff, and no answer is a 5xx or
differs from what the document says (status, content type, schema)."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from coi.api import params
from coi.resources import RESOURCES
from coi.services import users

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
POSITIVE, NEGATIVE = schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE
# Examples per operation and generation mode. The administrator reaches every operation's
# deepest paths, with valid and invalid input; ULO staff mostly meet the access rules. Kept
# small so that the ~80 operations take about a minute in all.
RUNS = {"admin": ((POSITIVE, 4), (NEGATIVE, 4)), "ulo_staff": ((POSITIVE, 3),)}


@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").get_json()


def test_the_document_is_valid_openapi_3_1(document):
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_the_document_is_public_and_every_operation_needs_a_sign_in(client, document):
    assert client.get("/api/v1/openapi.json").status_code == 200
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            assert "401" in operation["responses"], f"{method} {path}"
            problem = operation["responses"]["401"]["content"]["application/problem+json"]
            assert problem["schema"] == {"$ref": "#/components/schemas/Problem"}


def test_every_list_documents_each_filter_with_its_type(document):
    for res in RESOURCES.values():
        found = {p["name"]: p["schema"] for p in
                 document["paths"][f"/api/v1/{res.name}"]["get"]["parameters"]}
        assert {"q", "page", "per_page", "include_ended"} <= set(found)
        assert (found["page"]["minimum"], found["per_page"]["maximum"]) == (
            1, params.MAX_PER_PAGE)
        for name in res.spec.filters:
            schema = found[name]
            assert schema.get("type") in ("integer", "string"), (res.name, name)
            if name.endswith("_id"):
                assert schema["type"] == "integer"
    organisations = {p["name"]: p["schema"] for p in
                     document["paths"]["/api/v1/organisations"]["get"]["parameters"]}
    assert organisations["kind"]["enum"] == ["ulo", "commissioner"]


def test_lists_answer_the_envelope_and_writes_document_their_problems(document):
    listed = document["paths"]["/api/v1/engagements"]["get"]["responses"]["200"]
    envelope = listed["content"]["application/json"]["schema"]
    assert envelope["required"] == ["items", "total", "page", "per_page"]
    create = document["paths"]["/api/v1/engagements"]["post"]["responses"]
    assert {"201", "400", "401", "403", "415", "422"} <= set(create)
    assert document["paths"]["/api/v1/tokens/{token_id}"]["delete"]["responses"]["204"]


def _spares_the_caller(operation, case, actor_id: int, token_id: int) -> bool:
    """Deactivating the account under test, or revoking its token, would end the run."""
    target = case.path_parameters or {}
    if operation.path.startswith("/api/v1/users/") and target.get("record_id") == actor_id:
        return False
    return not (operation.path.startswith("/api/v1/tokens/")
                and target.get("token_id") == token_id)


def _run_operation(operation, mode, examples: int, token: tuple[int, str],
                   actor_id: int) -> str | None:
    """Generated cases against one operation; the first failure as text, or None."""
    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        if _spares_the_caller(operation, case, actor_id, token[0]):
            response = case.call(headers={"Authorization": f"Bearer {token[1]}"})
            case.validate_response(response, checks=CHECKS)

    try:
        run()
    except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collect every failure
        found = exc.exceptions if isinstance(exc, BaseExceptionGroup) else [exc]
        details = "\n".join(f"{type(e).__name__}: {e}"[:3000] for e in found)
        return f"{operation.method.upper()} {operation.path} ({mode}):\n{details}"
    return None


@pytest.mark.parametrize("role", sorted(RUNS))
def test_generated_requests_to_every_operation_get_documented_answers(app, world, role):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    secret = users.issue_token(None, world[role].id, "schemathesis")
    token = (users.list_tokens(world[role])[0].id, secret)
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode, examples in RUNS[role]:
            failure = _run_operation(operation, mode, examples, token, world[role].id)
            if failure:
                failures.append(failure)
    assert operations >= 40
    assert not failures, "\n\n".join(failures)
