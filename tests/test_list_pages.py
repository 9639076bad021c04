"""The record lists over a big register: a total that is always current (also when another
worker wrote), a pagination bar that offers the pages around this one, and rows that read
the same as a record's own page."""

import re

from coi import create_app
from coi.services.base import Page
from tests.foundation_kit import sign_in, token_for


def _total(client, path: str = "/engagements") -> int:
    text = client.get(path).get_data(as_text=True)
    return int(re.search(r'class="results-count" role="status">(\d+) ', text).group(1))


def test_a_list_counts_a_record_added_since_it_was_last_shown(app, world, make):
    client = sign_in(app.test_client(), world["auditor"])
    before = _total(client)
    assert _total(client) == before  # shown twice: the second total is the remembered one
    with app.test_request_context():
        make.engagement(world["ulo"], world["council"], title="Added later")
    assert _total(client) == before + 1


def test_a_withdrawal_drops_out_of_the_total_at_once(app, world):
    client = sign_in(app.test_client(), world["auditor"])
    before = _total(client)
    staff = sign_in(app.test_client(), world["ulo_staff"])
    response = staff.post(f"/engagements/{world['engagement'].id}/end",
                          data={"reason": "Recorded twice"})
    assert response.status_code == 302
    assert _total(client) == before - 1
    assert _total(client, "/engagements?ended=yes") == before


def test_two_workers_show_the_same_total_after_either_writes(app, world, db_url):
    # Two more apps on the same database, as two gunicorn workers (the fixture's app has a
    # context pushed for the whole test, which would keep one read transaction open).
    workers = [create_app({**app.config, "DATABASE_URL": db_url, "CREATE_SCHEMA": False})
               for _ in range(2)]
    first, second = (sign_in(w.test_client(), world["auditor"]) for w in workers)
    assert _total(first) == _total(second)
    created = workers[1].test_client().post(
        "/api/v1/engagements", headers=token_for(workers[1], world["ulo_staff"]),
        json={"ulo_id": world["ulo"].id, "commissioner_id": world["council"].id,
              "title": "Through the other worker", "purposes": ["preparing_documents"],
              "influence": "drafted", "service_areas": ["advocacy"],
              "started_on": "2025-02-01"})
    assert created.status_code == 201
    assert _total(first) == _total(second)
    assert "Through the other worker" in first.get("/engagements").get_data(as_text=True)
    for w in workers:
        w.extensions["coi.engine"].dispose()


def test_the_api_total_is_current_too(app, world, make):
    client, headers = app.test_client(), token_for(app, world["auditor"])
    before = client.get("/api/v1/engagements", headers=headers).get_json()["total"]
    with app.test_request_context():
        make.engagement(world["ulo"], world["council"])
    assert client.get("/api/v1/engagements", headers=headers).get_json()["total"] == before + 1


def test_the_pagination_bar_offers_the_ends_and_the_pages_around_this_one():
    assert Page([], 0, 1, 50).window == [1]
    assert Page([], 100_000, 1, 50).window == [1, 2, 3, None, 2000]
    assert Page([], 100_000, 5, 50).window == [1, None, 3, 4, 5, 6, 7, None, 2000]
    assert Page([], 100_000, 4, 50).window == [1, 2, 3, 4, 5, 6, None, 2000]
    assert Page([], 100_000, 2000, 50).window == [1, None, 1998, 1999, 2000]
    assert Page([], 150, 2, 50).window == [1, 2, 3]


def test_a_long_list_has_a_short_pagination_bar(app, world, make):
    with app.test_request_context():
        for n in range(7):
            make.engagement(world["ulo"], world["council"], title=f"Session {n}")
    text = sign_in(app.test_client(), world["auditor"]).get(
        "/engagements?per_page=1&page=5").get_data(as_text=True)
    bar = text[text.index('class="pagination"'):]
    assert re.findall(r'aria-label="Page (\d+)', bar) == ["1", "3", "4", "5", "6", "7", "9"]
    assert bar.count("pagination__ellipsis") == 2
    assert 'aria-label="Page 5, current page"' in bar


