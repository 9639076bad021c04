"""Visible focus everywhere: on the main pages, Tab through every control from the skip link to
the footer, and each one must look different while it has focus (WCAG 2.4.7), and stay in
view (WCAG 2.4.11)."""

import pytest

from tests.browser.keyboard import assert_focus_visible, focused_description
from tests.browser.pages import main_pages

pytestmark = pytest.mark.browser

# Where the focused element is, relative to the window: hidden under nothing, inside the view.
IN_VIEW = """() => { const box = document.activeElement.getBoundingClientRect();
  return box.bottom > 0 && box.top < window.innerHeight && box.right > 0
    && box.left < window.innerWidth; }"""


def _tab_through(page, limit: int = 250) -> list[str]:
    """Tab from the top of the page until focus leaves it; the problems found on the way."""
    problems, seen = [], 0
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement === document.body"):
            break
        seen += 1
        where = focused_description(page)
        try:
            assert_focus_visible(page)
        except AssertionError as exc:
            problems.append(str(exc))
        if not page.evaluate(IN_VIEW):
            problems.append(f"{where} has focus but is out of view")
    else:
        problems.append(f"still tabbing after {limit} presses: a keyboard trap?")
    if seen < 3:
        problems.append(f"only {seen} controls could be reached by Tab")
    return problems


def test_every_control_on_the_main_pages_shows_its_focus(live, signed_in):
    by_role: dict = {}
    for name, role, url in main_pages(live):
        by_role.setdefault(role, []).append((name, url))
    problems = []
    for role, pages in by_role.items():
        page = signed_in(role, viewport={"width": 1024, "height": 768})
        for name, url in pages:
            page.goto(live.url + url)
            problems += [f"{name} ({url}): {p}" for p in _tab_through(page)]
    assert not problems, "\n".join(problems)
