"""The generic record forms: every field labelled (groups in a fieldset with a legend), hints
where useful, choices in words and in the account's scope, errors at the top and at each field,
and CSRF on every form without losing what was typed when the token is missing."""

import re
from html.parser import HTMLParser

import pytest

from coi.models import Engagement
from coi.resources import RESOURCES
from coi.web.crud import CSRF_MESSAGE
from tests.foundation_kit import counts, form_data, module_app, sign_in

CONTROLS = ("input", "select", "textarea")


class FormMap(HTMLParser):
    """The controls of a page, their labels, the legends around them, and every id."""

    def __init__(self):
        super().__init__()
        self.controls, self.labels, self.ids, self.stack = [], set(), set(), []
        self.legend_open = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "fieldset":
            self.stack.append(False)
        elif tag == "legend" and self.stack:
            self.stack[-1] = True
        elif tag == "label" and a.get("for"):
            self.labels.add(a["for"])
        elif tag in CONTROLS and a.get("type") != "hidden":
            self.controls.append({**a, "tag": tag, "in_legended_fieldset": any(self.stack)})

    def handle_endtag(self, tag):
        if tag == "fieldset" and self.stack:
            self.stack.pop()


def parsed(page: str) -> FormMap:
    form = FormMap()
    form.feed(page.split("<main", 1)[1].split("</main>", 1)[0])
    return form


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    app, world = module_app(tmp_path_factory, "forms")
    yield app, world
    app.extensions["coi.engine"].dispose()


def page(app, user, path: str) -> str:
    response = sign_in(app.test_client(), user).get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


FORMS = [f"/{name}/new" for name in RESOURCES] + [
    "/engagements/{engagement}/edit", "/bids/{bid}/edit", "/users/{other_staff}/edit",
    "/partnerships/{partnership}/edit", "/income/{income}/edit", "/engagements/{engagement}/end"]


@pytest.mark.parametrize("path", FORMS)
def test_every_control_has_a_label_and_every_group_a_legend(env, path):
    app, w = env
    url = re.sub(r"\{(\w+)\}", lambda m: str(w[m.group(1)].id), path)
    form = parsed(page(app, w["admin"], url))
    assert form.controls, url
    for control in form.controls:
        if control["tag"] == "input" and control.get("type") == "search":
            continue
        assert control["id"] in form.labels, f"{url}: {control['name']} has no label"
        if control.get("type") in ("radio", "checkbox"):
            assert control["in_legended_fieldset"], f"{url}: {control['name']} has no legend"
        for ref in (control.get("aria-describedby") or "").split():
            assert ref in form.ids, f"{url}: {control['name']} points at missing {ref}"


def test_radios_and_checkboxes_are_labelled_in_words(env):
    app, w = env
    html = page(app, w["ulo_staff"], "/engagements/new")
    for words in ("Preparing tender documents or the specification", "Co-designed",
                  "Direct payments support"):
        assert f">{words}</label>" in html
    assert ">preparing_documents<" not in html


def test_dates_and_multiline_fields_carry_hints(env):
    app, w = env
    html = page(app, w["ulo_staff"], "/engagements/new")
    assert "Leave empty if it is still going on. For example, 31 3 2026" in html
    assert "One place name or ONS code per line" in html
    assert 'inputmode="numeric"' in html and 'inputmode="decimal"' not in html
    money = page(app, w["commissioner"], "/opportunities/new")
    assert 'inputmode="decimal"' in money and "£" in money


def test_ulo_staff_can_only_choose_their_own_ulo_and_people(env):
    app, w = env
    html = page(app, w["ulo_staff"], "/engagements/new")
    ulo_select = html.split('id="f-ulo_id"')[1].split("</select>")[0]
    assert w["ulo"].name.replace("'", "&#39;") in ulo_select
    assert w["other_ulo"].name not in ulo_select
    assert "Sam Patel" in html and w["other_person"].name not in html


def test_a_commissioner_is_told_why_it_cannot_choose_the_ulos_people(env):
    app, w = env
    html = page(app, w["commissioner"], "/engagements/new")
    assert "A commissioning body cannot see a ULO&#39;s people" in html
    assert 'name="participant_ids"' not in html
    body_select = html.split('id="f-commissioner_id"')[1].split("</select>")[0]
    assert w["council"].name in body_select and w["other_council"].name not in body_select


def test_an_administrator_sees_each_ulo_person_with_their_ulo(env):
    app, w = env
    html = page(app, w["admin"], "/bids/new")
    assert "Sam Patel (Riverside Disabled People&#39;s Forum)" in html
    assert "Commissioner" not in html.split('name="team_ids"', 1)[1].split("</fieldset>")[0]


def test_errors_are_summarised_before_the_heading_and_shown_at_each_field(env):
    app, w = env
    client = sign_in(app.test_client(), w["ulo_staff"])
    html = client.post("/engagements/new", data={"title": "x" * 201}).get_data(as_text=True)
    main = html.split("<main", 1)[1]
    assert main.index("There is a problem") < main.index("<h1")
    assert 'tabindex="-1" data-error-summary' in main
    for field in ("title", "purposes", "influence", "started_on"):
        assert f'id="f-{field}-error"' in main
        assert re.search(rf'aria-describedby="[^"]*f-{field}-error', main)
    assert "form-group--error" in main


def test_csrf_tokens_do_not_expire(env):
    app, _ = env
    assert app.config["WTF_CSRF_TIME_LIMIT"] is None


@pytest.fixture
def csrf_on(env):
    app, w = env
    app.config["WTF_CSRF_ENABLED"] = True
    yield app, w
    app.config["WTF_CSRF_ENABLED"] = False


def test_a_form_without_its_csrf_token_comes_back_with_what_was_typed(csrf_on):
    app, w = csrf_on
    before = counts(app, Engagement)
    client = sign_in(app.test_client(), w["ulo_staff"])
    data = form_data({"ulo_id": w["ulo"].id, "commissioner_id": w["council"].id,
                      "title": "Typed before a long lunch", "purposes": ["consultation"],
                      "influence": "consulted", "service_areas": ["advocacy"],
                      "started_on": "2025-01-10", "notes": "Some careful notes"})
    response = client.post("/engagements/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert CSRF_MESSAGE in html
    assert 'value="Typed before a long lunch"' in html and "Some careful notes" in html
    assert 'value="consulted" checked' in html and 'value="consultation" checked' in html
    assert 'name="started_on-day" type="text" inputmode="numeric" value="10"' in html
    assert counts(app, Engagement) == before
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    sent = client.post("/engagements/new", data={**data, "csrf_token": token})
    assert sent.status_code == 302
    assert counts(app, Engagement)[0] == before[0] + 1


def test_ending_without_a_csrf_token_keeps_the_reason(csrf_on):
    app, w = csrf_on
    client = sign_in(app.test_client(), w["ulo_staff"])
    response = client.post(f"/arrangements/{w['arrangement'].id}/end",
                           data={"reason": "The board seat ended"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert CSRF_MESSAGE in html and "The board seat ended" in html


def test_a_date_typed_with_superscript_digits_is_a_clear_error_not_a_500(client, auth, world):
    from coi import db
    from coi.models import User
    auth.login(db.session().get(User, world["commissioner"].id))
    got = client.post("/opportunities/new", data={
        "title": "Advice", "reference": "R-1", "value": "10.00", "route": "open",
        "service_areas": "advocacy", "published_on-day": "²", "published_on-month": "3",
        "published_on-year": "2026"})
    assert got.status_code == 422 and "published_on" in got.get_data(as_text=True)
