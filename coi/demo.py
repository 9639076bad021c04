"""A realistic fictional register to try Two Hats with (`flask demo`).

Everything is created through the same services as the pages and the API, as the system actor:
every record is validated, audited and evaluated by the rules. Dates are relative to the day
the demo is loaded, so that what the rules find stays current. The overlaps are the ones SPEC §4
describes: a ULO that drafted a specification and bid on the tender (with the same person on
both sides), an engagement with one council and a bid on its partner council's tender, an
engagement too long ago to count, a ULO too dependent on one council, an arrangement that no
lead member was told about, a board that is not user-led, and a late declaration.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from coi import db
from coi.errors import Conflict
from coi.models import Flag, Organisation, User
from coi.services import base, declarations, engagements, opportunities, organisations, ulo, users

ULO, BODY = "ulo", "commissioner"

ORGANISATIONS = [  # key, kind, name, localities
    ("bdpa", ULO, "Brackenfield Disabled People's Alliance", ["Brackenfield", "Ashby Vale"]),
    ("carers", ULO, "Harbourside Carers' Centre", ["Harbourside"]),
    ("older", ULO, "Ashby Vale Older People's Forum", ["Ashby Vale"]),
    ("deaf", ULO, "Deaf Voice Harbourside", ["Harbourside", "Brackenfield"]),
    ("brack", BODY, "Brackenfield Borough Council", ["Brackenfield"]),
    ("ashby", BODY, "Ashby Vale District Council", ["Ashby Vale"]),
    ("harbour", BODY, "Harbourside City Council", ["Harbourside"]),
    ("moor", BODY, "Northmoor County Council", ["Northmoor", "Ashby Vale"]),
    ("icb", BODY, "NHS Harbour and Moor Integrated Care Board",
     ["Harbourside", "Northmoor", "Brackenfield", "Ashby Vale"]),
]
NAMES = {key: name for key, _, name, _ in ORGANISATIONS}
PLACES = {key: places for key, _, _, places in ORGANISATIONS}
PARTNERSHIP = ("Brackenfield and Ashby Vale Joint Commissioning", ["brack", "ashby"])

PEOPLE = {  # key: (organisation, name, email); accounts link to the person with their email
    "amira": ("bdpa", "Amira Khan", "amira.khan@brackenfield-dpa.example"),
    "delia": ("bdpa", "Delia Brooks", None),
    "joe": ("bdpa", "Joseph Okafor", "joe.okafor@brackenfield-dpa.example"),
    "priya": ("bdpa", "Priya Raman", None), "tom": ("bdpa", "Tom Hughes", None),
    "grace": ("bdpa", "Grace Liu", None), "martin": ("bdpa", "Martin Shaw", None),
    "sandra": ("carers", "Sandra Mensah", None), "ruth": ("carers", "Ruth Adebayo", None),
    "kwame": ("carers", "Kwame Asante", None), "helen": ("carers", "Helen Doyle", None),
    "david": ("carers", "David Price", None),
    "bernadette": ("older", "Bernadette Kelly", None),
    "margaret": ("older", "Margaret Ellis", None), "arthur": ("older", "Arthur Webb", None),
    "leanne": ("older", "Leanne Fraser", None), "steve": ("older", "Steve Marsh", None),
    "lewis": ("deaf", "Lewis Carter", None), "nadia": ("deaf", "Nadia Hussain", None),
    "owen": ("deaf", "Owen Parry", None), "farah": ("deaf", "Farah Malik", None),
    "rachel": ("brack", "Rachel Green", "rachel.green@brackenfield.gov.example"),
    "imran": ("ashby", "Imran Siddiqui", None), "claire": ("harbour", "Claire Fenwick", None),
    "femi": ("icb", "Femi Adeyemi", None),
}

BOARD = [  # person, voting, from the constituency, joined (months ago)
    ("joe", True, True, 70), ("priya", True, True, 50), ("tom", True, True, 40),
    ("grace", True, True, 26), ("martin", True, False, 30),
    ("ruth", True, True, 60), ("kwame", True, True, 44), ("helen", True, True, 20),
    ("david", True, False, 38),
    # Two of four voting members drawn from older people: below the 75% of a ULO (R7).
    ("margaret", True, True, 80), ("arthur", True, True, 36), ("leanne", True, False, 18),
    ("steve", True, False, 9),
    ("nadia", True, True, 55), ("owen", True, True, 31), ("farah", True, True, 12),
]

ENGAGEMENTS = [  # key, ULO, body, title, purposes, influence, service areas, from, to, people
    ("spec", "bdpa", "brack", "Drafting the independent advocacy specification",
     ["developing_requirements", "preparing_documents"], "drafted",
     ["advocacy", "information_advice"], 11, 8, ["amira", "delia"]),
    ("later_life", "older", "ashby", "Co-designing the later-life information offer",
     ["designing_procedure", "consultation"], "co-designed",
     ["information_advice", "peer_support"], 9, 5, ["bernadette", "margaret"]),
    ("bsl", "deaf", "harbour", "BSL access review of council services", ["consultation"],
     "consulted", ["equality_training", "equality_duty_support"], 34, 29, ["lewis", "nadia"]),
    ("discharge", "carers", "icb", "Briefing on the carers' hospital discharge pathway",
     ["identifying_suppliers"], "informed", ["support_planning", "information_advice"], 13,
     12, ["sandra"]),
    ("dp_market", "bdpa", "moor", "Direct payments market engagement event",
     ["contract_terms", "capacity_building"], "consulted",
     ["direct_payments_support", "pa_recruitment"], 15, 14, ["delia"]),
    ("carers_board", "carers", "harbour", "Carers' Partnership Board",
     ["consultation", "capacity_building"], "consulted", ["peer_support", "information_advice"],
     20, None, ["sandra", "ruth"]),
    ("access_standard", "deaf", "icb", "Accessible information standard workshops",
     ["designing_procedure"], "co-designed", ["equality_duty_support"], 3, 2, ["owen"]),
    ("duplicate", "bdpa", "brack", "Advocacy specification workshop",
     ["preparing_documents"], "drafted", ["advocacy"], 10, 10, ["amira"]),
]
QUESTIONS = {
    "spec": "What should an independent advocacy service for disabled adults in Brackenfield "
            "provide, and how should bids be judged?",
    "later_life": "How do older residents want to find information and advice?",
    "discharge": "What support do carers need when the person they care for leaves hospital?",
}
WITHDRAWN_ENGAGEMENT = ("duplicate", "Recorded twice: this workshop is part of 'Drafting the "
                                     "independent advocacy specification'.")

OPPORTUNITIES = [  # key, body, title, reference, service areas, value, route, published, closes
    ("advocacy", "brack", "Independent advocacy service 2026 to 2029", "BBC-ASC-0412",
     ["advocacy", "information_advice"], "480000.00", "restricted", 6, 5),
    ("info", "brack", "Later-life information and advice", "BBC-ASC-0431",
     ["information_advice", "peer_support"], "96500.00", "open", 2, 1),
    ("bsl_training", "harbour", "Deaf awareness and BSL training for council staff",
     "HCC-EQ-2207", ["equality_training"], "38250.00", "reserved", 1, -1),
    ("discharge", "icb", "Carers' support at hospital discharge", "HMICB-GR-019",
     ["support_planning", "information_advice"], "150000.00", "grant", 11, 10),
    ("dp", "moor", "Direct payments support and PA recruitment", "NCC-DP-3310",
     ["direct_payments_support", "pa_recruitment", "payroll"], "212000.00",
     "framework_call_off", 12, 11),
    ("dementia", "harbour", "Peer support for carers of people with dementia", "HCC-CS-1180",
     ["peer_support"], "24999.99", "single_source", 4, 3),
]
OCIDS = {"advocacy": "ocds-demo00-bbc-asc-0412"}

BIDS = [  # ULO, opportunity, status, submitted (months ago), team
    ("bdpa", "advocacy", "submitted", 5, ["amira", "joe"]),
    ("older", "info", "considering", None, ["bernadette"]),
    ("deaf", "bsl_training", "submitted", 0.2, ["lewis"]),
    ("carers", "discharge", "won", 10, ["sandra"]),
    ("bdpa", "dp", "lost", 11, ["delia"]),
    ("carers", "dementia", "considering", None, ["sandra", "kwame"]),
]
WITHDRAWN_BID = (("carers", "dementia"), "The board decided not to bid: our seat on the Carers' "
                                         "Partnership Board helped shape this service.")

# ULO: [(funder key or a name, this year, last year)], in an order in which no council looks
# dominant half-way through loading; the Carers' Centre really depends on the city council (R3).
INCOME = {
    "carers": [("harbour", "312000.00", "280000.00"), ("icb", "98500.00", "90000.00"),
               ("National Lottery Community Fund", "61250.00", "70000.00"),
               ("Donations and fundraising", "8420.55", "7990.10")],
    "bdpa": [("Members' subscriptions", "3150.75", "2980.50"),
             ("Trusts and foundations", "88000.00", "91000.00"),
             ("moor", "62000.00", "58000.00"), ("brack", "145000.00", "139500.00")],
    "older": [("National Lottery Community Fund", "30000.00", "27500.00"),
              ("icb", "12000.00", "12000.00"), ("ashby", "41000.00", "39000.00")],
    "deaf": [("BSL course fees", "9400.00", "8100.00"),
             ("Trusts and foundations", "35000.00", "40000.00"),
             ("icb", "18000.00", "15000.00"), ("harbour", "22000.00", "21000.00")],
}

ARRANGEMENTS = [  # ULO, body, kind, description, since, until (months ago)
    ("carers", "harbour", "formal", "A seat on the Carers' Partnership Board, and the "
     "council's grant for the carers' hub", 36, None),
    ("bdpa", "brack", "informal", "A monthly catch-up between the Alliance's chief officer and "
     "the Head of Adult Social Care Commissioning", 14, None),
    ("older", "ashby", "formal", "Co-chair of the Ageing Well Partnership", 30, 6),
]

DECLARATIONS = [  # person, category, description, organisation, arose, declared, value, decision
    ("joe", "indirect", "My partner works in the council's adult social care commissioning "
     "team", "brack", 40, 40, None, None),
    ("priya", "non_financial_professional", "Unpaid adviser to the county's direct payments "
     "review", "moor", 7, 5, None, None),  # declared two months late (R8)
    ("tom", "nil", "Nothing to declare this year", None, 2, 2, None, None),
    ("grace", "nil", "Nothing to declare this year", None, 2, 2, None, None),
    ("amira", "gift_hospitality", "Lunch at the council's provider awards", "brack", 3, 3,
     "32.50", "accepted"),
    ("sandra", "gift_hospitality", "Two tickets to the council's charity ball", "harbour", 4,
     4, "120.00", "declined"),
    ("margaret", "nil", "Nothing to declare", None, 20, 20, None, None),  # none since (R8)
]


@dataclass
class Login:
    role: str
    email: str
    name: str
    organisation: str | None
    password: str


LOGINS = [  # The passwords are public: the demo is for trying the register, never for real use.
    Login("admin", "sam.taylor@twohats-demo.example", "Sam Taylor", None,
          "demo-harbour-lantern-meadow"),
    Login("auditor", "alex.morgan@audit-demo.example", "Alex Morgan", None,
          "demo-ledger-compass-thistle"),
    Login("commissioner", "rachel.green@brackenfield.gov.example", "Rachel Green", "brack",
          "demo-orchard-beacon-quarry"),
    Login("ulo_staff", "amira.khan@brackenfield-dpa.example", "Amira Khan", "bdpa",
          "demo-kestrel-willow-anchor"),
    Login("ulo_board", "joe.okafor@brackenfield-dpa.example", "Joseph Okafor", "bdpa",
          "demo-granite-heron-saffron"),
]


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
        for ulo_key, body, kind, text, since, until in ARRANGEMENTS:
            self.create("partnership arrangements", ulo.ARRANGEMENTS, {
                "ulo_id": self.orgs[ulo_key], "commissioner_id": self.orgs[body], "kind": kind,
                "description": text, "started_on": self.ago(since), "ended_on": self.ago(until)})

    def declarations(self) -> None:
        for person, category, text, org, arose, declared, value, decision in DECLARATIONS:
            declarations.record_declaration(None, {
                "person_id": self.people[person], "category": category, "description": text,
                "organisation_id": self.orgs.get(org), "arose_on": self.ago(arose),
                "declared_on": self.ago(declared), "value": value, "gift_decision": decision})
            self.counts["declarations"] = self.counts.get("declarations", 0) + 1

    def accounts(self) -> None:
        for login in LOGINS:
            users.create_user(None, {
                "email": login.email, "name": login.name, "role": login.role,
                "organisation_id": self.orgs.get(login.organisation), "password": login.password})
        self.counts["accounts"] = len(LOGINS)


def load(today: date | None = None) -> dict:
    """Load the demo register into an empty register; returns what was made and the logins."""
    problem = refusal()
    if problem:
        raise Conflict(problem)
    loader = Loader(today or date.today())
    # Declarations before the board, so that no board member is ever without one (R8).
    for step in (loader.organisations, loader.persons, loader.declarations, loader.board,
                 loader.voice, loader.business, loader.money_and_ties, loader.accounts):
        step()
    logins = [Login(x.role, x.email, x.name, NAMES.get(x.organisation), x.password)
              for x in LOGINS]
    return {"counts": loader.counts, "logins": logins, "flags": flag_counts()}


def flag_counts() -> dict[str, int]:
    """Open flags by rule, as the rules raised them while the demo loaded."""
    rows = db.session().execute(select(Flag.rule, func.count()).where(
        Flag.status.in_(("open", "under_review"))).group_by(Flag.rule).order_by(Flag.rule))
    return dict(rows.all())
