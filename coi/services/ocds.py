"""Importing an OCDS release or record package (Contracts Finder, Find a Tender) as
opportunities: the whole file is checked first, then every create and update goes through the
opportunity service in ONE transaction (same validation, same audit events, same rules).

Idempotent by ocid: a process already in the register with the same fields is "unchanged" and
writes nothing; a changed one is updated (and audited). The buyer is matched to a commissioning
body by identifier or exact name, never guessed: an unmatched buyer is reported and skipped.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from coi import access, vocab
from coi.errors import Invalid
from coi.models import Opportunity, Organisation
from coi.ocds import mapping, reading
from coi.schemas import OpportunityCreate, OpportunityUpdate
from coi.services import base, cpv, settings
from coi.services.opportunities import OPPORTUNITIES

ACTIONS = ("created", "updated", "withdrawn", "unchanged", "skipped")
MALFORMED = "The file is not a valid OCDS release or record package; nothing was imported."


@dataclass
class Outcome:
    action: str  # one of ACTIONS
    ocid: str
    title: str
    detail: str
    opportunity_id: int | None = None


@dataclass
class Report:
    outcomes: list[Outcome]

    def count(self, action: str) -> int:
        """How many processes had this outcome."""
        return sum(1 for o in self.outcomes if o.action == action)

    def summary(self) -> str:
        """The counts in one sentence, as the command and the page print them last."""
        return (f"Created {self.count('created')}, updated {self.count('updated')}, "
                f"withdrawn {self.count('withdrawn')}, unchanged {self.count('unchanged')}, "
                f"skipped {self.count('skipped')}.")

    def as_dict(self) -> dict:
        """The counts and every outcome, as the API answers them."""
        return {**{a: self.count(a) for a in ACTIONS},
                "outcomes": [o.__dict__ for o in self.outcomes]}


def read_file(raw: bytes | str):
    """The file's JSON, or Invalid naming why it is not JSON (nothing is imported)."""
    try:
        return reading.load(raw)
    except reading.Malformed as exc:
        raise Invalid(exc.errors, MALFORMED) from None


def import_file(actor, raw: bytes | str) -> Report:
    """Import the bytes of an OCDS file (the command line and the upload page)."""
    access.require_role(actor, "commissioner", "admin")
    return import_package(actor, read_file(raw))


def import_package(actor, data) -> Report:
    """Create or update one opportunity per contracting process in an OCDS package."""
    access.require_role(actor, "commissioner", "admin")
    try:
        releases = reading.read(data)
    except reading.Malformed as exc:
        raise Invalid(exc.errors, MALFORMED) from None
    table = cpv.table()
    found = [mapping.opportunity(release, table) for release in releases]
    with base.batch() as s:
        bodies = list(s.execute(select(Organisation).where(
            Organisation.kind == "commissioner", Organisation.ended_on.is_(None))).scalars())
        outcomes = [_import_one(s, actor, item, bodies) for item in found]
    return Report(outcomes)


