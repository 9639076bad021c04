"""`flask quorum`: how many non-conflicted voting board members a decision needs."""

import click

from coi.commands import fail
from coi.errors import DomainError


@click.command("quorum")
@click.argument("number", required=False)
def quorum(number):
    """Show the quorum for board decisions, or set it to NUMBER (1 to 20)."""
    from coi.services import decisions
    if number is None:
        click.echo(f"A decision needs {decisions.quorum()} voting board members without a "
                   "conflict.")
        return
    try:
        value = decisions.set_quorum(None, number)
    except DomainError as exc:
        fail(exc)
    click.echo(f"The quorum is now {value}.")


COMMANDS = [quorum]
