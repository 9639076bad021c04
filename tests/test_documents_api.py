"""The documents API: the shapes of SPEC §7, a stale base_revision refused with 409 and nothing
saved, agreements that reset with a new revision, the diff, and problems for bad input."""

from datetime import date, timedelta

import pytest

FILLED = "# Working principles\n\nBoth sides share what they learn.\n"


@pytest.fixture
def doc(world, auth, client):
    """Working principles started through the API by the ULO's staff, from the template."""
    auth.login(world["ulo_staff"])
    made = client.post("/api/v1/documents", json={
        "kind": "working_principles", "ulo_id": world["ulo"].id,
        "commissioner_id": world["council"].id})
    assert made.status_code == 201, made.get_json()
    return made.get_json()


def post_revision(client, doc_id, markdown, base, note="Changed"):
    return client.post(f"/api/v1/documents/{doc_id}/revisions",
                       json={"markdown": markdown, "note": note, "base_revision": base})


def test_a_document_created_without_text_starts_from_the_template(doc, client, world):
    assert {k: doc[k] for k in ("kind", "ulo_id", "commissioner_id", "current_revision",
                                "agreed", "agreements")} == {
        "kind": "working_principles", "ulo_id": world["ulo"].id,
        "commissioner_id": world["council"].id, "current_revision": 1, "agreed": False,
        "agreements": []}
    rev = client.get(f"/api/v1/documents/{doc['id']}/revisions/1").get_json()
    assert set(rev) >= {"document_id", "number", "markdown", "html", "sha256", "author",
                        "created_at", "note"}
    assert rev["markdown"].startswith("# Working principles: Riverside")
    assert rev["html"].startswith('<h2 id="doc-working-principles')
    assert "ulo_lead" in rev["unfilled_placeholders"]
    assert rev["created_at"].endswith("Z") and rev["author"] == world["ulo_staff"].name


def test_a_new_revision_answers_201_and_the_same_text_again_200(doc, client):
    made = post_revision(client, doc["id"], FILLED, 1)
    assert made.status_code == 201 and made.get_json()["number"] == 2
    again = post_revision(client, doc["id"], FILLED, 2)
    assert again.status_code == 200 and again.get_json()["number"] == 2
    listed = client.get(f"/api/v1/documents/{doc['id']}/revisions").get_json()
    assert listed["total"] == 2 and [r["number"] for r in listed["items"]] == [2, 1]


def test_a_stale_base_revision_is_409_and_nothing_is_saved(doc, client):
    post_revision(client, doc["id"], FILLED, 1)
    stale = post_revision(client, doc["id"], "My other text", 1)
    assert stale.status_code == 409
    assert stale.content_type == "application/problem+json"
    problem = stale.get_json()
    assert "Nothing was saved" in problem["detail"]
    assert problem["errors"] == [{"field": "base_revision",
                                  "message": "The current revision is 2, not 1"}]
    assert client.get(f"/api/v1/documents/{doc['id']}/revisions").get_json()["total"] == 2
    assert client.get(f"/api/v1/documents/{doc['id']}").get_json()["current_revision"] == 2


def test_a_revision_without_a_base_is_422_naming_the_field(doc, client):
    answer = client.post(f"/api/v1/documents/{doc['id']}/revisions", json={"markdown": "x"})
    assert answer.status_code == 422
    assert {"field": "base_revision", "message": "Revision you started from is required"} in \
        answer.get_json()["errors"]


def test_agreements_bind_the_revision_and_reset_after_a_new_one(doc, client, auth, world):
    post_revision(client, doc["id"], FILLED, 1)
    url = f"/api/v1/documents/{doc['id']}/revisions/2/agreements"
    auth.login(world["ulo_board"])
    first = client.post(url, json={})
    assert first.status_code == 201 and first.get_json()["side"] == "ulo"
    assert client.post(url, json={}).status_code == 200  # already agreed: nothing new
    auth.login(world["commissioner"])
    assert client.post(url).get_json()["side"] == "commissioner"
    agreed = client.get(f"/api/v1/documents/{doc['id']}").get_json()
    assert agreed["agreed"] and {a["side"] for a in agreed["agreements"]} == {
        "ulo", "commissioner"}
    assert client.get(url).get_json()["total"] == 2
    post_revision(client, doc["id"], FILLED + "\nMore.\n", 2)
    after = client.get(f"/api/v1/documents/{doc['id']}").get_json()
    assert not after["agreed"] and after["agreements"] == []
    assert client.get("/api/v1/documents?agreed=true").get_json()["total"] == 0


