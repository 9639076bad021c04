"""The database engine (one per app, kept in app.extensions) and one Session per request."""

import time

from flask import current_app, g
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlmodel import Session

from coi import (
    audit,
    models,  # noqa: F401  (registers every table on SQLModel.metadata)
)


def make_engine(url: str) -> Engine:
    """An engine for url; SQLite gets WAL, foreign keys and BEGIN IMMEDIATE (ENGINEERING)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _tune_sqlite(engine)
        return engine
    engine = create_engine(url, pool_size=5, max_overflow=5)
    _ping_when_idle(engine)
    return engine


# A pooled connection that has rested this long is checked before use (the server may have
# restarted or dropped it); one in steady use is not, which saves a round trip per request.
PING_AFTER_IDLE_SECONDS = 10.0


def _ping_when_idle(engine: Engine) -> None:
    @event.listens_for(engine, "checkin")
    def _rested_from(_dbapi_connection, record):
        record.info["coi_checked_in"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _alive(dbapi_connection, record, _proxy):
        since = record.info.get("coi_checked_in")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError("the pooled connection is gone") from exc  # pool retries


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
    """The request's Session, opened on first use and closed on teardown.

    On PostgreSQL it reads in autocommit: at READ COMMITTED every statement reads its own
    snapshot whether or not a transaction wraps them, so the BEGIN and the ROLLBACK around a
    page's reads would be two round trips that change nothing. write_session() starts a real
    transaction."""
    if "db_session" not in g:
        g.db_session = Session(engine(), expire_on_commit=False)
        read_freely(g.db_session)
    return g.db_session


def read_freely(s: Session) -> None:
    """On PostgreSQL, the session's next reads run in autocommit (see session()): when it
    opens, and again after each write, so that no read holds a transaction (or its locks)
    open for the rest of the request."""
    if s.get_bind().dialect.name == "postgresql" and not s.in_transaction():
        s.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def write_session() -> Session:
    """The request's Session, in a fresh transaction that holds the write lock."""
    s = session()
    if s.in_transaction():
        # End the read transaction: unsaved changes are discarded; otherwise commit, which
        # (with expire_on_commit off) keeps loaded records usable after the request.
        if s.new or s.dirty or s.deleted:
            s.rollback()
        else:
            s.commit()
    s.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
    # PostgreSQL: the same lock from the start (the audit chain's advisory lock, which every
    # write's audit event takes anyway), so that a check made in the write sees what every
    # earlier write committed, as under SQLite's BEGIN IMMEDIATE.
    audit.chain_lock(s)
    s.info["coi_writing"] = True
    return s


@event.listens_for(Session, "do_orm_execute")
def _fresh_reads_in_writes(state) -> None:
    """Inside a write, a query refreshes the records it returns that this request had already
    loaded: a check made under the write lock must see what other writers committed since."""
    if state.is_select and state.session.info.get("coi_writing"):
        state.update_execution_options(populate_existing=True)


@event.listens_for(Session, "after_transaction_end")
def _write_ended(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop("coi_writing", None)


def _close_session(_exc=None) -> None:
    s = g.pop("db_session", None)
    if s is not None:
        s.close()


def create_schema(eng: Engine, from_models: bool = False) -> None:
    """Create or upgrade the database to the newest migration, audit triggers included
    (from_models: build it straight from the models instead, for the tests' speed)."""
    from coi import migrate
    if from_models:
        migrate.build_from_models(eng)
    else:
        migrate.upgrade(eng)


def init_app(app) -> None:
    eng = make_engine(app.config["DATABASE_URL"])
    app.extensions["coi.engine"] = eng
    app.teardown_appcontext(_close_session)
    if app.config.get("CREATE_SCHEMA", True):
        create_schema(eng, from_models=app.config.get("SCHEMA_FROM_MODELS", False))
