"""Documents in a real browser, in the states a page visit alone does not reach: the editor's
preview, a save that someone else beat (the text kept, what changed shown), agreeing with a
check first, and the comparison of two revisions. Each state passes axe at WCAG 2.2 AA."""

import pytest

from tests.browser import checks

pytestmark = pytest.mark.browser

FILLED = "# Working principles\n\nBoth sides share what they learn.\n"


def save_elsewhere(live, markdown: str, base: int) -> None:
    """Someone else saves a revision (through the services, as their page would)."""
    from coi.services import documents
    with live.app.test_request_context():
        documents.add_revision(None, live.world["document"].id, {
            "markdown": markdown, "note": "Their change", "base_revision": base})


def clean(page) -> list[str]:
    return checks.axe_violations(page) + checks.structure_problems(
        page, error_state=page.title().startswith("Error:"))


def test_preview_and_a_beaten_save_are_accessible_and_keep_the_text(live, signed_in):
    doc = live.world["document"].id
    page = signed_in("ulo_staff")
    page.goto(f"{live.url}/documents/{doc}/edit")
    page.get_by_label("Text (Markdown)").fill("# Our draft\n\nWith *emphasis*.")
    page.get_by_role("button", name="Preview").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Preview (not saved yet)").is_visible()
    assert page.locator(".preview em").inner_text() == "emphasis"
    assert clean(page) == []
    save_elsewhere(live, FILLED, 2)
    page.get_by_role("button", name="Save as a new revision").click()
    page.wait_for_load_state()
    assert page.title().startswith("Error:")
    assert checks.error_summary_problems(page) == []
    assert page.get_by_label("Text (Markdown)").input_value() == "# Our draft\n\nWith *emphasis*."
    assert "added:" in page.locator(".stale .diff").inner_text()
    assert clean(page) == []


def test_agreeing_and_comparing_are_accessible(live, signed_in):
    doc = live.world["document"].id
    page = signed_in("ulo_board")
    page.goto(f"{live.url}/documents/{doc}")
    current = int(page.locator("text=/Revision \\d+ \\(current\\)/").first.inner_text()
                  .split()[1])
    save_elsewhere(live, FILLED + "\nReviewed every year.\n", current)
    page.goto(f"{live.url}/documents/{doc}")
    page.get_by_role("link", name=f"Agree revision {current + 1} for the ULO").click()
    page.wait_for_load_state()
    assert clean(page) == []
    page.get_by_role("button", name=f"Agree revision {current + 1}").click()
    page.wait_for_load_state()
    assert page.get_by_text("Agreed by the ULO only", exact=True).is_visible()
    assert clean(page) == []
    page.goto(f"{live.url}/documents/{doc}/compare")
    assert page.locator("table.diff-table th[scope=row]", has_text="Added").count() >= 1
    assert clean(page) == []
