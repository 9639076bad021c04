"""The register's rows copied into the rules' plain facts, with a few set-based queries.

One call reads a batch of ULOs (one, fifty or all of them) table by table, never row by row:
`read` runs the queries and `build` turns their rows into one `UloFacts` per ULO. A write that
touched one ULO and one commissioning body reads only that pair's records (`bodies=`, or
`coi.services.facts_written` for the records the write itself changed).
"""

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from sqlalchemy import (
    and_,
    or_,
    select,
)

from coi import models
from coi.rules import (
    ArrangementFact,
    BidFact,
    BoardMemberFact,
    DeclarationFact,
    EngagementFact,
    IncomeFact,
    NotificationFact,
    OpportunityFact,
    PartnershipFact,
    PrinciplesFact,
    UloFacts,
    split_register,
)

# Core columns, read through the session's connection: no ORM layer for plain rows.
Agreement = models.Agreement.__table__.c
Arrangement = models.Arrangement.__table__.c
Bid = models.Bid.__table__.c
BoardMember = models.BoardMember.__table__.c
Declaration = models.Declaration.__table__.c
Document = models.Document.__table__.c
Engagement = models.Engagement.__table__.c
Income = models.Income.__table__.c
Opportunity = models.Opportunity.__table__.c
Organisation = models.Organisation.__table__.c
Partnership = models.Partnership.__table__.c
PartnershipMember = models.PartnershipMember.__table__.c
Person = models.Person.__table__.c
Setting = models.Setting.__table__.c

BID_OPPORTUNITY = (models.Opportunity.__table__, Opportunity.id == Bid.opportunity_id)
PRINCIPLES, NOTIFICATION = "working_principles", "political_notification"
# The tables each rule reads (R6 is checked when a flag is decided, so it reads none here).
PARTS_OF_RULE = {
    "R1": {"engagements", "bids"}, "R3": {"income"}, "R4": {"arrangements"},
    "R5": {"engagements", "bids", "principles"}, "R7": {"board"},
    "R8": {"board", "declarations"},
}
ALL_PARTS = frozenset().union(*PARTS_OF_RULE.values())

ENGAGEMENT = (Engagement.id, Engagement.ulo_id, Engagement.commissioner_id, Engagement.influence,
              Engagement.started_on, Engagement.ended_on, Engagement.service_areas,
              Engagement.localities, Engagement.participant_ids,
              Engagement.withdrawn_at.is_not(None))
OPPORTUNITY = (Opportunity.id, Opportunity.commissioner_id, Opportunity.service_areas,
               Opportunity.localities, Opportunity.value_pence, Opportunity.route,
               Opportunity.published_on, Opportunity.withdrawn_at.is_not(None))
BID = (Bid.id, Bid.ulo_id, Bid.opportunity_id, Bid.status, Bid.submitted_on, Bid.team_ids)
ARRANGEMENT = (Arrangement.id, Arrangement.ulo_id, Arrangement.commissioner_id,
               Arrangement.started_on, Arrangement.ended_on, Arrangement.kind)
INCOME = (Income.id, Income.ulo_id, Income.source_id, Income.source_name,
          Income.financial_year, Income.amount_pence)
BOARD = (BoardMember.ulo_id, BoardMember.person_id, BoardMember.started_on,
         BoardMember.ended_on, BoardMember.voting, BoardMember.from_constituency)
DECLARATION = (Declaration.id, Declaration.person_id, Declaration.category,
               Declaration.arose_on, Declaration.declared_on, Declaration.ended_on,
               Declaration.organisation_id, Declaration.opportunity_id)


@dataclass
class Rows:
    """The raw rows of one read, table by table (what the benchmark's read floor times)."""

    ulo_ids: list[int]
    partnerships: list = field(default_factory=list)
    engagements: list = field(default_factory=list)
    bids: list = field(default_factory=list)
    opportunities: list = field(default_factory=list)
    arrangements: list = field(default_factory=list)
    notifications: list = field(default_factory=list)
    principles: list = field(default_factory=list)
    agreements: list = field(default_factory=list)
    income: list = field(default_factory=list)
    board: list = field(default_factory=list)
    declarations: list = field(default_factory=list)
    people: list = field(default_factory=list)
    org_names: dict = field(default_factory=dict)


