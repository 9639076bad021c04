"""Reading an OCDS release package or record package, checking the whole file first.

A file that is not JSON, not a package, or has a field of the wrong type is refused as a whole
with every problem named by where it is (`releases[3].tender.tenderPeriod.endDate: not a
date`), so that an import never stops half way. Money is read as Decimal, never float.
"""

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

MAX_ERRORS = 50
MAX_AMOUNT = Decimal("9999999999.99")
CPV_ID = re.compile(r"^\d{8}(-\d)?$")


class Malformed(Exception):
    """The file cannot be imported; errors is a list of {field: where, message}."""

    def __init__(self, errors: list[dict]):
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors))
        self.errors = errors


def parse_date(value) -> date | None:
    """An OCDS date-time (or plain date) as the calendar date it names, in its own offset."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.strip()).date()
    except ValueError:
        return None


def _is_number(v) -> bool:
    return isinstance(v, (int, Decimal)) and not isinstance(v, bool)


KINDS = {
    "text": (lambda v: isinstance(v, str), "not text"),
    "id": (lambda v: isinstance(v, (str, int)) and not isinstance(v, bool),
           "not text or a number"),
    "number": (_is_number, "not a number"),
    "object": (lambda v: isinstance(v, dict), "not an object"),
    "list": (lambda v: isinstance(v, list), "not a list"),
    "bool": (lambda v: isinstance(v, bool), "not true or false"),
    "date": (lambda v: parse_date(v) is not None, "not a date"),
}


class Checker:
    """Collects problems by path; get() answers a field's value only when its type is right."""

    def __init__(self):
        self.errors: list[dict] = []

    def add(self, path: str, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"field": path, "message": message})

    def get(self, obj: dict, key: str, path: str, kind: str):
        value = obj.get(key)
        if value is None:  # absent, or null: OCDS allows null for anything optional
            return None
        valid, message = KINDS[kind]
        if not valid(value):
            self.add(f"{path}.{key}", message)
            return None
        return value

    def objects(self, obj: dict, key: str, path: str):
        """(path, item) for each object in a list field; anything else in it is a problem."""
        for i, item in enumerate(self.get(obj, key, path, "list") or []):
            if isinstance(item, dict):
                yield f"{path}.{key}[{i}]", item
            else:
                self.add(f"{path}.{key}[{i}]", "not an object")


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not allowed in JSON")


