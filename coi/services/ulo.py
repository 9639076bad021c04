"""A ULO's own records: board members, income by funder, partnership arrangements."""

from sqlalchemy import false

from coi import access
from coi.models import Arrangement, BoardMember, Income, Person
from coi.schemas import (
    ArrangementCreate,
    ArrangementPublic,
    ArrangementUpdate,
    BoardMemberCreate,
    BoardMemberPublic,
    BoardMemberUpdate,
    IncomeCreate,
    IncomePublic,
    IncomeUpdate,
    pence,
    pounds,
)
from coi.services import base, scoping


def _ulo_writer(actor) -> None:
    access.require_role(actor, "ulo_staff", "ulo_board", "admin")


class UloOwnSpec(base.RecordSpec):
    """A ULO's own records (its board, its income): its people and the register-wide roles
    see them, no commissioner does; only its staff and board write them."""

    def scope(self, actor, stmt):
        if access.is_commissioner(actor):
            return stmt.where(false())
        return scoping.by_org(actor, stmt, self.model.ulo_id)

    def authorise_create(self, actor, values, errors):
        _ulo_writer(actor)

    def authorise_update(self, actor, record):
        _ulo_writer(actor)


class BoardMemberSpec(UloOwnSpec):
    entity, label, model = "board_member", "board member", BoardMember
    create_schema, update_schema = BoardMemberCreate, BoardMemberUpdate
    filters = {"ulo_id": lambda stmt, v: stmt.where(BoardMember.ulo_id == int(v))}
    order = (BoardMember.started_on.desc(), BoardMember.id)
    ended_column = "ended_on"

    def check(self, s, actor, values, record, errors):
        scoping.org_field_error(s, actor, errors, "ulo_id", values.get("ulo_id"), "ulo", True,
                                "the ULO")
        person = s.get(Person, values.get("person_id") or 0)
        if person is None or person.organisation_id != values.get("ulo_id"):
            errors.setdefault("person_id", "Choose a person of this ULO")
        base.check_dates(errors, values, BoardMemberCreate, "started_on", "ended_on")

    def public(self, record):
        return BoardMemberPublic.model_validate(record).model_dump(mode="json")

    def end(self, record, reason, on):
        record.ended_on = on


class IncomeSpec(UloOwnSpec):
    entity, label, model = "income", "income record", Income
    create_schema, update_schema = IncomeCreate, IncomeUpdate
    search = ("source_name", "financial_year")
    filters = {"ulo_id": lambda stmt, v: stmt.where(Income.ulo_id == int(v)),
               "financial_year": lambda stmt, v: stmt.where(Income.financial_year == v)}
    order = (Income.financial_year.desc(), Income.source_name)
    ended_column = "ended_on"

    def check(self, s, actor, values, record, errors):
        scoping.org_field_error(s, actor, errors, "ulo_id", values.get("ulo_id"), "ulo", True,
                                "the ULO")
        scoping.org_field_error(s, actor, errors, "source_id", values.get("source_id"), None,
                                False, "a funder")
        year = values.get("financial_year") or ""
        if len(year) == 7 and int(year[5:]) != (int(year[:4]) + 1) % 100:
            errors["financial_year"] = "Financial year must be two consecutive years, like 2025-26"

    def columns(self, payload):
        out = {k: v for k, v in payload.items() if k != "amount"}
        if "amount" in payload:
            out["amount_pence"] = pence(payload["amount"])
        return out

    def public(self, record):
        data = {c: getattr(record, c) for c in IncomePublic.model_fields if c != "amount"}
        return IncomePublic(**data, amount=pounds(record.amount_pence)).model_dump(mode="json")

    def end(self, record, reason, on):
        record.ended_on, record.ended_reason = on, reason


class ArrangementSpec(base.RecordSpec):
    entity, label, model = "arrangement", "partnership arrangement", Arrangement
    create_schema, update_schema = ArrangementCreate, ArrangementUpdate
    search = ("description",)
    filters = {"ulo_id": lambda stmt, v: stmt.where(Arrangement.ulo_id == int(v)),
               "commissioner_id": lambda stmt, v: stmt.where(
                   Arrangement.commissioner_id == int(v)),
               "kind": lambda stmt, v: stmt.where(Arrangement.kind == v)}
    order = (Arrangement.started_on.desc(), Arrangement.id)

    def scope(self, actor, stmt):
        return scoping.by_org(actor, stmt, Arrangement.ulo_id, Arrangement.commissioner_id)

    def check(self, s, actor, values, record, errors):
        own_side = "commissioner_id" if access.is_commissioner(actor) else "ulo_id"
        scoping.org_field_error(s, actor, errors, "ulo_id", values.get("ulo_id"), "ulo",
                                own_side == "ulo_id", "the ULO")
        scoping.org_field_error(s, actor, errors, "commissioner_id",
                                values.get("commissioner_id"), "commissioner",
                                own_side == "commissioner_id", "the commissioning body")
        base.check_dates(errors, values, ArrangementCreate, "started_on", "ended_on")

    def public(self, record):
        return ArrangementPublic.model_validate(record).model_dump(mode="json")

    def end(self, record, reason, on):
        record.ended_on = on


BOARD_MEMBERS = BoardMemberSpec()
INCOME = IncomeSpec()
ARRANGEMENTS = ArrangementSpec()
