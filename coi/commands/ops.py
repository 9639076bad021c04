"""Operations: `flask backup FILE` and `flask restore FILE` (see docs/operations.md)."""

import click
from flask import current_app
from flask.cli import with_appcontext

from coi.commands import fail
from coi.errors import DomainError


def _engine():
    return current_app.extensions["coi.engine"]


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup_command(file):
    """Write a consistent copy of the whole register to FILE."""
    from coi.services import backup
    try:
        manifest = backup.backup(_engine(), file)
    except DomainError as exc:
        fail(exc)
    rows = sum(manifest.rows().values())
    click.echo(f"Backed up {rows} rows of {len(manifest.tables)} tables to {file} "
               f"(schema revision {manifest.revision}).")
    click.echo(f"Audit chain head: event {manifest.audit_head['seq']}, "
               f"hash {manifest.audit_head['hash']}")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True,
              help="Replace a register that is not empty (everything in it is lost)")
@with_appcontext
def restore_command(file, force):
    """Restore the register from FILE into an empty database (all or nothing)."""
    from coi.services import backup
    try:
        manifest = backup.restore(_engine(), file, force=force)
    except DomainError as exc:
        fail(exc)
    rows = sum(manifest.rows().values())
    click.echo(f"Restored {rows} rows of {len(manifest.tables)} tables from {file}; the audit "
               f"chain verifies up to event {manifest.audit_head['seq']}, "
               f"hash {manifest.audit_head['hash']}.")


COMMANDS = [backup_command, restore_command]
