"""The facts behind a flag, record by record, and what changed between two readings of them.

A flag's audit events carry its evidence: for each record the rule read (the engagement, the
bid, a year's income, a declaration...), the values it read. When the rules reopen or update a
flag, comparing the evidence they stored last time with today's says in plain words which fact
changed ("the bid's submitted date changed from 2025-06-20 to 2025-07-01").
"""

from dataclasses import fields
from datetime import date

from coi.rules import Finding, UloFacts
from coi.rules.facts import bid_in_play

SKIP = {"id", "ulo_id"}
WORDS = {
    "commissioner_id": "commissioning body", "influence": "influence", "started_on": "start date",
    "ended_on": "end date", "service_areas": "service areas", "localities": "places",
    "participant_ids": "people involved", "withdrawn": "withdrawal", "value_pence": "value",
    "route": "route", "published_on": "publication date", "status": "status",
    "submitted_on": "submitted date", "team_ids": "bid team", "kind": "kind",
    "sent_on": "date sent", "amount_pence": "amount", "source_id": "funder",
    "source_name": "funder's name", "financial_year": "financial year", "voting": "vote",
    "from_constituency": "constituency", "category": "category", "arose_on": "date it arose",
    "declared_on": "date declared", "organisation_id": "organisation",
    "opportunity_id": "opportunity", "agreed_by_both": "agreement by both sides",
    "engages": "engagements with the body", "bids": "bids for the body's work",
    "member_ids": "members", "person_id": "person",
}


def plain(value):
    """A fact's value as JSON: dates ISO, sets sorted lists."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple, list)):
        return sorted(plain(v) for v in value)
    return value


def record(fact) -> dict:
    """The values a rule reads from one fact, without its ids."""
    return {f.name: plain(getattr(fact, f.name)) for f in fields(fact) if f.name not in SKIP}


def evidence(finding: Finding, facts: UloFacts) -> dict[str, dict]:
    """Label ("bid 40") to the values read from that record, for one finding."""
    reader = READERS.get(finding.rule)
    return reader(finding, facts) if reader else {}


def _r1(finding: Finding, facts: UloFacts) -> dict:
    out = {}
    for engagement in facts.engagements:
        if engagement.id == finding.engagement_id:
            out[f"engagement {engagement.id}"] = record(engagement)
    for bid in facts.bids:
        if bid.id == finding.bid_id:
            out[f"bid {bid.id}"] = record(bid)
            opportunity = facts.opportunities.get(bid.opportunity_id)
            if opportunity is not None:
                out[f"opportunity {opportunity.id}"] = record(opportunity)
    return out


def _r3(finding: Finding, facts: UloFacts) -> dict:
    year = finding.fingerprint.rsplit(":", 1)[1]
    out = {f"income {row.id}": record(row) for row in facts.income
           if row.ulo_id == facts.ulo_id and row.financial_year == year}
    ref = finding.fingerprint.split(":")[2]
    for partnership in facts.partnerships:
        if ref == f"p{partnership.id}":
            out[f"partnership {partnership.id}"] = {"member_ids": plain(partnership.member_ids)}
    return out


def _r4(finding: Finding, facts: UloFacts) -> dict:
    out = {f"arrangement {a.id}": record(a) for a in facts.arrangements
           if a.id == finding.arrangement_id}
    for note in facts.notifications:
        if note.arrangement_id == finding.arrangement_id and note.sent_on is not None:
            out[f"notification {note.id}"] = {"sent_on": plain(note.sent_on)}
    return out


def _r5(finding: Finding, facts: UloFacts) -> dict:
    body = finding.commissioner_id
    engages = any(e.commissioner_id == body and not e.withdrawn for e in facts.engagements
                  if e.ulo_id == facts.ulo_id)
    bids = False
    for bid in facts.bids:
        opportunity = facts.opportunities.get(bid.opportunity_id)
        if bid.ulo_id == facts.ulo_id and bid_in_play(bid, opportunity):
            bids = bids or opportunity.commissioner_id == body
    out = {"dealings with the body": {"engages": engages, "bids": bids}}
    for doc in facts.principles:
        if doc.ulo_id == facts.ulo_id and doc.commissioner_id == body:
            out[f"working principles {doc.document_id}"] = {"agreed_by_both": doc.agreed_by_both}
    return out


def _r7(finding: Finding, facts: UloFacts) -> dict:
    return {f"board member {m.person_id} from {m.started_on.isoformat()}": record(m)
            for m in facts.board_members if m.ulo_id == facts.ulo_id and m.voting}


def _r8(finding: Finding, facts: UloFacts) -> dict:
    if ":late:" in finding.fingerprint:
        declaration = finding.fingerprint.rsplit(":d", 1)[1]
        return {f"declaration {d.id}": record(d) for d in facts.declarations
                if str(d.id) == declaration}
    out = {f"board member {m.person_id} from {m.started_on.isoformat()}": record(m)
           for m in facts.board_members
           if m.ulo_id == facts.ulo_id and m.person_id == finding.person_id}
    tail = finding.fingerprint.rsplit(":", 1)[1]
    if tail.startswith("d"):
        last = tail[1:]
        out.update({f"declaration {d.id}": record(d) for d in facts.declarations
                    if str(d.id) == last})
    return out


READERS = {"R1": _r1, "R3": _r3, "R4": _r4, "R5": _r5, "R7": _r7, "R8": _r8}


def _value(name: str, value) -> str:
    if value is None or value == []:
        return "nothing"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if name.endswith("_pence") and isinstance(value, int):
        return f"£{value / 100:,.2f}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def changes(before: dict | None, after: dict) -> list[str]:
    """What changed between two readings of a flag's evidence, one sentence per change."""
    if not before:
        return []
    out = []
    for label in sorted(set(before) | set(after)):
        old, new = before.get(label), after.get(label)
        if old is None:
            out.append(f"{label} now counts")
        elif new is None:
            out.append(f"{label} no longer counts")
        else:
            for name in sorted(set(old) | set(new)):
                if old.get(name) != new.get(name):
                    out.append(f"the {WORDS.get(name, name.replace('_', ' '))} of {label} "
                               f"changed from {_value(name, old.get(name))} to "
                               f"{_value(name, new.get(name))}")
    return out
