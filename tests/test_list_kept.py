"""List pages and CSV exports kept by each worker until the register changes: a change shows
at once, a long page or export is whole, and the links and filters read as before."""

from functools import partial

from flask import url_for

from coi.services import figures_cache, settings
from coi.web import crud
from tests.foundation_kit import sign_in, token_for


def _outcome(show, value):
    """What show(value) gives, or the kind of error it raises (a value a column never has)."""
    try:
        return show(value)
    except Exception as exc:  # noqa: BLE001
        return type(exc)


def _rows(text: str) -> list[str]:
    """The data lines of an exported CSV."""
    return text.lstrip("\ufeff").splitlines()[1:]


def test_a_kept_list_shows_a_changed_title_at_once(app, world):
    client = sign_in(app.test_client(), world["auditor"])
    engagement_id, title = world["engagement"].id, world["engagement"].title
    for _ in range(2):  # the second time from what the worker keeps
        assert f">{title}</a>" in client.get("/engagements").get_data(as_text=True)
    changed = app.test_client().patch(
        f"/api/v1/engagements/{engagement_id}", headers=token_for(app, world["ulo_staff"]),
        json={"title": "Renamed co-production group"})
    assert changed.status_code == 200
    text = client.get("/engagements").get_data(as_text=True)
    assert ">Renamed co-production group</a>" in text
    assert f">{title}</a>" not in text


def test_each_account_sees_only_its_own_rows_from_what_is_kept(app, world, make):
    with app.test_request_context():
        make.engagement(world["other_ulo"], world["other_council"], title="Theirs only")
    ours = sign_in(app.test_client(), world["ulo_staff"])
    theirs = sign_in(app.test_client(), world["other_staff"])
    for _ in range(2):
        assert "Theirs only" not in ours.get("/engagements").get_data(as_text=True)
        assert "Theirs only" in theirs.get("/engagements").get_data(as_text=True)
        assert "Theirs only" not in ours.get("/engagements?format=csv").get_data(as_text=True)
        assert "Theirs only" in theirs.get("/engagements?format=csv").get_data(as_text=True)


def test_a_kept_export_has_a_record_added_since(app, world, make):
    client = sign_in(app.test_client(), world["ulo_staff"])
    first = client.get("/engagements?format=csv")
    assert first.headers["Content-Disposition"] == 'attachment; filename="engagements.csv"'
    assert client.get("/engagements?format=csv").data == first.data
    with app.test_request_context():
        make.engagement(world["ulo"], world["council"], title="Added after the export")
    again = client.get("/engagements?format=csv").get_data(as_text=True)
    assert len(_rows(again)) == len(_rows(first.get_data(as_text=True))) + 1
    assert "Added after the export" in again


def _keep_nothing_big(app, monkeypatch) -> None:
    """A figures cache too small to keep any page or export (only small figures)."""
    monkeypatch.setattr(figures_cache, "MAX_BYTES", 16 * 64)
    app.extensions.pop(figures_cache.EXTENSION, None)


def test_an_export_too_long_to_keep_is_whole_and_current(app, world, make, monkeypatch):
    _keep_nothing_big(app, monkeypatch)
    with app.test_request_context():
        for n in range(3):
            make.engagement(world["ulo"], world["council"], title=f"Long export {n}")
    client = sign_in(app.test_client(), world["ulo_staff"])
    assert len(_rows(client.get("/engagements?format=csv").get_data(as_text=True))) == 4
    with app.test_request_context():
        make.engagement(world["ulo"], world["council"], title="One more")
    assert len(_rows(client.get("/engagements?format=csv").get_data(as_text=True))) == 5


def test_a_page_too_long_to_keep_still_shows_every_row(app, world, make, monkeypatch):
    _keep_nothing_big(app, monkeypatch)
    with app.test_request_context():
        for n in range(3):
            make.engagement(world["ulo"], world["council"], title=f"Shown row {n}")
    text = sign_in(app.test_client(), world["ulo_staff"]).get(
        "/engagements?per_page=10").get_data(as_text=True)
    assert all(f">Shown row {n}</a>" in text for n in range(3))


def test_the_pagination_links_keep_the_search_and_filters_as_before(app):
    args = "q=a%26b+c%3D%C3%A9&influence=consulted&page=2&ended=yes&per_page=1"
    with app.test_request_context(f"/engagements?{args}"):
        page_url = crud._page_urls("records.engagements_list")
        for n in (1, 3, 2000):
            assert page_url(n) == url_for("records.engagements_list", **{
                "q": "a&b c=é", "influence": "consulted", "page": n, "ended": "yes",
                "per_page": "1"})
    with app.test_request_context("/engagements"):
        assert crud._page_urls("records.engagements_list")(4) == "/engagements?page=4"


def test_a_service_area_added_is_offered_as_a_filter_at_once(app, world):
    client = sign_in(app.test_client(), world["auditor"])
    assert "Hearing loops" not in client.get("/engagements").get_data(as_text=True)
    with app.test_request_context():
        settings.add_service_area(world["admin"], "hearing_loops", "Hearing loops")
    text = client.get("/engagements").get_data(as_text=True)
    assert '<option value="hearing_loops">Hearing loops</option>' in text


def test_a_cell_that_a_spreadsheet_would_run_is_neutralised_whatever_its_type():
    from markupsafe import Markup

    from coi.csvout import cell
    assert [cell(v) for v in ("=1+1", "plain", "", "\tx", "-3")] == \
        ["'=1+1", "plain", "", "'\tx", "'-3"]
    assert [cell(v) for v in (None, -5, 7, True, Markup("@sum"))] == \
        ["", "'-5", "7", "True", "'@sum"]
    assert cell(["a", "=b"]) == "a; =b" and cell(["+a", "b"]) == "'+a; b" and cell([]) == ""


def test_a_column_reads_each_value_as_the_record_page_does(ctx, world):
    from datetime import date

    from coi.resources import RESOURCES
    from coi.web.filters import ORG_KEYS, column_display, display
    labels = {"influence": {"drafted": "Drafted the specification"}, "kind": {"ulo": "ULO"},
              "status": {"won": "Won"}, "route": {}, "commissioner_id": {"1": "A body"}}
    values = [None, "", [], True, False, "drafted", "ulo", "won", "an_unknown_code",
              ["drafted", "other"], 7, date(2025, 3, 31), "2025-03-31", "=sum"]
    for res in RESOURCES.values():
        for c in res.columns:
            shown = column_display(c.key, c.fmt, labels)
            named = c.fmt in ("org", "person", "opportunity") or c.key in ORG_KEYS
            many = c.fmt in ("orgs", "people")
            dated = c.fmt == "date" or c.key.endswith("_on")
            for value in ([None, world["ulo"].id] if named else
                          [None, [], [world["ulo"].id]] if many else
                          [None, "", date(2025, 3, 31), "2025-03-31"] if dated else values):
                page = partial(display, c.key, fmt=c.fmt, labels=labels)
                assert _outcome(shown, value) == _outcome(page, value), (c.key, value)


def test_an_account_that_may_add_is_offered_the_button_on_a_kept_page(app, world):
    auditor = sign_in(app.test_client(), world["auditor"])
    admin = sign_in(app.test_client(), world["admin"])
    for _ in range(2):  # the same rows for both; the page is kept for each role
        assert "Add an engagement" not in auditor.get("/engagements").get_data(as_text=True)
        assert "Add an engagement" in admin.get("/engagements").get_data(as_text=True)
