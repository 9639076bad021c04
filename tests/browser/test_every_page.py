"""Every page of the app, for every role, in a real browser: axe-core at WCAG 2.2 AA with zero
violations, one h1, a title, the skip link first; and every form's error state (submitted
empty): "Error:" in the title, the error summary focused, its links leading to the fields.

The pages come from the app's url_map, not from a list, so a page added later is checked
without anyone touching this file: its URL is built the way tests/test_access.py builds it (the
route's entry in tests/access/). Answers that are not HTML (the API, CSV, exports) are told
apart by their content type."""

from dataclasses import dataclass, field

import pytest

from tests.access.rules import ALL, Rule
from tests.browser import checks
from tests.browser.conftest import ARTIFACTS, sign_in
from tests.test_access import TABLE, _url

pytestmark = pytest.mark.browser

ROLES = ("anonymous",) + ALL
# Error states reached by a link rather than a form in <main> that posts.
ERROR_URLS = {"relationship chooser, nothing chosen": "/relationships?ulo_id=&commissioner_id="}


@dataclass
class Visit:
    role: str
    what: str
    url: str
    status: int = 0
    problems: list = field(default_factory=list)

    def line(self) -> str:
        verdict = "pass" if not self.problems else f"FAIL ({len(self.problems)})"
        return f"| {self.role} | {self.what} | `{self.url}` | {self.status} | {verdict} |"


def pages_for(live, role: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(route, URL) of every GET route the role may open, and routes no URL could be built
    for (a route needs a path= in its access entry)."""
    pages, missing = [], []
    for rule in sorted(live.app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static" or "GET" not in rule.methods:
            continue
        key = f"GET {rule.rule}"
        access = TABLE.get(key)
        if access is not None and role not in access.roles:
            continue
        try:
            url = _url(key, access or Rule(ALL), live.world, role)
        except (AssertionError, KeyError) as exc:
            missing.append(f"{key}: {exc}")
            continue
        pages.append((rule.rule, url))
    return pages, missing


def _is_html(page, url: str) -> bool:
    response = page.request.get(url, max_redirects=5)
    return response.headers.get("content-type", "").startswith("text/html")


def _open(page, live, role, url) -> int:
    response = page.goto(live.url + url)
    if role != "anonymous" and page.url.startswith(f"{live.url}/login"):
        sign_in(page, live, role)  # a page that ended the session: sign in and go back
        response = page.goto(live.url + url)
    return response.status if response else 0


def check_page(page, live, visit: Visit) -> None:
    """axe, the page's structure and its skip link."""
    visit.status = _open(page, live, visit.role, visit.url)
    if visit.status >= 500:
        visit.problems.append(f"answered {visit.status}")
    visit.problems += checks.axe_violations(page)
    visit.problems += checks.structure_problems(page)
    visit.problems += checks.skip_link_problems(page)


def check_error_states(page, live, visit: Visit, visits: list) -> None:
    """Each form of the page that posts, submitted empty, shows an accessible error state."""
    forms = page.evaluate(checks.FORMS_WITH_FIELDS)
    for form in forms:
        if form["method"] != "post" or not form["required"]:
            continue  # nothing to get wrong: an empty form is a valid answer
        state = Visit(visit.role, f"{visit.what} form {form['n'] + 1} submitted empty",
                      visit.url)
        visits.append(state)
        _open(page, live, visit.role, visit.url)
        if not page.evaluate(checks.EMPTY_FORM, form["n"]):
            state.problems.append("a form with no submit button")
            continue
        button = page.locator("main form").nth(form["n"]).locator(
            "button[type=submit], input[type=submit], button:not([type])").first
        with page.expect_navigation() as nav:
            button.click()
        state.status = nav.value.status if nav.value else 0
        if state.status < 400:
            state.problems.append(f"an empty form was accepted ({state.status}, now at "
                                  f"{page.url})")
            continue
        state.problems += checks.error_summary_problems(page)
        state.problems += checks.axe_violations(page)
        state.problems += checks.structure_problems(page, error_state=True)


def _report(role: str, visits: list, missing: list) -> str:
    lines = [f"## {role}", "", "| role | page | URL | status | result |",
             "|---|---|---|---|---|", *[v.line() for v in visits], ""]
    lines += [f"- not covered: {m}" for m in missing]
    for v in visits:
        lines += [f"- {v.role} {v.what} `{v.url}`: {p}" for p in v.problems]
    text = "\n".join(lines) + "\n"
    folder = ARTIFACTS / "accessibility"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{role}.md").write_text(text)
    return text


@pytest.mark.parametrize("role", ROLES)
def test_every_page_and_every_error_state_is_accessible(live, signed_in, role):
    page = signed_in(role)
    pages, missing = pages_for(live, role)
    visits: list[Visit] = []
    for route, url in pages:
        if not _is_html(page, live.url + url):
            continue
        visit = Visit(role, route, url)
        visits.append(visit)
        check_page(page, live, visit)
        if visit.status < 400:
            check_error_states(page, live, visit, visits)
    if role != "anonymous":
        for what, url in ERROR_URLS.items():
            state = Visit(role, what, url)
            visits.append(state)
            state.status = _open(page, live, role, url)
            state.problems += checks.error_summary_problems(page)
            state.problems += checks.axe_violations(page)
            state.problems += checks.structure_problems(page, error_state=True)
    report = _report(role, visits, missing)
    print(report)
    assert visits, "no page was checked"
    failed = [v for v in visits if v.problems]
    assert not failed and not missing, report
