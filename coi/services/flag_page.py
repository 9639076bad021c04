"""What a flag's page shows, in a handful of queries: the flag with the engagement, bid and
opportunity it is about (one query), the decisions minuted on it, the board with each member's
R6 conflicts, and the flag's history. Read as plain rows, not ORM records: the page only reads
them."""

from dataclasses import dataclass
from types import SimpleNamespace

from sqlalchemy import bindparam, select

from coi import db
from coi.errors import NotFound
from coi.ids import is_id
from coi.models import Bid, Engagement, Flag, Opportunity
from coi.services import decisions, flags

FLAG, ENGAGEMENT, BID, OPPORTUNITY = TABLES = tuple(
    model.__table__ for model in (Flag, Engagement, Bid, Opportunity))
# Built once: a flag and the records it is about, each table's columns in turn.
WITH_LINKED = (select(*TABLES)
               .outerjoin(ENGAGEMENT, ENGAGEMENT.c.id == FLAG.c.engagement_id)
               .outerjoin(BID, BID.c.id == FLAG.c.bid_id)
               .outerjoin(OPPORTUNITY, OPPORTUNITY.c.id == BID.c.opportunity_id)
               .where(FLAG.c.id == bindparam("flag_id")))


@dataclass
class FlagPage:
    """One flag and everything its page lists."""

    flag: SimpleNamespace
    linked: decisions.Linked
    decisions: list
    seats: list[decisions.BoardSeat]
    history: list


def _split(row) -> list[SimpleNamespace | None]:
    """One joined row as a record per table (None where the outer join found nothing)."""
    records, start = [], 0
    for table in TABLES:
        keys = table.c.keys()
        values = row[start:start + len(keys)]
        start += len(keys)
        records.append(None if values[0] is None
                       else SimpleNamespace(**dict(zip(keys, values, strict=True))))
    return records


def with_linked(actor, flag_id: int) -> tuple[SimpleNamespace, decisions.Linked]:
    """One flag the account may see with its engagement, bid and opportunity, read together
    (NotFound otherwise)."""
    stmt = flags.FLAGS.scope(actor, WITH_LINKED)
    row = db.session().connection().execute(stmt, {"flag_id": flag_id}).first() \
        if is_id(flag_id) else None
    if row is None:
        raise NotFound(f"No flag {flag_id}, or you may not see it.")
    flag, engagement, bid, opportunity = _split(row)
    return flag, decisions.Linked(engagement, bid, opportunity)


def flag_page(actor, flag_id: int) -> FlagPage:
    """A flag the account may see, with its linked records, decisions, board and history."""
    flag, found = with_linked(actor, flag_id)
    return FlagPage(flag, found, decisions.decisions_for(actor, flag_id, seen=flag),
                    decisions.seats(actor, flag, found),
                    flags.flag_history(actor, flag_id, seen=flag))
