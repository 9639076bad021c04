"""Browser fixtures: Debian's Chromium driven by pytest-playwright (never `playwright install`),
the app served by werkzeug on 127.0.0.1 from a background thread, with CSRF on, one SQLite file
per test module seeded with the factory world, and every account signed in through the real
sign-in form.

Without Chromium the browser tests are skipped on a laptop, but fail when COI_REQUIRE_BROWSER=1
(as in CI), so that a missing browser can never pass silently."""

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from coi import create_app
from tests.browser.checks import AXE_SCRIPT
from tests.factories import PASSWORD, Factory

CHROMIUM = os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"


def chromium_or_skip() -> str:
    """The Chromium to drive; skip without one, unless CI requires it (then fail)."""
    if os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    message = (f"Chromium is not installed at {CHROMIUM} (apt-get install chromium, or set "
               "CHROMIUM_PATH)")
    if os.environ.get("COI_REQUIRE_BROWSER") == "1":
        pytest.fail(message + "; COI_REQUIRE_BROWSER=1 forbids skipping the browser tests")
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": chromium_or_skip(),
            "args": CHROMIUM_ARGS}


@dataclass
class Live:
    """The app being served, its address and the records of its world."""

    app: object
    url: str
    world: dict
    extra: dict = field(default_factory=dict)

    def email(self, role: str) -> str:
        return self.world[role].email


def seed(world: dict) -> None:
    """Records the journeys need beyond the factory world, through the services."""
    from tests.access import relationship  # noqa: F401  (the access tables' world hooks)
    from tests.test_access import _world_hooks
    make = Factory()
    world["next_opportunity"] = make.opportunity(
        world["council"], title="Advocacy service 2026 to 2029", reference="RC-ADV-2026",
        service_areas=["advocacy", "peer_support"], published_on="2026-01-15",
        closes_on="2026-02-28", value="450000.00")
    make.income(world["ulo"], world["council"], amount="8000.00")
    make.income(world["ulo"], None, source_name="National Lottery Community Fund",
                amount="3000.00")
    make.income(world["ulo"], world["council"], financial_year="2024-25", amount="4000.00")
    make.income(world["ulo"], None, financial_year="2024-25", amount="5000.00")
    for hook in _world_hooks():
        hook(world)
    _flags_for_the_timeline(world)
    _load(world)


def _load(world: dict) -> None:
    """Load every record of the world afresh, so that it can be read after its session ends
    (a write that began by rolling back a read has expired them)."""
    from sqlmodel import SQLModel

    from coi import db
    s = db.session()
    for key, value in world.items():
        if isinstance(value, SQLModel):
            world[key] = s.merge(value)
            s.refresh(world[key])


def _flags_for_the_timeline(world: dict) -> None:
    """Until the rules raise flags on every write, put two on the world's engagement and bid
    (as the rules would) so that the timeline draws them; once they do, this adds nothing."""
    from sqlalchemy import func, select
    from sqlmodel import Session

    from coi import db
    from coi.models import Flag
    e, b = world["engagement"], world["bid"]
    with Session(db.engine()) as s:  # its own session: the world's records stay loaded
        if s.execute(select(func.count()).select_from(Flag)).scalar():
            return
        for severity, status in (("high", "open"), ("low", "dismissed")):
            s.add(Flag(rule="R1", fingerprint=f"browser-seed:{severity}", severity=severity,
                       score=72 if severity == "high" else 20, facts_hash="0" * 64,
                       status=status, ulo_id=e.ulo_id, commissioner_id=e.commissioner_id,
                       engagement_id=e.id, bid_id=b.id,
                       reasons=["The ULO drafted the specification",
                                "The engagement ended 2 months before the tender"]))
        s.commit()


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """The app on a free port of 127.0.0.1 for this module, with CSRF on."""
    folder = tmp_path_factory.mktemp("browser")
    app = create_app({
        "SECRET_KEY": "browser-tests", "DATABASE_URL": f"sqlite:///{folder / 'register.db'}",
        "WTF_CSRF_ENABLED": True, "ARGON2_PROFILE": "fast_for_tests",
        "INSECURE_COOKIES": True, "SESSION_COOKIE_SECURE": False,
        # Two-factor sign-in has its own tests; here every role signs in with a password.
        "TWO_FACTOR_REQUIRED_ROLES": [], "LOGIN_MAX_FAILURES": 1000,
    })
    app.instance_path = str(folder / "instance")
    with app.test_request_context():
        world = Factory().world()
        world["tokens"] = {}
        seed(world)
    yield from serve(app, world)


def serve(app, world):
    """Serve app on a free port of 127.0.0.1 in a thread; yields its Live, then stops it."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Live(app, f"http://127.0.0.1:{server.server_port}", world)
    server.shutdown()
    thread.join(timeout=10)
    app.extensions["coi.engine"].dispose()


def sign_in(page, live: Live, role: str) -> None:
    """Sign in through the real form, as a person would (CSRF token and all)."""
    page.goto(f"{live.url}/login")
    page.get_by_label("Email address").fill(live.email(role))
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, f"{role} could not sign in: {page.title()}"


@pytest.fixture
def signed_in(browser, live):
    """signed_in(role, **context_args) -> a page of a fresh browser context, signed in."""
    contexts = []

    def _open(role: str | None, **kwargs):
        context = browser.new_context(**kwargs)
        contexts.append(context)
        context.set_default_timeout(15_000)
        context.add_init_script(script=AXE_SCRIPT)  # axe-core ready on every page
        page = context.new_page()
        if role and role != "anonymous":
            sign_in(page, live, role)
        return page

    yield _open
    for context in contexts:
        context.close()
