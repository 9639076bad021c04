"""Alembic's entry point. The app passes its own connection (coi.migrate); the `alembic` command
line builds the app's engine from the same configuration (DATABASE_URL, instance folder)."""

from alembic import context
from sqlmodel import SQLModel

from coi import models  # noqa: F401  (registers every table on SQLModel.metadata)


def run_migrations(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    if context.is_offline_mode():
        raise SystemExit("Two Hats migrates a live database only; --sql is not supported.")
    given = context.config.attributes.get("connection")
    if given is not None:
        run_migrations(given)
        return
    from coi import create_app, migrate
    app = create_app({"CREATE_SCHEMA": False})
    with migrate.locked(app.extensions["coi.engine"]) as conn:
        run_migrations(conn)


main()
