"""Access table for the rules' routes: the administrator's settings page and thresholds API,
and the read-only flags API (every role sees the flags of its own organisation)."""

from sqlalchemy import select

from tests.access.rules import ALL, Rule

ADMIN = ("admin",)


def extend_world(world) -> None:
    """The world's R1 flag (raised when the factory recorded the engagement and the bid)."""
    from coi import db
    from coi.models import Flag
    world["flag"] = db.session().execute(select(Flag).where(
        Flag.engagement_id == world["engagement"].id,
        Flag.bid_id == world["bid"].id)).scalar_one()


def _flag(suffix: str = ""):
    return lambda world, role: f"/api/v1/flags/{world['flag'].id}{suffix}"


ROUTES = {
    "GET /admin/settings": Rule(ADMIN),
    "POST /admin/settings/thresholds": Rule(ADMIN),  # an empty form is a 422: allowed
    "POST /admin/settings/service-areas": Rule(ADMIN),
    "GET /api/v1/settings/thresholds": Rule(ADMIN),
    "PATCH /api/v1/settings/thresholds": Rule(ADMIN),
    "POST /admin/settings/quorum": Rule(ADMIN),
    "GET /api/v1/settings/quorum": Rule(ADMIN),
    "PATCH /api/v1/settings/quorum": Rule(ADMIN),
    "GET /api/v1/flags": Rule(ALL),
    "GET /api/v1/flags/<int:record_id>": Rule(ALL, path=_flag()),
    "GET /api/v1/flags/<int:record_id>/history": Rule(ALL, path=_flag("/history")),
}
