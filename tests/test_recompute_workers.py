"""`flask recompute --workers N`: batches read and evaluated in parallel processes write exactly
what one process would, and a batch read before someone else's write is evaluated again."""

from datetime import date

from sqlalchemy import update

from coi import audit, db
from coi.models import Bid, Engagement
from coi.services import base, recompute, recompute_workers, thresholds
from tests.flagkit import flag, flags


def _state() -> dict:
    return {f.fingerprint: (f.status, f.score, f.severity, tuple(f.reasons)) for f in flags()}


def _behind_the_services(world) -> None:
    """A bid withdrawn and an engagement added by a bulk fix, without the services."""
    with base.writing() as s:
        s.execute(update(Bid).where(Bid.id == world["bid"].id).values(status="withdrawn"))
        s.add(Engagement(ulo_id=world["ulo"].id, commissioner_id=world["council"].id,
                         title="Imported", influence="consulted", service_areas=["advocacy"],
                         started_on=world["engagement"].started_on,
                         ended_on=world["engagement"].ended_on))


def test_parallel_workers_change_nothing_in_a_register_already_in_line(world):
    before = _state()
    counts = recompute.run(batch=1, workers=2)
    assert counts["unchanged"] == len(before) > 0
    assert counts["opened"] == counts["updated"] == counts["superseded"] == 0
    assert _state() == before


def test_parallel_workers_find_and_write_what_one_process_finds(world):
    withdrawn = [f.fingerprint for f in flags(bid_id=world["bid"].id, status="open")]
    _behind_the_services(world)
    counts = recompute.run(batch=1, workers=2)
    assert counts["superseded"] == len(withdrawn) >= 1
    assert all(flag(fp).status == "superseded" for fp in withdrawn)
    assert audit.verify(db.session()).intact
    again = recompute.run(batch=1, workers=1)  # one process agrees: nothing left to change
    assert again["unchanged"] == sum(again.values())


def test_the_recompute_command_takes_a_number_of_workers(world, runner):
    result = runner.invoke(args=["recompute", "--workers", "2", "--batch", "1"])
    assert result.exit_code == 0, result.output
    assert f"Unchanged: {len(flags())}" in result.output


def test_a_batch_read_before_someone_elses_write_is_evaluated_again(world):
    limits, today = thresholds.current(), date.today()
    recompute_workers._job.update(engine=db.engine(), limits=limits, today=today,
                                  rules=recompute.EVERY_RULE)
    chunk = [world["ulo"].id]
    stale = recompute_workers._plan(chunk)  # read while the bid was still in play
    assert stale.counts["superseded"] == 0
    withdrawn = [f.fingerprint for f in flags(bid_id=world["bid"].id, status="open")]
    with base.writing() as s:  # someone else's write, audited as every write is
        s.execute(update(Bid).where(Bid.id == world["bid"].id).values(status="withdrawn"))
        audit.append(s, "someone@example.org", "bid.update", "bid", world["bid"].id,
                     {"status": "submitted"}, {"status": "withdrawn"})
    with base.writing() as s:
        counts = recompute.sync_batch(s, chunk, stale, recompute_workers.OwnWrites(), limits,
                                      today)
    assert counts["superseded"] == len(withdrawn) >= 1
    assert all(flag(fp).status == "superseded" for fp in withdrawn)


def test_only_the_recomputes_own_events_let_a_plan_through():
    ours = recompute_workers.OwnWrites()
    ours.add(10, 15)
    ours.add(15, 15)  # a batch that changed nothing appends nothing
    ours.add(20, 22)
    assert ours.only_ours_since(10, 15) and ours.only_ours_since(12, 15)
    assert ours.only_ours_since(22, 22)
    assert not ours.only_ours_since(10, 16)  # event 16 is someone else's
    assert not ours.only_ours_since(14, 22)  # so are 16 to 20
    assert ours.only_ours_since(20, 22) and not ours.only_ours_since(9, 15)