def _norm(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def match_buyer(buyer: mapping.Buyer, bodies: list) -> tuple[Organisation | None, str]:
    """The commissioning body with one of the buyer's identifiers, else with its exact name
    (ignoring case and spacing); None and why when there is not exactly one."""
    wanted = {_norm(i) for i in buyer.identifiers}
    by_id = [b for b in bodies if b.identifier and _norm(b.identifier) in wanted]
    if len(by_id) == 1:
        return by_id[0], ""
    if len(by_id) > 1:
        return None, (f"buyer {buyer.describe()} matches several bodies by identifier: "
                      f"{', '.join(b.name for b in by_id)}")
    by_name = [b for b in bodies if buyer.name and _norm(b.name) == _norm(buyer.name)]
    if len(by_name) == 1:
        return by_name[0], ""
    return None, (f"buyer {buyer.describe()} matches no commissioning body by identifier or "
                  "exact name: add the body (with its identifier) and import again")


def _skip(item: mapping.Mapped, why: str) -> Outcome:
    return Outcome("skipped", item.ocid, item.title, why)


def _problem(s, actor, schema, data: dict, values: dict, record) -> str:
    """The opportunity service's own objections to these values, in one line, or ''."""
    try:
        base.validate(schema, data)
    except Invalid as exc:
        return "; ".join(e["message"] for e in exc.errors)
    errors: dict = {}
    OPPORTUNITIES.check(s, actor, values, record, errors)
    return "; ".join(errors.values())


def _import_one(s, actor, item: mapping.Mapped, bodies: list) -> Outcome:
    if item.skip and not item.cancelled:
        return _skip(item, item.skip)
    if item.buyer is None:
        return _skip(item, "the release names no buyer")
    body, why = match_buyer(item.buyer, bodies)
    if body is None:
        return _skip(item, why)
    if not access.sees_all(actor) and body.id != access.own_org(actor):
        return _skip(item, f"the buyer is {body.name}, not your organisation")
    existing = s.execute(select(Opportunity).where(
        Opportunity.ocid == item.ocid)).scalar_one_or_none()
    if existing is not None and existing.commissioner_id != body.id:
        return _skip(item, f"opportunity {existing.id} with this ocid belongs to another "
                           "commissioning body")
    if item.cancelled:
        return _withdraw(actor, item, existing)
    if existing is None:
        return _create(s, actor, item, body)
    return _update(s, actor, item, existing)


def _withdraw(actor, item: mapping.Mapped, record) -> Outcome:
    """A tender the file says was cancelled: its opportunity is withdrawn, with the reason
    (bids on it stop counting for rule R1), once; one not in the register is not added."""
    if record is None:
        return _skip(item, f"{item.cancelled}, and it is not in the register")
    if OPPORTUNITIES.is_ended(record):
        return Outcome("unchanged", item.ocid, item.title,
                       f"opportunity {record.id}: already withdrawn", record.id)
    base.end_record(OPPORTUNITIES, actor, record.id,
                    {"reason": f"Cancelled: {item.cancelled} (OCDS import of {item.ocid})"})
    return Outcome("withdrawn", item.ocid, item.title or record.title,
                   f"opportunity {record.id}: {item.cancelled}", record.id)


def _notes(item: mapping.Mapped) -> str:
    return "".join(f"; {note}" for note in item.notes)


def _create(s, actor, item: mapping.Mapped, body) -> Outcome:
    data = {**item.values, "commissioner_id": body.id}
    problem = _problem(s, actor, OpportunityCreate, data, data, None)
    if problem:
        return _skip(item, problem)
    record = base.create_record(OPPORTUNITIES, actor, data)
    areas = settings.service_areas()
    return Outcome("created", item.ocid, item.title,
                   f"opportunity {record.id} of {body.name}: "
                   f"{vocab.label(vocab.ROUTES, record.route)} route; "
                   f"{', '.join(vocab.label(areas, a) for a in record.service_areas)}"
                   f"{_notes(item)}", record.id)


def changes_to(record, values: dict, defaulted: set) -> dict:
    """The fields the file gives that differ from the record (absent ones are left alone)."""
    current = OPPORTUNITIES.public(record)
    out = {}
    for name, value in values.items():
        if value in (None, [], "") or name in defaulted:
            continue
        as_json = value.isoformat() if isinstance(value, date) else value
        if current.get(name) != as_json:
            out[name] = value
    return out


def _update(s, actor, item: mapping.Mapped, record) -> Outcome:
    changes = changes_to(record, item.values, item.defaulted)
    if not changes:
        return Outcome("unchanged", item.ocid, item.title,
                       f"opportunity {record.id}: nothing changed", record.id)
    merged = {**OPPORTUNITIES.values_of(record), **changes}
    problem = _problem(s, actor, OpportunityUpdate, changes, merged, record)
    if problem:
        return _skip(item, problem)
    base.update_record(OPPORTUNITIES, actor, record.id, changes)
    return Outcome("updated", item.ocid, item.title,
                   f"opportunity {record.id}: changed {', '.join(changes)}{_notes(item)}",
                   record.id)

