"""The request's connection on PostgreSQL: a connection the server dropped while it rested in the
pool is replaced before a page uses it, and reads run without a transaction around them while a
write still commits all or nothing."""

import pytest
from sqlalchemy import create_engine, text

from coi import create_app, db
from coi.errors import Invalid
from coi.services import base
from tests import backends


@pytest.fixture
def pg_app(tmp_path):
    url = backends.fresh_url("postgresql", tmp_path)
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": url,
                      "SCHEMA_FROM_MODELS": True, "ARGON2_PROFILE": "fast_for_tests"})
    yield app
    app.extensions["coi.engine"].dispose()


def _backend_pid(app) -> int:
    with app.test_request_context():
        return db.session().execute(text("SELECT pg_backend_pid()")).scalar()


def test_a_connection_dropped_while_resting_is_replaced_before_use(pg_app, monkeypatch):
    dropped = _backend_pid(pg_app)
    killer = create_engine(pg_app.config["DATABASE_URL"])
    with killer.connect() as other:
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dropped})
    killer.dispose()
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)
    assert _backend_pid(pg_app) != dropped  # the page read through a fresh connection
    assert pg_app.test_client().get("/healthz").status_code == 200


def test_reads_need_no_transaction_and_a_failed_write_saves_nothing(pg_app):
    with pg_app.test_request_context():
        s = db.session()
        assert s.execute(text("SELECT now() = statement_timestamp()")).scalar()  # no BEGIN
        with pytest.raises(Invalid), base.writing() as w:
            w.execute(text("CREATE TABLE half_written (n int)"))
            raise Invalid({"n": "refused after the first statement"})
        assert s.execute(text("SELECT to_regclass('half_written')")).scalar() is None


def test_reads_after_a_write_hold_no_transaction_open(pg_app):
    with pg_app.test_request_context():
        s = db.session()
        with base.writing() as w:
            w.execute(text("CREATE TABLE written_here (n int)"))
        s.execute(text("SELECT count(*) FROM written_here")).scalar()
        with pg_app.extensions["coi.engine"].connect() as other:
            waiting = other.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state = 'idle in transaction'")).scalar()
        assert waiting == 0  # a schema change elsewhere would not wait on this request
