"""The audit chain resists tampering: the database refuses changes to events, and an event that
is edited, deleted, forged in or reordered directly in the database is named by verify. Writers
appending at once lose nothing."""

import threading

import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from coi import audit, db, migrate
from coi.models import AuditEvent, Declaration
from coi.services import declarations, history

EVENTS = AuditEvent.__table__


def engine():
    return db.engine()


def rows(start: int = 1) -> list[dict]:
    with engine().connect() as conn:
        return [dict(r._mapping) for r in conn.execute(
            select(EVENTS).where(EVENTS.c.seq >= start).order_by(EVENTS.c.seq))]


def tamper(*statements) -> None:
    """Change the table directly, as someone with database access could: the append-only
    triggers are dropped first, exactly as such a person would have to."""
    with engine().begin() as conn:
        migrate.drop_audit_triggers(conn)
        for statement in statements:
            conn.execute(statement)


def verdict():
    return history.verify_chain(None)


@pytest.fixture
def chain(world):
    """The world's events plus a few declarations: a chain of some length, intact."""
    for n in range(3):
        declarations.record_declaration(None, {
            "person_id": world["person"].id, "category": "financial",
            "description": f"Interest {n}", "arose_on": "2026-01-05"})
    found = verdict()
    assert found.intact and found.count > 20
    return found


@pytest.mark.parametrize("statement", [
    update(EVENTS).where(EVENTS.c.seq == 3).values(actor="someone else"),
    delete(EVENTS).where(EVENTS.c.seq == 3),
], ids=["update", "delete"])
def test_the_database_itself_refuses_to_change_or_delete_an_event(chain, statement):
    with pytest.raises(DBAPIError) as caught, engine().begin() as conn:
        conn.execute(statement)
    assert "append-only" in str(caught.value)
    assert verdict().intact


def test_editing_a_field_of_an_event_is_detected_at_that_event(chain):
    tamper(update(EVENTS).where(EVENTS.c.seq == 5).values(actor="innocent@example.org"))
    found = verdict()
    assert (found.intact, found.broken_seq, found.count) == (False, 5, 4)
    assert found.reason == "event 5 was changed after it was written"


def test_editing_what_a_record_was_is_detected(chain):
    target = rows(chain.head_seq)[0]
    changed = {**target["after"], "description": "Nothing to see here"}
    tamper(update(EVENTS).where(EVENTS.c.seq == chain.head_seq).values(after=changed))
    assert verdict().broken_seq == chain.head_seq


def test_deleting_an_event_is_detected_at_the_gap(chain):
    tamper(delete(EVENTS).where(EVENTS.c.seq == 7))
    found = verdict()
    assert (found.broken_seq, found.reason) == (7, "event 7 is missing (found 8 next)")


def test_deleting_the_latest_events_shows_as_a_head_that_moved_back(chain):
    tamper(delete(EVENTS).where(EVENTS.c.seq == chain.head_seq))
    found = verdict()
    assert found.intact  # only the minuted head can show that the end was cut off
    assert (found.head_seq, found.head_hash) != (chain.head_seq, chain.head_hash)


def test_forging_an_event_into_the_middle_is_detected_after_it(chain):
    k = 10
    later = rows(k)
    forged = {"seq": k, "at": later[0]["at"], "actor": "forger@example.org",
              "action": "declaration.create", "entity": "declaration", "entity_id": 999,
              "before": None, "after": {"description": "A convenient alibi"}}
    forged_hash = audit.event_hash(later[0]["prev_hash"],
                                   {**forged, "at": later[0]["at"].isoformat()})
    shifted = [{**row, "seq": row["seq"] + 1} for row in later]
    shifted[0]["prev_hash"] = forged_hash  # so that the forged event appears to link in
    tamper(delete(EVENTS).where(EVENTS.c.seq >= k),
           insert(EVENTS).values(**forged, prev_hash=later[0]["prev_hash"], hash=forged_hash),
           *[insert(EVENTS).values(**row) for row in shifted])
    found = verdict()
    assert (found.broken_seq, found.count) == (k + 1, k)
    assert found.reason == f"event {k + 1} was changed after it was written"


