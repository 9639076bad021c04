"""The facts one write needs, for the ULO and body it touches, in as few statements as can be.

`read_shared` reads what every pair of a write shares (the thresholds setting, partnerships,
names, people, working principles) in one statement; `load_written` adds the written bids or
engagements and what R1 pairs them with, the arrangements for R4 and the dealings for R5. The
statements are built once, with the ids as bound parameters, so a write neither builds nor
hashes a statement. The facts are the same as `facts_loader.load` would give for the records
read, so the stored flags (facts_hash and all) do not depend on which loader read them.
"""

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from sqlalchemy import (
    Integer,
    String,
    and_,
    bindparam,
    cast,
    literal,
    null,
    or_,
    select,
    union_all,
)

from coi import models
from coi.rules import UloFacts
from coi.rules.question import window_at
from coi.services import facts_loader as loader
from coi.services.facts_loader import (
    BID,
    BID_OPPORTUNITY,
    ENGAGEMENT,
    OPPORTUNITY,
    PRINCIPLES,
    Bid,
    Document,
    Engagement,
    Opportunity,
    Organisation,
    Partnership,
    PartnershipMember,
    Person,
    Rows,
    Setting,
    build,
)

Audit = models.AuditEvent.__table__.c


@dataclass
class Shared:
    """The small reads every pair of a write needs, made in one statement (`read_shared`):
    a setting's stored value, the partnerships in force, organisation names, each ULO's people
    and the working principles of the pairs."""

    setting: dict | None = None
    partnerships: list = field(default_factory=list)
    org_names: dict = field(default_factory=dict)
    people: dict = field(default_factory=dict)
    principles: list = field(default_factory=list)
    head: tuple | None = None  # the audit chain's last (seq, hash), if there is one


def read_shared(s, pairs: Collection[tuple[int, int]], setting: str | None = None) -> Shared:
    """For these (ULO, body) pairs, in one round trip: the setting's value (if a key is given),
    every partnership in force that one of the bodies is in, with its members (R1 counts an
    engagement with a body for its partners' work, nothing else about partnerships), the names
    of the ULOs, the bodies and those partnerships' members, the ULOs' people, the working
    principles between the pairs and the audit chain's head (valid for appending while the
    caller holds the chain lock and has appended nothing since)."""
    ulos, bodies = sorted({u for u, _ in pairs}), sorted({b for _, b in pairs})
    return _shared(loader.run(s, _shared_statement(setting is not None), {
        "ulos": ulos, "bodies": bodies, "named": sorted({*ulos, *bodies}),
        "key": setting}).all())


@cache
def _shared_statement(with_setting: bool):
    """read_shared's statement, built once (the writes' ids are bound parameters)."""
    none_int, none_str = cast(null(), Integer), cast(null(), String)
    member_of = models.PartnershipMember.__table__.alias("member_of")
    theirs = select(member_of.c.partnership_id).where(
        member_of.c.organisation_id.in_(_ids("bodies")))
    members = models.Partnership.__table__.join(
        models.PartnershipMember.__table__, PartnershipMember.partnership_id == Partnership.id)
    in_force = (Partnership.ended_on.is_(None), Partnership.id.in_(theirs))
    parts = [
        select(literal("p"), Partnership.id, Partnership.name, PartnershipMember.organisation_id,
               none_int).select_from(members).where(*in_force),
        select(literal("o"), Organisation.id, Organisation.name, none_int, none_int).where(
            Organisation.id.in_(_ids("named"))),
        select(literal("o"), Organisation.id, Organisation.name, none_int, none_int)
        .select_from(members.join(models.Organisation.__table__,
                                  Organisation.id == PartnershipMember.organisation_id))
        .where(*in_force),
        select(literal("h"), Person.id, Person.name, Person.organisation_id, none_int)
        .where(Person.organisation_id.in_(_ids("ulos"))),
        select(literal("d"), Document.id, none_str, Document.ulo_id, Document.commissioner_id)
        .where(Document.kind == PRINCIPLES, Document.ulo_id.in_(_ids("ulos")),
               Document.commissioner_id.in_(_ids("bodies")))]
    if with_setting:
        parts.append(select(literal("s"), none_int, cast(Setting.value, String), none_int,
                            none_int).where(Setting.key == bindparam("key")))
    last = select(Audit.seq, Audit.hash).order_by(Audit.seq.desc()).limit(1).subquery()
    parts.append(select(literal("a"), last.c.seq, last.c.hash, none_int, none_int))
    return union_all(*parts)


def _ids(name: str):
    """A bound list of ids for `column.in_(...)`."""
    return bindparam(name, expanding=True)


