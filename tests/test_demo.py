"""`flask demo`: a realistic fictional register with the overlaps of SPEC §4, loaded through the
services, a working login printed for every role, and never loaded twice."""

from datetime import date

import pytest
from sqlalchemy import func, select

from coi import db, vocab
from coi.demo import LOGINS, financial_year, months_ago
from coi.models import (
    Agreement,
    AuditEvent,
    Bid,
    Document,
    Engagement,
    Flag,
    Opportunity,
    Organisation,
    Revision,
    User,
)
from tests.foundation_kit import empty_app


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    app = empty_app(tmp_path_factory, "demo")
    result = app.test_cli_runner().invoke(args=["demo"])
    yield app, result
    app.extensions["coi.engine"].dispose()


def rows(app, model, *where):
    with app.app_context():
        return list(db.session().execute(select(model).where(*where)).scalars())


def total(app, model) -> int:
    with app.app_context():
        return db.session().execute(select(func.count()).select_from(model)).scalar()


def test_the_demo_loads_and_prints_a_login_for_every_role(loaded):
    app, result = loaded
    assert result.exit_code == 0, result.output
    assert "Loaded the demo register: 9 organisations" in result.output
    table = result.output.split("Role ", 1)[1].splitlines()
    for role, label in vocab.ROLES.items():
        login = next(x for x in LOGINS if x.role == role)
        line = next(row for row in table if row.startswith(label + " "))
        assert login.email in line and login.password in line


@pytest.mark.parametrize("login", LOGINS, ids=[x.role for x in LOGINS])
def test_each_printed_login_signs_in_through_the_login_form(loaded, login):
    app, _ = loaded
    client = app.test_client()
    response = client.post("/login", data={"email": login.email, "password": login.password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert "/login" not in response.headers["Location"]
    home = client.get("/")
    if login.role in app.config.get("TWO_FACTOR_REQUIRED_ROLES", ()):
        assert "two-factor" in home.headers.get("Location", "")  # asked to set it up
    else:
        assert home.status_code == 200 and login.name in home.get_data(as_text=True)


def test_a_second_run_changes_nothing_and_says_why(loaded):
    app, _ = loaded
    before = [total(app, m) for m in (Organisation, User, Engagement, AuditEvent)]
    again = app.test_cli_runner().invoke(args=["demo"])
    assert again.exit_code != 0
    assert "The register already has organisations" in again.output
    assert [total(app, m) for m in (Organisation, User, Engagement, AuditEvent)] == before


def test_the_register_has_ulos_councils_an_nhs_body_and_a_partnership(loaded):
    app, _ = loaded
    orgs = rows(app, Organisation)
    assert sum(o.kind == "ulo" for o in orgs) == 4
    bodies = [o.name for o in orgs if o.kind == "commissioner"]
    assert len(bodies) == 5 and any("NHS" in name for name in bodies)
    client = app.test_client()
    client.post("/login", data={"email": LOGINS[3].email, "password": LOGINS[3].password})
    partnerships = client.get("/api/v1/partnerships").get_json()["items"]
    assert len(partnerships) == 1 and len(partnerships[0]["member_ids"]) == 2


def test_every_influence_purpose_route_and_bid_status_appears(loaded):
    app, _ = loaded
    engagements = rows(app, Engagement)
    assert {e.influence for e in engagements} == set(vocab.INFLUENCE)
    assert {p for e in engagements for p in e.purposes} == set(vocab.PURPOSES)
    assert {o.route for o in rows(app, Opportunity)} == set(vocab.ROUTES)
    assert {b.status for b in rows(app, Bid)} == set(vocab.BID_STATUSES)
    assert any(e.withdrawn_at is not None and e.withdrawn_reason for e in engagements)
    assert all(b.withdrawn_reason for b in rows(app, Bid, Bid.status == "withdrawn"))


def _org(app, name: str) -> int:
    return rows(app, Organisation, Organisation.name == name)[0].id


def _open_flags(app, rule: str, ulo: str) -> list[Flag]:
    return rows(app, Flag, Flag.rule == rule, Flag.status == "open",
                Flag.ulo_id == _org(app, ulo))


def test_the_rules_find_the_overlaps_the_demo_was_written_for(loaded):
    app, _ = loaded
    drafted = _open_flags(app, "R1", "Brackenfield Disabled People's Alliance")
    spec_bid = [f for f in drafted if any("drafted" in r for r in f.reasons)]
    assert spec_bid and spec_bid[0].severity == "high"
    assert any("Amira Khan took part in both" in r for r in spec_bid[0].reasons)  # R2
    partner = _open_flags(app, "R1", "Ashby Vale Older People's Forum")
    assert partner and partner[0].commissioner_id == _org(app, "Brackenfield Borough Council")
    assert _open_flags(app, "R1", "Deaf Voice Harbourside") == []  # engaged too long ago
    assert _open_flags(app, "R3", "Harbourside Carers' Centre")
    assert _open_flags(app, "R4", "Harbourside Carers' Centre")
    assert _open_flags(app, "R7", "Ashby Vale Older People's Forum")
    assert _open_flags(app, "R7", "Deaf Voice Harbourside") == []


def test_agreed_principles_and_a_sent_notification_settle_r4_and_r5_for_one_pair(loaded):
    app, _ = loaded
    alliance, council = "Brackenfield Disabled People's Alliance", "Brackenfield Borough Council"
    principles = rows(app, Document, Document.kind == "working_principles",
                      Document.ulo_id == _org(app, alliance))
    assert len(principles) == 1
    sides = {a.side for a in rows(app, Agreement, Agreement.document_id == principles[0].id,
                                  Agreement.revision == principles[0].current_revision)}
    assert sides == {"ulo", "commissioner"}
    assert "{{" not in rows(app, Revision, Revision.document_id == principles[0].id,
                            Revision.number == principles[0].current_revision)[0].markdown
    with_council = [f for f in _open_flags(app, "R5", alliance)
                    if f.commissioner_id == _org(app, council)]
    assert with_council == [] and _open_flags(app, "R4", alliance) == []
    assert _open_flags(app, "R5", "Deaf Voice Harbourside")  # only a draft so far


def test_the_demo_also_loads_after_the_first_administrator_was_set_up(tmp_path_factory):
    app = empty_app(tmp_path_factory, "demo_after_setup")
    with app.test_request_context():
        from coi.services import users
        users.setup_first_admin({"name": "Ada", "email": "ada@example.org",
                                 "password": "correct horse battery staple"})
    try:
        result = app.test_cli_runner().invoke(args=["demo"])
        assert result.exit_code == 0, result.output
        assert total(app, User) == 1 + len(LOGINS)
    finally:
        app.extensions["coi.engine"].dispose()


def test_demo_dates_follow_the_day_it_is_loaded():
    assert months_ago(0, date(2026, 3, 31)) == "2026-03-31"
    assert months_ago(12, date(2026, 3, 31)) == "2025-03-31"
    assert months_ago(-1, date(2026, 3, 1)) == "2026-03-31"
    assert months_ago(None, date(2026, 3, 1)) is None
    assert financial_year(date(2026, 3, 31)) == "2025-26"
    assert financial_year(date(2026, 4, 1)) == "2026-27"
    assert financial_year(date(2026, 4, 1), back=1) == "2025-26"
    assert financial_year(date(2099, 5, 1)) == "2099-00"
