"""Access table for declarations: the record pages and API, the declarations-due list and the
administrator's gift thresholds. A ULO's declarations are its own people's; a commissioner sees
only its own body's people's; an auditor reads them all and changes none."""

from tests.access.rules import ALL, ULO, WRITERS, Rule

READERS = ULO + ("auditor", "admin")
CHANGERS = ULO + ("admin",)


def extend_world(world) -> None:
    """A declaration by the ULO's board member, for the item routes."""
    from coi.services import declarations
    world["declaration"] = declarations.record_declaration(None, {
        "person_id": world["person"].id, "category": "financial",
        "description": "Shares in a care agency", "organisation_id": world["council"].id,
        "arose_on": "2025-01-10", "declared_on": "2025-01-20"})


def _item(suffix: str = ""):
    return lambda world, role: f"/declarations/{world['declaration'].id}{suffix}"


def _api_item(suffix: str = ""):
    return lambda world, role: f"/api/v1/declarations/{world['declaration'].id}{suffix}"


ITEM = "<int:record_id>"
ROUTES = {
    "GET /declarations": Rule(ALL),
    "GET /declarations/new": Rule(WRITERS),
    "POST /declarations/new": Rule(WRITERS),
    f"GET /declarations/{ITEM}": Rule(READERS, path=_item()),
    f"GET /declarations/{ITEM}/edit": Rule(CHANGERS, path=_item("/edit")),
    f"POST /declarations/{ITEM}/edit": Rule(CHANGERS, path=_item("/edit")),
    f"GET /declarations/{ITEM}/end": Rule(CHANGERS, path=_item("/end")),
    f"POST /declarations/{ITEM}/end": Rule(CHANGERS, path=_item("/end")),
    "GET /api/v1/declarations": Rule(ALL),
    "POST /api/v1/declarations": Rule(WRITERS),
    f"GET /api/v1/declarations/{ITEM}": Rule(READERS, path=_api_item()),
    f"PATCH /api/v1/declarations/{ITEM}": Rule(CHANGERS, path=_api_item()),
    f"POST /api/v1/declarations/{ITEM}/end": Rule(CHANGERS, path=_api_item("/end")),
    "GET /declarations/due": Rule(ALL),
    "GET /declarations/gift-thresholds": Rule(("admin",)),
    "POST /declarations/gift-thresholds": Rule(("admin",)),
}
