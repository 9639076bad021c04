"""Every table of the register. Request and response schemas live in coi.schemas.

Conventions: money is whole pence in an integer column (never float); times are aware UTC;
lists of codes are JSON columns; nothing is hard-deleted, so records carry an end or a
withdrawal instead.
"""

from datetime import UTC, date, datetime

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Now, in UTC (timestamps are stored and returned as aware UTC datetimes)."""
    return datetime.now(UTC)


def json_list():
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False))


def json_dict():
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Organisation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20, index=True)
    name: str = Field(max_length=200, unique=True)
    identifier: str | None = Field(default=None, max_length=100, index=True)
    localities: list[str] = json_list()
    ended_on: date | None = None
    ended_reason: str | None = Field(default=None, max_length=500)


class Partnership(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    ended_on: date | None = None


class PartnershipMember(SQLModel, table=True):
    partnership_id: int = Field(foreign_key="partnership.id", primary_key=True)
    organisation_id: int = Field(foreign_key="organisation.id", primary_key=True, index=True)


class Person(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    email: str | None = Field(default=None, max_length=254, index=True)
    ended_on: date | None = None


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)
    name: str = Field(max_length=200)
    role: str = Field(max_length=20)
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    password_hash: str = Field(max_length=255)
    active: bool = True
    session_version: int = 1
    totp_secret: str | None = Field(default=None, max_length=64)
    totp_last_step: int | None = None  # a TOTP code is accepted once (no replay)
    recovery_codes: list[str] = json_list()
    created_at: datetime = Field(default_factory=utcnow)


class ApiToken(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    name: str = Field(max_length=100)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class LoginAttempt(SQLModel, table=True):
    """Failed and successful sign-ins, kept in the database so throttling holds across workers."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, index=True)
    address: str = Field(max_length=64, index=True)
    succeeded: bool = False
    at: datetime = Field(default_factory=utcnow, index=True)


class Setting(SQLModel, table=True):
    key: str = Field(primary_key=True, max_length=100)
    value: dict = json_dict()