def _shared(rows) -> Shared:
    out = Shared()
    for tag, key, text, a, b in rows:
        if tag == "p":
            out.partnerships.append((key, text, a))
        elif tag == "o":
            out.org_names[key] = text
        elif tag == "h":
            out.people.setdefault(a, []).append((key, a, text))
        elif tag == "d":
            out.principles.append((key, a, b))
        elif tag == "a":
            out.head = (key, text)
        else:
            out.setting = json.loads(text) if text is not None else None
    out.partnerships.sort(key=lambda row: row[0])  # as _partnership_rows orders them
    return out


def load_written(s, ulo_id: int, body: int, *, lookback_months: int, today: date,
                 bids: Collection[int] = (), engagements: Mapping[int, tuple] | None = None,
                 rules: Collection[str] = (), shared: Shared | None = None,
                 bid_rows: Mapping | None = None) -> UloFacts:
    """The facts a write needs, for one ULO and body, in one reading: for R1 the written bids
    (with the ULO's engagements with each one's body and partners that could be linked to one
    of them) and the written engagements (with the ULO's bids in play on the opportunities of
    each one's body and partners that could be linked to one of them); for R4 the arrangements
    with the body and their notifications; for R5 the working principles with the body and
    whether the ULO engages with it and bids for its work. R1's look-back (`lookback_months`
    before a bid's reference day, or `today`) bounds what is read. `shared` is what
    `read_shared` read for the write's pairs (read here when not given); `bid_rows` the rows
    of written bids already read by `written_bid` (bid id to row); `engagements` the written
    engagements, id to the row `engagement_row` made of each."""
    if shared is None:
        shared = read_shared(s, [(ulo_id, body)])
    bid_rows = bid_rows or {}
    rows = Rows([ulo_id], partnerships=shared.partnerships)
    partner_facts = loader.partnership_facts(shared.partnerships)
    if bids:
        _read_written_bids(s, rows, ulo_id, bids, partner_facts, bid_rows,
                           (lookback_months, today))
    if engagements:
        _read_written_engagements(s, rows, ulo_id, engagements, partner_facts)
    if "R4" in rules:
        loader.read_arrangements(s, rows, [ulo_id], body)
    if "R5" in rules:
        rows.principles = [row for row in shared.principles if row[1:] == (ulo_id, body)]
        if rows.principles:
            documents = [row[0] for row in rows.principles]
            rows.agreements = loader.agreements(s, Document.id.in_(documents))
        _read_dealings(s, rows, ulo_id, body)
    rows.people = list(shared.people.get(ulo_id, ()))
    rows.org_names = shared.org_names
    return build(rows)[ulo_id]


def _add(rows: Rows, name: str, found: list) -> None:
    known = {row[0] for row in getattr(rows, name)}
    getattr(rows, name).extend(row for row in found if row[0] not in known)


def written_bid(s, bid_id: int):
    """One bid's row with its opportunity's (BID then OPPORTUNITY columns), or None; its
    commissioning body is `row[BODY_OF_BID]`."""
    return loader.run(s, _WRITTEN["bid"], {"id": bid_id}).first()


def engagement_row(record) -> tuple:
    """A written engagement's row (ENGAGEMENT columns) from the record the write has just
    flushed: what reading it back in the same transaction would give."""
    return (*(getattr(record, column.key) for column in ENGAGEMENT[:-1]),
            record.withdrawn_at is not None)


_SINCE = bindparam("since")


def _bids_with():
    """The ULO's bids in play for the work of `bodies` whose reference day (question.window_at:
    the later of publication and submission, else today) can be on or after `since`, with
    their opportunities. The opportunities are chosen first from three indexes, without reading
    a bid or an opportunity: the bodies' current opportunities published since (or not yet)
    that the ULO bid for, and those the ULO's bids submitted since are for. Only the chosen
    bids and opportunities are read; the join learns the ULO from the chosen pairs, so
    PostgreSQL probes the bids' (ULO, opportunity) index for each (told the ULO directly, it
    would read every bid of the ULO instead)."""
    ulo = bindparam("ulo")
    bid_for = select(Bid.opportunity_id).where(Bid.ulo_id == ulo)
    chosen = select(cast(ulo, Integer).label("ulo_id"), Opportunity.id.label("id")).where(
        Opportunity.commissioner_id.in_(_ids("bodies")), Opportunity.withdrawn_at.is_(None),
        or_(and_(or_(Opportunity.published_on >= _SINCE, Opportunity.published_on.is_(None)),
                 Opportunity.id.in_(bid_for)),
            Opportunity.id.in_(bid_for.where(Bid.submitted_on >= _SINCE)))
    ).cte("chosen").prefix_with("MATERIALIZED", dialect="postgresql")
    bids, opportunities = models.Bid.__table__, models.Opportunity.__table__
    joined = chosen.join(bids, and_(Bid.ulo_id == chosen.c.ulo_id,
                                    Bid.opportunity_id == chosen.c.id)).join(
        opportunities, Opportunity.id == chosen.c.id)
    return select(*BID, *OPPORTUNITY).select_from(joined).where(
        Bid.status != "withdrawn",
        or_(Opportunity.published_on >= _SINCE, Bid.submitted_on >= _SINCE,
            and_(Opportunity.published_on.is_(None), Bid.submitted_on.is_(None))))


