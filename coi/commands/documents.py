"""`flask export-documents DIR` and `flask import-documents DIR`: every document revision as a
Markdown file with front matter, and such a folder read back."""

from pathlib import Path

import click

from coi.commands import fail
from coi.errors import DomainError


@click.command("export-documents")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def export_documents(directory):
    """Write every document revision to DIRECTORY as Markdown with front matter."""
    from coi.services import document_files
    try:
        written = document_files.export_all(None, directory)
    except DomainError as exc:
        fail(exc)
    click.echo(f"Wrote {len(written)} revision files to {directory}.")


@click.command("import-documents")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def import_documents(directory):
    """Read revision files from DIRECTORY back into the register (all or nothing)."""
    from coi.services import document_files
    try:
        report = document_files.import_folder(None, directory)
    except DomainError as exc:
        fail(exc)
    for note in report.notes:
        click.echo(note)
    click.echo(report.summary())


COMMANDS = [export_documents, import_documents]
