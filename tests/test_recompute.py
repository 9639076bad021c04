"""`flask recompute`, and the properties that make incremental evaluation trustworthy:
idempotence, order independence, unrelated records never touching a flag, concurrent writers."""

import random
import tempfile
import threading
from contextlib import contextmanager

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from coi import audit, create_app, db
from coi.models import Bid, Engagement
from coi.services import base, declarations, recompute
from tests import conftest, flagkit
from tests.factories import Factory
from tests.flagkit import flags


def _state(**where) -> dict:
    return {f.fingerprint: (f.status, f.score, f.severity, tuple(f.reasons))
            for f in flags(**where)}


def test_recompute_prints_its_counts_and_a_second_run_changes_nothing(world, runner):
    result = runner.invoke(args=["recompute"])
    assert result.exit_code == 0, result.output
    assert "Evaluated 2 ULOs" in result.output
    for name in ("Opened", "Updated", "Reopened", "Superseded"):
        assert f"{name}: 0" in result.output
    assert f"Unchanged: {len(flags())}" in result.output


def test_recompute_opens_and_supersedes_what_changed_behind_the_services(world, runner):
    with base.writing() as s:  # rows changed without the services (a restore, a bulk fix)
        s.execute(update(Bid).where(Bid.id == world["bid"].id).values(status="withdrawn"))
        s.add(Engagement(ulo_id=world["ulo"].id, commissioner_id=world["council"].id,
                         title="Imported", influence="consulted", service_areas=["advocacy"],
                         started_on=world["engagement"].started_on,
                         ended_on=world["engagement"].ended_on))
    with runner.app.test_request_context():
        counts = recompute.run()
    assert counts["superseded"] == 1 and counts["opened"] == 0
    with base.writing() as s:
        s.execute(update(Bid).where(Bid.id == world["bid"].id).values(status="submitted"))
    with runner.app.test_request_context():
        counts = recompute.run(batch=1)
    assert (counts["reopened"], counts["opened"]) == (1, 1)
    assert audit.verify(db.session()).intact


def test_recompute_gives_what_incremental_evaluation_gave(world):
    before = _state()
    counts = recompute.run()
    assert counts["unchanged"] == len(before) and _state() == before


# Order independence: the same register, recorded in any order, has the same flags.

QUICK = (Phase.explicit, Phase.reuse, Phase.generate)  # each example builds a register: no
# minutes of shrinking; a failing order is printed whole, and it is short enough to read

STEPS = [("engagement", 0), ("engagement", 1), ("opportunity", 0), ("opportunity", 1),
         ("bid", 0), ("bid", 1), ("income", 0), ("board", 0), ("board", 1),
         ("arrangement", 0), ("declaration", 0)]


def _build(order: list[tuple[str, int]]) -> dict:
    make = Factory()
    org, council = make.org("ulo", "Order ULO"), make.org("commissioner", "Order Council")
    partner = make.org("commissioner", "Order Partner")
    make.partnership(council, partner)
    people = [make.person(org, f"Person {i}") for i in range(3)]
    opps = []
    actions = {
        "engagement": lambda i: make.engagement(
            org, (council, partner)[i], influence=("drafted", "consulted")[i],
            participant_ids=[people[i].id]),
        "opportunity": lambda i: opps.append(make.opportunity(council, value=("60000.00",
                                                                               "900000.00")[i])),
        "bid": lambda i: make.bid(org, opps[i], team_ids=[people[0].id]),
        "income": lambda i: make.income(org, council, amount="5000.00"),
        "board": lambda i: make.board_member(org, people[i], from_constituency=bool(i)),
        "arrangement": lambda i: make.arrangement(org, council),
        "declaration": lambda i: declarations.record_declaration(None, {
            "person_id": people[1].id, "category": "non_financial_professional",
            "description": "Trustee elsewhere", "arose_on": "2026-01-01",
            "declared_on": "2026-03-15"}),
    }
    for kind, i in order:
        actions[kind](i)
    # A flag superseded on the way (a board member who joined before declaring) is history of
    # the order; the flags in force are what must not depend on it.
    return {fp: state for fp, state in _state().items() if state[0] != "superseded"}


@contextmanager
def fresh_register():
    """A new app on an empty database, for one hypothesis example."""
    url = conftest.PG_URL
    if url.startswith("postgresql"):
        conftest._fresh_postgres(url)
    else:
        url = f"sqlite:///{tempfile.mkdtemp()}/register.db"
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": url,
                      "WTF_CSRF_ENABLED": False, "ARGON2_PROFILE": "fast_for_tests",
                      "SCHEMA_FROM_MODELS": True})
    try:
        with app.test_request_context():
            yield
    finally:
        app.extensions["coi.engine"].dispose()


