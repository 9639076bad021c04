"""The `flask` commands (SPEC §5). Each calls the same services as the pages and the API."""

import sys

import click

from coi.commands import fail
from coi.errors import DomainError


@click.command("create-user")
@click.argument("email")
@click.option("--role", required=True, help="ulo_staff, ulo_board, commissioner, auditor or admin")
@click.option("--org", "org", default=None, help="The organisation's exact name")
@click.option("--name", default=None, help="Full name (defaults to the email's local part)")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input")
def create_user(email, role, org, name, password_stdin):
    """Create an account (the first administrator too)."""
    from coi.services import users
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    data = {"email": email, "name": name or email.split("@")[0], "role": role,
            "password": password}
    if org:
        org_id = users.org_id_by_name(org)
        if org_id is None:
            fail(DomainError(f"No organisation is called {org!r}."))
        data["organisation_id"] = org_id
    try:
        user = users.create_user(None, data)
    except DomainError as exc:
        fail(exc)
    click.echo(f"Created {user.role} account {user.email} (id {user.id}).")

@click.command("create-token")
@click.argument("email")
@click.option("--name", default="Command line", help="A name to tell the token apart")
def create_token(email, name):
    """Print a new API token for an account as the last line."""
    from coi.services import users
    user = users.find_by_email(email)
    if user is None:
        fail(DomainError(f"No account has the email {email}."))
    try:
        token = users.issue_token(None, user.id, name)
    except DomainError as exc:
        fail(exc)
    click.echo(f"API token for {user.email} (shown once; store it safely):")
    click.echo(token)

COMMANDS = [create_user, create_token]

def init_app(app) -> None:
    """Add the account commands here and every feature's COMMANDS from coi/commands/."""
    import importlib
    import pkgutil

    from flask.cli import with_appcontext

    from coi import commands
    found = list(COMMANDS)
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        found.extend(importlib.import_module(f"coi.commands.{info.name}").COMMANDS)
    for command in found:
        # The app context for every command, also under a test runner (the `flask` script
        # pushes one itself; a bare click command would otherwise run without it).
        if command.callback is not None and not getattr(command, "coi_app_context", False):
            command.callback = with_appcontext(command.callback)
            command.coi_app_context = True  # commands are shared by every app: wrap once
        app.cli.add_command(command)

