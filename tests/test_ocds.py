"""Importing OCDS release and record packages (Contracts Finder, Find a Tender) as
opportunities: `flask import-ocds FILE`, the upload page and the API."""

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from coi import db
from coi.models import AuditEvent, Opportunity
from coi.ocds import mapping

FIXTURES = Path(__file__).parent / "fixtures" / "ocds"
RELEASES = FIXTURES / "release_package.json"
RECORDS = FIXTURES / "record_package.json"
MALFORMED = FIXTURES / "malformed_release_package.json"
INFO = "ocds-b5fd17-6f1c2a44-0a11-4c9e-9f2b-1d3e5a7c9b01"
ADVOCACY = "ocds-b5fd17-8a2d4b66-1b22-4d0f-8e3c-2e4f6b8d0c02"
UNMATCHED = "ocds-b5fd17-9b3e5c77-2c33-4e1a-9d4d-3f5a7c9e1d03"
CALL_OFF = "ocds-b5fd17-ac4f6d88-3d44-4f2b-8e5e-4a6b8d0f2e04"
RESERVED = "ocds-b5fd17-bd5a7e99-4e55-4a3c-9f6f-5b7c9e1a3f05"
AMENDED = "ocds-b5fd17-ce6b8fa0-5f66-4b4d-8a70-6c8d0f2b4a06"


@pytest.fixture
def bodies(make):
    """The buyers of the fixtures: one known by its identifier, one only by its name."""
    return {"riverside": make.org("commissioner", "Riverside Council",
                                  identifier="GB-GOR-E09000999"),
            "hillside": make.org("commissioner", "Hillside Council")}


def opportunities(app) -> dict[str, Opportunity]:
    with app.app_context():
        rows = db.session().execute(select(Opportunity)).scalars().all()
        return {o.ocid: o for o in rows}


def audit_count(app) -> int:
    with app.app_context():
        return db.session().execute(select(func.count()).select_from(AuditEvent)).scalar()


def run(runner, path) -> tuple[int, str]:
    result = runner.invoke(args=["import-ocds", str(path)])
    return result.exit_code, result.output


def test_release_package_creates_one_opportunity_per_process(app, runner, bodies):
    code, out = run(runner, RELEASES)
    assert code == 0, out
    assert "Created 5, updated 0, withdrawn 0, unchanged 0, skipped 1." in out
    found = opportunities(app)
    info = found[INFO]
    assert info.commissioner_id == bodies["riverside"].id
    assert (info.title, info.reference) == ("Information and advice service for disabled "
                                            "residents", "RC-2025-014")
    assert info.value_pence == 14_400_000
    assert info.route == "open"
    assert info.service_areas == ["information_advice"]
    assert info.localities == ["Riverside", "London"]
    assert (str(info.published_on), str(info.closes_on)) == ("2025-06-01", "2025-07-01")


def test_buyer_without_identifier_is_matched_by_exact_name(app, runner, bodies):
    run(runner, RELEASES)
    advocacy = opportunities(app)[ADVOCACY]
    assert advocacy.commissioner_id == bodies["hillside"].id
    assert advocacy.value_pence == 8_500_050  # 85000.5 read as a decimal, never a float
    assert advocacy.route == "restricted"
    assert advocacy.service_areas == ["advocacy", "payroll"]


def test_unmatched_buyer_is_reported_and_never_guessed(app, runner, bodies):
    code, out = run(runner, RELEASES)
    assert code == 0
    line = next(line for line in out.splitlines() if UNMATCHED in line)
    assert line.startswith("skipped")
    assert "Eastmarsh Borough Council" in line and "GB-GOR-E09000888" in line
    assert "matches no commissioning body" in line
    assert UNMATCHED not in opportunities(app)


def test_route_comes_from_method_framework_and_reserved_participation(app, runner, bodies):
    run(runner, RELEASES)
    found = opportunities(app)
    assert found[CALL_OFF].route == "framework_call_off"
    assert found[CALL_OFF].service_areas == ["pa_recruitment"]
    assert found[RESERVED].route == "reserved"
    assert found[RESERVED].service_areas == ["peer_support"]


def test_later_release_of_a_process_amends_the_earlier_one(app, runner, bodies):
    run(runner, RELEASES)
    amended = opportunities(app)[AMENDED]
    assert str(amended.published_on) == "2025-06-06"
    assert str(amended.closes_on) == "2025-07-20"
    assert amended.service_areas == ["equality_training"]


