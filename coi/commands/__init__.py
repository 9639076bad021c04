"""Each feature's `flask` commands, one module each with a COMMANDS list (see coi.cli)."""

import sys
from typing import NoReturn

import click

from coi.errors import DomainError


def fail(exc: DomainError, where: str = "") -> NoReturn:
    """Print a refusal the way every command does (its detail, then each field's message) to
    stderr, and exit with status 1."""
    click.echo(f"Error: {where + ': ' if where else ''}{exc.detail}", err=True)
    for err in exc.errors:
        click.echo(f"  {err['field']}: {err['message']}", err=True)
    sys.exit(1)
