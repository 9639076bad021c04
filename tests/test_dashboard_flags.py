"""The dashboard's flags waiting for action: the same counts and the same most severe few as
the flag list, however many flags the register holds."""

from coi import db
from coi.models import Flag
from coi.services import base, charts_data, dashboard, flags


def add_flags(world, specs):
    """Flags of the given (severity, score, status), for the world's ULO."""
    s = db.write_session()
    for n, (severity, score, status) in enumerate(specs):
        s.add(Flag(rule="R1", fingerprint=f"test-{n}", severity=severity, score=score,
                   status=status, facts_hash="x", ulo_id=world["ulo"].id))
    s.commit()


def test_the_dashboard_shows_the_most_severe_waiting_flags_first(world):
    add_flags(world, [("low", 90, "open"), ("medium", 10, "open"), ("high", 5, "open"),
                      ("medium", 70, "under_review"), ("high", 99, "decided"),
                      ("medium", 70, "open"), ("low", 95, "open")])
    auditor = world["auditor"]
    for limit in (5, 50):
        listed = flags.list_flags(auditor, base.ListQuery(filters={"status": "active"},
                                                          per_page=limit)).items
        total, top = dashboard.flags_waiting(auditor, limit=limit)
        assert [f.id for f in top] == [f.id for f in listed]
    rank = [("high", "medium", "low").index(f.severity) for f in top]
    assert rank == sorted(rank) and "decided" not in {f.status for f in top}
    assert [(f.severity, f.score) for f in top if f.ulo_id == world["ulo"].id][-3:] == [
        ("medium", 10), ("low", 95), ("low", 90)]
    assert total == sum(dashboard.open_flags_by_severity(auditor).values())
    assert total == base.list_records(flags.FLAGS, auditor, base.ListQuery(
        filters={"status": "active"})).total


def test_a_ulo_sees_only_its_own_waiting_flags_on_the_dashboard(world):
    add_flags(world, [("high", 50, "open"), ("low", 99, "open"), ("medium", 1, "open")])
    assert dashboard.flags_waiting(world["other_staff"])[0] == len(flags.list_flags(
        world["other_staff"], base.ListQuery(filters={"status": "active"}, per_page=100)).items)
    total, top = dashboard.flags_waiting(world["ulo_staff"])
    listed = flags.list_flags(world["ulo_staff"], base.ListQuery(filters={"status": "active"},
                                                                 per_page=5))
    assert (total, [f.id for f in top]) == (listed.total, [f.id for f in listed.items])
    assert all(f.ulo_id == world["ulo"].id for f in top)


def test_the_picture_of_open_flags_is_the_same_for_a_ulo_and_for_the_whole_register(world):
    add_flags(world, [("high", 50, "open"), ("medium", 5, "decided"), ("low", 1, "open")])
    mine = charts_data.open_flags_by_month(world["ulo_staff"])
    everyone = charts_data.open_flags_by_month(world["auditor"])
    others = charts_data.open_flags_by_month(world["other_staff"])
    for sev in ("high", "medium", "low"):
        assert everyone[-1][sev] == mine[-1][sev] + others[-1][sev]
    assert mine[-1]["low"] >= 1 and mine[-1]["high"] >= 1
