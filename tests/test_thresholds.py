"""An administrator changes the rule thresholds; flags keep the thresholds that raised them;
the methodology page explains every rule with the thresholds in force."""

import pytest

from coi.errors import Forbidden, Invalid
from coi.services import base, engagements, thresholds
from coi.services.opportunities import BIDS
from tests.flagkit import flag, flags


def test_the_defaults_are_in_force_until_an_administrator_changes_them(ctx):
    assert thresholds.current().r1_lookback_months == 24
    assert {t["key"] for t in thresholds.describe()} >= {"r1_lookback_months", "band_high"}


def test_an_administrator_changes_some_thresholds_and_the_rest_stay(world):
    thresholds.put_thresholds(world["admin"], {"r1_lookback_months": "36"})
    now = thresholds.current()
    assert (now.r1_lookback_months, now.r3_dependency_pct) == (36, 50)


@pytest.mark.parametrize("role", ["ulo_staff", "ulo_board", "commissioner", "auditor"])
def test_only_an_administrator_may_change_thresholds(world, role):
    with pytest.raises(Forbidden):
        thresholds.put_thresholds(world[role], {"r1_lookback_months": 36})
    assert thresholds.current().r1_lookback_months == 24


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"r1_lookback_months": "soon"}, "r1_lookback_months",
     "Look-back window must be a whole number from 1 to 120"),
    ({"r3_dependency_pct": 101}, "r3_dependency_pct",
     "Dependency threshold must be a whole number from 1 to 100"),
    ({"band_medium": 70}, "band_medium",
     "Medium severity from must not be above 'High severity from'"),
    ({"r9_anything": 1}, "r9_anything", "r9_anything is not a known threshold"),
])
def test_a_refused_threshold_names_the_field_and_the_range(world, data, field, message):
    with pytest.raises(Invalid) as refused:
        thresholds.put_thresholds(world["admin"], data)
    assert {"field": field, "message": message} in refused.value.errors
    assert thresholds.current().r1_lookback_months == 24


def test_new_flags_carry_the_new_thresholds_and_old_flags_keep_theirs(world, make):
    old = flags(ulo_id=world["ulo"].id, rule="R1")[0]
    thresholds.put_thresholds(world["admin"], {"r1_lookback_months": 36, "band_high": 80})
    bid = make.bid(world["ulo"], make.opportunity(world["council"]))
    new = flag(f"R1:e{world['engagement'].id}:b{bid.id}")
    assert new.thresholds == {"r1_lookback_months": 36, "band_high": 80, "band_medium": 30}
    base.update_record(engagements.ENGAGEMENTS, None, world["engagement"].id,
                       {"notes": "Re-read; nothing the rules read changed"})
    kept = flag(old.fingerprint)
    assert kept.thresholds == {"r1_lookback_months": 24, "band_high": 60, "band_medium": 30}


def test_a_longer_look_back_flags_an_older_engagement_at_the_next_write(world, make):
    org, council = make.org("ulo"), make.org("commissioner")
    make.engagement(org, council, started_on="2022-01-01", ended_on="2022-12-31")
    bid = make.bid(org, make.opportunity(council, published_on="2025-06-01"))
    assert flags(rule="R1", ulo_id=org.id) == []
    thresholds.put_thresholds(world["admin"], {"r1_lookback_months": 36})
    base.update_record(BIDS, None, bid.id, {"submitted_on": "2025-06-21"})
    [found] = flags(rule="R1", ulo_id=org.id)
    assert found.thresholds["r1_lookback_months"] == 36


def test_the_api_reads_and_changes_thresholds_for_administrators_only(world, auth, client):
    auth.login(world["ulo_board"])
    assert client.get("/api/v1/settings/thresholds").status_code == 403
    assert client.patch("/api/v1/settings/thresholds",
                        json={"r3_dependency_pct": 40}).status_code == 403
    auth.login(world["admin"])
    assert client.get("/api/v1/settings/thresholds").get_json()["r3_dependency_pct"] == 50
    changed = client.patch("/api/v1/settings/thresholds", json={"r3_dependency_pct": 40})
    assert changed.status_code == 200 and changed.get_json()["r3_dependency_pct"] == 40
    refused = client.patch("/api/v1/settings/thresholds", json={"band_high": 0})
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["field"] == "band_high"


def test_the_openapi_document_describes_the_thresholds_and_flags(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"get", "patch"} <= set(paths["/api/v1/settings/thresholds"])
    assert "get" in paths["/api/v1/flags"] and "get" in paths["/api/v1/flags/{record_id}"]


def test_the_settings_page_shows_every_threshold_with_its_unit_and_range(world, auth, client):
    auth.login(world["admin"])
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "Look-back window" in page and "In months, a whole number from 1 to 120" in page
    assert 'value="24"' in page and "Service areas in use" in page


def test_a_refused_value_on_the_settings_page_is_shown_again_with_its_error(world, auth,
                                                                           client):
    auth.login(world["admin"])
    values = {t["key"]: str(t["value"]) for t in _described(client)}
    response = client.post("/admin/settings/thresholds",
                           data={**values, "r8_late_days": "a month"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in page and 'href="#f-r8_late_days"' in page
    assert 'value="a month"' in page and "<title>Error: " in page


def _described(client):
    with client.application.test_request_context():
        return thresholds.describe()


def test_saving_the_settings_page_changes_the_thresholds(world, auth, client):
    auth.login(world["admin"])
    values = {t["key"]: str(t["value"]) for t in _described(client)}
    response = client.post("/admin/settings/thresholds",
                           data={**values, "r7_constituency_pct": "80"})
    assert response.status_code == 302
    assert "The rule thresholds were saved" in client.get("/admin/settings").get_data(
        as_text=True)
    with client.application.test_request_context():
        assert thresholds.current().r7_constituency_pct == 80


def test_an_administrator_adds_a_service_area_on_the_settings_page(world, auth, client):
    auth.login(world["admin"])
    response = client.post("/admin/settings/service-areas",
                           data={"code": "hate_crime", "label": "Hate crime reporting"})
    assert response.status_code == 302
    assert "Hate crime reporting" in client.get("/admin/settings").get_data(as_text=True)
    refused = client.post("/admin/settings/service-areas", data={"code": "Bad Code",
                                                                 "label": ""})
    assert refused.status_code == 422 and 'href="#f-code"' in refused.get_data(as_text=True)


def test_the_settings_page_is_for_administrators_only(world, auth, client):
    auth.login(world["auditor"])
    assert client.get("/admin/settings").status_code == 403


def test_the_methodology_page_explains_every_rule_with_the_thresholds_in_force(world, client):
    with client.application.test_request_context():
        thresholds.put_thresholds(world["admin"], {"r1_lookback_months": 30})
    page = client.get("/methodology").get_data(as_text=True)
    for code in ("R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8"):
        assert f'id="rule-{code}"' in page
    assert "version 1" in page and "30 months" in page
    assert "Influence: informed +10, consulted +20, co-designed +30, drafted +40." in page
    assert "60 to 100" in page  # the high severity band
