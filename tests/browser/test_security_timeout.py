"""The idle-timeout warning in a real browser (WCAG 2.2.1 Timing Adjustable): it opens before
the session ends, takes focus, passes axe, and "Stay signed in" (or Escape) keeps the session
and gives focus back; a form sent after the session ended is kept through signing in again;
and two-factor sign-in works by keyboard with a code from an authenticator."""

import time

import pyotp
import pytest

from coi import create_app
from tests.browser import checks
from tests.browser.conftest import serve, sign_in
from tests.factories import PASSWORD, Factory

pytestmark = pytest.mark.browser


def _serve(folder, **config):
    """The app on a free port of 127.0.0.1 with the factory world; yields a Live."""
    app = create_app({
        "SECRET_KEY": "timeout-tests", "DATABASE_URL": f"sqlite:///{folder / 'register.db'}",
        "WTF_CSRF_ENABLED": True, "ARGON2_PROFILE": "fast_for_tests",
        "INSECURE_COOKIES": True, "TWO_FACTOR_REQUIRED_ROLES": ["admin"],
        "LOGIN_MAX_FAILURES": 1000, **config})
    app.instance_path = str(folder / "instance")
    with app.test_request_context():
        world = Factory().world()
    yield from serve(app, world)


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """The app with a one-minute idle limit, warned about 55 seconds ahead (after 5 s)."""
    yield from _serve(tmp_path_factory.mktemp("timeout"), SESSION_IDLE_MINUTES=1,
                      SESSION_WARNING_SECONDS=55)


@pytest.fixture(scope="module")
def live_2fa(tmp_path_factory):
    """The app with the usual 30-minute idle limit, for journeys that take a while."""
    yield from _serve(tmp_path_factory.mktemp("twofactor"))


@pytest.fixture
def page(browser, live):
    context = browser.new_context()
    context.set_default_timeout(20_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def page_without_js(browser, live):
    """A browser with scripting off: the pages must work without the warning script (and
    its dialog, due after 5 seconds here, cannot get in the way)."""
    context = browser.new_context(java_script_enabled=False)
    context.set_default_timeout(20_000)
    yield context.new_page()
    context.close()


def _dialog(page):
    return page.get_by_role("alertdialog", name="You will be signed out soon")


def test_the_warning_opens_takes_focus_and_passes_axe(page, live):
    sign_in(page, live, "ulo_staff")
    page.goto(f"{live.url}/engagements")
    dialog = _dialog(page)
    dialog.wait_for(state="visible", timeout=20_000)
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Stay signed in"
    assert "signed out in" in dialog.inner_text()
    assert checks.axe_violations(page) == []


def test_stay_signed_in_keeps_the_session_and_returns_focus(page, live):
    sign_in(page, live, "ulo_staff")
    page.goto(f"{live.url}/account")
    dialog = _dialog(page)
    dialog.wait_for(state="visible", timeout=20_000)
    page.keyboard.press("Enter")  # the focused "Stay signed in"
    dialog.wait_for(state="hidden")
    status = page.request.get(f"{live.url}/session/status").json()
    assert status["signed_in"] and status["idle_left"] >= 55
    dialog.wait_for(state="visible", timeout=20_000)  # warned again before the next limit
    page.keyboard.press("Escape")  # Escape also keeps the session
    dialog.wait_for(state="hidden")
    assert page.request.get(f"{live.url}/session/status").json()["idle_left"] >= 55


def test_a_form_typed_after_the_session_ended_is_not_lost(page_without_js, live):
    page = page_without_js
    sign_in(page, live, "ulo_staff")
    page.goto(f"{live.url}/people/new")
    page.get_by_label("Full name").fill("Priya Shah")
    with live.app.test_request_context():  # signed out meanwhile, on another device
        from coi.services import users
        users.bump_session_version(None, live.world["ulo_staff"].id, "user.logout_everywhere")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert "Sign in" in page.title()
    assert page.get_by_text("What you had typed is kept").is_visible()
    page.get_by_label("Email address").fill(live.email("ulo_staff"))
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Send the form again").click()
    page.wait_for_load_state()
    assert "Priya Shah" in page.content()


def test_two_factor_sign_in_by_keyboard(browser, live_2fa):
    live = live_2fa
    page = browser.new_context().new_page()
    page.set_default_timeout(20_000)
    sign_in(page, live, "admin")  # a role that must set it up first
    assert page.url.endswith("/account/two-factor")
    assert checks.axe_violations(page) == []
    secret = page.locator("code.token").first.inner_text().replace(" ", "")
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("heading", name="Your recovery codes").is_visible()
    assert page.locator("ol.recovery-codes li").count() == 10
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").first.click()
    page.get_by_label("Email address").fill(live.email("admin"))
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("heading", name="Enter your code").is_visible()
    assert checks.axe_violations(page) == []
    next_code = pyotp.TOTP(secret).at(time.time() + 30)
    page.get_by_label("Code from your authenticator app").fill(next_code)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/login" not in page.url
