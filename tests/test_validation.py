"""Bad input, through the service, the JSON API and the web form alike: each gets a clear message
that names the field, the form keeps what was typed, and nothing is saved (no row, no audit
event)."""

import html
import re

import pytest

from coi.errors import Invalid
from coi.models import Arrangement, Bid, BoardMember, Engagement, Income, Opportunity, Person
from coi.resources import RESOURCES
from tests.foundation_kit import counts, form_data, module_app, sign_in, token_for

MODELS = {"engagements": Engagement, "opportunities": Opportunity, "bids": Bid,
          "income": Income, "arrangements": Arrangement, "board-members": BoardMember,
          "people": Person}
WRITER = {"opportunities": "commissioner"}  # every other kind here is written by ULO staff


def good(name: str, w: dict) -> dict:
    """A valid new record of each kind, as ULO staff (or the commissioner) would send it."""
    return {
        "engagements": {"ulo_id": w["ulo"].id, "commissioner_id": w["council"].id,
                        "title": "Co-producing the advocacy specification",
                        "purposes": ["consultation"], "influence": "consulted",
                        "service_areas": ["advocacy"], "started_on": "2025-01-10",
                        "ended_on": "2025-03-01", "participant_ids": [w["person"].id]},
        "opportunities": {"commissioner_id": w["council"].id, "title": "Advocacy 2026",
                          "reference": "RC-1", "service_areas": ["advocacy"],
                          "value": "144000.10", "route": "open", "published_on": "2025-06-01",
                          "closes_on": "2025-07-01"},
        "bids": {"ulo_id": w["ulo"].id, "opportunity_id": w["other_opportunity"].id,
                 "status": "submitted", "submitted_on": "2025-06-20",
                 "team_ids": [w["person"].id]},
        "income": {"ulo_id": w["ulo"].id, "source_name": "Members' donations",
                   "financial_year": "2025-26", "amount": "1250.00"},
        "arrangements": {"ulo_id": w["ulo"].id, "commissioner_id": w["council"].id,
                         "kind": "informal", "description": "Monthly catch-up",
                         "started_on": "2024-04-01", "ended_on": "2025-04-01"},
        "board-members": {"ulo_id": w["ulo"].id, "person_id": w["person"].id, "voting": True,
                          "from_constituency": True, "started_on": "2024-01-01"},
        "people": {"name": "Jo Bloggs", "organisation_id": w["ulo"].id},
    }[name]


LONG = "x" * 201
# (resource, field, bad value (or a function of the world), words the message must contain)
CASES = [
    ("engagements", "title", "", "Title is required"),
    ("engagements", "title", LONG, "Title must be 200 characters or fewer"),
    ("engagements", "notes", "n" * 20_001, "Notes must be 20000 characters or fewer"),
    ("people", "name", "   ", "Full name is required"),
    ("engagements", "ended_on", "2025-01-01", "Ended on must not be before started on"),
    ("opportunities", "closes_on", "2025-05-01",
     "Tender closes on must not be before tender published on"),
    ("arrangements", "ended_on", "2024-03-31", "Ends on must not be before started on"),
    ("board-members", "ended_on", "2023-12-31",
     "Left the board on must not be before joined the board on"),
    ("engagements", "influence", "huge", "Influence must be one of: informed, consulted"),
    ("engagements", "purposes", ["gossip"], "Purposes must be one of: developing_requirements"),
    ("engagements", "service_areas", ["juggling"], "Unknown service area: juggling"),
    ("opportunities", "route", "auction", "Procurement route must be one of: open, restricted"),
    ("opportunities", "service_areas", ["juggling"], "Unknown service area: juggling"),
    ("engagements", "participant_ids", lambda w: [w["other_person"].id],
     "Choose the people involved from the ULO's people"),
    ("engagements", "ulo_id", lambda w: w["other_ulo"].id,
     "You can only choose your own organisation as the ULO"),
    ("bids", "ulo_id", lambda w: w["other_ulo"].id,
     "You can only choose your own organisation as the ULO"),
    ("bids", "team_ids", lambda w: [w["other_person"].id],
     "Choose the bid team from the ULO's people"),
    ("bids", "opportunity_id", 999_999, "Choose an open opportunity from the list"),
    ("board-members", "person_id", lambda w: w["other_person"].id, "Choose a person of this ULO"),
    ("people", "organisation_id", lambda w: w["other_ulo"].id,
     "You can only choose your own organisation as the organisation"),
    ("engagements", "started_on", "31/02/2026", "Started on must be a real date"),
    ("engagements", "started_on", "2026-01-32", "Started on must be a real date"),
    ("engagements", "started_on", "soon", "Started on must be a real date"),
    ("income", "amount", "12.345", "Amount in pounds can have at most 2 decimal places"),
    ("income", "amount", "abc", "Amount in pounds must be a number, like 1250.00"),
    ("income", "amount", "-5", "Amount in pounds must be 0 or more"),
    ("income", "amount", "1e9999", "Amount in pounds is too large"),
    ("opportunities", "value", "12.345", "Value in pounds can have at most 2 decimal places"),
    ("income", "financial_year", "2025-27", "two consecutive years, like 2025-26"),
    ("income", "financial_year", "25/26", "Financial year is not in the right format"),
]
IDS = [f"{res}-{field}-{value if isinstance(value, str) else 'ids'}"[:60]
       for res, field, value, _ in CASES]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    app, world = module_app(tmp_path_factory, "validation")
    yield app, world
    app.extensions["coi.engine"].dispose()


