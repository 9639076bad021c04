"""From one OCDS contracting process to an opportunity's fields (SPEC §3), and why.

Every choice here is documented in docs/ocds.md: the CPV table (which an administrator can
edit), the route from procurementMethod and its details, pounds from value.amount (Decimal,
rounded to the penny), the dates from tenderPeriod, and the buyer's identifiers for matching.
"""

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from coi.ocds.reading import Release, parse_date

# CPV code -> service area. A code matches a CPV code that starts with its digits up to its
# trailing zeros (85312000 matches 85312300-2); the longest match wins.
DEFAULT_CPV = {
    "85312300": "information_advice",
    "79140000": "advocacy",
    "85312000": "support_planning",
    "85312400": "support_planning",
    "75310000": "direct_payments_support",
    "79998000": "peer_support",
    "98133000": "peer_support",
    "80500000": "equality_training",
    "80570000": "equality_training",
    "79631000": "payroll",
    "79211110": "payroll",
    "79600000": "pa_recruitment",
    "79620000": "pa_recruitment",
    "85311000": "other",
    "85320000": "other",
    "85300000": "other",
    "75200000": "other",
    "98000000": "other",
}
CPV_NAMES = {
    "85312300": "Guidance and counselling services",
    "79140000": "Legal advisory and information services",
    "85312000": "Social work services without accommodation",
    "85312400": "Welfare services not delivered through residential institutions",
    "75310000": "Benefit services",
    "79998000": "Coaching services",
    "98133000": "Services furnished by social membership organisations",
    "80500000": "Training services",
    "80570000": "Personal development training services",
    "79631000": "Personnel and payroll services",
    "79211110": "Payroll management services",
    "79600000": "Recruitment services",
    "79620000": "Supply services of personnel including temporary staff",
    "85311000": "Social work services with accommodation",
    "85320000": "Social services",
    "85300000": "Social work and related services",
    "75200000": "Provision of services to the community",
    "98000000": "Other community, social and personal services",
}
UNMATCHED_AREA = "other"
METHODS = {"open": "open", "selective": "restricted", "limited": "single_source",
           "direct": "single_source"}
PENNY = Decimal("0.01")
# tender.status codes saying the process ended before any award; "unsuccessful" (no award
# made) is not one: the tender ran, and a bid on it still answered the question.
CANCELLED = ("cancelled", "withdrawn")


@dataclass
class Buyer:
    name: str
    identifiers: list[str]

    def describe(self) -> str:
        ids = f" ({', '.join(self.identifiers)})" if self.identifiers else ""
        return f"'{self.name}'{ids}" if self.name else f"with no name{ids}"


@dataclass
class Mapped:
    """What one contracting process becomes, or why it cannot be imported."""

    ocid: str
    where: str
    title: str
    buyer: Buyer | None = None
    values: dict = field(default_factory=dict)
    skip: str = ""
    cancelled: str = ""  # why the file says the tender is over before any award
    notes: list[str] = field(default_factory=list)
    defaulted: set[str] = field(default_factory=set)  # not in the file: left alone on update


def stem(code: str) -> str:
    return code.rstrip("0") or code


def area_for(code: str, table: dict[str, str]) -> str | None:
    """The service area of one CPV code: the longest matching prefix in the table."""
    best, length = None, -1
    for key, area in table.items():
        prefix = stem(key)
        if code.startswith(prefix) and len(prefix) > length:
            best, length = area, len(prefix)
    return best


def service_areas(codes: list[str], table: dict[str, str]) -> tuple[list[str], list[str]]:
    """(service areas in order of first appearance, CPV codes the table does not cover);
    "other" when nothing matched."""
    areas, unmatched = [], []
    for code in codes:
        area = area_for(code, table)
        if area is None:
            unmatched.append(code)
        elif area not in areas:
            areas.append(area)
    return (areas or [UNMATCHED_AREA]), unmatched


def cpv_codes(tender: dict) -> list[str]:
    """The 8-digit CPV codes of the tender's items (classification and additional ones)."""
    codes: list[str] = []
    for item in tender.get("items") or []:
        for cls in [item.get("classification")] + list(item.get("additionalClassifications")
                                                        or []):
            if cls and str(cls.get("scheme") or "").strip().upper() == "CPV" \
                    and cls.get("id") is not None:
                code = str(cls["id"]).strip()[:8]
                if code not in codes:
                    codes.append(code)
    return codes


