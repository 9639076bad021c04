"""The facts the rules read: plain, frozen copies of the register's rows, and one ULO's bundle.

Only the fields a rule reads are here, so a change to anything else (a title, a note) can never
reopen a flag. Collections of codes or ids may be passed as any iterable; they become frozensets.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from functools import lru_cache

from .findings import Names


def _freeze(record: object, *names: str) -> None:
    for name in names:
        value = getattr(record, name)
        if not isinstance(value, frozenset):
            object.__setattr__(record, name, frozenset(value))


@dataclass(frozen=True, slots=True)
class EngagementFact:
    id: int
    ulo_id: int
    commissioner_id: int
    influence: str
    started_on: date
    ended_on: date | None = None
    service_areas: frozenset[str] = frozenset()
    localities: frozenset[str] = frozenset()
    participant_ids: frozenset[int] = frozenset()
    withdrawn: bool = False

    def __post_init__(self) -> None:
        _freeze(self, "service_areas", "localities", "participant_ids")


@dataclass(frozen=True, slots=True)
class OpportunityFact:
    id: int
    commissioner_id: int
    service_areas: frozenset[str] = frozenset()
    localities: frozenset[str] = frozenset()
    value_pence: int = 0
    route: str = "open"
    published_on: date | None = None
    withdrawn: bool = False

    def __post_init__(self) -> None:
        _freeze(self, "service_areas", "localities")


@dataclass(frozen=True, slots=True)
class BidFact:
    id: int
    ulo_id: int
    opportunity_id: int
    status: str
    submitted_on: date | None = None
    team_ids: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        _freeze(self, "team_ids")


@dataclass(frozen=True, slots=True)
class ArrangementFact:
    id: int
    ulo_id: int
    commissioner_id: int
    started_on: date
    ended_on: date | None = None
    kind: str = "formal"


@dataclass(frozen=True, slots=True)
class NotificationFact:
    """A political-member notification document; unsent while `sent_on` is None."""

    id: int
    arrangement_id: int
    sent_on: date | None = None


@dataclass(frozen=True, slots=True)
class PrinciplesFact:
    """A working-principles document; agreed when both sides agreed its current revision."""

    ulo_id: int
    commissioner_id: int
    agreed_by_both: bool
    document_id: int | None = None


@dataclass(frozen=True, slots=True)
class IncomeFact:
    id: int
    ulo_id: int
    source_id: int | None
    source_name: str
    financial_year: str
    amount_pence: int


@dataclass(frozen=True, slots=True)
class BoardMemberFact:
    ulo_id: int
    person_id: int
    started_on: date
    ended_on: date | None = None
    voting: bool = True
    from_constituency: bool = True

    def current(self, today: date) -> bool:
        """On the board today (a term ending today still counts)."""
        return self.started_on <= today and (self.ended_on is None or self.ended_on >= today)


@dataclass(frozen=True, slots=True)
class DeclarationFact:
    id: int
    person_id: int
    category: str
    arose_on: date
    declared_on: date
    ended_on: date | None = None
    organisation_id: int | None = None
    opportunity_id: int | None = None


@dataclass(frozen=True, slots=True)
class PartnershipFact:
    """A commissioning partnership in force: an engagement with one member counts for all."""

    id: int
    name: str
    member_ids: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        _freeze(self, "member_ids")


@dataclass(frozen=True, slots=True)
class UloFacts:
    """Everything the rules read about one ULO.

    `opportunities` maps id to opportunity and must hold at least those the ULO bid on (it may
    be one dict shared by every ULO). `declarations` are those of the ULO's people and board
    members. Records of other ULOs that slip in are ignored.
    """

    ulo_id: int
    engagements: tuple[EngagementFact, ...] = ()
    bids: tuple[BidFact, ...] = ()
    opportunities: Mapping[int, OpportunityFact] = field(default_factory=dict)
    arrangements: tuple[ArrangementFact, ...] = ()
    notifications: tuple[NotificationFact, ...] = ()
    principles: tuple[PrinciplesFact, ...] = ()
    income: tuple[IncomeFact, ...] = ()
    board_members: tuple[BoardMemberFact, ...] = ()
    declarations: tuple[DeclarationFact, ...] = ()
    partnerships: tuple[PartnershipFact, ...] = ()
    person_names: Mapping[int, str] = field(default_factory=dict)
    org_names: Mapping[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name not in _NOT_TUPLES and not isinstance(value, tuple):
                object.__setattr__(self, f.name, tuple(value))

    @property
    def names(self) -> Names:
        return Names(self.person_names, self.org_names)

    @property
    def partners(self) -> Mapping[int, frozenset[int]]:
        return partner_map(self.partnerships)


_NOT_TUPLES = {"ulo_id", "opportunities", "person_names", "org_names"}


@lru_cache(maxsize=16)
def partner_map(partnerships: tuple[PartnershipFact, ...]) -> Mapping[int, frozenset[int]]:
    """Each commissioning body's partners: the other members of every partnership it is in."""
    partners: dict[int, set[int]] = defaultdict(set)
    for partnership in partnerships:
        for member in partnership.member_ids:
            partners[member] |= partnership.member_ids - {member}
    return {body: frozenset(others) for body, others in partners.items()}