def run(s, stmt, params=None):
    return s.connection().execute(stmt, params)


def parts_for(rules: Iterable[str] | None) -> frozenset[str]:
    """The tables the given rules read (every table when rules is None)."""
    if rules is None:
        return ALL_PARTS
    return frozenset().union(*(PARTS_OF_RULE.get(rule, set()) for rule in rules))


def partnerships(s) -> tuple[PartnershipFact, ...]:
    """Every commissioning partnership in force, with its members."""
    return partnership_facts(_partnership_rows(s))


def _partnership_rows(s) -> list:
    return run(s, select(Partnership.id, Partnership.name, PartnershipMember.organisation_id)
                .join(models.PartnershipMember.__table__,
                      PartnershipMember.partnership_id == Partnership.id)
                .where(Partnership.ended_on.is_(None))
                .order_by(Partnership.id)).all()


def partnership_facts(rows) -> tuple[PartnershipFact, ...]:
    members: dict[tuple[int, str], set[int]] = defaultdict(set)
    for pid, name, org in rows:
        members[(pid, name)].add(org)
    return tuple(PartnershipFact(pid, name, frozenset(orgs))
                 for (pid, name), orgs in members.items())


def read(s, ulo_ids: Collection[int], parts: Collection[str] = ALL_PARTS,
         bodies: Collection[int] | None = None, body: int | None = None) -> Rows:
    """The rows the rules read for these ULOs. `bodies` limits engagements and bids to those
    commissioning bodies, `body` limits arrangements and working principles to one."""
    ids = sorted(set(ulo_ids))
    rows = Rows(ids, partnerships=_partnership_rows(s))
    if "engagements" in parts:
        stmt = select(*ENGAGEMENT).where(Engagement.ulo_id.in_(ids))
        if bodies is not None:
            stmt = stmt.where(Engagement.commissioner_id.in_(sorted(bodies)))
        rows.engagements = run(s, stmt).all()
    if "bids" in parts:
        _read_bids(s, rows, ids, bodies)
    if "arrangements" in parts:
        read_arrangements(s, rows, ids, body)
    if "principles" in parts:
        _read_principles(s, rows, ids, body)
    if "income" in parts:
        rows.income = run(s, select(*INCOME).where(Income.ulo_id.in_(ids),
                                                      Income.ended_on.is_(None))).all()
    if "board" in parts:
        rows.board = run(s, select(*BOARD).where(BoardMember.ulo_id.in_(ids))).all()
    _read_people(s, rows, ids, "declarations" in parts)
    rows.org_names = _org_names(s, rows)
    return rows


def _read_bids(s, rows: Rows, ids: list[int], bodies) -> None:
    stmt = select(*BID).where(Bid.ulo_id.in_(ids))
    opp = select(*OPPORTUNITY).where(Opportunity.id.in_(
        select(Bid.opportunity_id).where(Bid.ulo_id.in_(ids)).scalar_subquery()))
    if bodies is not None:
        stmt = stmt.join(*BID_OPPORTUNITY).where(
            Opportunity.commissioner_id.in_(sorted(bodies)))
        opp = opp.where(Opportunity.commissioner_id.in_(sorted(bodies)))
    rows.bids = run(s, stmt).all()
    rows.opportunities = run(s, opp).all() if rows.bids else []


def read_arrangements(s, rows: Rows, ids: list[int], body) -> None:
    stmt = select(*ARRANGEMENT).where(Arrangement.ulo_id.in_(ids))
    notes = select(Document.id, Document.arrangement_id, Document.sent_on).where(
        Document.kind == NOTIFICATION, Document.ulo_id.in_(ids),
        Document.arrangement_id.is_not(None))
    if body is not None:
        stmt = stmt.where(Arrangement.commissioner_id == body)
    rows.arrangements = run(s, stmt).all()
    if rows.arrangements:
        rows.notifications = run(s, notes).all()


def _read_principles(s, rows: Rows, ids: list[int], body) -> None:
    where = [Document.kind == PRINCIPLES, Document.ulo_id.in_(ids)]
    if body is not None:
        where.append(Document.commissioner_id == body)
    rows.principles = run(s, select(Document.id, Document.ulo_id, Document.commissioner_id)
                           .where(*where)).all()
    if rows.principles:
        rows.agreements = agreements(s, *where)