def route(tender: dict) -> tuple[str | None, str]:
    """(route, why): reserved, then framework call-off, then grant, then procurementMethod."""
    details = str(tender.get("procurementMethodDetails") or "").lower()
    method = str(tender.get("procurementMethod") or "").strip().lower()
    reserved = (tender.get("otherRequirements") or {}).get("reservedParticipation")
    if reserved or "reserved" in details:
        return "reserved", "reserved participation"
    framework = (tender.get("techniques") or {}).get("hasFrameworkAgreement") is True
    if re.search(r"call[- ]?off|framework", details) or (framework and method in (
            "limited", "direct")):
        return "framework_call_off", "a call-off from a framework"
    if re.search(r"\bgrants?\b", details):
        return "grant", "procurementMethodDetails says grant"
    if method in METHODS:
        return METHODS[method], f"procurementMethod {method}"
    if not method:
        return None, "tender.procurementMethod is missing, so the route is unknown"
    return None, (f"tender.procurementMethod '{method}' is not one of open, selective, "
                  "limited or direct, so the route is unknown")


def buyer_of(data: dict) -> Buyer | None:
    """The buyer, with every identifier that the release or its parties give for it."""
    parties = [p for p in data.get("parties") or [] if isinstance(p, dict)]
    buyer = data.get("buyer")
    party = None
    if buyer and buyer.get("id") is not None:
        party = next((p for p in parties if str(p.get("id")) == str(buyer["id"])), None)
    if buyer is None:
        buyer = party = next((p for p in parties if "buyer" in (p.get("roles") or [])), None)
    if buyer is None:
        return None
    identifiers: list[str] = []
    for org in (buyer, party):
        for ident in [(org or {}).get("identifier")] + list((org or {}).get(
                "additionalIdentifiers") or []):
            if ident and ident.get("scheme") and ident.get("id") is not None:
                identifiers.append(f"{ident['scheme'].strip()}-{str(ident['id']).strip()}")
    if buyer.get("id") is not None:
        identifiers.append(str(buyer["id"]).strip())
    name = str(buyer.get("name") or (party or {}).get("name") or "").strip()
    return Buyer(name, list(dict.fromkeys(i for i in identifiers if i)))


def pounds(amount) -> str:
    """value.amount as the API's decimal string in pounds, rounded to the penny."""
    return str(Decimal(amount).quantize(PENNY, rounding=ROUND_HALF_UP))


def _text(value, limit: int) -> str:
    value = " ".join(str(value or "").split())
    return value if len(value) <= limit else value[:limit - 1] + "…"


def localities(tender: dict) -> list[str]:
    places: list[str] = []
    for item in tender.get("items") or []:
        for addr in item.get("deliveryAddresses") or []:
            for key in ("locality", "region"):
                place = _text(addr.get(key), 100)
                if place and place not in places:
                    places.append(place)
    return places[:20]


def _dates(release: dict, tender: dict) -> tuple[date | None, date | None]:
    period = tender.get("tenderPeriod") or {}
    published = parse_date(period.get("startDate")) or parse_date(release.get("date"))
    return published, parse_date(period.get("endDate"))


def opportunity(release: Release, table: dict[str, str]) -> Mapped:
    """The opportunity fields of one contracting process (without commissioner_id)."""
    data, tender = release.data, release.data.get("tender") or {}
    out = Mapped(release.ocid, release.where, _text(tender.get("title"), 200),
                 buyer_of(data))
    value = tender.get("value") or {}
    chosen_route, why = route(tender)
    currency = str(value.get("currency") or "GBP").strip().upper()
    status = str(tender.get("status") or "").strip().lower()
    if status in CANCELLED:
        out.cancelled = f"the release says the tender was {status} (tender.status {status})"
    if not data.get("tender"):
        out.skip = "no tender in this release (nothing to offer yet, or an award only)"
    elif not out.title:
        out.skip = "tender.title is missing"
    elif value.get("amount") is None:
        out.skip = "tender.value.amount is missing"
    elif currency != "GBP":
        out.skip = f"the value is in {currency}; the register records pounds"
    elif chosen_route is None:
        out.skip = why
    if out.skip:
        return out
    codes = cpv_codes(tender)
    areas, unmatched = service_areas(codes, table)
    if not codes:
        out.defaulted.add("service_areas")
        out.notes.append(f"no CPV code, so service area {UNMATCHED_AREA}")
    elif unmatched:
        out.notes.append(f"CPV {', '.join(unmatched)} not in the CPV table")
    published, closes = _dates(data, tender)
    out.values = {"title": out.title, "reference": _text(tender.get("id") or release.ocid, 100),
                  "ocid": release.ocid, "service_areas": areas,
                  "localities": localities(tender), "value": pounds(value["amount"]),
                  "route": chosen_route, "published_on": published, "closes_on": closes}
    return out
