"""A realistic fictional register to try Two Hats with (`flask demo`).

Everything is created through the same services as the pages and the API, as the system actor:
every record is validated, audited and evaluated by the rules. Dates are relative to the day
the demo is loaded, so that what the rules find stays current. The overlaps are the ones SPEC §4
describes: a ULO that drafted a specification and bid on the tender (with the same person on
both sides), an engagement with one council and a bid on its partner council's tender, an
engagement too long ago to count, a ULO too dependent on one council, an arrangement that no
lead member was told about (and one that was), a board that is not user-led, a late
declaration, and working principles agreed by both sides (and a draft still waiting).
The records themselves are in coi.demo.data.
"""

import re
from datetime import date, timedelta

from sqlalchemy import func, select

from coi import db
from coi.demo.data import (
    ARRANGEMENTS,
    BIDS,
    BOARD,
    DECLARATIONS,
    ENGAGEMENTS,
    INCOME,
    LOGINS,
    NAMES,
    NOTIFICATION,
    OCIDS,
    OPPORTUNITIES,
    ORGANISATIONS,
    PARTNERSHIP,
    PEOPLE,
    PLACES,
    PRINCIPLES,
    QUESTIONS,
    WITHDRAWN_BID,
    WITHDRAWN_ENGAGEMENT,
    Login,
)
from coi.errors import Conflict
from coi.models import Flag, Organisation, User
from coi.services import (
    agreements,
    base,
    declarations,
    documents,
    engagements,
    opportunities,
    organisations,
    ulo,
    users,
)

PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def months_ago(months: float | None, today: date) -> str | None:
    """An ISO date about that many months before today (negative: in the future)."""
    if months is None:
        return None
    return (today - timedelta(days=round(months * 30.44))).isoformat()


def financial_year(day: date, back: int = 0) -> str:
    """The UK financial year (April to March) of day, or back years before it: 2025-26."""
    start = (day.year if day.month >= 4 else day.year - 1) - back
    return f"{start}-{(start + 1) % 100:02d}"


def refusal() -> str | None:
    """Why the demo cannot be loaded into this register, or None when it can."""
    s = db.session()
    if s.execute(select(func.count()).select_from(Organisation)).scalar():
        return ("The register already has organisations. The demo is only loaded into an "
                "empty register, so that fictional records never mix with real ones (and a "
                "second run never duplicates them). Nothing was changed.")
    emails = [login.email for login in LOGINS]
    if s.execute(select(User.id).where(func.lower(User.email).in_(emails))).first():
        return "The demo accounts already exist. Nothing was changed."
    return None