def test_record_package_reads_compiled_and_embedded_releases(app, runner, bodies):
    code, out = run(runner, RECORDS)
    assert code == 0, out
    assert "Created 2, updated 0, withdrawn 0, unchanged 0, skipped 0." in out
    found = opportunities(app)
    planning = found["ocds-h6vhtk-04f1a2"]
    assert planning.commissioner_id == bodies["riverside"].id  # by an additional identifier
    assert planning.service_areas == ["support_planning"]
    assert planning.value_pence == 42_000_000
    grant = found["ocds-h6vhtk-04f1b3"]
    assert grant.route == "grant"
    assert grant.value_pence == 5_500_000  # the later release's value


def test_importing_the_same_file_twice_changes_nothing(app, runner, bodies):
    run(runner, RELEASES)
    events = audit_count(app)
    code, out = run(runner, RELEASES)
    assert code == 0
    assert "Created 0, updated 0, withdrawn 0, unchanged 5, skipped 1." in out
    assert audit_count(app) == events
    assert len(opportunities(app)) == 5


def test_a_changed_release_updates_its_opportunity_with_one_audit_event(app, runner, bodies,
                                                                        tmp_path):
    run(runner, RELEASES)
    data = json.loads(RELEASES.read_text())
    data["releases"][0]["tender"]["value"]["amount"] = 150000
    data["releases"][0]["tender"]["tenderPeriod"]["endDate"] = "2025-07-08T12:00:00Z"
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(data))
    events = audit_count(app)
    code, out = run(runner, changed)
    assert code == 0
    assert "Created 0, updated 1, withdrawn 0, unchanged 4, skipped 1." in out
    line = next(line for line in out.splitlines() if INFO in line)
    assert line.startswith("updated") and "value" in line and "closes_on" in line
    info = opportunities(app)[INFO]
    assert (info.value_pence, str(info.closes_on)) == (15_000_000, "2025-07-08")
    with app.app_context():
        new = db.session().execute(select(AuditEvent).where(
            AuditEvent.seq > events)).scalars().all()
    updates = [e for e in new if e.action == "opportunity.update"]
    assert len(updates) == 1 and updates[0].entity_id == info.id


def test_malformed_file_names_each_place_and_imports_nothing(app, runner, bodies):
    events = audit_count(app)
    code, out = run(runner, MALFORMED)
    assert code != 0
    assert "nothing was imported" in out
    assert "releases[1].tender.value.amount: not a number" in out
    assert "releases[1].tender.tenderPeriod.endDate: not a date" in out
    assert "releases[2].ocid: missing" in out
    assert opportunities(app) == {}
    assert audit_count(app) == events


@pytest.mark.parametrize("text, expected", [
    ("{not json", "(file): not JSON"),
    ("[]", "(top level): not an OCDS package"),
    ('{"publisher": {"name": "x"}}', "neither 'releases' nor 'records'"),
    ('{"releases": [{"ocid": "ocds-x-1", "tender": {"items": [{"classification": '
     '{"scheme": "CPV", "id": "853"}}]}}]}',
     "releases[0].tender.items[0].classification.id: not a CPV code"),
    ('{"records": [{"ocid": "ocds-x-1", "releases": [{"url": "https://example.org/r.json"}]}]}',
     "records[0].releases[0]: a linked release"),
])
def test_file_that_is_not_an_ocds_package_gets_a_clear_error(runner, tmp_path, text,
                                                             expected):
    path = tmp_path / "bad.json"
    path.write_text(text)
    code, out = run(runner, path)
    assert code == 1
    assert expected in out


def test_cpv_codes_map_by_longest_prefix():
    table = {"85300000": "other", "85312000": "support_planning",
             "85312300": "information_advice"}
    assert mapping.area_for("85312320", table) == "information_advice"
    assert mapping.area_for("85312100", table) == "support_planning"
    assert mapping.area_for("85321000", table) == "other"
    assert mapping.area_for("45000000", table) is None
    assert mapping.service_areas(["45000000"], table) == (["other"], ["45000000"])


def test_every_default_cpv_code_is_documented():
    doc = (Path(__file__).parent.parent / "docs" / "ocds.md").read_text()
    for code, area in mapping.DEFAULT_CPV.items():
        assert f"| {code} |" in doc and f"`{area}`" in doc, code