def agreements(s, *where) -> list:
    """(document id, side) of each agreement to the current revision of the documents."""
    return run(s, select(Agreement.document_id, Agreement.side).join(
        models.Document.__table__, and_(Document.id == Agreement.document_id,
                                        Agreement.revision == Document.current_revision))
        .where(*where)).all()


def _read_people(s, rows: Rows, ids: list[int], declarations: bool) -> None:
    rows.people = run(s, select(Person.id, Person.organisation_id, Person.name)
                       .where(Person.organisation_id.in_(ids))).all()
    if not declarations:
        return
    board = select(BoardMember.person_id).where(BoardMember.ulo_id.in_(ids)).scalar_subquery()
    theirs = select(Person.id).where(Person.organisation_id.in_(ids)).scalar_subquery()
    rows.declarations = run(s, select(*DECLARATION).where(
        or_(Declaration.person_id.in_(theirs), Declaration.person_id.in_(board)))).all()
    known = {row[0] for row in rows.people}
    outside = {row[1] for row in rows.board} - known  # board members of another organisation
    if outside:
        rows.people += run(s, select(Person.id, Person.organisation_id, Person.name)
                            .where(Person.id.in_(sorted(outside)))).all()


def _org_names(s, rows: Rows) -> dict[int, str]:
    ids = set(rows.ulo_ids)
    ids.update(row[2] for row in rows.engagements)
    ids.update(row[1] for row in rows.opportunities)
    ids.update(row[2] for row in rows.arrangements)
    ids.update(row[2] for row in rows.principles)
    ids.update(row[2] for row in rows.income if row[2] is not None)
    ids.update(row[2] for row in rows.partnerships)
    return dict(run(s, select(Organisation.id, Organisation.name)
                     .where(Organisation.id.in_(sorted(ids)))).all())


def build(rows: Rows) -> dict[int, UloFacts]:
    """One UloFacts per ULO of the read, from its rows."""
    agreed: dict[int, set[str]] = defaultdict(set)
    for document_id, side in rows.agreements:
        agreed[document_id].add(side)
    people = [(pid, org) for pid, org, _ in rows.people]
    return split_register(
        rows.ulo_ids,
        engagements=[EngagementFact(*r[:9], withdrawn=bool(r[9])) for r in rows.engagements],
        opportunities=[OpportunityFact(*r[:7], withdrawn=bool(r[7]))
                       for r in rows.opportunities],
        bids=[BidFact(*r) for r in rows.bids],
        arrangements=[ArrangementFact(*r) for r in rows.arrangements],
        notifications=[NotificationFact(*r) for r in rows.notifications],
        principles=[PrinciplesFact(ulo, body, {"ulo", "commissioner"} <= agreed[doc], doc)
                    for doc, ulo, body in rows.principles],
        income=[IncomeFact(*r) for r in rows.income],
        board_members=[BoardMemberFact(*r) for r in rows.board],
        declarations=[DeclarationFact(*r) for r in rows.declarations],
        partnerships=partnership_facts(rows.partnerships),
        person_orgs=dict(people),
        person_names={pid: name for pid, _, name in rows.people},
        org_names=rows.org_names)


def load(s, ulo_ids: Collection[int], parts: Collection[str] = ALL_PARTS,
         bodies: Collection[int] | None = None, body: int | None = None) -> dict[int, UloFacts]:
    """The facts of these ULOs (see `read` for the limits)."""
    return build(read(s, ulo_ids, parts, bodies, body))


def related_bodies(partnerships_in_force, bodies: Iterable[int]) -> set[int]:
    """The bodies and every commissioning partner of theirs."""
    related = set(bodies)
    for partnership in partnerships_in_force:
        if partnership.member_ids & related:
            related |= partnership.member_ids
    return related


def load_pair(s, ulo_id: int, commissioner_id: int) -> UloFacts:
    """What `evaluate_pair` needs for one ULO and body: engagements and bids with the body and
    its commissioning partners, arrangements and working principles with the body itself."""
    related = related_bodies(partnerships(s), [commissioner_id])
    parts = {"engagements", "bids", "arrangements", "principles"}
    return load(s, [ulo_id], parts, bodies=related, body=commissioner_id)[ulo_id]
