"""The register's fixed vocabularies (SPEC §7), each code with the words a person reads."""

ROLES = {
    "ulo_staff": "ULO staff",
    "ulo_board": "ULO board member",
    "commissioner": "Commissioner",
    "auditor": "Auditor",
    "admin": "Administrator",
}
ULO_ROLES = ("ulo_staff", "ulo_board")
READ_ALL_ROLES = ("auditor", "admin")

ORG_KINDS = {"ulo": "User-led organisation", "commissioner": "Commissioning body"}

SERVICE_AREAS = {
    "information_advice": "Information and advice",
    "advocacy": "Advocacy",
    "peer_support": "Peer support",
    "direct_payments_support": "Direct payments support",
    "pa_recruitment": "Personal assistant recruitment",
    "support_planning": "Support planning",
    "equality_training": "Equality training",
    "equality_duty_support": "Equality duty support",
    "brokerage": "Brokerage",
    "payroll": "Payroll",
    "other": "Other",
}

PURPOSES = {
    "developing_requirements": "Developing requirements",
    "designing_procedure": "Designing the procedure or evaluation criteria",
    "preparing_documents": "Preparing tender documents or the specification",
    "identifying_suppliers": "Identifying suppliers",
    "contract_terms": "Contract terms",
    "capacity_building": "Capacity building",
    "consultation": "General consultation",
}

INFLUENCE = {
    "informed": "Informed",
    "consulted": "Consulted",
    "co-designed": "Co-designed",
    "drafted": "Drafted",
}

ROUTES = {
    "open": "Open",
    "restricted": "Restricted",
    "single_source": "Single source",
    "reserved": "Reserved (supported business)",
    "grant": "Grant",
    "framework_call_off": "Framework call-off",
}

BID_STATUSES = {
    "considering": "Considering",
    "submitted": "Submitted",
    "won": "Won",
    "lost": "Lost",
    "withdrawn": "Withdrawn",
}

SEVERITIES = {"low": "Low", "medium": "Medium", "high": "High"}

FLAG_STATUSES = {
    "open": "Open",
    "under_review": "Under review",
    "resolved": "Resolved",
    "dismissed": "Dismissed",
    "superseded": "Superseded",
}

OUTCOMES = {
    "no_conflict": "No conflict",
    "manage": "Manage the conflict",
    "withdraw_bid": "Withdraw the bid",
    "decline_engagement": "Decline the engagement",
}

MITIGATIONS = {
    "share_information": "Share the information from the engagement with every bidder",
    "extend_tender_period": "Ask for the tender period to be extended",
    "ethical_wall": "Separate the voice and bid teams (ethical wall)",
    "declare_to_commissioner": "Declare the prior involvement to the commissioner",
    "independent_evaluation": "Ask for an independent evaluation panel",
    "notify_political_member": "Notify the lead political member",
    "withdraw": "Withdraw",
}

DECLARATION_CATEGORIES = {
    "financial": "Financial",
    "non_financial_professional": "Non-financial professional",
    "non_financial_personal": "Non-financial personal",
    "indirect": "Indirect",
    "nil": "Nil declaration",
    "gift_hospitality": "Gift or hospitality",
}

ARRANGEMENT_KINDS = {"formal": "Formal", "informal": "Informal"}

DOCUMENT_KINDS = {
    "working_principles": "Working principles",
    "political_notification": "Political-member notification",
}

SIDES = {"ulo": "ULO", "commissioner": "Commissioning body"}


def label(vocab: dict, code: str | None) -> str:
    """The readable label of a code, or the code itself when it is not in the vocabulary."""
    if code is None:
        return ""
    return vocab.get(code, code)