def load(raw: bytes | str):
    """The file's JSON, with numbers as Decimal; Malformed when it is not JSON at all."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise Malformed([{"field": "(file)",
                              "message": f"not UTF-8 text (byte {exc.start})"}]) from None
    try:
        return json.loads(raw, parse_float=Decimal, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise Malformed([{"field": "(file)", "message": f"not JSON: {exc.msg} at line "
                          f"{exc.lineno}, column {exc.colno}"}]) from None
    except (ValueError, RecursionError) as exc:
        raise Malformed([{"field": "(file)", "message": f"not JSON: {exc}"}]) from None


def _check_org(c: Checker, org: dict, path: str) -> None:
    c.get(org, "id", path, "id")
    c.get(org, "name", path, "text")
    for ident_path, ident in [(f"{path}.identifier", c.get(org, "identifier", path, "object"))] \
            + list(c.objects(org, "additionalIdentifiers", path)):
        if ident is not None:
            c.get(ident, "scheme", ident_path, "text")
            c.get(ident, "id", ident_path, "id")
            c.get(ident, "legalName", ident_path, "text")
    for i, role in enumerate(c.get(org, "roles", path, "list") or []):
        if not isinstance(role, str):
            c.add(f"{path}.roles[{i}]", "not text")


def _check_classification(c: Checker, cls: dict, path: str) -> None:
    scheme = c.get(cls, "scheme", path, "text")
    code = c.get(cls, "id", path, "id")
    if scheme and scheme.strip().upper() == "CPV" and code is not None \
            and not CPV_ID.match(str(code).strip()):
        c.add(f"{path}.id", "not a CPV code (8 digits, like 85312300-2)")


def _check_value(c: Checker, value: dict, path: str) -> None:
    amount = c.get(value, "amount", path, "number")
    if amount is not None:
        if not Decimal(amount).is_finite() or amount < 0:
            c.add(f"{path}.amount", "must be a number of 0 or more")
        elif amount > MAX_AMOUNT:
            c.add(f"{path}.amount", f"is larger than the register accepts ({MAX_AMOUNT})")
    c.get(value, "currency", path, "text")


def _check_items(c: Checker, tender: dict, path: str) -> None:
    for item_path, item in c.objects(tender, "items", path):
        cls = c.get(item, "classification", item_path, "object")
        if cls is not None:
            _check_classification(c, cls, f"{item_path}.classification")
        for extra_path, extra in c.objects(item, "additionalClassifications", item_path):
            _check_classification(c, extra, extra_path)
        for addr_path, addr in c.objects(item, "deliveryAddresses", item_path):
            c.get(addr, "region", addr_path, "text")
            c.get(addr, "locality", addr_path, "text")


def _check_tender(c: Checker, tender: dict, path: str) -> None:
    for key, kind in (("id", "id"), ("title", "text"), ("description", "text"),
                      ("status", "text"), ("procurementMethod", "text"),
                      ("procurementMethodDetails", "text"),
                      ("mainProcurementCategory", "text")):
        c.get(tender, key, path, kind)
    value = c.get(tender, "value", path, "object")
    if value is not None:
        _check_value(c, value, f"{path}.value")
    period = c.get(tender, "tenderPeriod", path, "object")
    if period is not None:
        c.get(period, "startDate", f"{path}.tenderPeriod", "date")
        c.get(period, "endDate", f"{path}.tenderPeriod", "date")
    techniques = c.get(tender, "techniques", path, "object")
    if techniques is not None:
        c.get(techniques, "hasFrameworkAgreement", f"{path}.techniques", "bool")
    other = c.get(tender, "otherRequirements", path, "object")
    if other is not None:
        c.get(other, "reservedParticipation", f"{path}.otherRequirements", "list")
    _check_items(c, tender, path)


def check_release(c: Checker, release, path: str) -> None:
    """Every field the import reads, checked for its type; problems named by path."""
    if not isinstance(release, dict):
        c.add(path, "not an object")
        return
    ocid = release.get("ocid")
    if ocid is None or (isinstance(ocid, str) and not ocid.strip()):
        c.add(f"{path}.ocid", "missing: every release needs its ocid")
    elif not isinstance(ocid, str):
        c.add(f"{path}.ocid", "not text")
    elif len(ocid) > 200:
        c.add(f"{path}.ocid", "longer than 200 characters")
    c.get(release, "date", path, "date")
    buyer = c.get(release, "buyer", path, "object")
    if buyer is not None:
        _check_org(c, buyer, f"{path}.buyer")
    for party_path, party in c.objects(release, "parties", path):
        _check_org(c, party, party_path)
    tender = c.get(release, "tender", path, "object")
    if tender is not None:
        _check_tender(c, tender, f"{path}.tender")


def _linked_only(release) -> bool:
    return isinstance(release, dict) and "url" in release and "ocid" not in release


def _from_records(c: Checker, records: list):
    for i, record in enumerate(records):
        path = f"records[{i}]"
        if not isinstance(record, dict):
            c.add(path, "not an object")
            continue
        compiled = record.get("compiledRelease")
        if compiled is not None:
            yield f"{path}.compiledRelease", compiled
            continue
        releases = record.get("releases")
        if not isinstance(releases, list) or not releases:
            c.add(path, "has neither a compiledRelease nor embedded releases")
            continue
        for j, release in enumerate(releases):
            if _linked_only(release):
                c.add(f"{path}.releases[{j}]", "a linked release (a url only) cannot be read: "
                      "use a record package with compiledRelease or embedded releases")
            else:
                yield f"{path}.releases[{j}]", release


def releases_of(c: Checker, data) -> list[tuple[str, dict]]:
    """(path, release) for every release in a release or record package."""
    if not isinstance(data, dict):
        c.add("(top level)", "not an OCDS package: the file must hold a JSON object")
        return []
    if "releases" in data:
        if not isinstance(data["releases"], list):
            c.add("releases", "not a list")
            return []
        return [(f"releases[{i}]", r) for i, r in enumerate(data["releases"])]
    if "records" in data:
        if not isinstance(data["records"], list):
            c.add("records", "not a list")
            return []
        return list(_from_records(c, data["records"]))
    c.add("(top level)", "not an OCDS release package or record package: it has neither "
          "'releases' nor 'records'")
    return []


@dataclass
class Release:
    """One contracting process as the file tells it: its releases merged, oldest first."""

    ocid: str
    where: str
    data: dict


def merge(base: dict, newer: dict) -> dict:
    """OCDS-style merge: objects merge field by field, a null removes, anything else
    (lists included) replaces."""
    out = dict(base)
    for key, value in newer.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def read(data) -> list[Release]:
    """Check a loaded package whole, then merge its releases by ocid; Malformed when any
    field is wrong, with nothing read."""
    c = Checker()
    found = releases_of(c, data)
    for path, release in found:
        check_release(c, release, path)
    if not found and not c.errors:
        c.add("releases", "the package holds no releases")
    if c.errors:
        raise Malformed(c.errors)
    groups: dict[str, list[tuple[str, dict]]] = {}
    for path, release in found:
        groups.setdefault(release["ocid"].strip(), []).append((path, release))
    out = []
    for ocid, members in groups.items():
        members.sort(key=lambda m: (m[1].get("date") is not None, _when(m[1].get("date"))))
        merged: dict = {}
        for _, release in members:
            merged = merge(merged, release)
        out.append(Release(ocid, members[-1][0], merged))
    return out


def _when(value) -> str:
    """A sortable form of a release date: UTC, so that different offsets compare rightly."""
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return ""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat()