def interleave(kinds: list[str]) -> list[tuple[str, int]]:
    """An order of STEPS from any order of their kinds: each kind keeps its own order (so ids
    match), and a bid waits for its opportunity."""
    counters: dict[str, int] = {}
    order, waiting = [], []
    for kind in kinds:
        step = (kind, counters.setdefault(kind, 0))
        counters[kind] += 1
        (waiting if kind == "bid" else order).append(step)
        made = counters.get("opportunity", 0)
        while waiting and waiting[0][1] < made:
            order.append(waiting.pop(0))
    return order + waiting


@settings(max_examples=6, deadline=None, phases=QUICK)
@given(st.permutations([kind for kind, _ in STEPS]).map(interleave))
def test_the_same_register_in_any_order_has_the_same_flags(order):
    with fresh_register():
        expected = _build(STEPS)
    with fresh_register():
        got = _build(list(order))
        counts = recompute.run()
    assert got == expected and any(fp.startswith("R1") for fp in got)
    assert counts["unchanged"] == len(got) and counts["opened"] == counts["updated"] == 0


# An unrelated record never changes a flag.

UNRELATED = st.lists(st.sampled_from(["engagement", "opportunity", "bid", "income", "board",
                                      "arrangement", "declaration", "partnership"]),
                     min_size=1, max_size=5)


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kinds=UNRELATED, seed=st.integers(0, 10_000))
def test_an_unrelated_record_never_changes_a_flag(world, make, kinds, seed):
    mine = {f.id: (f.status, f.score, tuple(f.reasons), f.updated_at)
            for f in flags(ulo_id=world["ulo"].id)}
    events = {i: len(flagkit.history(i)) for i in mine}
    rnd = random.Random(seed)
    other, body = world["other_ulo"], world["other_council"]
    for kind in kinds:
        _unrelated(make, kind, other, body, rnd)
    assert {f.id: (f.status, f.score, tuple(f.reasons), f.updated_at)
            for f in flags(ulo_id=world["ulo"].id)} == mine
    assert {i: len(flagkit.history(i)) for i in mine} == events


def _unrelated(make, kind, other, body, rnd):
    person = make.person(other)
    if kind == "engagement":
        make.engagement(other, body, influence=rnd.choice(["informed", "drafted"]))
    elif kind == "opportunity":
        make.opportunity(body, service_areas=[rnd.choice(["advocacy", "payroll"])])
    elif kind == "bid":
        make.bid(other, make.opportunity(body))
    elif kind == "income":
        make.income(other, body, amount=f"{rnd.randint(1, 9000)}.00")
    elif kind == "board":
        make.board_member(other, person, from_constituency=rnd.random() < 0.5)
    elif kind == "arrangement":
        make.arrangement(other, body)
    elif kind == "declaration":
        declarations.record_declaration(None, {
            "person_id": person.id, "category": "nil", "description": "Nothing to declare",
            "arose_on": "2026-01-01", "declared_on": "2026-01-01"})
    else:
        make.partnership(body, make.org("commissioner"))


# Concurrent writers: the same flag once, no error, the audit chain intact.

