"""Access table for the auditor's history: auditors and administrators only, read-only."""

from tests.access.rules import Rule

AUDIT = ("auditor", "admin")


def _record(world, role) -> str:
    return f"/history/bid/{world['bid'].id}"


ROUTES = {
    "GET /history": Rule(AUDIT),
    "GET /history/verify": Rule(AUDIT),
    "GET /history/declarations": Rule(AUDIT),
    "GET /history/<entity>/<int:entity_id>": Rule(AUDIT, path=_record),
    "GET /history/export.json": Rule(AUDIT),
    "GET /history/export.csv": Rule(AUDIT),
    "GET /api/v1/audit": Rule(AUDIT),
    "GET /api/v1/audit/verify": Rule(AUDIT),
}