class Loader:
    """Creates the demo register record by record through the services (as the system)."""

    def __init__(self, today: date):
        self.today = today
        self.orgs: dict[str, int] = {}
        self.people: dict[str, int] = {}
        self.opportunities: dict[str, int] = {}
        self.bids: dict[tuple[str, str], int] = {}
        self.arrangements: dict[str, int] = {}
        self.users: dict[str, User] = {}
        self.counts: dict[str, int] = {}

    def ago(self, months):
        return months_ago(months, self.today)

    def create(self, what: str, spec, data: dict):
        self.counts[what] = self.counts.get(what, 0) + 1
        return base.create_record(spec, None, data)

    def organisations(self) -> None:
        for key, kind, name, places in ORGANISATIONS:
            self.orgs[key] = self.create("organisations", organisations.ORGANISATIONS, {
                "kind": kind, "name": name, "localities": places}).id
        name, members = PARTNERSHIP
        organisations.create_partnership(None, {
            "name": name, "member_ids": [self.orgs[m] for m in members]})
        self.counts["commissioning partnership"] = 1

    def persons(self) -> None:
        for key, (org, name, email) in PEOPLE.items():
            self.people[key] = self.create("people", organisations.PEOPLE, {
                "name": name, "organisation_id": self.orgs[org], "email": email}).id

    def board(self) -> None:
        for person, voting, constituency, joined in BOARD:
            self.create("board members", ulo.BOARD_MEMBERS, {
                "ulo_id": self.orgs[PEOPLE[person][0]], "person_id": self.people[person],
                "voting": voting, "from_constituency": constituency,
                "started_on": self.ago(joined)})

    def voice(self) -> None:
        for key, ulo_key, body, title, purposes, influence, areas, start, end, who in \
                ENGAGEMENTS:
            record = engagements.record_engagement(None, {
                "ulo_id": self.orgs[ulo_key], "commissioner_id": self.orgs[body],
                "title": title, "question": QUESTIONS.get(key, ""), "purposes": purposes,
                "influence": influence, "service_areas": areas,
                "localities": PLACES[body][:1],
                "started_on": self.ago(start), "ended_on": self.ago(end),
                "participant_ids": [self.people[p] for p in who]})
            self.counts["engagements"] = self.counts.get("engagements", 0) + 1
            if key == WITHDRAWN_ENGAGEMENT[0]:
                base.end_record(engagements.ENGAGEMENTS, None, record.id,
                                {"reason": WITHDRAWN_ENGAGEMENT[1]})

    def business(self) -> None:
        for key, body, title, ref, areas, value, route, published, closes in OPPORTUNITIES:
            self.opportunities[key] = self.create("opportunities", opportunities.OPPORTUNITIES, {
                "commissioner_id": self.orgs[body], "title": title, "reference": ref,
                "ocid": OCIDS.get(key), "service_areas": areas, "value": value,
                "route": route, "published_on": self.ago(published),
                "closes_on": self.ago(closes),
                "localities": PLACES[body]}).id
        for ulo_key, opp, status, submitted, team in BIDS:
            self.bids[(ulo_key, opp)] = self.create("bids", opportunities.BIDS, {
                "ulo_id": self.orgs[ulo_key], "opportunity_id": self.opportunities[opp],
                "status": status, "submitted_on": self.ago(submitted),
                "team_ids": [self.people[p] for p in team]}).id
        which, reason = WITHDRAWN_BID
        base.end_record(opportunities.BIDS, None, self.bids[which], {"reason": reason})

    def money_and_ties(self) -> None:
        for ulo_key, lines in INCOME.items():
            for funder, this_year, last_year in lines:
                source = self.orgs.get(funder)
                name = NAMES.get(funder, funder)
                for back, amount in ((0, this_year), (1, last_year)):
                    self.create("income records", ulo.INCOME, {
                        "ulo_id": self.orgs[ulo_key], "source_id": source, "source_name": name,
                        "financial_year": financial_year(self.today, back), "amount": amount})
        for key, ulo_key, body, kind, text, since, until in ARRANGEMENTS:
            self.arrangements[key] = self.create("partnership arrangements", ulo.ARRANGEMENTS, {
                "ulo_id": self.orgs[ulo_key], "commissioner_id": self.orgs[body], "kind": kind,
                "description": text, "started_on": self.ago(since),
                "ended_on": self.ago(until)}).id

    def declarations(self) -> None:
        for person, category, text, org, arose, declared, value, decision in DECLARATIONS:
            declarations.record_declaration(None, {
                "person_id": self.people[person], "category": category, "description": text,
                "organisation_id": self.orgs.get(org), "arose_on": self.ago(arose),
                "declared_on": self.ago(declared), "value": value, "gift_decision": decision})
            self.counts["declarations"] = self.counts.get("declarations", 0) + 1

    def accounts(self) -> None:
        for login in LOGINS:
            self.users[login.role] = users.create_user(None, {
                "email": login.email, "name": login.name, "role": login.role,
                "organisation_id": self.orgs.get(login.organisation), "password": login.password})
        self.counts["accounts"] = len(LOGINS)

    def documents(self) -> None:
        """Working principles agreed by both sides, a lead member told about an arrangement,
        and a draft that neither side has agreed yet; written by the demo's own accounts."""
        staff = self.users["ulo_staff"]
        (ulo_key, body), filled, draft = PRINCIPLES
        doc = documents.create_document(staff, {
            "kind": "working_principles", "ulo_id": self.orgs[ulo_key],
            "commissioner_id": self.orgs[body]})
        revision = self.fill_in(staff, doc, filled, "The leads and oversight filled in")
        for side in ("ulo_board", "commissioner"):
            agreements.agree(self.users[side], doc.id, revision.number)
        arrangement, title, recipient, role, sent, acknowledged, filled = NOTIFICATION
        note = documents.create_document(staff, {
            "kind": "political_notification", "arrangement_id": self.arrangements[arrangement],
            "title": title, "recipient_name": recipient, "recipient_role": role,
            "sent_on": self.ago(sent), "acknowledged_on": self.ago(acknowledged)})
        self.fill_in(staff, note, filled, "Contact details and signatory filled in")
        documents.create_document(None, {"kind": "working_principles",
                                         "ulo_id": self.orgs[draft[0]],
                                         "commissioner_id": self.orgs[draft[1]]})
        self.counts["documents"] = 3

    def fill_in(self, actor, doc, values: dict, note: str):
        """A second revision with the template's remaining {{placeholders}} filled in."""
        text = documents.current_revision(doc).markdown
        filled = PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), text)
        revision, _ = documents.add_revision(actor, doc.id, {
            "markdown": filled, "note": note, "base_revision": doc.current_revision})
        return revision


def load(today: date | None = None) -> dict:
    """Load the demo register into an empty register; returns what was made and the logins."""
    problem = refusal()
    if problem:
        raise Conflict(problem)
    loader = Loader(today or date.today())
    # Declarations before the board, so that no board member is ever without one (R8).
    for step in (loader.organisations, loader.persons, loader.declarations, loader.board,
                 loader.voice, loader.business, loader.money_and_ties, loader.accounts,
                 loader.documents):
        step()
    logins = [Login(x.role, x.email, x.name, NAMES.get(x.organisation), x.password)
              for x in LOGINS]
    return {"counts": loader.counts, "logins": logins, "flags": flag_counts()}


def flag_counts() -> dict[str, int]:
    """Open flags by rule, as the rules raised them while the demo loaded."""
    rows = db.session().execute(select(Flag.rule, func.count()).where(
        Flag.status.in_(("open", "under_review"))).group_by(Flag.rule).order_by(Flag.rule))
    return dict(rows.all())
