"""Sign-in security from the command line: `flask end-sessions EMAIL` and
`flask reset-two-factor EMAIL` (for a locked-out administrator, whom no one else can help)."""

import click
from flask.cli import with_appcontext

from coi.commands import fail
from coi.errors import DomainError, NotFound


def _user_id(email: str) -> int:
    from coi.services import users
    user = users.find_by_email(email)
    if user is None:
        fail(NotFound(f"No account with the email address {email}."))
    return user.id


@click.command("end-sessions")
@click.argument("email")
@with_appcontext
def end_sessions_command(email):
    """Sign an account out on every device at once."""
    from coi.services import credentials
    try:
        user = credentials.end_sessions(None, _user_id(email))
    except DomainError as exc:
        fail(exc)
    click.echo(f"Every session of {user.email} has ended.")


@click.command("reset-two-factor")
@click.argument("email")
@with_appcontext
def reset_two_factor_command(email):
    """Turn off an account's two-factor sign-in (a lost phone) and end its sessions."""
    from coi.services import twofactor
    try:
        user = twofactor.reset(None, _user_id(email))
    except DomainError as exc:
        fail(exc)
    click.echo(f"Two-factor sign-in was reset for {user.email}; its sessions have ended. "
               "It sets up again at its next sign-in if its role requires it.")


COMMANDS = [end_sessions_command, reset_two_factor_command]
