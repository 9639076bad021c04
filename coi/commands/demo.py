"""`flask demo`: load a realistic fictional register and print a login for every role."""

import sys

import click
from flask import current_app

from coi import vocab
from coi.errors import DomainError

COLUMNS = ("Role", "Email", "Organisation", "Password")


def _table(logins) -> list[str]:
    rows = [(vocab.label(vocab.ROLES, x.role), x.email, x.organisation or "(none)", x.password)
            for x in logins]
    widths = [max(len(r[i]) for r in [COLUMNS, *rows]) for i in range(len(COLUMNS))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            for row in [COLUMNS, *rows]]


def _summary(counts: dict, flags: dict) -> list[str]:
    made = ", ".join(f"{n} {what}" for what, n in counts.items())
    lines = [f"Loaded the demo register: {made}."]
    if flags:
        found = ", ".join(f"{rule} {n}" for rule, n in flags.items())
        lines.append(f"The rules raised {sum(flags.values())} open flags ({found}).")
    return lines


@click.command("demo")
def demo():
    """Load a realistic fictional register into an empty one and print the demo logins."""
    from coi import demo as fictional
    try:
        result = fictional.load()
    except DomainError as exc:
        click.echo(f"Error: {exc.detail}", err=True)
        for err in exc.errors:
            click.echo(f"  {err['field']}: {err['message']}", err=True)
        sys.exit(1)
    for line in _summary(result["counts"], result["flags"]):
        click.echo(line)
    click.echo("")
    click.echo("Sign in at /login with any of these. The passwords are published with the "
               "demo: never load it into a register that real people use.")
    click.echo("")
    for line in _table(result["logins"]):
        click.echo(line)
    enrol = [vocab.label(vocab.ROLES, r).lower() for r in
             current_app.config.get("TWO_FACTOR_REQUIRED_ROLES") or ()]
    if enrol:
        click.echo("")
        click.echo(f"The {' and the '.join(enrol)} are asked to set up two-factor sign-in "
                   "(any authenticator app) when they first sign in.")


COMMANDS = [demo]
