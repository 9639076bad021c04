"""What every page must pass in the browser: axe-core at WCAG 2.2 AA, one h1, a title that
says where you are (and starts with "Error:" on an error), a skip link that comes first and
moves focus to the main content, and an error summary that takes focus and leads to fields."""

from axe_playwright_python.sync_playwright import Axe

from tests.browser.keyboard import assert_focus_visible, focused_description

AXE_SCRIPT = Axe().axe_script  # axe-core, shipped inside the wheel: works offline
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# Empties every field of the n-th form in <main>, as if nothing had been typed or chosen.
EMPTY_FORM = """n => { const form = document.querySelectorAll('main form')[n];
  for (const el of form.elements) {
    if (el.type === 'hidden' || el.tagName === 'BUTTON' || el.type === 'submit') continue;
    if (el.type === 'checkbox' || el.type === 'radio') { el.checked = false; }
    else if (el.tagName === 'SELECT') {
      const blank = [...el.options].findIndex(o => o.value === '');
      el.selectedIndex = blank; }
    else { el.value = ''; }
  }
  return form.querySelector('button[type=submit], input[type=submit], button:not([type])')
    !== null; }"""

# The forms of <main> that ask for something: how many fields a person fills in, and how many
# of those are required (the field macro marks the others "(optional)").
FORMS_WITH_FIELDS = """() => [...document.querySelectorAll('main form')].map((form, n) => {
  const fields = [...form.elements].filter(el => !['hidden', 'submit', 'button'].includes(
    el.type) && el.tagName !== 'BUTTON');
  const label = el => { const set = el.closest('fieldset');
    const legend = set && set.querySelector('legend');
    return ((legend && legend.innerText) || (el.labels && el.labels[0]
      && el.labels[0].innerText) || el.getAttribute('aria-label') || ''); };
  return {n, method: (form.getAttribute('method') || 'get').toLowerCase(),
          fields: fields.length,
          required: fields.filter(el => !label(el).includes('(optional)')).length}; })"""


def axe_violations(page) -> list[str]:
    """axe-core's violations at WCAG 2.0-2.2 A and AA, one line per rule with its nodes."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT)  # contexts from signed_in() have it from the start
    response = page.evaluate("options => axe.run(document, options)", {
        "runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]})
    out = []
    for v in response["violations"]:
        targets = "; ".join(" ".join(map(str, n["target"])) for n in v["nodes"][:8])
        out.append(f"{v['id']} ({v['impact']}): {v['help']} -> {targets}")
    return out


def structure_problems(page, error_state: bool = False) -> list[str]:
    """One h1, a title, and "Error:" at the start of the title exactly when there is an error
    summary."""
    problems = []
    h1s = page.locator("h1").count()
    if h1s != 1:
        problems.append(f"{h1s} h1 elements (want exactly one)")
    title = page.title()
    if not title.strip() or title.strip() == "Two Hats – Two Hats":
        problems.append(f"a <title> that does not say where you are: {title!r}")
    has_summary = page.locator(".error-summary").count() > 0
    if (error_state or has_summary) and not title.startswith("Error:"):
        problems.append(f"an error state whose title does not start with 'Error:': {title!r}")
    return problems


def skip_link_problems(page) -> list[str]:
    """On a freshly loaded page, the first Tab lands on the skip link, and following it
    moves focus to <main>."""
    page.keyboard.press("Tab")
    first = page.evaluate("() => document.activeElement.classList.contains('skip-link')")
    if not first:
        return [f"the first Tab goes to {focused_description(page)}, not the skip link"]
    try:
        assert_focus_visible(page)
    except AssertionError as exc:
        return [str(exc)]
    page.keyboard.press("Enter")
    if page.evaluate("() => document.activeElement.id") != "main-content":
        return [f"the skip link moves focus to {focused_description(page)}, not <main>"]
    return []


def error_summary_problems(page) -> list[str]:
    """After a failed submit the error summary has focus, and its first link (Tab, Enter)
    moves focus to the field it names."""
    if not page.evaluate("() => !!document.activeElement.closest('.error-summary')"):
        return [f"after a failed submit focus is on {focused_description(page)}, "
                "not the error summary"]
    links = page.locator(".error-summary a[href^='#']")
    if links.count() == 0:
        return []
    target = links.first.get_attribute("href")[1:]
    page.keyboard.press("Tab")
    if page.evaluate("() => document.activeElement.getAttribute('href')") != f"#{target}":
        return [f"Tab from the error summary goes to {focused_description(page)}"]
    page.keyboard.press("Enter")
    if page.evaluate("() => document.activeElement.id") != target:
        return [f"the error summary's link to #{target} leaves focus on "
                f"{focused_description(page)}"]
    return []
