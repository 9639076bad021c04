"""The dashboard's figures are kept between views, yet every worker shows the current ones: a
write (which appends to the audit chain) shows in the next view, and a new day recomputes."""

import random
import re
from datetime import date

from sqlalchemy import select

from coi import create_app, db
from coi.services import base, decisions, figures_cache, flags, organisations


def second_worker(app, auth):
    """Another app over the same database, as a second gunicorn worker would be."""
    other = create_app({key: app.config[key] for key in (
        "TESTING", "SECRET_KEY", "DATABASE_URL", "WTF_CSRF_ENABLED", "ARGON2_PROFILE",
        "SCHEMA_FROM_MODELS")})
    return other, other.test_client()


def number(page: str, words: str) -> int:
    return int(re.search(re.escape(words) + r"\s*(\d+)", page).group(1))


def test_a_write_shows_in_the_next_dashboard_of_every_worker(app, client, auth, make, world):
    other, client2 = second_worker(app, auth)
    try:
        for c in (client, client2):
            auth.login(world["ulo_board"], client=c)
        before = [c.get("/").get_data(as_text=True) for c in (client, client2)]
        assert [number(p, "Declarations due:") for p in before] == [1, 1]
        assert all("Riverside Disabled People&#39;s Forum" in p for p in before)
        make.board_member(world["ulo"], make.person(world["ulo"], "Jo Board"))
        base.update_record(organisations.ORGANISATIONS, None, world["ulo"].id,
                           {"name": "Riverside Deaf and Disabled People's Forum"})
        after = [c.get("/").get_data(as_text=True) for c in (client, client2)]
        assert [number(p, "Declarations due:") for p in after] == [2, 2]
        assert all("Riverside Deaf and Disabled People&#39;s Forum" in p for p in after)
    finally:
        other.extensions["coi.engine"].dispose()


def test_a_decision_leaves_the_open_flags_and_joins_the_recent_decisions(client, auth, board):
    user, flag, world = board["user"], board["flag"], board
    auth.login(world["auditor"])
    before = client.get("/").get_data(as_text=True)
    assert client.get("/").get_data(as_text=True) == before  # the kept figures read the same
    decisions.decide(user, flag.id, {
        "outcome": "manage", "mitigations": ["ethical_wall"], "quorate": True,
        "rationale": "An ethical wall separates the teams.", "decided_on": date.today(),
        "present_ids": [board["me"], board["jo"]]})
    after = client.get("/").get_data(as_text=True)
    waiting = "Flags waiting for review:"
    assert number(after, waiting) == number(before, waiting) - 1
    assert "Recent decisions" not in before and f"/flags/{flag.id}\">Flag {flag.id}</a>" in after
    assert number(after, "Head: event") > number(before, "Head: event")


def test_an_account_never_sees_figures_kept_for_a_wider_scope(client, auth, world):
    auth.login(world["auditor"])
    everyone = number(client.get("/").get_data(as_text=True), "Flags waiting for review:")
    auth.login(world["other_staff"])
    theirs = number(client.get("/").get_data(as_text=True), "Flags waiting for review:")
    active = base.ListQuery(filters={"status": "active"})
    assert theirs == flags.list_flags(world["other_staff"], active).total < everyone
    assert everyone == flags.list_flags(world["auditor"], active).total


def test_figures_are_computed_again_when_the_chain_head_or_the_date_moves():
    cache, calls = figures_cache.FiguresCache(size=2), []

    def compute():
        calls.append(1)
        return len(calls)

    today = date(2026, 3, 31)
    assert cache.get("k", (5, "abc", today), compute) == 1
    assert cache.get("k", (5, "abc", today), compute) == 1
    assert cache.get("k", (6, "def", today), compute) == 2
    assert cache.get("k", (6, "def", date(2026, 4, 1)), compute) == 3
    cache.get("a", 1, compute), cache.get("b", 1, compute)
    assert list(cache.entries) == ["a", "b"]  # the least recently used went first


def test_kept_pages_stay_within_a_memory_budget():
    cache = figures_cache.FiguresCache(size=100, max_bytes=16_000)
    for page in range(20):
        cache.get(("list", page), 1, lambda: "x" * 1_000)
    assert list(cache.entries) == [("list", page) for page in range(4, 20)]  # the newest 16 KB
    assert cache.bytes == 16_000
    big = cache.get("export", 1, lambda: "y" * 2_000)  # over a sixteenth: served, not kept
    assert big == "y" * 2_000 and "export" not in cache.entries


def test_the_stamp_is_the_chain_head_and_today(app, world):
    from coi import audit
    with app.test_request_context():
        head = audit.head(db.session())
        assert figures_cache.stamp()[:3] == (*head, date.today())


def test_the_register_wide_picture_counts_what_each_flag_s_dates_say(ctx, world):
    """The whole register's months (counted through the index, month by month) agree with
    each flag's own dates, and with the organisations' pictures added together."""
    from datetime import UTC, datetime, timedelta

    from coi.models import Flag
    from coi.services import charts_data
    rng, now = random.Random(9), datetime.now(UTC)
    s = db.write_session()
    for n in range(300):
        opened = now - timedelta(days=rng.randint(0, 420), seconds=rng.randint(0, 86399))
        status = rng.choice(["open", "under_review", "resolved", "dismissed", "superseded"])
        updated = opened + timedelta(days=rng.randint(0, 200))
        s.add(Flag(rule="R1", fingerprint=f"month-{n}", severity=rng.choice(
            ["high", "medium", "low"]), score=50, status=status, facts_hash="x",
            ulo_id=rng.choice([world["ulo"].id, world["other_ulo"].id]),
            opened_at=opened, updated_at=min(updated, now)))
    s.commit()
    rows = db.session().execute(select(Flag)).scalars().all()
    everyone = charts_data.open_flags_by_month(world["auditor"])
    for month in everyone:
        first = month["month"]
        end = min(datetime(first.year + first.month // 12, first.month % 12 + 1, 1,
                           tzinfo=UTC) - timedelta(microseconds=1), now)
        for sev in ("high", "medium", "low"):
            assert month[sev] == sum(
                1 for f in rows if f.severity == sev and aware(f.opened_at) <= end and (
                    f.status in ("open", "under_review") or aware(f.updated_at) > end))
    ours, theirs = (charts_data.open_flags_by_month(world[k]) for k in ("ulo_staff",
                                                                       "other_staff"))
    assert everyone == [{"month": a["month"], **{sev: a[sev] + b[sev] for sev in (
        "high", "medium", "low")}} for a, b in zip(ours, theirs, strict=True)]


def aware(moment):
    from datetime import UTC
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def test_each_chosen_ulo_s_income_is_kept_apart(client, auth, world):
    auth.login(world["auditor"])
    caption = "Income of {} by funder and financial year"
    ours = caption.format("Riverside Disabled People&#39;s Forum")
    theirs = caption.format("Northbank Carers Together")
    for _ in range(2):
        first = client.get(f"/?income_ulo={world['ulo'].id}").get_data(as_text=True)
        second = client.get(f"/?income_ulo={world['other_ulo'].id}").get_data(as_text=True)
        assert ours in first and theirs not in first
        assert theirs in second and ours not in second
        assert f'<option value="{world["other_ulo"].id}" selected>' in second
