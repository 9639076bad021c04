"""Request and response shapes (SPEC §7): one Create schema per record, Update derived from it.

The same schemas validate API bodies and web forms and describe the API in the OpenAPI
document. Cross-record checks (ids the caller may see, end before start, service-area codes that
an admin may extend) live in the services.
"""

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, create_model, field_validator
from pydantic_core import PydanticCustomError

from coi import inputs, vocab


def _lit(codes: dict):
    return Literal[tuple(codes)]  # type: ignore[valid-type]


Role = _lit(vocab.ROLES)
OrgKind = _lit(vocab.ORG_KINDS)
Purpose = _lit(vocab.PURPOSES)
Influence = _lit(vocab.INFLUENCE)
Route = _lit(vocab.ROUTES)
BidStatus = _lit(vocab.BID_STATUSES)
Outcome = _lit(vocab.OUTCOMES)
Mitigation = _lit(vocab.MITIGATIONS)
Category = _lit(vocab.DECLARATION_CATEGORIES)
ArrangementKind = _lit(vocab.ARRANGEMENT_KINDS)
DocumentKind = _lit(vocab.DOCUMENT_KINDS)

Name = Annotated[str, Field(min_length=1, max_length=200)]
Short = Annotated[str, Field(max_length=100)]
LongText = Annotated[str, Field(max_length=20_000)]
Place = Annotated[str, Field(min_length=1, max_length=100)]
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
Money = Annotated[Decimal, Field(ge=0, le=Decimal("9999999999.99"), max_digits=12,
                                 decimal_places=2)]