def test_an_edited_cpv_table_changes_the_service_areas(app, runner, ctx, bodies, make):
    from coi.services import cpv
    admin = make.user("admin")
    cpv.change(admin, {"codes": {"85312300": "advocacy"}})
    code, out = run(runner, RELEASES)
    assert code == 0
    assert opportunities(app)[INFO].service_areas == ["advocacy"]


def test_commissioner_imports_only_its_own_bodys_opportunities(app, ctx, bodies, make):
    from coi.services import ocds
    commissioner = make.user("commissioner", bodies["hillside"])
    report = ocds.import_file(commissioner, RELEASES.read_bytes())
    assert report.count("created") == 1
    refused = [o for o in report.outcomes if o.action == "skipped"]
    assert any("not your organisation" in o.detail for o in refused)
    assert set(opportunities(app)) == {ADVOCACY}


def upload(client, path: Path, name: str = "notices.json"):
    import io
    return client.post("/opportunities/import", data={"file": (io.BytesIO(path.read_bytes()),
                                                               name)},
                       content_type="multipart/form-data")


def test_commissioner_uploads_a_file_and_sees_what_was_done(app, auth, client, bodies, make):
    auth.login(make.user("commissioner", bodies["riverside"]))
    response = upload(client, RELEASES)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Created 4, updated 0, withdrawn 0, unchanged 0, skipped 2." in page
    assert "not your organisation" in page and "Hillside Council" in page
    assert "matches no commissioning body" in page
    assert len(opportunities(app)) == 4


def test_malformed_upload_shows_every_place_in_the_error_summary(app, auth, client, bodies,
                                                                 make):
    auth.login(make.user("admin"))
    response = upload(client, MALFORMED)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<title>Error: " in page and 'href="#f-file"' in page
    assert "releases[1].tender.tenderPeriod.endDate</code>: not a date" in page
    assert opportunities(app) == {}


def test_upload_without_a_file_asks_for_one(auth, client, make):
    auth.login(make.user("admin"))
    response = client.post("/opportunities/import", data={})
    assert response.status_code == 422
    assert "Choose an OCDS file (.json) to import" in response.get_data(as_text=True)


def test_admin_edits_the_cpv_table_on_its_page(app, auth, client, make, ctx):
    from coi.services import cpv
    auth.login(make.user("admin"))
    response = client.post("/admin/cpv", data={"codes": "85312300 advocacy\n79998000-3 "
                                                         "peer_support", "action": "save"})
    assert response.status_code == 302
    assert cpv.table() == {"85312300": "advocacy", "79998000": "peer_support"}
    assert "Restore the documented defaults" in client.get("/admin/cpv").get_data(as_text=True)
    client.post("/admin/cpv", data={"action": "restore"})
    assert cpv.table() == mapping.DEFAULT_CPV
    page = client.get("/admin/cpv").get_data(as_text=True)
    assert "This is the documented default table." in page
    assert "Restore the documented defaults" not in page


def test_saving_or_restoring_the_same_cpv_table_again_writes_nothing(auth, client, make, ctx):
    from sqlalchemy import func, select

    from coi import db
    from coi.models import AuditEvent

    def setting_events():
        return db.session().execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "setting.update")).scalar()

    auth.login(make.user("admin"))
    for _ in range(2):
        client.post("/admin/cpv", data={"codes": "85312300 advocacy", "action": "save"})
    assert setting_events() == 1
    for _ in range(2):
        client.post("/admin/cpv", data={"action": "restore"})
    assert setting_events() == 2


