"""The database engine (one per app, kept in app.extensions) and one Session per request."""

from flask import current_app, g
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from coi import models  # noqa: F401  (registers every table on SQLModel.metadata)

AUDIT_TRIGGERS = {
    "sqlite": [
        "CREATE TRIGGER IF NOT EXISTS auditevent_no_update BEFORE UPDATE ON auditevent "
        "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
        "CREATE TRIGGER IF NOT EXISTS auditevent_no_delete BEFORE DELETE ON auditevent "
        "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION auditevent_refuse() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'audit events are append-only'; END $$ LANGUAGE plpgsql",
        "DROP TRIGGER IF EXISTS auditevent_no_change ON auditevent",
        "CREATE TRIGGER auditevent_no_change BEFORE UPDATE OR DELETE ON auditevent "
        "FOR EACH ROW EXECUTE FUNCTION auditevent_refuse()",
    ],
}


def make_engine(url: str) -> Engine:
    """An engine for url; SQLite gets WAL, foreign keys and BEGIN IMMEDIATE (ENGINEERING)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _tune_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A write takes the lock up front (a deferred BEGIN fails at once when it upgrades);
        # reads stay deferred so that they never queue behind writers.
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def engine() -> Engine:
    return current_app.extensions["coi.engine"]


def session() -> Session:
    """The request's Session, opened on first use and closed on teardown."""
    if "db_session" not in g:
        g.db_session = Session(engine(), expire_on_commit=False)
    return g.db_session


def write_session() -> Session:
    """The request's Session, in a fresh transaction that holds the write lock (on SQLite)."""
    s = session()
    if s.in_transaction():
        s.rollback()
    s.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
    return s


def _close_session(_exc=None) -> None:
    s = g.pop("db_session", None)
    if s is not None:
        s.close()


def create_schema(eng: Engine) -> None:
    """Create every table and the audit triggers (idempotent)."""
    SQLModel.metadata.create_all(eng)
    with eng.begin() as conn:
        for statement in AUDIT_TRIGGERS.get(eng.dialect.name, []):
            conn.execute(text(statement))


def init_app(app) -> None:
    eng = make_engine(app.config["DATABASE_URL"])
    app.extensions["coi.engine"] = eng
    app.teardown_appcontext(_close_session)
    if app.config.get("CREATE_SCHEMA", True):
        create_schema(eng)