# The statements a write's evaluation runs, built once: the ids and dates are bound parameters.
_BIDS_WITH_OPPORTUNITY = select(*BID, *OPPORTUNITY).join(*BID_OPPORTUNITY)
_WRITTEN = {
    "bid": _BIDS_WITH_OPPORTUNITY.where(Bid.id == bindparam("id")),
    "bids": _BIDS_WITH_OPPORTUNITY.where(Bid.id.in_(_ids("ids")),
                                         Bid.ulo_id == bindparam("ulo")),
    "bids_with": _bids_with(),
    # The ULO's current engagements with these bodies that question.linked could pair with a
    # bid whose look-back starts no earlier than `earliest`: those that ended since, then those
    # that go on (each a range of ix_engagement_ulo_body_end; a condition on the start as well
    # would lead SQLite, which keeps no statistics, to the ULO's listing index instead).
    "engagements_with": union_all(*(select(*ENGAGEMENT).where(
        Engagement.ulo_id == bindparam("ulo"), Engagement.commissioner_id.in_(_ids("bodies")),
        Engagement.withdrawn_at.is_(None), ended)
        for ended in (Engagement.ended_on >= bindparam("earliest"),
                      Engagement.ended_on.is_(None)))),
}


BODY_OF_BID = len(BID) + 1
SUBMITTED_ON, PUBLISHED_ON = 4, len(BID) + 6  # in a row of BID then OPPORTUNITY columns
STARTED_ON = 4  # in a row of ENGAGEMENT columns


def _read_written_bids(s, rows: Rows, ulo_id, bids, partner_facts, known, lookback) -> None:
    both = [row for bid_id, row in sorted(known.items()) if bid_id in bids and row[1] == ulo_id]
    if set(bids) - set(known):
        both += loader.run(s, _WRITTEN["bids"], {"ids": sorted(set(bids) - set(known)),
                                           "ulo": ulo_id}).all()
    if not both:
        return
    _add(rows, "bids", [row[:len(BID)] for row in both])
    _add(rows, "opportunities", [row[len(BID):] for row in both])
    related = loader.related_bodies(partner_facts, {row[1] for row in rows.opportunities})
    earliest = min(window_at(row[PUBLISHED_ON], row[SUBMITTED_ON], *lookback).start
                   for row in both)
    _add(rows, "engagements", loader.run(s, _WRITTEN["engagements_with"], {
        "ulo": ulo_id, "bodies": sorted(related), "earliest": earliest}).all())


def _read_written_engagements(s, rows: Rows, ulo_id, engagements: Mapping,
                              partner_facts) -> None:
    found = [row for _, row in sorted(engagements.items())]
    _add(rows, "engagements", found)
    related = loader.related_bodies(partner_facts, {row[2] for row in found})
    both = loader.run(s, _WRITTEN["bids_with"], {
        "ulo": ulo_id, "bodies": sorted(related),
        "since": min(row[STARTED_ON] for row in found)}).all()
    _add(rows, "bids", [row[:len(BID)] for row in both])
    _add(rows, "opportunities", [row[len(BID):] for row in both])


def _read_dealings(s, rows: Rows, ulo_id: int, body: int) -> None:
    """One current engagement and one live bid with the body, unless already read."""
    live = {row[0] for row in rows.opportunities if row[1] == body and not row[7]}
    if not any(row[2] == body and not row[9] for row in rows.engagements):
        _add(rows, "engagements", loader.run(s, select(*ENGAGEMENT).where(
            Engagement.ulo_id == ulo_id, Engagement.commissioner_id == body,
            Engagement.withdrawn_at.is_(None)).limit(1)).all())
    if not any(row[3] != "withdrawn" and row[2] in live for row in rows.bids):
        found = loader.run(s, select(*BID, *OPPORTUNITY).join(*BID_OPPORTUNITY).where(
            Bid.ulo_id == ulo_id, Bid.status != "withdrawn",
            Opportunity.commissioner_id == body,
            Opportunity.withdrawn_at.is_(None)).limit(1)).all()
        _add(rows, "bids", [row[:len(BID)] for row in found])
        _add(rows, "opportunities", [row[len(BID):] for row in found])
