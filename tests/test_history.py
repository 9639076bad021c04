"""The auditor's history: every change to a record field by field, a record as it stood on a
date, the events filtered, the declarations history, the chain's head and the API; auditors
and administrators read it all and change nothing."""

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from coi import audit, db
from coi.models import AuditEvent, Declaration
from coi.services import base, declarations, history

TODAY = date.today()


def declare(world, person=None, **kw):
    return declarations.record_declaration(None, {
        "person_id": (person or world["person"]).id, "category": "financial",
        "description": "Shares in Riverside Care Ltd", "organisation_id": world["council"].id,
        "arose_on": (TODAY - timedelta(days=3)).isoformat(), **kw})


def test_diff_names_each_field_that_was_set_changed_or_cleared():
    before = {"id": 1, "title": "Old", "notes": "", "ended_on": "2026-01-01", "same": 3}
    after = {"id": 1, "title": "New", "notes": "Added", "ended_on": None, "same": 3}
    assert history.diff(before, after) == [
        history.Change("title", "Old", "New", "changed"),
        history.Change("notes", "", "Added", "set"),
        history.Change("ended_on", "2026-01-01", None, "cleared"),
    ]
    assert [c.kind for c in history.diff(None, {"id": 1, "name": "A", "email": None})] == [
        "set", "set"]


def _event(seq, day):
    return SimpleNamespace(seq=seq, at=datetime.combine(day, datetime.min.time(), UTC)
                           + timedelta(hours=12), after={"v": seq}, before=None)


def test_a_record_as_it_stood_is_the_latest_event_on_or_before_that_day():
    events = [_event(1, date(2026, 1, 10)), _event(2, date(2026, 2, 1)),
              _event(3, date(2026, 2, 1))]
    assert history.as_of(events, date(2026, 1, 9)) is None
    assert history.as_of(events, date(2026, 1, 10)).seq == 1
    assert history.as_of(events, date(2026, 1, 31)).seq == 1
    assert history.as_of(events, date(2026, 2, 1)).seq == 3


def test_the_history_of_a_record_shows_every_change_field_by_field(world, client, auth):
    record = declare(world)
    base.update_record(declarations.DECLARATIONS, world["ulo_staff"], record.id,
                       {"description": "Shares sold in part"})
    auth.login(world["auditor"])
    page = client.get(f"/history/declaration/{record.id}").get_data(as_text=True)
    assert "2 events, oldest first" in page
    assert "Event" in page and "Created" in page and "Changed" in page
    assert "<caption class=\"visually-hidden\">Changes in event" in page
    assert '<th scope="row">Description</th>' in page
    assert "<span class=\"visually-hidden\">Before: </span>Shares in Riverside Care Ltd" in page
    assert "<span class=\"visually-hidden\">After: </span>Shares sold in part" in page
    assert world["ulo_staff"].email in page
    assert "Financial" in page  # codes in words


def test_the_record_on_a_chosen_date(world, client, auth):
    record = declare(world)
    auth.login(world["auditor"])
    url = f"/history/declaration/{record.id}"
    before = client.get(f"{url}?on-day=1&on-month=1&on-year=2000").get_data(as_text=True)
    assert "did not exist yet at the end of 1 January 2000" in before
    now = client.get(f"{url}?on-day={TODAY.day}&on-month={TODAY.month}&on-year={TODAY.year}")
    assert "As it stood at the end of" in now.get_data(as_text=True)
    bad = client.get(f"{url}?on-day=31&on-month=2&on-year=2026")
    assert bad.status_code == 422 and "There is a problem" in bad.get_data(as_text=True)


def test_a_record_with_no_history_is_not_found(world, client, auth):
    auth.login(world["auditor"])
    assert client.get("/history/declaration/4242").status_code == 404
    assert client.get("/history/declaration/99999999999999999999").status_code == 404


def test_the_index_shows_the_head_to_minute_and_the_check_says_intact(world, client, auth):
    auth.login(world["admin"])
    seq, digest = audit.head(db.session())
    page = client.get("/history").get_data(as_text=True)
    assert f"<dd class=\"summary-list__value\">{seq}</dd>" in page and digest in page
    assert "minutes of the next board meeting" in page
    checked = client.get("/history/verify").get_data(as_text=True)
    assert "The chain is intact" in checked and digest in checked


def test_events_are_filtered_by_record_kind_action_actor_and_date(world):
    declare(world)
    auditor = world["auditor"]
    only = history.list_events(auditor, {"entity": "declaration"})
    assert only.total == 1 and only.items[0].action == "declaration.create"
    assert history.list_events(auditor, {"action": "bid.create"}).total == 2
    assert history.list_events(auditor, {"actor": "nobody@"}).total == 0
    assert history.list_events(auditor, {"actor": "SYSTEM"}).total >= 1
    tomorrow, yesterday = TODAY + timedelta(days=1), TODAY - timedelta(days=1)
    assert history.list_events(auditor, {"since": tomorrow.isoformat()}).total == 0
    assert history.list_events(auditor, {"until": yesterday.isoformat()}).total == 0
    assert history.list_events(auditor, {"since": TODAY.isoformat(),
                                         "until": TODAY.isoformat()}).total == \
        history.list_events(auditor, {}).total