def test_agreeing_an_older_revision_or_by_staff_is_refused(doc, client, auth, world):
    post_revision(client, doc["id"], FILLED, 1)
    assert client.post(f"/api/v1/documents/{doc['id']}/revisions/2/agreements").status_code \
        == 403  # the ULO's staff may draft but not agree
    auth.login(world["ulo_board"])
    old = client.post(f"/api/v1/documents/{doc['id']}/revisions/1/agreements")
    assert old.status_code == 409 and "current revision" in old.get_json()["detail"]


def test_the_diff_gives_a_unified_diff_and_word_segments(doc, client):
    post_revision(client, doc["id"], FILLED, 1)
    post_revision(client, doc["id"], FILLED.replace("share", "publish"), 2)
    found = client.get(f"/api/v1/documents/{doc['id']}/diff?from=2&to=3").get_json()
    assert (found["from_revision"], found["to_revision"]) == (2, 3)
    assert "-Both sides share what they learn." in found["unified"]
    assert "+Both sides publish what they learn." in found["unified"]
    assert {"kind": "delete", "text": "share"} in found["segments"]
    assert {"kind": "insert", "text": "publish"} in found["segments"]
    default = client.get(f"/api/v1/documents/{doc['id']}/diff").get_json()
    assert (default["from_revision"], default["to_revision"]) == (2, 3)


@pytest.mark.parametrize("query, status", [("from=x", 422), ("since=1", 422), ("to=9", 404),
                                           ("from=%C2%B2", 422), ("to=99999999999", 422)])
def test_a_diff_of_revisions_that_cannot_exist_is_refused(doc, client, query, status):
    assert client.get(f"/api/v1/documents/{doc['id']}/diff?{query}").status_code == status


def test_documents_are_filtered_and_bad_filters_named(doc, client):
    assert client.get("/api/v1/documents?kind=working_principles").get_json()["total"] == 1
    assert client.get("/api/v1/documents?kind=political_notification").get_json()["total"] == 0
    bad = client.get("/api/v1/documents?kind=letters")
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "kind"


def test_notification_dates_are_checked_on_patch(world, client, auth):
    auth.login(world["ulo_staff"])
    made = client.post("/api/v1/documents", json={
        "kind": "political_notification", "arrangement_id": world["arrangement"].id,
        "recipient_name": "Cllr Jo Bloggs", "recipient_role": "Cabinet Member"}).get_json()
    url = f"/api/v1/documents/{made['id']}"
    sent = (date.today() - timedelta(days=3)).isoformat()
    early = (date.today() - timedelta(days=5)).isoformat()
    bad = client.patch(url, json={"sent_on": sent, "acknowledged_on": early})
    assert bad.status_code == 422
    assert bad.get_json()["errors"] == [{"field": "acknowledged_on", "message":
                                         "Acknowledged on must not be before sent on"}]
    good = client.patch(url, json={"sent_on": sent, "acknowledged_on": date.today().isoformat()})
    assert good.status_code == 200 and good.get_json()["sent_on"] == sent


def test_an_auditor_reads_but_cannot_write_and_another_ulo_cannot_see(doc, client, auth, world):
    auth.login(world["auditor"])
    assert client.get(f"/api/v1/documents/{doc['id']}").status_code == 200
    assert post_revision(client, doc["id"], "x", 1).status_code == 403
    auth.login(world["other_staff"])
    assert client.get(f"/api/v1/documents/{doc['id']}").status_code == 404
    assert client.get("/api/v1/documents").get_json()["total"] == 0


def test_the_openapi_document_describes_the_document_operations(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/documents"])
    post = paths["/api/v1/documents/{record_id}/revisions"]["post"]
    assert "409" in post["responses"] and "201" in post["responses"]
    assert "/api/v1/documents/{record_id}/revisions/{number}/agreements" in paths
    assert "/api/v1/documents/{record_id}/diff" in paths
