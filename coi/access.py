"""Who may see and change what (SPEC §2). Services call these; views never decide access."""

from coi.errors import Forbidden
from coi.vocab import READ_ALL_ROLES, ULO_ROLES

WRITER_ROLES = ("ulo_staff", "ulo_board", "commissioner", "admin")


def sees_all(actor) -> bool:
    return actor is None or actor.role in READ_ALL_ROLES


def is_ulo(actor) -> bool:
    return actor is not None and actor.role in ULO_ROLES


def is_commissioner(actor) -> bool:
    return actor is not None and actor.role == "commissioner"


def own_org(actor) -> int | None:
    return None if actor is None else actor.organisation_id


def require(condition: bool, message: str) -> None:
    if not condition:
        raise Forbidden(message)


def require_writer(actor) -> None:
    """Auditors read everything and change nothing."""
    require(actor is None or actor.role in WRITER_ROLES,
            "Your role can read but not change records.")


def require_role(actor, *roles: str) -> None:
    names = ", ".join(roles)
    require(actor is None or actor.role in roles, f"Only these roles can do that: {names}.")


def actor_name(actor) -> str:
    """The name written into audit events: the account's email, or 'system' for the CLI."""
    return "system" if actor is None else actor.email
