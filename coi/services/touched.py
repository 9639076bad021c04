"""Which ULOs and commissioning bodies a written record touches, for each kind of record.

Each finder adds to a `Targets`: for a (ULO, body) pair, R1 for the bids or engagements that
were written (a flag of R1 reads one engagement, one bid and its opportunity, nothing else) and
R4 or R5 for the body; for a whole ULO, R3, R7 or R8 (or R1 over every body, after a
partnership changes, and every rule after a rename, since reasons name people and bodies).
Every stored flag inside that scope is compared, so a flag whose facts stopped holding (its bid
withdrawn, its engagement corrected) is superseded.
"""

from sqlalchemy import or_, select, union

from coi.models import (
    Arrangement,
    AuditEvent,
    Bid,
    BoardMember,
    Document,
    Engagement,
    Flag,
    Income,
    Opportunity,
    Organisation,
    PartnershipMember,
    Person,
)
from coi.services import facts_written

EVERY_RULE = {"R1", "R3", "R4", "R5", "R7", "R8"}


def engagement(s, record, targets) -> None:
    """R1 for this engagement, R5 for its body."""
    work = targets.pair(record.ulo_id, record.commissioner_id)
    work.engagements[record.id] = facts_written.engagement_row(record)
    work.rules.add("R5")


def bid(s, record, targets) -> None:
    """R1 for this bid, R5 for the body that offers the opportunity."""
    # The bid is read with its opportunity once, here: the evaluation reuses the row.
    row = facts_written.written_bid(s, record.id)
    if row is not None:
        work = targets.pair(record.ulo_id, row[facts_written.BODY_OF_BID])
        work.bids.add(record.id)
        work.bid_rows[record.id] = row
        work.rules.add("R5")


def opportunity(s, record, targets) -> None:
    """R1 for every bid on it, and R5 for each bidding ULO and the body."""
    for bid_id, ulo in s.execute(select(Bid.id, Bid.ulo_id)
                                 .where(Bid.opportunity_id == record.id)).all():
        work = targets.pair(ulo, record.commissioner_id)
        work.bids.add(bid_id)
        work.rules.add("R5")


def arrangement(s, record, targets) -> None:
    """R4 for the ULO and body of the arrangement."""
    targets.pair(record.ulo_id, record.commissioner_id).rules.add("R4")


def income(s, record, targets) -> None:
    """R3 over the ULO's income."""
    targets.ulo_rules[record.ulo_id].add("R3")


def board_member(s, record, targets) -> None:
    """R7 (the board's make-up) and R8 (who must declare) for the ULO."""
    targets.ulo_rules[record.ulo_id].update({"R7", "R8"})


def declaration(s, record, targets) -> None:
    """R8 for the ULO the person belongs to and every ULO whose board they sit on."""
    ulos = s.execute(union(
        select(Person.organisation_id).join(Organisation, Organisation.id ==
                                            Person.organisation_id)
        .where(Person.id == record.person_id, Organisation.kind == "ulo"),
        select(BoardMember.ulo_id).where(BoardMember.person_id == record.person_id),
    )).scalars().all()
    for ulo in ulos:
        targets.ulo_rules[ulo].add("R8")


def document(s, record, targets) -> None:
    """Working principles (R5) and political-member notifications (R4) of one pair."""
    targets.pair(record.ulo_id, record.commissioner_id).rules.update({"R4", "R5"})
    if record.arrangement_id is not None:
        arranged = s.get(Arrangement, record.arrangement_id)
        if arranged is not None:
            targets.pair(arranged.ulo_id, arranged.commissioner_id).rules.add("R4")


def of_document(s, record, targets) -> None:
    """A revision or an agreement: what its document touches."""
    parent = s.get(Document, record.document_id)
    if parent is not None:
        document(s, parent, targets)


def partnership(s, record, targets) -> None:
    """R1 and R3 for every ULO that deals with a member, before or after the change."""
    members = set(s.execute(select(PartnershipMember.organisation_id).where(
        PartnershipMember.partnership_id == record.id)).scalars())
    _, before = _latest_event(s, "partnership", record.id)
    members |= set((before or {}).get("member_ids") or [])
    if not members:
        return
    ulos = s.execute(union(
        select(Engagement.ulo_id).where(Engagement.commissioner_id.in_(members)),
        select(Bid.ulo_id).join(Opportunity, Opportunity.id == Bid.opportunity_id)
        .where(Opportunity.commissioner_id.in_(members)),
        select(Income.ulo_id).where(Income.source_id.in_(members)),
        select(Flag.ulo_id).where(or_(Flag.commissioner_id.in_(members),
                                      Flag.fingerprint.like(f"R3:%:p{record.id}:%"))),
    )).scalars().all()
    for ulo in ulos:
        targets.ulo_rules[ulo].update({"R1", "R3"})


def organisation(s, record, targets) -> None:
    """A renamed ULO or body: its flags' reasons name it, so they are brought up to date."""
    if _is_new(s, "organisation", record.id):
        return
    if record.kind == "ulo":
        targets.ulo_rules[record.id].update(EVERY_RULE)
        return
    ulos = s.execute(select(Flag.ulo_id).where(Flag.commissioner_id == record.id)
                     .distinct()).scalars().all()
    for ulo in ulos:
        targets.ulo_rules[ulo].update(EVERY_RULE)


def person(s, record, targets) -> None:
    """A renamed person: reasons name them (R2, R8)."""
    if _is_new(s, "person", record.id):
        return
    kind = s.execute(select(Organisation.kind)
                     .where(Organisation.id == record.organisation_id)).scalar()
    if kind == "ulo":
        targets.ulo_rules[record.organisation_id].update(EVERY_RULE)


def _latest_event(s, entity: str, entity_id: int) -> tuple[str | None, dict | None]:
    """The action and 'before' of a record's latest audit event (this write's own event)."""
    row = s.execute(select(AuditEvent.action, AuditEvent.before).where(
        AuditEvent.entity == entity, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.seq.desc()).limit(1)).first()
    return (row[0], row[1]) if row else (None, None)


def _is_new(s, entity: str, entity_id: int) -> bool:
    """Just created: nothing can name it yet."""
    return (_latest_event(s, entity, entity_id)[0] or "").endswith(".create")


FINDERS = {
    "engagement": engagement, "bid": bid, "opportunity": opportunity,
    "arrangement": arrangement, "income": income, "board_member": board_member,
    "declaration": declaration, "document": document, "revision": of_document,
    "agreement": of_document, "partnership": partnership, "organisation": organisation,
    "person": person,
}
