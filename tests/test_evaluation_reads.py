"""The rules run inside every write, so they read what a write touches in a handful of
statements, however many records the register holds (issue #3: a single write's evaluation
stays fast), and still raise the same flags."""

import pytest
from sqlalchemy import event, func, select

from coi import db
from coi.models import Bid, Engagement
from coi.services import evaluation
from tests.flagkit import flag


@pytest.fixture
def counted(app, monkeypatch):
    """The statements each run of the rules hook sends to the database, one list per write."""
    runs: list[list[str]] = []
    hook = evaluation.rules_hook

    def counting(s, actor, entity, record):
        runs.append([])
        hook(s, actor, entity, record)

    def count(conn, cursor, statement, *_):
        if runs and not statement.startswith(("BEGIN", "SAVEPOINT", "RELEASE")):
            runs[-1].append(statement)

    monkeypatch.setattr(evaluation, "_hooks", [counting])
    engine = app.extensions["coi.engine"]
    event.listen(engine, "before_cursor_execute", count)
    yield runs
    event.remove(engine, "before_cursor_execute", count)


def _register(make):
    """A ULO dealing with a council and its partner: engagements, bids, people, principles."""
    org, council, partner = (make.org("ulo"), make.org("commissioner"),
                             make.org("commissioner"))
    make.partnership(council, partner, name="Joint commissioning")
    make.person(org, "Ruth Okafor")
    for body in (council, partner, council):
        make.engagement(org, body)
        make.bid(org, make.opportunity(body))
    return org, council


def test_a_new_bid_is_evaluated_in_four_reads_and_two_writes(make, counted):
    org, council = _register(make)
    opportunity = make.opportunity(council)
    counted.clear()
    bid = make.bid(org, opportunity)
    [statements] = counted
    # The bid with its opportunity; the shared small reads (thresholds, partnerships, names,
    # people, principles, audit head); the engagements with the body and its partner; the
    # stored flags; then the new flags and their audit events, one statement each.
    assert _reads(statements) == 4 and len(statements) == 6
    assert flag(f"R1:e{_first_engagement(org)}:b{bid.id}").status == "open"


def test_a_new_engagement_is_evaluated_in_three_reads_and_two_writes(make, counted):
    org, council = _register(make)
    counted.clear()
    engagement = make.engagement(org, council)
    [statements] = counted
    # The shared small reads; the ULO's bids for the body's and its partner's work (the
    # engagement itself is the record just written, not read back); the stored flags; the new
    # flags; their audit events.
    assert _reads(statements) == 3 and len(statements) == 5
    assert flag(f"R1:e{engagement.id}:b{_first_bid(org)}").status == "open"


def _reads(statements: list[str]) -> int:
    return sum(statement.lstrip().upper().startswith(("SELECT", "WITH"))
               for statement in statements)


def _first_engagement(org) -> int:
    return db.session().execute(select(func.min(Engagement.id))
                                .where(Engagement.ulo_id == org.id)).scalar()


def _first_bid(org) -> int:
    return db.session().execute(select(func.min(Bid.id)).where(Bid.ulo_id == org.id)).scalar()
