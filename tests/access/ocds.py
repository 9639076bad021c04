"""Access table for the OCDS import and the CPV table: pages and API."""

from tests.access.rules import ALL, Rule

IMPORTERS = ("commissioner", "admin")

ROUTES = {
    # An empty upload is a 422 for those who may import; everyone else is refused first.
    "GET /opportunities/import": Rule(IMPORTERS),
    "POST /opportunities/import": Rule(IMPORTERS),
    "POST /api/v1/opportunities/import": Rule(IMPORTERS),
    "GET /admin/cpv": Rule(("admin",)),
    "POST /admin/cpv": Rule(("admin",)),  # an empty table is refused with a 422
    "GET /api/v1/cpv-map": Rule(ALL),
    "PATCH /api/v1/cpv-map": Rule(("admin",)),
}
