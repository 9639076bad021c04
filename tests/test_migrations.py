"""The schema comes from Alembic migrations on SQLite and PostgreSQL: they build exactly what
coi/models.py describes, keep the audit table append-only, upgrade an earlier register without
losing a row, and run once however many workers start together."""

import threading
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, func, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

from coi import audit, create_app, db, migrate
from tests import backends

HOW_TO_FIX = ("coi/models.py and migrations/versions/ disagree. Add a migration: "
              "see 'Changing the schema' in docs/operations.md")


@pytest.fixture(params=backends.BACKENDS)
def engine(request, tmp_path):
    eng = db.make_engine(backends.fresh_url(request.param, tmp_path))
    yield eng
    eng.dispose()


def _revision(engine) -> str | None:
    with engine.connect() as conn:
        return migrate.current(conn)


def test_migrations_build_exactly_what_the_models_describe(engine):
    migrate.upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                SQLModel.metadata)
    assert diff == [], f"{HOW_TO_FIX}\n" + "\n".join(map(str, diff))


def test_first_start_creates_the_register_by_migrations(tmp_path):
    url = backends.fresh_url("sqlite", tmp_path)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "t"})
    eng = app.extensions["coi.engine"]
    assert _revision(eng) == migrate.head()
    eng.dispose()


def _add_event(conn, prev: tuple[int, str], action: str) -> tuple[int, str]:
    seq, prev_hash = prev[0] + 1, prev[1]
    event = SimpleNamespace(seq=seq, at=datetime(2026, 1, seq, tzinfo=UTC), actor="system",
                            action=action, entity="organisation", entity_id=1,
                            before=None, after={"name": "Equal Voices"})
    event.hash = audit.event_hash(prev_hash, audit.hashed_fields(event))
    conn.execute(insert(audit.AuditEvent.__table__).values(prev_hash=prev_hash, **vars(event)))
    return seq, event.hash


def test_migrated_audit_table_refuses_changes_and_removals(engine):
    migrate.upgrade(engine)
    with engine.begin() as conn:
        _add_event(conn, (0, audit.GENESIS), "organisation.create")
    for statement in ("UPDATE auditevent SET actor = 'someone else'", "DELETE FROM auditevent"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    with engine.connect() as conn:
        assert conn.execute(select(audit.AuditEvent.actor)).scalars().all() == ["system"]


def _earlier_register(engine) -> dict:
    """A register as the first versions left it: built at the baseline, with records."""
    migrate.upgrade(engine, migrate.BASELINE)
    old = MetaData()
    with engine.begin() as conn:
        old.reflect(conn)
        org = old.tables["organisation"]
        conn.execute(insert(org), [
            {"id": 1, "kind": "ulo", "name": "Equal Voices", "localities": ["Leeds"]},
            {"id": 2, "kind": "commissioner", "name": "Leeds City Council", "localities": []}])
        conn.execute(insert(old.tables["engagement"]).values(
            id=1, ulo_id=1, commissioner_id=2, title="Advocacy review", question="Who?",
            purposes=["consultation"], influence="drafted", service_areas=["advocacy"],
            localities=[], started_on=date(2025, 1, 10), participant_ids=[], notes=""))
        head = (0, audit.GENESIS)
        for action in ("organisation.create", "organisation.create", "engagement.create"):
            head = _add_event(conn, head, action)
    return {"organisations": 2, "engagements": 1, "head": head}


def _counts(engine) -> dict:
    from coi.models import Engagement, Organisation
    with engine.connect() as conn:
        def count(model):
            return conn.execute(select(func.count()).select_from(model)).scalar()
        return {"organisations": count(Organisation), "engagements": count(Engagement),
                "head": audit.head(conn)}


def _verdict(engine):
    from sqlmodel import Session
    with Session(engine) as s:
        return audit.verify(s)


def test_upgrading_an_earlier_register_keeps_every_record_and_the_chain(engine):
    before = _earlier_register(engine)
    migrate.upgrade(engine)
    assert _revision(engine) == migrate.head()
    assert _counts(engine) == before
    assert _verdict(engine).intact


def test_upgrading_twice_changes_nothing(engine):
    before = _earlier_register(engine)
    migrate.upgrade(engine)
    migrate.upgrade(engine)
    assert _revision(engine) == migrate.head()
    assert _counts(engine) == before


def test_register_made_before_migrations_existed_is_adopted_and_upgraded(engine):
    before = _earlier_register(engine)
    with engine.begin() as conn:  # the first versions used create_all: no alembic_version
        conn.execute(text("DROP TABLE alembic_version"))
    migrate.upgrade(engine)
    assert _revision(engine) == migrate.head()
    assert _counts(engine) == before
    assert _verdict(engine).intact


def test_workers_starting_at_once_migrate_exactly_once(engine):
    engines = [db.make_engine(engine.url.render_as_string(hide_password=False))
               for _ in range(4)]
    errors = []

    def start(eng):
        try:
            migrate.upgrade(eng)
        except Exception as exc:  # noqa: BLE001 - the assertion below names it
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(eng,)) for eng in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for eng in engines:
        eng.dispose()
    assert errors == []
    assert _revision(engine) == migrate.head()