def bid_in_play(bid: BidFact, opportunity: OpportunityFact | None) -> bool:
    """A bid the rules read: not withdrawn, on an opportunity that exists and is not withdrawn."""
    return (bid.status != "withdrawn" and opportunity is not None
            and opportunity.id == bid.opportunity_id and not opportunity.withdrawn)


def split_register(ulo_ids: Iterable[int], *, engagements=(), opportunities=(), bids=(),
                   arrangements=(), notifications=(), principles=(), income=(),
                   board_members=(), declarations=(), partnerships=(),
                   person_orgs: Mapping[int, int] | None = None,
                   person_names=None, org_names=None) -> dict[int, UloFacts]:
    """One UloFacts per ULO from flat lists of the whole register (for recompute).

    `person_orgs` maps person id to organisation id, so that each ULO gets the declarations of
    its own people as well as of its board members.
    """
    grouped: dict[str, dict[int, list]] = {}
    for name, records in (("engagements", engagements), ("bids", bids),
                          ("arrangements", arrangements), ("principles", principles),
                          ("income", income), ("board_members", board_members)):
        grouped[name] = _by_ulo(records)
    grouped["notifications"] = _notifications_by_ulo(arrangements, notifications)
    grouped["declarations"] = _declarations_by_ulo(board_members, declarations, person_orgs)
    shared = {"opportunities": {o.id: o for o in opportunities},
              "partnerships": tuple(partnerships), "person_names": person_names or {},
              "org_names": org_names or {}}
    return {ulo: UloFacts(ulo_id=ulo, **shared,
                          **{name: tuple(by_ulo.get(ulo, ())) for name, by_ulo in grouped.items()})
            for ulo in ulo_ids}


def _by_ulo(records: Iterable) -> dict[int, list]:
    out: dict[int, list] = defaultdict(list)
    for record in records:
        out[record.ulo_id].append(record)
    return out


def _notifications_by_ulo(arrangements, notifications) -> dict[int, list]:
    ulo_of = {a.id: a.ulo_id for a in arrangements}
    out: dict[int, list] = defaultdict(list)
    for note in notifications:
        if note.arrangement_id in ulo_of:
            out[ulo_of[note.arrangement_id]].append(note)
    return out


def _declarations_by_ulo(board_members, declarations, person_orgs) -> dict[int, list]:
    ulos_of: dict[int, set[int]] = defaultdict(set)
    for member in board_members:
        ulos_of[member.person_id].add(member.ulo_id)
    for person, org in (person_orgs or {}).items():
        ulos_of[person].add(org)
    out: dict[int, list] = defaultdict(list)
    for declaration in declarations:
        for ulo in ulos_of.get(declaration.person_id, ()):
            out[ulo].append(declaration)
    return out
