"""The quorum for board decisions, set by an administrator on the settings page, over the API
and with `flask quorum`: the same service, audited, refused values kept with their error."""

from sqlalchemy import select

from coi import db
from coi.models import AuditEvent
from coi.services import decisions


def _quorum(client) -> int:
    with client.application.test_request_context():
        return decisions.quorum()


def test_an_administrator_sets_the_quorum_on_the_settings_page(world, auth, client):
    auth.login(world["admin"])
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "Voting board members needed for a decision" in page and 'value="2"' in page
    response = client.post("/admin/settings/quorum", data={"quorum": "3"})
    assert response.status_code == 302 and _quorum(client) == 3
    shown = client.get("/admin/settings").get_data(as_text=True)
    assert "now needs 3 voting members with no conflict" in shown and 'value="3"' in shown
    events = db.session().execute(select(AuditEvent).where(
        AuditEvent.entity == "setting")).scalars().all()
    assert events[-1].action == "setting.update"
    assert events[-1].after == {"key": "decisions", "value": {"quorum": 3}}
    assert events[-1].actor == world["admin"].email


def test_a_refused_quorum_is_shown_again_with_its_error_and_nothing_changes(world, auth,
                                                                           client):
    auth.login(world["admin"])
    response = client.post("/admin/settings/quorum", data={"quorum": "twenty-one"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "<title>Error: " in page
    assert 'href="#f-quorum"' in page and "Quorum must be a whole number" in page
    assert 'value="twenty-one"' in page and _quorum(client) == 2
    too_many = client.post("/admin/settings/quorum", data={"quorum": "21"})
    assert too_many.status_code == 422
    assert "Quorum must be between 1 and 20" in too_many.get_data(as_text=True)


def test_only_an_administrator_changes_the_quorum(world, auth, client):
    auth.login(world["ulo_board"])
    assert client.post("/admin/settings/quorum", data={"quorum": "1"}).status_code == 403
    assert client.patch("/api/v1/settings/quorum", json={"quorum": 1}).status_code == 403
    assert _quorum(client) == 2


def test_the_api_reads_and_changes_the_quorum(world, auth, client):
    auth.login(world["admin"])
    assert client.get("/api/v1/settings/quorum").get_json() == {"quorum": 2}
    changed = client.patch("/api/v1/settings/quorum", json={"quorum": 4})
    assert changed.status_code == 200 and changed.get_json() == {"quorum": 4}
    assert _quorum(client) == 4
    for bad in ({"quorum": 0}, {"quorum": "many"}, {}, {"quorum": 2, "extra": 1}):
        refused = client.patch("/api/v1/settings/quorum", json=bad)
        assert refused.status_code == 422, bad
        assert refused.get_json()["errors"][0]["field"] in ("quorum", "extra"), bad
    assert _quorum(client) == 4
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"get", "patch"} <= set(paths["/api/v1/settings/quorum"])


def test_the_command_line_and_the_page_share_one_quorum(world, auth, client, runner):
    assert runner.invoke(args=["quorum", "5"]).exit_code == 0
    auth.login(world["admin"])
    assert 'value="5"' in client.get("/admin/settings").get_data(as_text=True)
