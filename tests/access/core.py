"""Access table for the foundation's routes: accounts, pages, and every record kind's pages
and API."""

from tests.access.rules import ALL, READERS_OF_ULO, ULO, WRITERS, Rule, public

ROUTES = {
    "GET /": Rule(ALL),
    "GET /healthz": public(),
    "GET /accessibility": public(),
    "GET /methodology": public(),
    "GET /login": public(),
    "POST /login": public(),
    "GET /setup": Rule(()),  # only while the register is empty
    "POST /setup": Rule(()),
    "POST /logout": Rule(ALL),  # anonymous: sent to the sign-in page
    "GET /account": Rule(ALL),
    "POST /account/tokens": Rule(ALL),
    "POST /account/tokens/<int:token_id>/revoke": Rule(
        ALL, path=lambda w, role: f"/account/tokens/{w['tokens'].get(role, 1)}/revoke"),
    "POST /account/sign-out-everywhere": Rule(ALL),
    "GET /api/v1/openapi.json": public(),
}

# (segment, who may list, who may see the world's record, who may create, who may change it)
RECORDS = [
    ("organisations", ALL, ALL, ("admin",), ("admin",)),
    ("partnerships", ALL, ALL, ("admin",), ("admin",)),
    ("people", ALL, READERS_OF_ULO, WRITERS, WRITERS[:2] + ("admin",)),
    ("users", ALL, ("admin",), ("admin",), ("admin",)),
    ("board-members", ALL, READERS_OF_ULO, ULO + ("admin",), ULO + ("admin",)),
    ("income", ALL, READERS_OF_ULO, ULO + ("admin",), ULO + ("admin",)),
    ("arrangements", ALL, ALL, WRITERS, WRITERS),
    ("engagements", ALL, ALL, WRITERS, WRITERS),
    ("opportunities", ALL, ALL, ("commissioner", "admin"), ("commissioner", "admin")),
    ("bids", ALL, ALL, ULO + ("admin",), ULO + ("admin",)),
]

for seg, lister, reader, creator, changer in RECORDS:
    item = "<int:record_id>"
    ROUTES.update({
        f"GET /{seg}": Rule(lister),
        f"GET /{seg}/new": Rule(creator),
        f"POST /{seg}/new": Rule(creator),
        f"GET /{seg}/{item}": Rule(reader),
        f"GET /{seg}/{item}/edit": Rule(changer),
        f"POST /{seg}/{item}/edit": Rule(changer),
        f"GET /{seg}/{item}/end": Rule(changer),
        f"POST /{seg}/{item}/end": Rule(changer),
        f"GET /api/v1/{seg}": Rule(lister),
        f"POST /api/v1/{seg}": Rule(creator),
        f"GET /api/v1/{seg}/{item}": Rule(reader),
        f"PATCH /api/v1/{seg}/{item}": Rule(changer),
        f"POST /api/v1/{seg}/{item}/end": Rule(changer),
    })

# SPEC §5: the API's users collection is for administrators only (the pages let any account
# see its own entry).
ROUTES["GET /api/v1/users"] = Rule(("admin",))
