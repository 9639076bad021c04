"""R3 dependency, R4 notification, R5 working principles and R7 board make-up: one ULO's
relationships and governance, each read from its own records only."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from coi.dates import long_date

from .facts import IncomeFact, PartnershipFact, UloFacts, bid_in_play
from .findings import Finding, RuleInfo, Tally, add_months, make_finding, money
from .thresholds import Thresholds

R3 = RuleInfo(
    code="R3", name="Too close to one funder", version=1,
    summary="One commissioning body, or the members of one commissioning partnership together, "
            "gave more than the dependency threshold of the ULO's income in a financial year.",
    explanation=(
        "For each financial year, each funder's income is divided by the ULO's total income "
        "that year (every source counts towards the total; income with no funding "
        "organisation recorded counts only towards the total).",
        "A partnership is flagged when its members together pass the threshold and none of "
        "them passes it alone, so the same money is never flagged twice.",
    ),
    factors=("The score is the funder's share of the year's income, in percent.",),
    threshold_keys=("r3_dependency_pct",),
)
R4 = RuleInfo(
    code="R4", name="Arrangement not notified", version=1,
    summary="A partnership arrangement is active and no political-member notification about "
            "it was sent within the notification interval.",
    explanation=(
        "An arrangement is active from its start date until its end date, inclusive. A "
        "notification counts from the date it was sent; drafts that were never sent do not.",
        "Each lapse is its own flag: once a notification is sent the flag is superseded, and "
        "if that notification in turn becomes too old a new flag is raised.",
    ),
    factors=("Never notified +60.", "Last notified longer ago than the interval +40."),
    threshold_keys=("r4_notification_months",),
)
R5 = RuleInfo(
    code="R5", name="No agreed principles", version=1,
    summary="The ULO bids for the work of, or engages with, a body with which it has no "
            "working-principles document agreed by both sides.",
    explanation=(
        "A document counts only when its current revision is agreed by both the ULO and the "
        "body. Withdrawn engagements and bids, and withdrawn opportunities, are ignored. "
        "There is one flag for each ULO and body.",
    ),
    factors=("No agreed working principles +30.",
             "The ULO both engages with the body and bids for its work +20."),
)
R7 = RuleInfo(
    code="R7", name="Board not user-led", version=1,
    summary="Fewer than the user-led share of the ULO's current voting board members are "
            "drawn from its constituency.",
    explanation=(
        "Current means started on or before today and not ended before today. A ULO with no "
        "voting board members recorded is not flagged: there is nothing yet to measure.",
    ),
    factors=("Below the user-led share +40.",
             "+2 for each percentage point of shortfall."),
    threshold_keys=("r7_constituency_pct",),
)


def dependency(facts: UloFacts, thresholds: Thresholds, today: date) -> list[Finding]:
    """R3: every funder or partnership above the dependency threshold, year by year."""
    years: dict[str, list[IncomeFact]] = defaultdict(list)
    for row in facts.income:
        if row.ulo_id == facts.ulo_id:
            years[row.financial_year].append(row)
    return [found for year in sorted(years)
            for found in _year_dependency(facts, year, years[year], thresholds)]


def _year_dependency(facts: UloFacts, year: str, rows: list[IncomeFact],
                     thresholds: Thresholds) -> list[Finding]:
    total = sum(row.amount_pence for row in rows)
    if total <= 0:
        return []
    by_source: dict[int, int] = defaultdict(int)
    for row in rows:
        if row.source_id is not None:
            by_source[row.source_id] += row.amount_pence
    pct = thresholds.r3_dependency_pct
    over = {source for source, amount in by_source.items() if amount * 100 > pct * total}
    income = sorted([row.id, row.source_id, row.amount_pence] for row in rows)
    found = [_funder_finding(facts, year, source, by_source[source], total, income, thresholds)
             for source in sorted(over)]
    for partnership in sorted(facts.partnerships, key=lambda p: p.id):
        amount = sum(by_source.get(member, 0) for member in partnership.member_ids)
        if amount * 100 > pct * total and not partnership.member_ids & over:
            found.append(_partnership_finding(facts, year, partnership, amount, total, income,
                                              thresholds))
    return found


def _share_reason(who: str, amount: int, total: int, year: str, pct: int) -> tuple[int, str]:
    share = amount * 100 // total
    return min(100, share), (f"{who} {money(amount)} of the ULO's {money(total)} income in "
                             f"{year} ({share}%), more than the {pct}% threshold")


def _funder_finding(facts, year, source, amount, total, income, thresholds) -> Finding:
    tally = Tally()
    tally.add(*_share_reason(f"{facts.names.org(source)} gave", amount, total, year,
                             thresholds.r3_dependency_pct))
    return make_finding(R3, tally, thresholds, fingerprint=f"R3:u{facts.ulo_id}:c{source}:{year}",
                        ulo_id=facts.ulo_id, commissioner_id=source,
                        facts={"year": year, "income": income, "funder": source})


def _partnership_finding(facts, year, partnership: PartnershipFact, amount, total, income,
                         thresholds) -> Finding:
    members = ", ".join(sorted(facts.names.org(m) for m in partnership.member_ids))
    tally = Tally()
    tally.add(*_share_reason(f"The members of {partnership.name} ({members}) together gave",
                             amount, total, year, thresholds.r3_dependency_pct))
    return make_finding(R3, tally, thresholds,
                        fingerprint=f"R3:u{facts.ulo_id}:p{partnership.id}:{year}",
                        ulo_id=facts.ulo_id, facts={"year": year, "income": income,
                                                    "partnership": partnership.member_ids})


def unnotified(facts: UloFacts, thresholds: Thresholds, today: date) -> list[Finding]:
    """R4: active arrangements with no notification sent within the interval."""
    last_sent = {}
    for note in sorted(facts.notifications, key=lambda n: (n.sent_on or date.min, n.id)):
        if note.sent_on is not None and note.sent_on <= today:
            last_sent[note.arrangement_id] = note
    since = add_months(today, -thresholds.r4_notification_months)
    found = []
    for arrangement in facts.arrangements:
        active = arrangement.started_on <= today and (
            arrangement.ended_on is None or arrangement.ended_on >= today)
        last = last_sent.get(arrangement.id)
        if arrangement.ulo_id == facts.ulo_id and active and (last is None
                                                              or last.sent_on < since):
            found.append(_unnotified_finding(facts, arrangement, last, thresholds))
    return found


def _unnotified_finding(facts, arrangement, last, thresholds) -> Finding:
    body = facts.names.org(arrangement.commissioner_id)
    what = (f"the {arrangement.kind} arrangement with {body} "
            f"(since {long_date(arrangement.started_on)})")
    tally = Tally()
    if last is None:
        tally.add(60, f"No lead political member has been sent a notification of {what}")
    else:
        tally.add(40, f"The last notification of {what} was sent on {long_date(last.sent_on)}, "
                      f"more than {thresholds.r4_notification_months} months ago")
    suffix = f":n{last.id}" if last else ""
    return make_finding(R4, tally, thresholds, fingerprint=f"R4:a{arrangement.id}{suffix}",
                        ulo_id=facts.ulo_id, commissioner_id=arrangement.commissioner_id,
                        arrangement_id=arrangement.id,
                        facts={"arrangement": [arrangement.id, arrangement.commissioner_id,
                                               arrangement.started_on, arrangement.ended_on],
                               "last": [last.id, last.sent_on] if last else None})


def unprincipled(facts: UloFacts, thresholds: Thresholds, today: date) -> list[Finding]:
    """R5: one finding per body the ULO deals with and has no agreed working principles with."""
    ulo = facts.ulo_id
    engages = {e.commissioner_id for e in facts.engagements if e.ulo_id == ulo and not e.withdrawn}
    bids_on = set()
    for bid in facts.bids:
        opportunity = facts.opportunities.get(bid.opportunity_id)
        if bid.ulo_id == ulo and bid_in_play(bid, opportunity):
            bids_on.add(opportunity.commissioner_id)
    documents: dict[int, list] = defaultdict(list)
    for doc in facts.principles:
        if doc.ulo_id == ulo:
            documents[doc.commissioner_id].append(doc)
    return [_unprincipled_finding(facts, body, body in engages, body in bids_on,
                                  documents[body], thresholds)
            for body in sorted(engages | bids_on)
            if not any(doc.agreed_by_both for doc in documents[body])]


def _unprincipled_finding(facts, body, engages, bids, documents, thresholds) -> Finding:
    org = facts.names.org(body)
    tally = Tally()
    tally.add(30, f"The working principles with {org} are not agreed by both sides" if documents
              else f"There is no working-principles document with {org}")
    tally.add(20 if engages and bids else 0,
              f"The ULO both engages with {org} and bids for its work")
    drafts = sorted([doc.document_id or 0, doc.agreed_by_both] for doc in documents)
    return make_finding(R5, tally, thresholds, fingerprint=f"R5:u{facts.ulo_id}:c{body}",
                        ulo_id=facts.ulo_id, commissioner_id=body,
                        facts={"engages": engages, "bids": bids, "documents": drafts})


def board_constituency(facts: UloFacts, thresholds: Thresholds, today: date) -> list[Finding]:
    """R7: the current voting board falls short of the user-led share."""
    members: dict[int, bool] = {}
    for member in facts.board_members:
        if member.ulo_id == facts.ulo_id and member.voting and member.current(today):
            drawn = member.from_constituency or members.get(member.person_id, False)
            members[member.person_id] = drawn
    if not members:
        return []
    drawn, voting, pct = sum(members.values()), len(members), thresholds.r7_constituency_pct
    if drawn * 100 >= pct * voting:
        return []
    share = drawn * 100 // voting
    tally = Tally()
    tally.add(40, f"{drawn} of the ULO's {voting} current voting board members ({share}%) are "
                  f"drawn from its constituency, fewer than {pct}%")
    tally.add(2 * (pct - share), f"The shortfall is {pct - share} percentage points")
    return [make_finding(R7, tally, thresholds, fingerprint=f"R7:u{facts.ulo_id}",
                         ulo_id=facts.ulo_id, facts={"voting": sorted(members.items())})]