def test_bad_filters_name_the_field(world, client, auth):
    auth.login(world["auditor"])
    answer = client.get("/history?since-day=2&since-month=1&since-year=2026"
                        "&until-day=1&until-month=1&until-year=2026")
    assert answer.status_code == 422
    assert "To must not be before from" in answer.get_data(as_text=True)
    answer = client.get("/history?entity_id=abc")
    assert "Record number must be a whole number" in answer.get_data(as_text=True)


def test_the_declarations_history_for_a_person_or_an_organisation(world, make, client, auth):
    ours = declare(world)
    theirs = declare(world, person=world["other_person"],
                     organisation_id=world["other_council"].id)
    about_council = declare(world, person=world["other_person"])
    auditor = world["auditor"]

    def ids(**filters):
        return {e.entity_id for e in history.list_events(auditor, filters).items}
    assert ids(person_id=world["person"].id) == {ours.id}
    assert ids(organisation_id=world["other_ulo"].id) == {theirs.id, about_council.id}
    assert ids(organisation_id=world["council"].id) == {ours.id, about_council.id}
    auth.login(auditor)
    page = client.get(f"/history/declarations?person_id={world['other_person'].id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "2 events" in text


def test_the_api_lists_events_with_filters_and_paging(world, client, auth):
    declare(world)
    auth.login(world["auditor"])
    answer = client.get("/api/v1/audit?entity=declaration&per_page=5").get_json()
    assert answer["total"] == 1 and answer["per_page"] == 5
    event = answer["items"][0]
    assert set(event) == {"seq", "at", "actor", "action", "entity", "entity_id", "before",
                          "after", "prev_hash", "hash"}
    first = client.get("/api/v1/audit?order=asc&per_page=1").get_json()["items"][0]
    assert first["seq"] == 1 and first["prev_hash"] == "0" * 64
    bad = client.get("/api/v1/audit?colour=red")
    assert bad.status_code == 422 and bad.get_json()["errors"] == [
        {"field": "colour", "message": "colour is not a query parameter of this list"}]
    bad = client.get("/api/v1/audit?since=yesterday&per_page=0").get_json()
    assert {e["field"] for e in bad["errors"]} == {"since", "per_page"}


def test_the_openapi_document_describes_the_audit_endpoints(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    listing = doc["paths"]["/api/v1/audit"]["get"]
    assert "AuditEventPublic" in str(listing["responses"]["200"])
    assert {p["name"] for p in listing["parameters"]} >= {"entity", "since", "until", "page"}
    check = doc["paths"]["/api/v1/audit/verify"]["get"]["responses"]["200"]
    assert "AuditVerdict" in str(check)
    assert {"intact", "head_seq", "broken_seq"} <= set(
        doc["components"]["schemas"]["AuditVerdict"]["properties"])


def _counts():
    s = db.session()
    return (s.execute(select(func.count()).select_from(Declaration)).scalar(),
            s.execute(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.action != "access.refused")).scalar())


@pytest.mark.parametrize("method, url, body", [
    ("post", "/api/v1/declarations", {"category": "nil"}),
    ("patch", "/api/v1/declarations/{id}", {"description": "Changed by the auditor"}),
    ("post", "/api/v1/declarations/{id}/end", {"reason": "Ended by the auditor"}),
    ("post", "/declarations/new", {"description": "x"}),
    ("post", "/declarations/{id}/edit", {"description": "x"}),
    ("post", "/declarations/{id}/end", {"reason": "x"}),
    ("post", "/declarations/gift-thresholds", {"declare_above": "1", "refuse_above": "2"}),
])
def test_an_auditor_reads_everything_and_changes_nothing(world, client, auth, method, url,
                                                         body):
    record = declare(world)
    declare(world, person=world["other_person"], organisation_id=world["other_council"].id)
    auth.login(world["auditor"])
    assert client.get("/api/v1/declarations").get_json()["total"] == 2
    assert client.get(f"/declarations/{record.id}").status_code == 200
    assert client.get(f"/history/declaration/{record.id}").status_code == 200
    counts = _counts()
    url = url.format(id=record.id)
    sent = client.open(url, method=method.upper(),
                       **({"json": body} if "/api/" in url else {"data": body}))
    assert sent.status_code == 403
    assert _counts() == counts
    assert db.session().get(Declaration, record.id).description == record.description


def test_other_roles_cannot_read_the_history(world, client, auth):
    for role in ("ulo_staff", "ulo_board", "commissioner"):
        auth.login(world[role])
        assert client.get("/history").status_code == 403
        assert client.get("/api/v1/audit").status_code == 403
        assert client.get("/history/export.json").status_code == 403
