"""The fictional register that `flask demo` loads: organisations, people, boards, engagements,
opportunities, bids, income, arrangements, declarations, documents and the demo logins.

Times are in months before the day the demo is loaded. Every name is invented; the email
addresses use the reserved .example domain.
"""

from dataclasses import dataclass

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

ARRANGEMENTS = [  # key, ULO, body, kind, description, since, until (months ago)
    # No lead member has been told about this one (R4).
    ("carers_board", "carers", "harbour", "formal", "A seat on the Carers' Partnership Board, "
     "and the council's grant for the carers' hub", 36, None),
    ("catch_up", "bdpa", "brack", "informal", "A monthly catch-up between the Alliance's chief "
     "officer and the Head of Adult Social Care Commissioning", 14, None),
    ("ageing_well", "older", "ashby", "formal", "Co-chair of the Ageing Well Partnership", 30, 6),
]

# Working principles between the Alliance and its council, filled in and agreed by both sides;
# and a draft between Deaf Voice and the city council that neither side has agreed yet (R5).
PRINCIPLES = (("bdpa", "brack"), {
    "ulo_lead": "Amira Khan, Bids and Contracts Manager",
    "commissioner_lead": "Rachel Green, Commissioning Manager, Adult Social Care",
    "commissioner_oversight": "The Adult Social Care Commissioning Board",
}, ("deaf", "harbour"))

# The lead member told about the monthly catch-up: arrangement, title, recipient, their role,
# sent and acknowledged (months ago), and what the author filled in.
NOTIFICATION = ("catch_up", "Notice to the lead member: our monthly catch-up with commissioning",
                "Councillor Priti Shah", "Cabinet Member for Adult Social Care", 2, 1,
                {"contact_details": "amira.khan@brackenfield-dpa.example",
                 "signatory_name": "Joseph Okafor", "signatory_role": "Chair of the board"})

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