Email = Annotated[str, Field(min_length=3, max_length=254,
                             pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
FinancialYear = Annotated[str, Field(pattern=r"^\d{4}-\d{2}$",
                                     description="Like 2025-26")]
Reason = Annotated[str, Field(min_length=1, max_length=500)]


class In(BaseModel):
    """Base of every request body: unknown fields are an error, text is trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _storable(cls, value):
        """No NUL or broken characters in any text (PostgreSQL refuses NUL)."""
        if inputs.first_unstorable(value):
            raise PydanticCustomError("unstorable_text", inputs.UNSTORABLE)
        return value


class OrganisationCreate(In):
    kind: OrgKind = Field(title="Kind of organisation")
    name: Name = Field(title="Name")
    identifier: Optional[Short] = Field(None, title="Identifier",
                                        description="For example GB-GOR-E09000022")
    localities: list[Place] = Field(default_factory=list, title="Localities served",
                                    description="Place names or ONS codes")


class PartnershipCreate(In):
    name: Name = Field(title="Name")
    member_ids: list[Id] = Field(min_length=2, title="Member bodies")


class PersonCreate(In):
    name: Name = Field(title="Full name")
    organisation_id: Id = Field(title="Organisation")
    email: Optional[Email] = Field(None, title="Email address")


class UserCreate(In):
    email: Email = Field(title="Email address")
    name: Name = Field(title="Full name")
    role: Role = Field(title="Role")
    organisation_id: Optional[Id] = Field(None, title="Organisation")
    password: Annotated[str, Field(min_length=1, max_length=128)] = Field(title="Password")
    active: bool = Field(True, title="Active")


class BoardMemberCreate(In):
    ulo_id: Id = Field(title="ULO")
    person_id: Id = Field(title="Person")
    voting: bool = Field(True, title="Voting member")
    from_constituency: bool = Field(True, title="Drawn from the ULO's constituency")
    started_on: date = Field(title="Joined the board on")
    ended_on: Optional[date] = Field(None, title="Left the board on")


class IncomeCreate(In):
    ulo_id: Id = Field(title="ULO")
    source_id: Optional[Id] = Field(None, title="Funder in the register")
    source_name: Name = Field(title="Funder's name")
    financial_year: FinancialYear = Field(title="Financial year")
    amount: Money = Field(title="Amount in pounds")


class EngagementCreate(In):
    ulo_id: Id = Field(title="ULO")
    commissioner_id: Id = Field(title="Commissioning body")
    title: Name = Field(title="Title")
    question: LongText = Field("", title="The question being defined")
    purposes: list[Purpose] = Field(min_length=1, title="Purposes")
    influence: Influence = Field(title="Influence")
    service_areas: list[Short] = Field(min_length=1, title="Service areas")
    localities: list[Place] = Field(default_factory=list, title="Localities")
    started_on: date = Field(title="Started on")
    ended_on: Optional[date] = Field(None, title="Ended on")
    participant_ids: list[Id] = Field(default_factory=list, title="People from the ULO")
    notes: LongText = Field("", title="Notes")


class OpportunityCreate(In):
    commissioner_id: Id = Field(title="Commissioning body")
    title: Name = Field(title="Title")
    reference: Annotated[str, Field(min_length=1, max_length=100)] = Field(title="Reference")
    ocid: Optional[Annotated[str, Field(max_length=200)]] = Field(None, title="OCDS ocid")
    service_areas: list[Short] = Field(min_length=1, title="Service areas")
    localities: list[Place] = Field(default_factory=list, title="Localities")
    value: Money = Field(title="Value in pounds")
    route: Route = Field(title="Procurement route")
    published_on: Optional[date] = Field(None, title="Tender published on")
    closes_on: Optional[date] = Field(None, title="Tender closes on")


class BidCreate(In):
    ulo_id: Id = Field(title="ULO")
    opportunity_id: Id = Field(title="Opportunity")
    status: BidStatus = Field("considering", title="Status")
    submitted_on: Optional[date] = Field(None, title="Submitted on")
    team_ids: list[Id] = Field(default_factory=list, title="Bid team")


class ArrangementCreate(In):
    ulo_id: Id = Field(title="ULO")
    commissioner_id: Id = Field(title="Commissioning body")
    kind: ArrangementKind = Field(title="Kind of arrangement")
    description: Annotated[str, Field(min_length=1, max_length=5000)] = Field(
        title="What the arrangement is")
    started_on: date = Field(title="Started on")
    ended_on: Optional[date] = Field(None, title="Ends on")


class DeclarationCreate(In):
    person_id: Id = Field(title="Person declaring")
    category: Category = Field(title="Category")
    description: Annotated[str, Field(min_length=1, max_length=5000)] = Field(
        title="Description")
    organisation_id: Optional[Id] = Field(None, title="Organisation it concerns")
    opportunity_id: Optional[Id] = Field(None, title="Opportunity it concerns")
    arose_on: date = Field(title="Date the interest arose")
    declared_on: Optional[date] = Field(None, title="Date declared",
                                        description="Leave empty for today")
    ended_on: Optional[date] = Field(None, title="Date the interest ended")
    value: Optional[Money] = Field(None, title="Value of the gift or hospitality, in pounds")
    gift_decision: Optional[Literal["accepted", "declined", "approved"]] = Field(
        None, title="What was decided about the gift")


class DecisionCreate(In):
    outcome: Outcome = Field(title="Outcome")
    mitigations: list[Mitigation] = Field(default_factory=list, title="Mitigations")
    rationale: Annotated[str, Field(min_length=1, max_length=10_000)] = Field(
        title="Rationale")
    present_ids: list[Id] = Field(min_length=1, title="Board members present")
    withdrawn_ids: list[Id] = Field(default_factory=list,
                                    title="Declared an interest and withdrew")
    quorate: bool = Field(False, title="The meeting was quorate")
    decided_on: date = Field(title="Date of the decision")


class DocumentCreate(In):
    kind: DocumentKind = Field(title="Kind of document")
    title: Name = Field(title="Title")
    ulo_id: Id = Field(title="ULO")
    commissioner_id: Id = Field(title="Commissioning body")
    markdown: Annotated[str, Field(min_length=1, max_length=200_000)] = Field(title="Text")
    note: Annotated[str, Field(max_length=500)] = Field("", title="Change note")
    arrangement_id: Optional[Id] = Field(None, title="Partnership arrangement")
    recipient_name: Optional[Name] = Field(None, title="Lead political member's name")
    recipient_role: Optional[Name] = Field(None, title="Their role")
    sent_on: Optional[date] = Field(None, title="Sent on")
    acknowledged_on: Optional[date] = Field(None, title="Acknowledged on")


class RevisionCreate(In):
    markdown: Annotated[str, Field(min_length=1, max_length=200_000)] = Field(title="Text")
    note: Annotated[str, Field(max_length=500)] = Field("", title="Change note")
    base_revision: Id = Field(title="Revision you started from")


class EndRecord(In):
    """Ending or withdrawing a record: nothing is deleted."""

    reason: Reason = Field(title="Reason")
    ended_on: Optional[date] = Field(None, title="Ended on", description="Leave empty for today")


def partial(schema: type[In], drop: tuple[str, ...] = ()) -> type[In]:
    """The PATCH schema of a Create schema: every field optional, absent means unchanged."""
    fields = {}
    for name, info in schema.model_fields.items():
        if name in drop:
            continue
        # The constraints (lengths, ranges, patterns) live in metadata: keep them, or a PATCH
        # could store an empty title or an over-long one.
        inner = Annotated[(info.annotation, *info.metadata)] if info.metadata else \
            info.annotation
        fields[name] = (Optional[inner], Field(None, title=info.title,
                                               description=info.description))
    return create_model(schema.__name__.replace("Create", "Update"), __base__=In, **fields)


OrganisationUpdate = partial(OrganisationCreate, drop=("kind",))
PartnershipUpdate = partial(PartnershipCreate)
PersonUpdate = partial(PersonCreate, drop=("organisation_id",))
UserUpdate = partial(UserCreate)
BoardMemberUpdate = partial(BoardMemberCreate, drop=("ulo_id", "person_id"))
IncomeUpdate = partial(IncomeCreate, drop=("ulo_id",))
EngagementUpdate = partial(EngagementCreate, drop=("ulo_id", "commissioner_id"))
OpportunityUpdate = partial(OpportunityCreate, drop=("commissioner_id",))
BidUpdate = partial(BidCreate, drop=("ulo_id", "opportunity_id"))
ArrangementUpdate = partial(ArrangementCreate, drop=("ulo_id", "commissioner_id"))
DeclarationUpdate = partial(DeclarationCreate, drop=("person_id",))
DocumentUpdate = partial(DocumentCreate, drop=("kind", "ulo_id", "commissioner_id",
                                               "markdown", "note"))


def pounds(pence: int | None) -> str | None:
    """Whole pence as the API's decimal string in pounds: 14400000 -> "144000.00"."""
    if pence is None:
        return None
    return f"{Decimal(pence) / 100:.2f}"


def pence(amount: Decimal | None) -> int | None:
    return None if amount is None else int(amount * 100)


def iso(value: date | datetime | None) -> str | None:
    """Dates as 2026-03-31, times as UTC ISO 8601 with a Z."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.replace(microsecond=0).isoformat() + "Z"
    return value.isoformat()


UtcTime = Annotated[datetime, PlainSerializer(lambda v: iso(v), return_type=str)]


class Out(BaseModel):
    """Base of every response body."""

    model_config = ConfigDict(from_attributes=True)


class OrganisationPublic(Out):
    id: int
    kind: str
    name: str
    identifier: Optional[str] = None
    localities: list[str]
    ended_on: Optional[date] = None


class PartnershipPublic(Out):
    id: int
    name: str
    member_ids: list[int]
    ended_on: Optional[date] = None


class PersonPublic(Out):
    id: int
    name: str
    organisation_id: int
    email: Optional[str] = None
    ended_on: Optional[date] = None


class UserPublic(Out):
    id: int
    email: str
    name: str
    role: str
    organisation_id: Optional[int] = None
    person_id: Optional[int] = None
    active: bool


class BoardMemberPublic(Out):
    id: int
    ulo_id: int
    person_id: int
    voting: bool
    from_constituency: bool
    started_on: date
    ended_on: Optional[date] = None


class IncomePublic(Out):
    id: int
    ulo_id: int
    source_id: Optional[int] = None
    source_name: str
    financial_year: str
    amount: str
    ended_on: Optional[date] = None


class EngagementPublic(Out):
    id: int
    ulo_id: int
    commissioner_id: int
    title: str
    question: str
    purposes: list[str]
    influence: str
    service_areas: list[str]
    localities: list[str]
    started_on: date
    ended_on: Optional[date] = None
    participant_ids: list[int]
    notes: str
    withdrawn: bool = False


class OpportunityPublic(Out):
    id: int
    commissioner_id: int
    title: str
    reference: str
    ocid: Optional[str] = None
    service_areas: list[str]
    localities: list[str]
    value: str
    route: str
    published_on: Optional[date] = None
    closes_on: Optional[date] = None
    withdrawn: bool = False


class BidPublic(Out):
    id: int
    ulo_id: int
    opportunity_id: int
    status: str
    submitted_on: Optional[date] = None
    team_ids: list[int]


class ArrangementPublic(Out):
    id: int
    ulo_id: int
    commissioner_id: int
    kind: str
    description: str
    started_on: date
    ended_on: Optional[date] = None


class DeclarationPublic(Out):
    id: int
    person_id: int
    category: str
    description: str
    organisation_id: Optional[int] = None
    opportunity_id: Optional[int] = None
    arose_on: date
    declared_on: date
    ended_on: Optional[date] = None
    ended_reason: Optional[str] = None
    value: Optional[str] = None
    gift_decision: Optional[str] = None


class FlagPublic(Out):
    id: int
    rule: str
    rule_version: int
    severity: str
    score: int
    reasons: list[str]
    status: str
    ulo_id: int
    commissioner_id: Optional[int] = None
    engagement_id: Optional[int] = None
    bid_id: Optional[int] = None
    arrangement_id: Optional[int] = None
    person_id: Optional[int] = None
    thresholds: dict
    opened_at: UtcTime
    updated_at: UtcTime


class DecisionPublic(Out):
    id: int
    flag_id: int
    outcome: str
    mitigations: list[str]
    rationale: str
    present_ids: list[int]
    withdrawn_ids: list[int]
    quorate: bool
    decided_on: date
    decided_by: int


class AgreementPublic(Out):
    document_id: int
    revision: int
    side: str = Field(description="ulo or commissioner")
    by: str
    at: UtcTime
    sha256: str = Field(description="The SHA-256 of the exact text that was agreed")


class DocumentPublic(Out):
    id: int
    kind: str
    title: str
    ulo_id: int
    commissioner_id: int
    current_revision: int
    agreed: bool = Field(description="Both sides agreed the current revision")
    agreements: list[AgreementPublic] = Field(description="Of the current revision")
    arrangement_id: Optional[int] = None
    recipient_name: Optional[str] = None
    recipient_role: Optional[str] = None
    sent_on: Optional[date] = None
    acknowledged_on: Optional[date] = None


class RevisionPublic(Out):
    document_id: int
    number: int
    markdown: str
    html: str = Field(description="The Markdown rendered and sanitised")
    sha256: str
    author: str
    created_at: UtcTime
    note: str
    unfilled_placeholders: list[str] = Field(description="{{placeholders}} still in the text")


class DiffPublic(Out):
    document_id: int
    from_revision: int
    to_revision: int
    unified: str = Field(description="A unified diff, as `diff -u` writes it")
    segments: list[dict] = Field(description="{kind: equal|insert|delete, text}, word by word")
