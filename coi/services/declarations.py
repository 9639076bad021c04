"""Declarations of interest, nil declarations, and gifts and hospitality (SPEC §3).

A declaration is made by (or for) a person of the account's own organisation, can be changed
and ended, and is never deleted. Gifts and hospitality are checked against the thresholds an
administrator sets (by default: declare above £25, refuse above £75 unless approved).
"""

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation

from pydantic import Field
from sqlalchemy import false, select

from coi import access
from coi.errors import Invalid
from coi.ids import as_id
from coi.models import Declaration, Opportunity, Organisation, Person
from coi.schemas import (
    DeclarationCreate,
    DeclarationPublic,
    DeclarationUpdate,
    In,
    Money,
    pence,
    pounds,
)
from coi.services import base, organisations, settings

GIFT_KEY = "gifts"
GIFT_DEFAULTS = {"declare_above": "25.00", "refuse_above": "75.00"}
GIFT_DECISIONS = {"accepted": "Accepted", "declined": "Declined",
                  "approved": "Accepted with approval"}
NOT_FOR_NIL = ("organisation_id", "opportunity_id")
ONLY_FOR_GIFTS = ("value", "gift_decision")


def _title(name: str) -> str:
    return base.title_of(DeclarationCreate, name)


def _id_filter(column):
    """A list filter on an id column; anything that is not a number matches nothing."""
    def apply(stmt, value):
        number = as_id(str(value).strip())
        return stmt.where(column == number) if number else stmt.where(false())
    return apply


def people_of(org_id: int):
    """The ids of the people of one organisation, as a subquery."""
    return select(Person.id).where(Person.organisation_id == org_id)


class DeclarationSpec(base.RecordSpec):
    entity, label, model = "declaration", "declaration", Declaration
    create_schema, update_schema = DeclarationCreate, DeclarationUpdate
    search = ("description",)
    filters = {
        "person_id": _id_filter(Declaration.person_id),
        "organisation_id": _id_filter(Declaration.organisation_id),
        "opportunity_id": _id_filter(Declaration.opportunity_id),
        "category": lambda stmt, v: stmt.where(Declaration.category == v),
    }
    order = (Declaration.declared_on.desc(), Declaration.id.desc())
    ended_column = "ended_on"

    def scope(self, actor, stmt):
        """Everything for auditors and admins; otherwise the own organisation's people's."""
        if access.sees_all(actor):
            return stmt
        org = access.own_org(actor)
        if org is None:
            return stmt.where(false())
        return stmt.where(Declaration.person_id.in_(people_of(org)))

    def check(self, s, actor, values, record, errors):
        """The person (on create), the linked records, the dates and the category's fields."""
        if record is None:
            _check_person(s, actor, values.get("person_id"), errors)
        _check_links(s, values, errors)
        _check_dates(values, errors, date.today())
        _check_category(s, values, errors, gift_thresholds())

    def values_of(self, record):
        """The stored values, with the value in pounds as the form and schema take it."""
        values = super().values_of(record)
        values["value"] = None if record.value_pence is None else Decimal(
            pounds(record.value_pence))
        return values

    def columns(self, payload):
        """The payload as columns: the value in pence, declared today when left empty."""
        out = {k: v for k, v in payload.items() if k != "value"}
        if "value" in payload:
            out["value_pence"] = pence(payload["value"])
        if "declared_on" in out and out["declared_on"] is None:
            out["declared_on"] = date.today()
        return out

    def public(self, record):
        """DeclarationPublic, with the value in pounds."""
        data = {c: getattr(record, c) for c in DeclarationPublic.model_fields if c != "value"}
        return DeclarationPublic(**data, value=pounds(record.value_pence)).model_dump(mode="json")

    def end(self, record, reason, on):
        """Mark the interest as ended on a date, with the reason; nothing is deleted."""
        if on < record.arose_on:
            raise Invalid({"ended_on": "Ended on must not be before the date the interest "
                                       "arose"})
        if on > date.today():
            raise Invalid({"ended_on": "Ended on must not be in the future"})
        record.ended_on, record.ended_reason = on, reason


def _check_person(s, actor, person_id, errors: dict) -> None:
    person = base.visible(s, organisations.PEOPLE, actor, person_id)
    if person is None or person.ended_on is not None:
        whose = "" if access.sees_all(actor) else " of your organisation"
        errors.setdefault("person_id", f"Choose a current person{whose} from the list")


def _check_links(s, values: dict, errors: dict) -> None:
    org_id, opp_id = values.get("organisation_id"), values.get("opportunity_id")
    if org_id is not None and s.get(Organisation, org_id) is None:
        errors.setdefault("organisation_id", "Choose an organisation from the list")
    if opp_id is not None and s.get(Opportunity, opp_id) is None:
        errors.setdefault("opportunity_id", "Choose an opportunity from the list")


def _check_dates(values: dict, errors: dict, today: date) -> None:
    arose, declared = values.get("arose_on"), values.get("declared_on") or today
    for name, value in (("arose_on", arose), ("declared_on", declared),
                        ("ended_on", values.get("ended_on"))):
        if value is not None and value > today:
            errors.setdefault(name, f"{_title(name)} must not be in the future")
    if arose is not None and declared < arose:
        errors.setdefault("declared_on", f"{_title('declared_on')} must not be before the "
                                         f"date the interest arose")
    base.check_dates(errors, values, DeclarationCreate, "arose_on", "ended_on")


