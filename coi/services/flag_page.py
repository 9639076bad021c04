"""What a flag's page shows, in a handful of queries: the flag with the engagement, bid and
opportunity it is about (one query), the decisions minuted on it, the board with each member's
R6 conflicts, and the flag's history."""

from dataclasses import dataclass

from sqlalchemy import select

from coi import db
from coi.errors import NotFound
from coi.ids import is_id
from coi.models import AuditEvent, Bid, Decision, Engagement, Flag, Opportunity
from coi.services import decisions, flags


@dataclass
class FlagPage:
    """One flag and everything its page lists."""

    flag: Flag
    linked: decisions.Linked
    decisions: list[Decision]
    seats: list[decisions.BoardSeat]
    history: list[AuditEvent]


def with_linked(actor, flag_id: int) -> tuple[Flag, decisions.Linked]:
    """One flag the account may see with its engagement, bid and opportunity, read together
    (NotFound otherwise)."""
    stmt = flags.FLAGS.scope(actor, select(Flag, Engagement, Bid, Opportunity)
                             .outerjoin(Engagement, Engagement.id == Flag.engagement_id)
                             .outerjoin(Bid, Bid.id == Flag.bid_id)
                             .outerjoin(Opportunity, Opportunity.id == Bid.opportunity_id)
                             .where(Flag.id == flag_id))
    row = db.session().execute(stmt).first() if is_id(flag_id) else None
    if row is None:
        raise NotFound(f"No flag {flag_id}, or you may not see it.")
    flag, engagement, bid, opportunity = row
    return flag, decisions.Linked(engagement, bid, opportunity)


def flag_page(actor, flag_id: int) -> FlagPage:
    """A flag the account may see, with its linked records, decisions, board and history."""
    flag, found = with_linked(actor, flag_id)
    return FlagPage(flag, found, decisions.decisions_for(actor, flag_id, seen=flag),
                    decisions.seats(actor, flag), flags.flag_history(actor, flag_id, seen=flag))