def test_cpv_page_keeps_what_was_typed_and_names_the_bad_line(auth, client, make):
    auth.login(make.user("admin"))
    typed = "85312300 advocacy\n853 advocacy\n79998000 knitting"
    response = client.post("/admin/cpv", data={"codes": typed, "action": "save"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "853 is not a CPV code" in page
    assert "79998000: &#39;knitting&#39; is not a service area" in page
    assert ">85312300 advocacy\n853 advocacy\n79998000 knitting</textarea>" in page


def test_api_imports_a_package_and_answers_the_report(app, client, bodies, make):
    from coi.services import users
    token = users.issue_token(None, make.user("admin").id, "import")
    response = client.post("/api/v1/opportunities/import", data=RECORDS.read_bytes(),
                           content_type="application/json",
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    report = response.get_json()
    assert (report["created"], report["skipped"]) == (2, 0)
    assert {o["ocid"] for o in report["outcomes"]} == {"ocds-h6vhtk-04f1a2",
                                                       "ocds-h6vhtk-04f1b3"}


def test_api_refuses_a_malformed_package_naming_each_place(app, client, bodies, make):
    from coi.services import users
    token = users.issue_token(None, make.user("admin").id, "import")
    response = client.post("/api/v1/opportunities/import", data=MALFORMED.read_bytes(),
                           content_type="application/json",
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    fields = {e["field"] for e in response.get_json()["errors"]}
    assert {"releases[1].tender.value.amount", "releases[1].tender.tenderPeriod.endDate",
            "releases[2].ocid"} <= fields
    assert opportunities(app) == {}


def test_cpv_map_over_the_api(client, make):
    from coi.services import users
    admin = users.issue_token(None, make.user("admin").id, "cpv")
    staff = users.issue_token(None, make.user("ulo_staff", make.org("ulo")).id, "cpv")
    got = client.get("/api/v1/cpv-map", headers={"Authorization": f"Bearer {staff}"})
    assert got.get_json() == {"codes": mapping.DEFAULT_CPV, "default": True}
    change = {"codes": {"85320000": "advocacy", "98000000": None}}
    refused = client.patch("/api/v1/cpv-map", json=change,
                           headers={"Authorization": f"Bearer {staff}"})
    assert refused.status_code == 403
    changed = client.patch("/api/v1/cpv-map", json=change,
                           headers={"Authorization": f"Bearer {admin}"}).get_json()
    assert changed["codes"]["85320000"] == "advocacy"
    assert "98000000" not in changed["codes"] and changed["default"] is False
    bad = client.patch("/api/v1/cpv-map", json={"codes": {"85320000": "knitting"}},
                       headers={"Authorization": f"Bearer {admin}"})
    assert bad.status_code == 422
    assert "not a service area" in bad.get_json()["errors"][0]["message"]


def _cancelled(tmp_path, ocid: str, status: str = "cancelled") -> Path:
    data = json.loads(RELEASES.read_text())
    [release] = [r for r in data["releases"] if r["ocid"] == ocid]
    release["tender"]["status"] = status
    release["tender"].pop("value", None)  # a cancellation notice often gives no value
    path = tmp_path / f"{status}.json"
    path.write_text(json.dumps({**data, "releases": [release]}))
    return path


def test_a_cancelled_tender_withdraws_its_opportunity_and_supersedes_its_flag(
        app, runner, bodies, make, tmp_path):
    from tests.flagkit import flags
    run(runner, RELEASES)
    info = opportunities(app)[INFO]
    with app.test_request_context():
        ulo = make.org("ulo", "Riverside Voices")
        make.engagement(ulo, bodies["riverside"], service_areas=["information_advice"],
                        started_on="2025-01-10", ended_on="2025-03-31")
        make.bid(ulo, info)
        [flag] = flags(rule="R1", ulo_id=ulo.id)
        assert flag.status == "open"
    code, out = run(runner, _cancelled(tmp_path, INFO))
    assert code == 0, out
    assert "Created 0, updated 0, withdrawn 1, unchanged 0, skipped 0." in out
    line = next(line for line in out.splitlines() if INFO in line)
    assert line.startswith("withdrawn") and "tender was cancelled" in line
    info = opportunities(app)[INFO]
    assert info.withdrawn_at is not None and "Cancelled" in info.withdrawn_reason
    with app.test_request_context():
        assert flags(rule="R1", ulo_id=ulo.id)[0].status == "superseded"
    events = audit_count(app)
    code, out = run(runner, _cancelled(tmp_path, INFO))  # the same notice again
    assert "withdrawn 0, unchanged 1" in out and audit_count(app) == events


def test_a_cancelled_tender_not_in_the_register_is_not_added(app, runner, bodies, tmp_path):
    code, out = run(runner, _cancelled(tmp_path, INFO, status="withdrawn"))
    assert code == 0, out
    assert "Created 0, updated 0, withdrawn 0, unchanged 0, skipped 1." in out
    assert "not in the register" in out and INFO not in opportunities(app)


def test_an_unsuccessful_tender_stays_an_opportunity(app, runner, bodies, tmp_path):
    run(runner, RELEASES)
    data = json.loads(RELEASES.read_text())
    data["releases"][0]["tender"]["status"] = "unsuccessful"
    path = tmp_path / "unsuccessful.json"
    path.write_text(json.dumps(data))
    code, out = run(runner, path)
    assert "withdrawn 0" in out and opportunities(app)[INFO].withdrawn_at is None