def _check_category(s, values: dict, errors: dict, thresholds: tuple[Decimal, Decimal]) -> None:
    category = values.get("category")
    if category == "gift_hospitality":
        _check_gift(s, values, errors, thresholds)
        return
    for name in ONLY_FOR_GIFTS:
        if values.get(name) is not None:
            errors.setdefault(name, f"Only a gift or hospitality has this: leave "
                                    f"{_title(name).lower()} empty")
    if category == "nil":
        for name in NOT_FOR_NIL:
            if values.get(name) is not None:
                errors.setdefault(name, f"A nil declaration concerns nothing: leave "
                                        f"{_title(name).lower()} empty")


def _check_gift(s, values: dict, errors: dict, thresholds: tuple[Decimal, Decimal]) -> None:
    value, decision = values.get("value"), values.get("gift_decision")
    org = s.get(Organisation, values.get("organisation_id") or 0)
    if org is None or org.kind != "commissioner":
        errors.setdefault("organisation_id", "Choose the commissioning body that gave the gift "
                                             "or hospitality")
    if value is None:
        errors.setdefault("value", "Enter the value of the gift or hospitality, in pounds")
    if decision is None:
        errors.setdefault("gift_decision", "Choose what was decided about the gift or "
                                           "hospitality")
    refuse = thresholds[1]
    if value is not None and value > refuse and decision == "accepted":
        errors.setdefault("gift_decision", f"A gift or hospitality worth more than £{refuse} "
                                           f"must be declined, unless its acceptance was "
                                           f"approved")


DECLARATIONS = DeclarationSpec()


def record_declaration(actor, data):
    """Record a declaration of interest, a nil declaration, or a gift or hospitality."""
    return base.create_record(DECLARATIONS, actor, data,
                              recorded_by=actor.id if actor is not None else None)


class GiftThresholds(In):
    declare_above: Money = Field(title="Declare gifts and hospitality worth more than")
    refuse_above: Money = Field(title="Refuse gifts and hospitality worth more than",
                                description="Unless their acceptance is approved")


def gift_thresholds() -> tuple[Decimal, Decimal]:
    """(declare above, refuse above) in pounds: the administrator's setting or the defaults."""
    stored = settings.get(GIFT_KEY, GIFT_DEFAULTS)
    try:
        return (Decimal(str(stored.get("declare_above", GIFT_DEFAULTS["declare_above"]))),
                Decimal(str(stored.get("refuse_above", GIFT_DEFAULTS["refuse_above"]))))
    except (InvalidOperation, TypeError):
        return Decimal(GIFT_DEFAULTS["declare_above"]), Decimal(GIFT_DEFAULTS["refuse_above"])


def set_gift_thresholds(actor, data) -> tuple[Decimal, Decimal]:
    """Change the gift and hospitality thresholds (administrators only; audited)."""
    access.require_role(actor, "admin")
    chosen = base.validate(GiftThresholds, data)
    if chosen.refuse_above < chosen.declare_above:
        raise Invalid({"refuse_above": "Refuse above must not be below declare above"})
    if (chosen.declare_above, chosen.refuse_above) != gift_thresholds():  # else nothing to save
        settings.put(actor, GIFT_KEY, {"declare_above": f"{chosen.declare_above:.2f}",
                                       "refuse_above": f"{chosen.refuse_above:.2f}"})
    return chosen.declare_above, chosen.refuse_above


def gift_rule() -> str:
    """The thresholds in force, in one sentence for hints and pages."""
    declare, refuse = gift_thresholds()
    return (f"Declare any gift or hospitality from a commissioning body worth more than "
            f"£{declare:.2f}. Anything worth more than £{refuse:.2f} must be declined unless "
            f"its acceptance is approved.")


class FormHints(Mapping):
    """Form hints for declarations, read each time a form is built so that they quote the
    gift thresholds in force."""

    FIXED = {
        "category": {"hint": "A nil declaration records that you have no interests to "
                             "declare; it still counts as your yearly declaration"},
        "arose_on": {"hint": "For a nil declaration, the date you checked; for a gift or "
                             "hospitality, the date you received it"},
        "organisation_id": {"hint": "For a gift or hospitality, the commissioning body that "
                                    "gave it"},
        "ended_on": {"hint": "Leave empty if the interest continues"},
    }

    def __getitem__(self, name: str) -> dict:
        if name == "value":
            return {"hint": gift_rule()}
        if name == "declared_on":
            from coi.services.declarations_due import r8_thresholds
            return {"hint": f"Leave empty for today. Declare within "
                            f"{r8_thresholds().r8_late_days} days of the interest arising"}
        if name == "gift_decision":
            return {"hint": "Only for a gift or hospitality"}
        return self.FIXED[name]

    def __iter__(self):
        return iter((*self.FIXED, "declared_on", "value", "gift_decision"))

    def __len__(self) -> int:
        return len(self.FIXED) + 3

