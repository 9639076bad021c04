"""The schema by Alembic migrations: every start upgrades the database to the newest revision.

A fresh database is created by the migrations in migrations/versions/; a database made by an
earlier version is upgraded in place; a register made before migrations existed (tables, no
alembic_version) is first stamped at the baseline it was built with. Starts of several workers at
once queue behind one lock, so exactly one of them migrates.
"""

from contextlib import contextmanager

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

from coi import ROOT

BASELINE = "0001"  # the schema of the versions that built the register with create_all
MIGRATION_LOCK_KEY = 7_071_2027

# SQLite and PostgreSQL refuse to change or remove an audit event (coi.audit). Migrations call
# create_audit_triggers; SQLite's batch mode recreates a table and drops its triggers with it.
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
DROP_AUDIT_TRIGGERS = {
    "sqlite": ["DROP TRIGGER IF EXISTS auditevent_no_update",
               "DROP TRIGGER IF EXISTS auditevent_no_delete"],
    "postgresql": ["DROP TRIGGER IF EXISTS auditevent_no_change ON auditevent",
                   "DROP FUNCTION IF EXISTS auditevent_refuse()"],
}


def create_audit_triggers(conn: Connection) -> None:
    """(Re)create the triggers that make the audit table append-only (idempotent)."""
    for statement in AUDIT_TRIGGERS.get(conn.dialect.name, []):
        conn.execute(text(statement))


def drop_audit_triggers(conn: Connection) -> None:
    for statement in DROP_AUDIT_TRIGGERS.get(conn.dialect.name, []):
        conn.execute(text(statement))


def alembic_config(conn: Connection | None = None) -> Config:
    """Alembic's configuration, bound to conn when given (as the app does at start)."""
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    if conn is not None:
        cfg.attributes["connection"] = conn
    return cfg


def head() -> str:
    """The newest revision this version of the code knows."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def known(revision: str) -> bool:
    """Whether revision is one of this version's migrations."""
    script = ScriptDirectory.from_config(alembic_config())
    return any(rev.revision == revision for rev in script.walk_revisions())


def current(conn: Connection) -> str | None:
    """The revision the database is at (None: empty, or made before migrations)."""
    return MigrationContext.configure(conn).get_current_revision()


@contextmanager
def locked(engine: Engine):
    """One connection in one transaction that no other writer or migration interleaves with.

    SQLite: BEGIN IMMEDIATE, foreign keys checked once at the end (batch mode recreates tables,
    which SQLite allows only with enforcement off); PostgreSQL: an advisory lock.
    """
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.execution_options(sqlite_begin="IMMEDIATE").begin():
                if not sqlite:
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"),
                                 {"k": MIGRATION_LOCK_KEY})
                yield conn
                if sqlite:
                    _foreign_keys_hold(conn)
        finally:
            if sqlite:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


def _foreign_keys_hold(conn: Connection) -> None:
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        table, rowid, parent, _ = broken[0]
        raise RuntimeError(f"{len(broken)} rows refer to missing records "
                           f"(first: {table} row {rowid} -> {parent}); nothing was changed")


def upgrade_in(conn: Connection, revision: str = "head") -> None:
    """Upgrade the database behind conn (inside its transaction) to revision."""
    tables = set(inspect(conn).get_table_names())
    if "alembic_version" not in tables and "auditevent" in tables:
        command.stamp(alembic_config(conn), BASELINE)
    command.upgrade(alembic_config(conn), revision)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the database to revision (default: the newest), all or nothing."""
    with locked(engine) as conn:
        upgrade_in(conn, revision)


def build_from_models(engine: Engine) -> None:
    """A fresh test database straight from the models, stamped as the newest revision.

    Only for the test suite (about twice as fast as migrating); tests/test_migrations.py checks
    that the migrations build the same schema, so the two cannot drift apart unnoticed.
    """
    from sqlmodel import SQLModel
    with locked(engine) as conn:
        SQLModel.metadata.create_all(conn)
        create_audit_triggers(conn)
        command.stamp(alembic_config(conn), "head")
