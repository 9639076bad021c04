"""The main pages on a 320 px wide screen and at 200% zoom, without the page itself scrolling
sideways (a wide table scrolls inside its own region); and screenshots of them for a reviewer,
saved in test-artifacts/screenshots/."""

import pytest

from tests.browser.conftest import SCREENSHOTS
from tests.browser.pages import main_pages

pytestmark = pytest.mark.browser

# Wider than the viewport is allowed only inside these regions, which scroll on their own.
OWN_SCROLL = ".table-wrapper, .chart-scroll, pre"

OVERFLOW = """width => [...document.querySelectorAll('body *')].filter(el =>
  !el.closest('OWN_SCROLL') && el.getBoundingClientRect().right > width + 1).slice(0, 5).map(
  el => el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ')[0]
  : '') + ' ' + Math.round(el.getBoundingClientRect().right) + 'px')""".replace(
    "OWN_SCROLL", OWN_SCROLL)


def _pages_by_role(live):
    by_role: dict = {}
    for name, role, url in main_pages(live):
        by_role.setdefault(role, []).append((name, url))
    return by_role


def _visit(page, live, url) -> None:
    response = page.goto(live.url + url)
    assert response and response.status < 400, f"{url} answered {response and response.status}"


def _shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 1000


@pytest.mark.parametrize(("width", "scale", "label"), [(320, 1, "320px"),
                                                       (640, 2, "zoom-200")])
def test_main_pages_reflow_without_scrolling_sideways(live, signed_in, width, scale, label):
    """320 CSS px is a phone, or a 1280 px window at 400%; 640 is that window at 200%."""
    problems = []
    for role, pages in _pages_by_role(live).items():
        page = signed_in(role, viewport={"width": width, "height": 800},
                         device_scale_factor=scale)
        for name, url in pages:
            _visit(page, live, url)
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > width:
                problems.append(f"{name} ({url}) is {scroll}px wide at {width}px: "
                                f"{page.evaluate(OVERFLOW, width)}")
            _shoot(page, f"{name}-{label}")
    assert not problems, "\n".join(problems)


def test_screenshots_of_main_pages_and_a_form_with_errors(live, signed_in):
    """Desktop screenshots for a reviewer: every main page, and a form's error state."""
    for role, pages in _pages_by_role(live).items():
        page = signed_in(role, viewport={"width": 1280, "height": 900})
        for name, url in pages:
            _visit(page, live, url)
            _shoot(page, f"{name}-desktop")
    page = signed_in("commissioner", viewport={"width": 1280, "height": 900})
    _visit(page, live, "/engagements/new")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    assert page.title().startswith("Error:")
    _shoot(page, "new-engagement-errors-desktop")
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    _shoot(page, "new-engagement-errors-320px")
