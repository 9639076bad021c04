"""Keyboard helpers for the browser tests: move focus with Tab and Shift+Tab only, find the
focused element by its accessible name, and check that focus can be seen."""

_FOCUS_STYLES = """el => {
  const read = () => { const s = getComputedStyle(el);
    return {outline: s.outlineStyle === 'none' || parseFloat(s.outlineWidth) === 0
              || s.outlineColor === 'rgba(0, 0, 0, 0)' ? 'none'
              : `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`,
            shadow: s.boxShadow, background: s.backgroundColor, border: s.borderColor}; };
  const focused = read();
  el.blur();
  const unfocused = read();
  el.focus({preventScroll: true});
  return {focused, unfocused, still: document.activeElement === el}; }"""


def focused_description(page) -> str:
    """What has focus, in words, for failure messages."""
    return page.evaluate("""() => { const el = document.activeElement;
      if (!el || el === document.body) return 'the page itself (nothing focused)';
      const name = el.getAttribute('aria-label') || (el.labels && el.labels[0]
        && el.labels[0].innerText) || el.innerText || el.value || '';
      return `<${el.tagName.toLowerCase()}${el.id ? ' id=' + el.id : ''}> "${
        name.trim().slice(0, 60)}"`; }""")


def assert_focus_visible(page) -> None:
    """The focused element looks different from its unfocused self: an outline, a shadow, a
    background or a border that appears only with focus (WCAG 2.4.7)."""
    handle = page.evaluate_handle("document.activeElement")
    element = handle.as_element()
    assert element is not None, "nothing has focus"
    styles = element.evaluate(_FOCUS_STYLES)
    assert styles["still"], f"focus could not be restored to {focused_description(page)}"
    focused, unfocused = styles["focused"], styles["unfocused"]
    visible = focused["outline"] != "none" or any(
        focused[k] != unfocused[k] for k in ("shadow", "background", "border"))
    assert visible, f"focus is not visible on {focused_description(page)}: {focused}"


def tab_to(page, role: str, name: str, *, limit: int = 60, backwards: bool = False,
           exact: bool = False, within=None):
    """Press Tab (or Shift+Tab) until the element with this role and accessible name (inside
    `within`, a locator, if given) has focus, at most `limit` times; then check that its focus
    can be seen. Returns its locator."""
    target = (within or page).get_by_role(role, name=name, exact=exact).first
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        if target.count() and target.evaluate("el => el === document.activeElement"):
            assert_focus_visible(page)
            return target
        page.keyboard.press(key)
    raise AssertionError(f"{role} '{name}' not reached in {limit} presses of {key}; focus is "
                         f"on {focused_description(page)}")


def pick_radio(page, group: str, option: str, *, limit: int = 60) -> None:
    """Tab into a radio group, then move within it with the arrow keys until `option` is
    chosen: a group is one Tab stop, and arrows are how every keyboard moves inside it."""
    fieldset = page.get_by_role("group", name=group)
    inside = "el => el.contains(document.activeElement) && document.activeElement.type === 'radio'"
    for _ in range(limit):
        if fieldset.evaluate(inside):
            break
        page.keyboard.press("Tab")
    else:
        raise AssertionError(f"radio group '{group}' not reached; focus is on "
                             f"{focused_description(page)}")
    assert_focus_visible(page)
    wanted = fieldset.get_by_role("radio", name=option, exact=True)
    for _ in range(len(fieldset.get_by_role("radio").all()) + 1):
        if wanted.is_checked():
            return
        here = wanted.evaluate("el => el === document.activeElement")
        page.keyboard.press("Space" if here else "ArrowDown")
    raise AssertionError(f"'{option}' could not be chosen in '{group}'")


def type_into(page, role: str, name: str, text: str, **kw) -> None:
    """Tab to a field and type into it, as a keyboard user would."""
    tab_to(page, role, name, **kw)
    page.keyboard.type(text)


def press_and_wait(page, key: str = "Enter") -> None:
    """Press a key that submits a form or follows a link, and wait for the next page."""
    with page.expect_navigation():
        page.keyboard.press(key)
