"""The API's list answers kept by each worker until the register changes: a change shows in the
next answer, each account gets only what it may see, and the answer is what it always was."""

from tests.foundation_kit import token_for


def _titles(client, headers, path="/api/v1/engagements?per_page=100") -> set[str]:
    answer = client.get(path, headers=headers)
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    return {item["title"] for item in answer.get_json()["items"]}


def test_a_kept_api_list_shows_a_new_record_at_once(app, world):
    client, staff = app.test_client(), token_for(app, world["ulo_staff"])
    before = _titles(client, staff)
    assert _titles(client, staff) == before  # the second answer from what the worker keeps
    made = client.post("/api/v1/engagements", headers=staff, json={
        "ulo_id": world["ulo"].id, "commissioner_id": world["council"].id,
        "title": "Added after the list was kept", "purposes": ["consultation"],
        "influence": "consulted", "service_areas": ["advocacy"], "started_on": "2026-01-05"})
    assert made.status_code == 201, made.get_json()
    assert _titles(client, staff) == before | {"Added after the list was kept"}


def test_each_account_gets_only_its_own_records_from_what_is_kept(app, world, make):
    with app.test_request_context():
        make.engagement(world["other_ulo"], world["other_council"], title="Theirs only")
    client = app.test_client()
    ours, theirs = token_for(app, world["ulo_staff"]), token_for(app, world["other_staff"])
    for _ in range(2):
        assert "Theirs only" not in _titles(client, ours)
        assert "Theirs only" in _titles(client, theirs)


def test_a_kept_answer_keeps_its_page_and_total(app, world, make):
    with app.test_request_context():
        for n in range(3):
            make.engagement(world["ulo"], world["council"], title=f"Paged {n}")
    client, staff = app.test_client(), token_for(app, world["ulo_staff"])
    first = client.get("/api/v1/engagements?per_page=1&page=1", headers=staff).get_json()
    second = client.get("/api/v1/engagements?per_page=1&page=2", headers=staff).get_json()
    assert first["total"] == second["total"] >= 4
    assert (first["page"], second["page"], first["per_page"]) == (1, 2, 1)
    assert first["items"][0]["id"] != second["items"][0]["id"]
    again = client.get("/api/v1/engagements?per_page=1&page=1", headers=staff).get_json()
    assert again == first