def _bad(res: str, field: str, value, w) -> dict:
    return {**good(res, w), field: value(w) if callable(value) else value}


def _writer(res: str, w):
    return w[WRITER.get(res, "ulo_staff")]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_service_refuses_bad_input_naming_the_field(env, case):
    app, w = env
    res, field, value, words = case
    before = counts(app, MODELS[res])
    with app.test_request_context(), pytest.raises(Invalid) as refused:
        RESOURCES[res].create(_writer(res, w), _bad(res, field, value, w))
    assert words in refused.value.by_field()[field]
    assert counts(app, MODELS[res]) == before


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_api_answers_422_naming_the_field(env, case):
    app, w = env
    res, field, value, words = case
    headers = token_for(app, _writer(res, w))
    before = counts(app, MODELS[res])
    response = app.test_client().post(f"/api/v1/{res}", json=_bad(res, field, value, w),
                                      headers=headers)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    messages = {e["field"]: e["message"] for e in response.get_json()["errors"]}
    assert words in messages[field]
    assert counts(app, MODELS[res]) == before


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_form_shows_the_message_and_keeps_what_was_typed(env, case):
    app, w = env
    res, field, value, words = case
    before = counts(app, MODELS[res])
    client = sign_in(app.test_client(), _writer(res, w))
    data = form_data(_bad(res, field, value, w))
    response = client.post(f"/{res}/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<title>Error: " in page
    summary = page.split('class="error-summary__list"')[1].split("</ul>")[0]
    anchor = f"f-{field}-day" if field.endswith("_on") else f"f-{field}"
    assert f'href="#{anchor}"' in summary
    assert f'id="f-{field}-error"' in page
    assert words in html.unescape(page)
    _assert_kept(html.unescape(page), field, data)
    assert counts(app, MODELS[res]) == before


TYPED = ("title", "notes", "name", "description", "source_name", "reference", "amount",
         "value", "financial_year")


def _assert_kept(page: str, field: str, data: dict) -> None:
    """What was typed is in the form again (a choice that was never offered cannot be)."""
    if field.endswith("_on"):
        day = data[f"{field}-day"]
        assert re.search(rf'name="{field}-day"[^>]*value="{re.escape(day)}"', page)
    for name in TYPED:
        if data.get(name, "").strip():
            assert data[name] in page


def test_an_empty_form_lists_every_required_field_at_the_top(env):
    app, w = env
    client = sign_in(app.test_client(), w["ulo_staff"])
    response = client.post("/engagements/new", data={})
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    for message in ("ULO is required", "Commissioning body is required", "Title is required",
                    "Choose at least one of the purposes", "Influence is required",
                    "Choose at least one of the service areas", "Started on is required"):
        assert message in page


def test_an_empty_api_body_names_every_required_field(env):
    app, w = env
    response = app.test_client().post("/api/v1/engagements", json={},
                                      headers=token_for(app, w["ulo_staff"]))
    fields = {e["field"] for e in response.get_json()["errors"]}
    assert response.status_code == 422
    assert {"ulo_id", "commissioner_id", "title", "purposes", "influence", "service_areas",
            "started_on"} <= fields


def test_a_form_date_error_says_how_to_type_a_date(env):
    app, w = env
    client = sign_in(app.test_client(), w["ulo_staff"])
    data = form_data({**good("engagements", w), "started_on": "2026-02-31"})
    page = client.post("/engagements/new", data=data).get_data(as_text=True)
    assert "Started on must be a real date, for example 31 3 2026" in page


@pytest.mark.parametrize("change, field, words", [
    ({"ended_on": "2024-12-31"}, "ended_on", "Ended on must not be before started on"),
    ({"title": ""}, "title", "Title is required"),
    ({"title": None}, "title", "Title is required"),
    ({"influence": "loud"}, "influence", "Influence must be one of"),
    ({"participant_ids": "everyone"}, "participant_ids", "People from the ULO must be a list"),
])
def test_a_bad_change_is_refused_and_the_record_stays_as_it_was(env, change, field, words):
    app, w = env
    engagement, headers = w["engagement"], token_for(app, w["ulo_staff"])
    before = counts(app, Engagement)
    response = app.test_client().patch(f"/api/v1/engagements/{engagement.id}", json=change,
                                       headers=headers)
    messages = {e["field"]: e["message"] for e in response.get_json()["errors"]}
    assert response.status_code == 422
    assert words in messages[field]
    again = app.test_client().get(f"/api/v1/engagements/{engagement.id}",
                                  headers=headers).get_json()
    assert again["title"] == engagement.title and again["ended_on"] == "2025-03-31"
    assert counts(app, Engagement) == before


@pytest.mark.parametrize("reason, words", [("", "Reason is required"),
                                           ("r" * 501, "Reason must be 500 characters")])
def test_ending_needs_a_reason_of_sensible_length(env, reason, words):
    app, w = env
    client = sign_in(app.test_client(), w["ulo_staff"])
    before = counts(app, Engagement)
    response = client.post(f"/engagements/{w['engagement'].id}/end", data={"reason": reason})
    assert response.status_code == 422
    assert words in response.get_data(as_text=True)
    assert counts(app, Engagement) == before
    assert "Withdrawn" not in client.get(f"/engagements/{w['engagement'].id}").get_data(
        as_text=True)
