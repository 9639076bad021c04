"""The shape of an access-table entry, shared by every feature's table."""

from collections.abc import Callable
from dataclasses import dataclass

ULO = ("ulo_staff", "ulo_board")
ALL = ("ulo_staff", "ulo_board", "commissioner", "auditor", "admin")
WRITERS = ("ulo_staff", "ulo_board", "commissioner", "admin")
READERS_OF_ULO = ("ulo_staff", "ulo_board", "auditor", "admin")


@dataclass
class Rule:
    """Who may use a route: roles (and "anonymous" for public pages); path builds a concrete
    URL from the test world when the rule has parameters other than record_id; body is sent
    with POST/PATCH (empty by default, so most writes stop at validation)."""

    roles: tuple
    path: Callable | None = None
    body: dict | None = None


def public() -> Rule:
    return Rule(("anonymous",) + ALL)