class BoardMember(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    ulo_id: int = Field(foreign_key="organisation.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    voting: bool = True
    from_constituency: bool = True
    started_on: date
    ended_on: date | None = None


class Income(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    ulo_id: int = Field(foreign_key="organisation.id", index=True)
    source_id: int | None = Field(default=None, foreign_key="organisation.id")
    source_name: str = Field(max_length=200)
    financial_year: str = Field(max_length=7)
    amount_pence: int
    ended_on: date | None = None
    ended_reason: str | None = Field(default=None, max_length=500)


class Engagement(SQLModel, table=True):
    # The lists' order, for everyone and for a ULO or a body among current records: a page and
    # its count without scanning and sorting the table. SQLite keeps no statistics, and an index
    # led by withdrawn_at looks selective to it ("IS NULL" is an equality), so there is none.
    __table_args__ = (
        Index("ix_engagement_order", "started_on", "id"),
        Index("ix_engagement_ulo_listing", "ulo_id", "withdrawn_at", "started_on", "id"),
        Index("ix_engagement_body_listing", "commissioner_id", "withdrawn_at", "started_on", "id"),
        # The rules read one ULO's current engagements with one body and its partners after each
        # write, those that end inside a bid's look-back or go on.
        Index("ix_engagement_ulo_body_end", "ulo_id", "commissioner_id", "withdrawn_at",
              "ended_on"),
    )
    id: int | None = Field(default=None, primary_key=True)
    ulo_id: int = Field(foreign_key="organisation.id", index=True)
    commissioner_id: int = Field(foreign_key="organisation.id", index=True)
    title: str = Field(max_length=200)
    question: str = Field(default="", sa_column=Column(Text, nullable=False))
    purposes: list[str] = json_list()
    influence: str = Field(max_length=20)
    service_areas: list[str] = json_list()
    localities: list[str] = json_list()
    started_on: date
    ended_on: date | None = None
    participant_ids: list[int] = json_list()
    notes: str = Field(default="", sa_column=Column(Text, nullable=False))
    recorded_by: int | None = Field(default=None, foreign_key="user.id")
    withdrawn_at: datetime | None = None
    withdrawn_reason: str | None = Field(default=None, max_length=500)


class Opportunity(SQLModel, table=True):
    __table_args__ = (
        Index("ix_opportunity_order", "published_on", "id"),
        Index("ix_opportunity_body_listing", "commissioner_id", "withdrawn_at", "published_on",
              "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    commissioner_id: int = Field(foreign_key="organisation.id", index=True)
    title: str = Field(max_length=200)
    reference: str = Field(max_length=100)
    ocid: str | None = Field(default=None, max_length=200, unique=True)
    service_areas: list[str] = json_list()
    localities: list[str] = json_list()
    value_pence: int = 0
    route: str = Field(max_length=30)
    published_on: date | None = None
    closes_on: date | None = None
    withdrawn_at: datetime | None = None
    withdrawn_reason: str | None = Field(default=None, max_length=500)


class Bid(SQLModel, table=True):
    # The rules meet a ULO's bids (and those submitted since a day) with a body's opportunities
    # in these indexes before reading any bid; the unique one serves "a ULO's bids" as well.
    __table_args__ = (UniqueConstraint("ulo_id", "opportunity_id"),
                      Index("ix_bid_ulo_submitted", "ulo_id", "submitted_on", "opportunity_id"))
    id: int | None = Field(default=None, primary_key=True)
    ulo_id: int = Field(foreign_key="organisation.id")
    opportunity_id: int = Field(foreign_key="opportunity.id", index=True)
    status: str = Field(max_length=20)
    submitted_on: date | None = None
    team_ids: list[int] = json_list()
    withdrawn_reason: str | None = Field(default=None, max_length=500)


class Arrangement(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    ulo_id: int = Field(foreign_key="organisation.id", index=True)
    commissioner_id: int = Field(foreign_key="organisation.id", index=True)
    kind: str = Field(max_length=20)
    description: str = Field(sa_column=Column(Text, nullable=False))
    started_on: date
    ended_on: date | None = None


class Flag(SQLModel, table=True):
    # The dashboard's counts, its most severe few and its month-by-month picture; the stored
    # flags a write's evaluation answers for (a rule's flags for one ULO and body, or one bid's
    # or engagement's: led by the ULO, so one write's new flags land on few index pages).
    __table_args__ = (Index("ix_flag_ulo_status", "ulo_id", "status"),
                      Index("ix_flag_status_severity", "status", "severity"),
                      Index("ix_flag_severity_score", "severity", "score"),
                      Index("ix_flag_severity_opened", "severity", "opened_at", "status",
                            "updated_at"),
                      Index("ix_flag_rule_pair", "rule", "ulo_id", "commissioner_id"),
                      Index("ix_flag_ulo_bid", "ulo_id", "bid_id"),
                      Index("ix_flag_ulo_engagement", "ulo_id", "engagement_id"))
    id: int | None = Field(default=None, primary_key=True)
    rule: str = Field(max_length=4)
    rule_version: int = 1
    fingerprint: str = Field(max_length=200, unique=True)
    severity: str = Field(max_length=10)
    score: int = 0
    reasons: list[str] = json_list()
    thresholds: dict = json_dict()
    facts_hash: str = Field(max_length=64)
    status: str = Field(default="open", max_length=20)
    ulo_id: int = Field(foreign_key="organisation.id")
    commissioner_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    engagement_id: int | None = Field(default=None, foreign_key="engagement.id")
    bid_id: int | None = Field(default=None, foreign_key="bid.id")
    arrangement_id: int | None = Field(default=None, foreign_key="arrangement.id")
    person_id: int | None = Field(default=None, foreign_key="person.id")
    opened_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Decision(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    flag_id: int = Field(foreign_key="flag.id", index=True)
    outcome: str = Field(max_length=30)
    mitigations: list[str] = json_list()
    rationale: str = Field(sa_column=Column(Text, nullable=False))
    present_ids: list[int] = json_list()
    withdrawn_ids: list[int] = json_list()
    quorate: bool = False
    decided_on: date
    decided_by: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    letter_markdown: str | None = Field(default=None, sa_column=Column(Text))
    notification_document_id: int | None = Field(default=None, foreign_key="document.id")


class Declaration(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    category: str = Field(max_length=30)
    description: str = Field(sa_column=Column(Text, nullable=False))
    organisation_id: int | None = Field(default=None, foreign_key="organisation.id")
    opportunity_id: int | None = Field(default=None, foreign_key="opportunity.id")
    arose_on: date
    declared_on: date
    ended_on: date | None = None
    ended_reason: str | None = Field(default=None, max_length=500)
    value_pence: int | None = None
    gift_decision: str | None = Field(default=None, max_length=20)
    recorded_by: int | None = Field(default=None, foreign_key="user.id")


class Document(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=30)
    title: str = Field(max_length=200)
    ulo_id: int = Field(foreign_key="organisation.id", index=True)
    commissioner_id: int = Field(foreign_key="organisation.id", index=True)
    current_revision: int = 1
    arrangement_id: int | None = Field(default=None, foreign_key="arrangement.id")
    recipient_name: str | None = Field(default=None, max_length=200)
    recipient_role: str | None = Field(default=None, max_length=200)
    sent_on: date | None = None
    acknowledged_on: date | None = None


class Revision(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("document_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    number: int
    markdown: str = Field(sa_column=Column(Text, nullable=False))
    sha256: str = Field(max_length=64)
    author_id: int | None = Field(default=None, foreign_key="user.id")
    author: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    note: str = Field(default="", max_length=500)


class Agreement(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("document_id", "revision", "side"),)
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    revision: int
    sha256: str = Field(max_length=64)
    side: str = Field(max_length=20)
    user_id: int = Field(foreign_key="user.id")
    by: str = Field(max_length=200)
    at: datetime = Field(default_factory=utcnow)


class AuditEvent(SQLModel, table=True):
    """One link of the append-only hash chain; triggers refuse UPDATE and DELETE."""

    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)
    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    at: datetime
    actor: str = Field(max_length=254)
    action: str = Field(max_length=60)
    entity: str = Field(max_length=40)
    entity_id: int | None = None
    before: dict | None = Field(default=None, sa_column=Column(JSON))
    after: dict | None = Field(default=None, sa_column=Column(JSON))
    prev_hash: str = Field(max_length=64, unique=True)
    hash: str = Field(max_length=64, unique=True)

