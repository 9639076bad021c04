"""One ULO and one commissioning body side by side: the engagements (voice), the bids (business)
and the flags that link them, as far as the actor may see them."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select

from coi import access, db
from coi.errors import NotFound
from coi.models import Arrangement, Bid, Engagement, Flag, Opportunity, Organisation
from coi.services import engagements, flags, opportunities, ulo

NOT_YOURS = ("There is no relationship to show for these organisations, or you may not see it. "
             "You can see the relationships of your own organisation.")


@dataclass
class Relationship:
    """What one ULO and one commissioning body have done together, oldest first."""

    ulo: Organisation
    body: Organisation
    engagements: list[Engagement]
    bids: list[tuple[Bid, Opportunity]]
    flags: list[Flag]
    arrangements: list[Arrangement]


def _orgs(kind: str, only: int | None = None) -> list[tuple[int, str]]:
    stmt = select(Organisation.id, Organisation.name).where(Organisation.kind == kind)
    if only is not None:
        stmt = stmt.where(Organisation.id == only)
    return [tuple(r) for r in db.session().execute(stmt.order_by(Organisation.name))]


def choices(actor) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The ULOs and the commissioning bodies the actor may pair: its own side is fixed."""
    if access.sees_all(actor):
        return _orgs("ulo"), _orgs("commissioner")
    own = access.own_org(actor) or -1
    if access.is_commissioner(actor):
        return _orgs("ulo"), _orgs("commissioner", own)
    return _orgs("ulo", own), _orgs("commissioner")


def _party(s, org_id, kind: str) -> Organisation:
    org = s.get(Organisation, org_id) if org_id else None
    if org is None or org.kind != kind:
        raise NotFound(NOT_YOURS)
    return org


def _require_party(actor, ulo_id: int, body_id: int) -> None:
    if access.sees_all(actor):
        return
    own = access.own_org(actor)
    if (access.is_ulo(actor) and own == ulo_id) or \
            (access.is_commissioner(actor) and own == body_id):
        return
    raise NotFound(NOT_YOURS)


def get_relationship(actor, ulo_id: int, commissioner_id: int) -> Relationship:
    """Everything between one ULO and one body that the actor may see; 404 when it is not
    the actor's own relationship (a ULO sees its own, a commissioner its body's)."""
    s = db.session()
    ulo_org, body = _party(s, ulo_id, "ulo"), _party(s, commissioner_id, "commissioner")
    _require_party(actor, ulo_org.id, body.id)
    bids = _bids(s, actor, ulo_org.id, body.id)
    found = _engagements(s, actor, [Engagement.ulo_id == ulo_org.id,
                                    Engagement.commissioner_id == body.id])
    flag_rows = _flags(s, actor, ulo_org.id, body.id, [e.id for e in found],
                       [b.id for b, _ in bids])
    # An engagement with a partner body can flag a bid on this body's opportunity: show it too.
    shown = {e.id for e in found}
    wanted = {f.engagement_id for f in flag_rows if f.engagement_id} - shown
    if wanted:
        found += _engagements(s, actor, [Engagement.id.in_(wanted)])
    found.sort(key=lambda e: (e.started_on, e.id))
    arrangements = s.execute(ulo.ARRANGEMENTS.scope(actor, select(Arrangement)).where(
        Arrangement.ulo_id == ulo_org.id, Arrangement.commissioner_id == body.id)
        .order_by(Arrangement.started_on)).scalars().all()
    return Relationship(ulo_org, body, found, bids, flag_rows, list(arrangements))


def _engagements(s, actor, where: list) -> list[Engagement]:
    stmt = engagements.ENGAGEMENTS.scope(actor, select(Engagement)).where(*where)
    return list(s.execute(stmt.order_by(Engagement.started_on, Engagement.id)).scalars())


def _bids(s, actor, ulo_id: int, body_id: int) -> list[tuple[Bid, Opportunity]]:
    stmt = opportunities.BIDS.scope(actor, select(Bid, Opportunity).join(
        Opportunity, Opportunity.id == Bid.opportunity_id)).where(
        Bid.ulo_id == ulo_id, Opportunity.commissioner_id == body_id)
    rows = s.execute(stmt.order_by(Bid.id)).all()
    return sorted(((b, o) for b, o in rows), key=lambda r: (bid_date(*r) or date.max, r[0].id))


def bid_date(bid: Bid, opportunity: Opportunity):
    """When a bid sits on the timeline: submitted, else the tender's publication or close."""
    return bid.submitted_on or opportunity.published_on or opportunity.closes_on


def _flags(s, actor, ulo_id: int, body_id: int, engagement_ids: list, bid_ids: list):
    links = [Flag.commissioner_id == body_id]
    if engagement_ids:
        links.append(Flag.engagement_id.in_(engagement_ids))
    if bid_ids:
        links.append(Flag.bid_id.in_(bid_ids))
    stmt = flags.FLAGS.scope(actor, select(Flag)).where(Flag.ulo_id == ulo_id, or_(*links))
    return list(s.execute(stmt.order_by(flags.SEVERITY_ORDER, Flag.id)).scalars())
