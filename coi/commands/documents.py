"""`flask export-documents DIR` and `flask import-documents DIR`: every document revision as a
Markdown file with front matter, and such a folder read back."""

import sys
from pathlib import Path

import click

from coi.errors import DomainError


def _fail(exc: DomainError) -> None:
    click.echo(f"Error: {exc.detail}", err=True)
    for err in exc.errors:
        click.echo(f"  {err['field']}: {err['message']}", err=True)
    sys.exit(1)


@click.command("export-documents")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def export_documents(directory):
    """Write every document revision to DIRECTORY as Markdown with front matter."""
    from coi.services import document_files
    try:
        written = document_files.export_all(None, directory)
    except DomainError as exc:
        _fail(exc)
    click.echo(f"Wrote {len(written)} revision files to {directory}.")


@click.command("import-documents")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def import_documents(directory):
    """Read revision files from DIRECTORY back into the register (all or nothing)."""
    from coi.services import document_files
    try:
        report = document_files.import_folder(None, directory)
    except DomainError as exc:
        _fail(exc)
    for note in report.notes:
        click.echo(note)
    click.echo(report.summary())


COMMANDS = [export_documents, import_documents]