def test_concurrent_bids_raise_each_flag_exactly_once(app, make, auth):
    org, council = make.org("ulo"), make.org("commissioner")
    staff = make.user("ulo_staff", org)
    make.engagement(org, council)
    opps = [make.opportunity(council) for _ in range(6)]
    statuses, start = [], threading.Barrier(len(opps) + 1)

    def bid(opportunity_id: int, again: bool):
        client = app.test_client()
        auth.login(staff, client)
        start.wait()
        for _ in range(2 if again else 1):  # a second, identical bid must be refused
            statuses.append(client.post("/api/v1/bids", json={
                "ulo_id": org.id, "opportunity_id": opportunity_id, "status": "submitted",
                "submitted_on": "2025-06-20"}).status_code)

    threads = [threading.Thread(target=bid, args=(o.id, i % 2 == 0))
               for i, o in enumerate(opps)]
    threads += [threading.Thread(target=bid, args=(opps[0].id, False))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(set(statuses)) in ([201, 409], [201, 422], [201, 409, 422])
    assert statuses.count(201) == len(opps)
    assert len(flags(rule="R1")) == len(opps) and len(flags(rule="R5")) == 1
    assert audit.verify(db.session()).intact


# Incremental evaluation is complete: after any writes, a full recompute finds nothing to do.

INFLUENCES = ["informed", "consulted", "co-designed", "drafted"]
AREAS = ["advocacy", "peer_support", "payroll"]
WRITES = st.lists(st.tuples(
    st.sampled_from(["engagement", "opportunity", "bid", "edit_engagement", "edit_bid",
                     "withdraw_bid", "edit_opportunity"]),
    st.integers(0, 10_000)), min_size=3, max_size=9)


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(writes=WRITES)
def test_after_any_writes_a_full_recompute_changes_nothing(make, writes):
    org, council = make.org("ulo"), make.org("commissioner")
    partner = make.org("commissioner")
    make.partnership(council, partner)
    made = {"engagement": [], "opportunity": [], "bid": []}
    for kind, seed in writes:
        _random_write(make, kind, random.Random(seed), org, (council, partner), made)
    counts = recompute.run()
    assert counts["opened"] == counts["updated"] == 0
    assert counts["reopened"] == counts["superseded"] == 0


def _random_write(make, kind, rnd, org, bodies, made):
    from coi.services import engagements, opportunities
    day = f"202{rnd.randint(3, 5)}-0{rnd.randint(1, 9)}-1{rnd.randint(0, 9)}"
    # Engagements that start before or after a bid's reference day, end inside or outside its
    # look-back, or go on: the reads a write makes are bounded by these dates.
    started = rnd.choice(["2021-02-01", "2022-06-01", "2023-05-10", "2025-03-01"])
    ended = rnd.choice([max(started, day), None])
    if kind == "engagement" or (kind.startswith("edit_eng") and not made["engagement"]):
        made["engagement"].append(make.engagement(
            org, rnd.choice(bodies), influence=rnd.choice(INFLUENCES),
            service_areas=[rnd.choice(AREAS)], started_on=started, ended_on=ended))
    elif kind == "edit_engagement":
        base.update_record(engagements.ENGAGEMENTS, None, rnd.choice(made["engagement"]).id,
                           {"influence": rnd.choice(INFLUENCES), "started_on": started,
                            "ended_on": ended})
    elif kind == "opportunity" or not made["opportunity"]:
        made["opportunity"].append(make.opportunity(
            rnd.choice(bodies), service_areas=[rnd.choice(AREAS)], published_on=day,
            closes_on="2026-12-31"))
    elif kind == "edit_opportunity":
        base.update_record(opportunities.OPPORTUNITIES, None,
                           rnd.choice(made["opportunity"]).id,
                           {"service_areas": [rnd.choice(AREAS)], "route": "single_source"})
    elif kind == "bid" or not made["bid"]:
        taken = {b.opportunity_id for b in made["bid"]}
        free = [o for o in made["opportunity"] if o.id not in taken]
        if free and rnd.random() < 0.3:  # not yet submitted: judged at its publication
            made["bid"].append(make.bid(org, rnd.choice(free), status="considering",
                                        submitted_on=None))
        elif free:
            made["bid"].append(make.bid(org, rnd.choice(free), submitted_on="2026-01-05"))
    elif kind == "edit_bid":
        base.update_record(opportunities.BIDS, None, rnd.choice(made["bid"]).id,
                           {"status": "submitted", "submitted_on": day})
    else:
        bid = rnd.choice(made["bid"])
        if bid.status != "withdrawn":
            base.end_record(opportunities.BIDS, None, bid.id, {"reason": "Withdrawn"})


# Monotonicity through the services: more influence, more recency never lowers a score.

@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.integers(0, 3), more=st.integers(0, 3), ended=st.integers(0, 600),
       later=st.integers(0, 120))
def test_more_influence_or_a_later_end_never_lowers_the_flag(make, first, more, ended, later):
    from datetime import date, timedelta

    from coi.services import engagements
    org, council = make.org("ulo"), make.org("commissioner")
    end = date(2025, 6, 1) - timedelta(days=ended)
    engagement = make.engagement(org, council, influence=INFLUENCES[first],
                                 started_on="2023-01-01", ended_on=str(end))
    bid = make.bid(org, make.opportunity(council, published_on="2025-06-01"))
    [before] = flags(rule="R1", bid_id=bid.id)
    score = before.score
    base.update_record(engagements.ENGAGEMENTS, None, engagement.id, {
        "influence": INFLUENCES[min(3, first + more)],
        "ended_on": str(min(end + timedelta(days=later), date(2025, 6, 1)))})
    [after] = flags(rule="R1", bid_id=bid.id)
    assert after.score >= score and after.status == "open"
