"""What each role's home page counts: open flags by severity, and the records in scope."""

from sqlalchemy import func, select

from coi import db
from coi.models import Flag
from coi.services import flags


def open_flags_by_severity(actor) -> dict[str, int]:
    stmt = flags.FLAGS.scope(actor, select(Flag.severity, func.count()).where(
        Flag.status.in_(("open", "under_review"))).group_by(Flag.severity))
    counts = {"high": 0, "medium": 0, "low": 0}
    counts.update(dict(db.session().execute(stmt).all()))
    return counts


def for_actor(actor) -> dict:
    """The numbers and lists on the signed-in account's dashboard."""
    return {"flags": open_flags_by_severity(actor)}