def test_a_second_event_after_the_same_event_is_refused_by_the_database(chain):
    last = rows(chain.head_seq)[0]
    fork = {**last, "seq": last["seq"] + 1, "actor": "forger@example.org", "hash": "f" * 64}
    with pytest.raises(IntegrityError):
        tamper(insert(EVENTS).values(**fork))


def test_an_appended_event_with_a_made_up_hash_is_detected(chain):
    last = rows(chain.head_seq)[0]
    tamper(insert(EVENTS).values(**{**last, "seq": last["seq"] + 1, "prev_hash": last["hash"],
                                    "hash": "a" * 64, "actor": "forger@example.org"}))
    assert verdict().broken_seq == chain.head_seq + 1


def test_swapping_the_contents_of_two_events_is_detected(chain):
    first, second = rows(3)[:2]
    payload = ("at", "actor", "action", "entity", "entity_id", "before", "after")
    tamper(update(EVENTS).where(EVENTS.c.seq == 3).values({k: second[k] for k in payload}),
           update(EVENTS).where(EVENTS.c.seq == 4).values({k: first[k] for k in payload}))
    assert (verdict().broken_seq, verdict().reason) == (
        3, "event 3 was changed after it was written")


def test_swapping_the_order_of_two_whole_events_is_detected(chain):
    tamper(update(EVENTS).where(EVENTS.c.seq == 3).values(seq=-3),
           update(EVENTS).where(EVENTS.c.seq == 4).values(seq=3),
           update(EVENTS).where(EVENTS.c.seq == -3).values(seq=4))
    assert (verdict().broken_seq, verdict().reason) == (3, "event 3 does not follow event 2")


def test_flask_audit_verify_exits_0_when_intact_and_names_the_first_broken_event(chain,
                                                                               runner):
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0
    assert f"intact: {chain.count} events" in result.output
    assert f"Head: event {chain.head_seq}, hash {chain.head_hash}" in result.output
    tamper(update(EVENTS).where(EVENTS.c.seq == 6).values(action="bid.end"))
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "BROKEN at event 6: event 6 was changed after it was written" in result.output


def test_the_api_says_whether_the_chain_is_intact_and_where_it_breaks(chain, client, auth):
    auth.login(chain_user(client))
    answer = client.get("/api/v1/audit/verify").get_json()
    assert answer == {"intact": True, "count": chain.count, "head_seq": chain.head_seq,
                      "head_hash": chain.head_hash}
    tamper(delete(EVENTS).where(EVENTS.c.seq == 2))
    answer = client.get("/api/v1/audit/verify").get_json()
    assert (answer["intact"], answer["broken_seq"], answer["count"]) == (False, 2, 1)
    assert answer["reason"] == "event 2 is missing (found 3 next)"


def chain_user(client):
    from coi.models import User
    return db.session().execute(select(User).where(User.role == "auditor")).scalar()


def test_writers_appending_at_once_lose_nothing_and_the_chain_holds(app, world):
    person, threads_n, each = world["person"].id, 6, 5
    start, failures = verdict().count, []  # the rules may add flag events of their own

    def work(n):
        with app.test_request_context():
            try:
                for i in range(each):
                    declarations.record_declaration(None, {
                        "person_id": person, "category": "indirect",
                        "description": f"writer {n} interest {i}", "arose_on": "2026-01-05"})
            except Exception as exc:  # noqa: BLE001 - reported below, with the thread's number
                failures.append((n, repr(exc)))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert failures == []
    found = verdict()
    assert found.intact and found.count > start
    written = [r for r in rows() if r["entity"] == "declaration"]
    assert len(written) == threads_n * each
    with engine().connect() as conn:
        saved = conn.execute(select(Declaration.description)).scalars().all()
    assert len(saved) == threads_n * each
    assert len({r["seq"] for r in rows()}) == found.count
