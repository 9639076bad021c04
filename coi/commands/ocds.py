"""`flask import-ocds FILE`: opportunities from an OCDS release or record package."""

import click

from coi.commands import fail
from coi.errors import DomainError


@click.command("import-ocds")
@click.argument("file", type=click.File("rb"))
def import_ocds(file):
    """Create or update opportunities from an OCDS package (Contracts Finder, Find a Tender)."""
    from coi.services import ocds
    try:
        report = ocds.import_file(None, file.read())
    except DomainError as exc:
        fail(exc, file.name)
    for o in report.outcomes:
        title = f" {o.title!r}" if o.title else ""
        click.echo(f"{o.action:<9} {o.ocid}{title}: {o.detail}")
    click.echo(report.summary())


COMMANDS = [import_ocds]
