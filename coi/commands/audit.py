"""`flask audit verify` and `flask audit export`: the audit chain from the command line."""

import sys

import click

from coi.services import audit_export, history


@click.group("audit")
def audit():
    """Check or export the audit chain."""


@audit.command("verify")
def verify():
    """Walk the audit chain; exit 0 only when it is intact, else name the first broken event."""
    verdict = history.verify_chain(None)
    if verdict.intact:
        click.echo(f"The audit chain is intact: {verdict.count} events.")
        click.echo(f"Head: event {verdict.head_seq}, hash {verdict.head_hash}")
        return
    click.echo(f"The audit chain is BROKEN at event {verdict.broken_seq}: {verdict.reason}.",
               err=True)
    click.echo(f"The {verdict.count} events before it are intact (up to event "
               f"{verdict.head_seq}, hash {verdict.head_hash}).", err=True)
    sys.exit(1)


@audit.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json",
              show_default=True, help="JSON keeps every value; CSV opens in a spreadsheet")
def export(file, fmt):
    """Write the whole audit chain to FILE, to verify with tools/verify_audit.py."""
    if file == "-":
        audit_export.write(None, sys.stdout, fmt)
        return
    with open(file, "w", encoding="utf-8", newline="") as stream:
        seq, digest = audit_export.write(None, stream, fmt)
    click.echo(f"Exported {seq} events to {file} (head: event {seq}, hash {digest}).")


COMMANDS = [audit]
