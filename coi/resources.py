"""Each kind of record as the pages and the API present it: its service spec, its list columns,
filters and form choices. The generic views in coi.web.crud and coi.api.collections read these.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sqlalchemy import select

from coi import access, db, vocab
from coi.models import Opportunity, Organisation, Person
from coi.services import base, engagements, kept, opportunities, organisations, settings, ulo, users
from coi.services import declarations as declaring


@dataclass
class Column:
    label: str
    key: str
    fmt: str = "text"  # text, date, money, code, org, list, person, people, bool, link


@dataclass
class Filter:
    name: str
    label: str
    choices: Callable[[Any], list]


@dataclass
class Resource:
    name: str  # URL segment and API collection: "engagements"
    title: str  # "Engagements"
    singular: str  # "engagement"
    spec: base.RecordSpec
    columns: list[Column]
    filters: list[Filter] = field(default_factory=list)
    choices: Callable[[Any], dict] = lambda actor: {}
    overrides: dict = field(default_factory=dict)
    create: Callable | None = None
    update: Callable | None = None
    end_label: str = "End"
    end_done: str = "ended"
    can_create: Callable[[Any], bool] = lambda actor: False
    intro: str = ""
    # Fields this account cannot fill in, with the reason shown in their place on the form.
    unavailable: Callable[[Any], dict] = lambda actor: {}

    def __post_init__(self):
        self.create = self.create or partial(base.create_record, self.spec)
        self.update = self.update or partial(base.update_record, self.spec)

    def end(self, actor, record_id, data):
        return base.end_record(self.spec, actor, record_id, data)

    def get(self, actor, record_id):
        return base.get_record(self.spec, actor, record_id)

    def list(self, actor, query):
        return base.list_records(self.spec, actor, query)

    def public(self, record) -> dict:
        return self.spec.public(record)


def orgs(kind: str | None = None, own_only_for=None) -> list[tuple[int, str]]:
    """Current organisations (of kind; only its own for an account that does not see all),
    by name: from the list each worker keeps until the register changes (kept.remembered)."""
    if own_only_for is None or access.sees_all(own_only_for):
        return list(kept.remembered(f"current_orgs {kind or ''}", partial(_of_kind, kind)))
    own = own_only_for.organisation_id
    return [(i, name) for i, name, k in kept.remembered("current_orgs", _current_orgs)
            if (not kind or k == kind) and i == own]


def _of_kind(kind: str | None, s) -> list[tuple[int, str]]:
    return [(i, name) for i, name, k in kept.remembered("current_orgs", _current_orgs)
            if not kind or k == kind]


def _current_orgs(s) -> list[tuple[int, str, str]]:
    stmt = select(Organisation.id, Organisation.name, Organisation.kind).where(
        Organisation.ended_on.is_(None)).order_by(Organisation.name)
    return [tuple(r) for r in s.connection().execute(stmt)]


def people(actor) -> list[tuple[int, str]]:
    # Columns, not records: a register's thousands of people, on every list page that shows them.
    stmt = organisations.PEOPLE.scope(actor, select(Person.id, Person.name)).where(
        Person.ended_on.is_(None))
    return [tuple(r) for r in db.session().execute(stmt.order_by(Person.name))]


def ulo_people(actor) -> list[tuple[int, str]]:
    """Current people of the ULOs the account may see; named with their ULO when it sees
    several ULOs (an administrator), so that two people called the same can be told apart."""
    stmt = organisations.PEOPLE.scope(
        actor, select(Person.id, Person.name, Organisation.name.label("org"))).join(
        Organisation, Organisation.id == Person.organisation_id).where(
        Organisation.kind == "ulo", Person.ended_on.is_(None))
    many = access.sees_all(actor)
    return [(pid, f"{name} ({org})" if many else name) for pid, name, org in
            db.session().execute(stmt.order_by(Person.name, Organisation.name))]


def own_side(kind: str, actor) -> list[tuple[int, str]]:
    """Organisations of kind for a form: only its own for an account on that side."""
    mine = access.is_ulo(actor) if kind == "ulo" else access.is_commissioner(actor)
    return orgs(kind, actor if mine else None)


NO_ULO_PEOPLE = ("A commissioning body cannot see a ULO's people, so the ULO records who "
                 "took part.")


def open_opportunities(actor) -> list[tuple[int, str]]:
    stmt = select(Opportunity.id, Opportunity.title, Opportunity.reference).where(
        Opportunity.withdrawn_at.is_(None)).order_by(Opportunity.title)
    return [(i, f"{t} ({r})") for i, t, r in db.session().execute(stmt)]


def service_areas() -> dict[str, str]:
    """The service-area codes (settings.service_areas), kept until the register changes: a
    setting is changed by an audited write, like every other."""
    return kept.remembered("service_areas", lambda s: settings.service_areas())


def _vocab(codes: dict) -> list[tuple[str, str]]:
    return list(codes.items())


def _writer_of(*roles):
    return lambda actor: actor is not None and actor.role in roles


ULO_WRITERS = ("ulo_staff", "ulo_board", "admin")

RESOURCES: dict[str, Resource] = {}


def _add(resource: Resource) -> Resource:
    RESOURCES[resource.name] = resource
    return resource


_add(Resource(
    "organisations", "Organisations", "organisation", organisations.ORGANISATIONS,
    [Column("Name", "name", "link"), Column("Kind", "kind", "code"),
     Column("Localities", "localities", "list")],
    filters=[Filter("kind", "Kind", lambda a: _vocab(vocab.ORG_KINDS))],
    choices=lambda a: {"kind": _vocab(vocab.ORG_KINDS)},
    overrides={"localities": {"hint": "One place name or ONS code per line"}},
    can_create=_writer_of("admin"), end_label="Close", end_done="closed",
    intro="User-led organisations and the commissioning bodies they work with."))

_add(Resource(
    "partnerships", "Commissioning partnerships", "commissioning partnership",
    organisations.PARTNERSHIPS,
    [Column("Name", "name", "link"), Column("Members", "member_ids", "orgs")],
    choices=lambda a: {"member_ids": orgs("commissioner")},
    create=organisations.create_partnership, update=organisations.update_partnership,
    can_create=_writer_of("admin"),
    intro="Bodies that commission jointly: an engagement with one member counts for the "
          "opportunities of every member."))

_add(Resource(
    "people", "People", "person", organisations.PEOPLE,
    [Column("Name", "name", "link"), Column("Organisation", "organisation_id", "org"),
     Column("Email", "email")],
    filters=[Filter("organisation_id", "Organisation", lambda a: orgs(own_only_for=a))],
    choices=lambda a: {"organisation_id": orgs(own_only_for=a)},
    can_create=_writer_of("ulo_staff", "ulo_board", "commissioner", "admin"),
    end_label="Mark as left", end_done="marked as left",
    intro="People who take part in engagements, bids and board decisions."))

_add(Resource(
    "users", "Accounts", "account", users.USERS,
    [Column("Email", "email", "link"), Column("Name", "name"), Column("Role", "role", "code"),
     Column("Organisation", "organisation_id", "org"), Column("Active", "active", "bool")],
    filters=[Filter("role", "Role", lambda a: _vocab(vocab.ROLES))],
    choices=lambda a: {"role": _vocab(vocab.ROLES), "organisation_id": orgs()},
    overrides={"password": {"hint": "At least 12 characters. A few unrelated words work well."},
               "organisation_id": {"hint": "Required for ULO and commissioner accounts"}},
    create=users.create_user, can_create=_writer_of("admin"), end_label="Deactivate",
    end_done="deactivated"))

_add(Resource(
    "board-members", "Board members", "board member", ulo.BOARD_MEMBERS,
    [Column("Person", "person_id", "person"), Column("ULO", "ulo_id", "org"),
     Column("Voting", "voting", "bool"), Column("From the constituency", "from_constituency",
                                                "bool"),
     Column("Joined", "started_on", "date"), Column("Left", "ended_on", "date")],
    filters=[Filter("ulo_id", "ULO", lambda a: orgs("ulo", a))],
    choices=lambda a: {"ulo_id": orgs("ulo", a), "person_id": ulo_people(a)},
    can_create=_writer_of(*ULO_WRITERS), end_label="Record leaving the board",
    end_done="recorded as having left the board",
    intro="At least 75% of a ULO's voting board members are drawn from its constituency."))

_add(Resource(
    "income", "Income", "income record", ulo.INCOME,
    [Column("Funder", "source_name", "link"), Column("ULO", "ulo_id", "org"),
     Column("Year", "financial_year"), Column("Amount", "amount", "money")],
    filters=[Filter("ulo_id", "ULO", lambda a: orgs("ulo", a))],
    choices=lambda a: {"ulo_id": orgs("ulo", a), "source_id": orgs()},
    overrides={"source_id": {"hint": "If the funder is a body in the register"}},
    can_create=_writer_of(*ULO_WRITERS), end_label="Withdraw", end_done="withdrawn",
    intro="A ULO's income by funder and financial year."))

_add(Resource(
    "arrangements", "Partnership arrangements", "partnership arrangement", ulo.ARRANGEMENTS,
    [Column("Description", "description", "link"), Column("ULO", "ulo_id", "org"),
     Column("Body", "commissioner_id", "org"), Column("Kind", "kind", "code"),
     Column("Since", "started_on", "date"), Column("Until", "ended_on", "date")],
    filters=[Filter("kind", "Kind", lambda a: _vocab(vocab.ARRANGEMENT_KINDS)),
             Filter("commissioner_id", "Commissioning body", lambda a: orgs("commissioner"))],
    choices=lambda a: {"ulo_id": own_side("ulo", a),
                       "commissioner_id": own_side("commissioner", a),
                       "kind": _vocab(vocab.ARRANGEMENT_KINDS)},
    can_create=_writer_of("ulo_staff", "ulo_board", "commissioner", "admin"),
    intro="Formal or informal arrangements between a ULO and a commissioning body."))

_add(Resource(
    "engagements", "Engagements", "engagement", engagements.ENGAGEMENTS,
    [Column("Title", "title", "link"), Column("ULO", "ulo_id", "org"),
     Column("Body", "commissioner_id", "org"), Column("Influence", "influence", "code"),
     Column("Started", "started_on", "date"), Column("Ended", "ended_on", "date")],
    filters=[Filter("influence", "Influence", lambda a: _vocab(vocab.INFLUENCE)),
             Filter("service_area", "Service area", lambda a: _vocab(service_areas())),
             Filter("commissioner_id", "Commissioning body", lambda a: orgs("commissioner"))],
    choices=lambda a: {"ulo_id": own_side("ulo", a),
                       "commissioner_id": own_side("commissioner", a),
                       "purposes": _vocab(vocab.PURPOSES),
                       "influence": _vocab(vocab.INFLUENCE),
                       "service_areas": _vocab(service_areas()),
                       "participant_ids": ulo_people(a)},
    unavailable=lambda a: ({"participant_ids": NO_ULO_PEOPLE}
                           if access.is_commissioner(a) else {}),
    overrides={"localities": {"hint": "One place name or ONS code per line"},
               "influence": {"hint": "How much the ULO shaped the question"},
               "ended_on": {"hint": "Leave empty if it is still going on"}},
    create=engagements.record_engagement, end_label="Withdraw", end_done="withdrawn",
    can_create=_writer_of("ulo_staff", "ulo_board", "commissioner", "admin"),
    intro="The voice side: consultations, co-production and drafting a specification."))

_add(Resource(
    "opportunities", "Opportunities", "opportunity", opportunities.OPPORTUNITIES,
    [Column("Title", "title", "link"), Column("Reference", "reference"),
     Column("Body", "commissioner_id", "org"), Column("Value", "value", "money"),
     Column("Route", "route", "code"), Column("Published", "published_on", "date")],
    filters=[Filter("route", "Route", lambda a: _vocab(vocab.ROUTES)),
             Filter("service_area", "Service area", lambda a: _vocab(service_areas())),
             Filter("commissioner_id", "Commissioning body", lambda a: orgs("commissioner"))],
    choices=lambda a: {"commissioner_id": orgs("commissioner", a),
                       "service_areas": _vocab(service_areas()),
                       "route": _vocab(vocab.ROUTES)},
    overrides={"localities": {"hint": "One place name or ONS code per line"}},
    end_label="Withdraw", end_done="withdrawn", can_create=_writer_of("commissioner", "admin"),
    intro="Contracts and grants that commissioning bodies offer."))

_add(Resource(
    "bids", "Bids", "bid", opportunities.BIDS,
    [Column("Opportunity", "opportunity_id", "opportunity"), Column("ULO", "ulo_id", "org"),
     Column("Status", "status", "code"), Column("Submitted", "submitted_on", "date")],
    filters=[Filter("status", "Status", lambda a: _vocab(vocab.BID_STATUSES))],
    choices=lambda a: {"ulo_id": orgs("ulo", a), "opportunity_id": open_opportunities(a),
                       "status": _vocab(vocab.BID_STATUSES), "team_ids": ulo_people(a)},
    end_label="Withdraw", end_done="withdrawn", can_create=_writer_of(*ULO_WRITERS),
    intro="The business side: a ULO's bids on opportunities."))

_add(Resource(
    "declarations", "Declarations", "declaration", declaring.DECLARATIONS,
    [Column("Description", "description", "link"), Column("Person", "person_id", "person"),
     Column("Category", "category", "code"), Column("Arose", "arose_on", "date"),
     Column("Declared", "declared_on", "date"), Column("Ended", "ended_on", "date")],
    filters=[Filter("category", "Category", lambda a: _vocab(vocab.DECLARATION_CATEGORIES)),
             Filter("person_id", "Person", people),
             Filter("organisation_id", "Organisation it concerns", lambda a: orgs())],
    choices=lambda a: {"person_id": people(a), "organisation_id": orgs(),
                       "opportunity_id": open_opportunities(a),
                       "category": _vocab(vocab.DECLARATION_CATEGORIES),
                       "gift_decision": _vocab(declaring.GIFT_DECISIONS)},
    overrides=declaring.FormHints(), create=declaring.record_declaration,
    can_create=_writer_of("ulo_staff", "ulo_board", "commissioner", "admin"),
    intro="Declarations of interest, nil declarations, and gifts and hospitality from "
          "commissioning bodies. A declaration can be ended, never deleted."))