def test_each_row_links_to_its_record_and_reads_in_words(app, world):
    text = sign_in(app.test_client(), world["ulo_staff"]).get(
        "/engagements").get_data(as_text=True)
    engagement = world["engagement"]
    assert f'<a href="/engagements/{engagement.id}">{engagement.title}</a>' in text
    assert "<td>Riverside Council</td>" in text
    assert "<td>Drafted</td>" in text
    assert "<td>10 January 2025</td>" in text and "<td>31 March 2025</td>" in text


def test_a_row_names_people_and_says_what_was_not_given(app, world):
    text = sign_in(app.test_client(), world["ulo_staff"]).get(
        "/board-members").get_data(as_text=True)
    row = text[text.index(f'href="/board-members/{world["board_member"].id}"'):]
    row = row[:row.index("</tr>")]
    assert "Sam Patel" in row and "Riverside Disabled People&#39;s Forum" in row
    assert "<td>Yes</td>" in row or "<td>No</td>" in row


def test_a_renamed_organisation_reads_by_its_new_name_at_once(app, world, db_url):
    # Organisation names are kept per worker until the register changes: two workers here.
    workers = [create_app({**app.config, "DATABASE_URL": db_url, "CREATE_SCHEMA": False})
               for _ in range(2)]
    first, second = (sign_in(w.test_client(), world["auditor"]) for w in workers)
    assert "Riverside Council" in first.get("/engagements").get_data(as_text=True)
    renamed = workers[1].test_client().patch(
        f"/api/v1/organisations/{world['council'].id}",
        headers=token_for(workers[1], world["admin"]), json={"name": "Riverside City Council"})
    assert renamed.status_code == 200
    for client in (first, second):
        text = client.get("/engagements").get_data(as_text=True)
        assert "<td>Riverside City Council</td>" in text
        council = world["council"].id
        assert f'<option value="{council}">Riverside City Council</option>' in text
    shown = first.get(f"/engagements/{world['engagement'].id}").get_data(as_text=True)
    assert "Riverside City Council" in shown
    for w in workers:
        w.extensions["coi.engine"].dispose()


def test_lists_read_from_stored_json_are_each_rows_own():
    from coi.services.plain import decoded
    first, second = decoded('["advocacy", "carers"]'), decoded('["advocacy", "carers"]')
    assert first == second == ["advocacy", "carers"] and first is not second
    first.append("changed")
    assert decoded('["advocacy", "carers"]') == ["advocacy", "carers"]
    assert decoded('{"a": [1]}') == {"a": [1]} and decoded(None) is None
    assert decoded(["already", "decoded"]) == ["already", "decoded"]


def test_each_account_counts_only_what_it_may_see(app, world, make):
    with app.test_request_context():
        make.engagement(world["ulo"], world["council"], title="Ours")
    ours = sign_in(app.test_client(), world["ulo_staff"])
    theirs = sign_in(app.test_client(), world["other_staff"])
    everyone = sign_in(app.test_client(), world["auditor"])
    for _ in range(2):  # the second time from what each worker keeps
        assert (_total(ours), _total(theirs), _total(everyone)) == (2, 1, 3)


def test_the_export_has_every_row_in_the_lists_order(app, world, make):
    with app.test_request_context():
        for day in ("2025-05-01", "2024-02-03", "2025-09-30"):
            make.engagement(world["ulo"], world["council"], started_on=day, ended_on=None)
    client = sign_in(app.test_client(), world["ulo_staff"])
    exported = client.get("/engagements?format=csv&per_page=1&page=3").get_data(as_text=True)
    ids = [int(line.split(",")[0]) for line in exported.lstrip("\ufeff").splitlines()[1:]]
    listed = client.get("/api/v1/engagements?per_page=500",
                        headers=token_for(app, world["ulo_staff"])).get_json()["items"]
    assert ids == [item["id"] for item in listed] and len(ids) == 4
