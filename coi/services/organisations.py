"""Organisations, commissioning partnerships and people."""

from sqlalchemy import delete, select

from coi import access
from coi.errors import Invalid
from coi.models import Organisation, Partnership, PartnershipMember, Person
from coi.schemas import (
    OrganisationCreate,
    OrganisationPublic,
    OrganisationUpdate,
    PartnershipCreate,
    PartnershipPublic,
    PartnershipUpdate,
    PersonCreate,
    PersonPublic,
    PersonUpdate,
)
from coi.services import base, scoping


class OrganisationSpec(base.RecordSpec):
    entity, label, model = "organisation", "organisation", Organisation
    create_schema, update_schema = OrganisationCreate, OrganisationUpdate
    search = ("name", "identifier", "localities")
    filters = {"kind": lambda stmt, v: stmt.where(Organisation.kind == v)}
    order = (Organisation.name,)
    ended_column = "ended_on"

    def authorise_create(self, actor, values, errors):
        access.require_role(actor, "admin")

    def authorise_update(self, actor, record):
        access.require_role(actor, "admin")

    def check(self, s, actor, values, record, errors):
        clash = s.execute(select(Organisation.id).where(
            Organisation.name == values.get("name"))).scalar()
        if clash and (record is None or clash != record.id):
            errors["name"] = "An organisation with this name is already in the register"

    def public(self, record):
        return OrganisationPublic.model_validate(record).model_dump(mode="json")

    def end(self, record, reason, on):
        record.ended_on, record.ended_reason = on, reason


class PartnershipSpec(base.RecordSpec):
    entity, label, model = "partnership", "commissioning partnership", Partnership
    create_schema, update_schema = PartnershipCreate, PartnershipUpdate
    search = ("name",)
    order = (Partnership.name,)
    ended_column = "ended_on"

    def authorise_create(self, actor, values, errors):
        access.require_role(actor, "admin")

    def authorise_update(self, actor, record):
        access.require_role(actor, "admin")

    def values_of(self, record):
        return {"name": record.name, "member_ids": member_ids(record.id)}

    def check(self, s, actor, values, record, errors):
        ids = values.get("member_ids") or []
        bodies = s.execute(select(Organisation.id).where(
            Organisation.id.in_(ids), Organisation.kind == "commissioner")).scalars().all()
        if len(set(bodies)) != len(set(ids)):
            errors["member_ids"] = "Every member must be a commissioning body in the register"
        elif len(set(ids)) < 2:
            errors["member_ids"] = "A partnership needs at least two commissioning bodies"

    def columns(self, payload):
        return {k: v for k, v in payload.items() if k != "member_ids"}

    def public(self, record):
        return PartnershipPublic(id=record.id, name=record.name, ended_on=record.ended_on,
                                 member_ids=member_ids(record.id)).model_dump(mode="json")

    def end(self, record, reason, on):
        record.ended_on = on


def member_ids(partnership_id: int) -> list[int]:
    from coi import db
    return sorted(db.session().execute(select(PartnershipMember.organisation_id).where(
        PartnershipMember.partnership_id == partnership_id)).scalars().all())


def _set_members(s, partnership_id: int, ids: list[int]) -> None:
    s.execute(delete(PartnershipMember).where(
        PartnershipMember.partnership_id == partnership_id))
    for org_id in sorted(set(ids)):
        s.add(PartnershipMember(partnership_id=partnership_id, organisation_id=org_id))
    s.flush()


class PersonSpec(base.RecordSpec):
    entity, label, model = "person", "person", Person
    create_schema, update_schema = PersonCreate, PersonUpdate
    search = ("name", "email")
    filters = {"organisation_id": lambda stmt, v: stmt.where(Person.organisation_id == int(v))}
    order = (Person.name,)
    ended_column = "ended_on"

    def scope(self, actor, stmt):
        return scoping.by_org(actor, stmt, Person.organisation_id)

    def authorise_create(self, actor, values, errors):
        access.require_writer(actor)

    def check(self, s, actor, values, record, errors):
        scoping.org_field_error(s, actor, errors, "organisation_id",
                                values.get("organisation_id"), None, True, "the organisation")

    def public(self, record):
        return PersonPublic.model_validate(record).model_dump(mode="json")

    def end(self, record, reason, on):
        record.ended_on = on


ORGANISATIONS = OrganisationSpec()
PARTNERSHIPS = PartnershipSpec()
PEOPLE = PersonSpec()


def create_partnership(actor, data):
    """Record a commissioning partnership and its member bodies."""
    access.require_role(actor, "admin")
    payload = base.validate(PartnershipCreate, data)
    return _write_partnership(actor, None, payload.model_dump(), PartnershipCreate, data)


def update_partnership(actor, partnership_id: int, data):
    """Rename a partnership or change its members."""
    access.require_role(actor, "admin")
    changes = base.validate(PartnershipUpdate, data).model_dump(exclude_unset=True)
    return _write_partnership(actor, partnership_id, changes, PartnershipUpdate, data)


def _write_partnership(actor, partnership_id, values, schema, data):
    from coi import audit
    with base.writing() as s:
        access.require_role(actor, "admin")
        record = None
        if partnership_id is not None:
            record = base.get_record(PARTNERSHIPS, actor, partnership_id)
            before = {**audit.snapshot(record), "member_ids": member_ids(record.id)}
            values = {**PARTNERSHIPS.values_of(record), **values}
        errors: dict = {}
        PARTNERSHIPS.check(s, actor, values, record, errors)
        clash = s.execute(select(Partnership.id).where(
            Partnership.name == values["name"])).scalar()
        if clash and (record is None or clash != record.id):
            errors["name"] = "A partnership with this name is already in the register"
        if errors:
            raise Invalid(errors)
        if record is None:
            record, before, action = Partnership(name=values["name"]), None, "create"
        else:
            record.name, action = values["name"], "update"
        s.add(record)
        s.flush()
        _set_members(s, record.id, values["member_ids"])
        after = {**audit.snapshot(record), "member_ids": sorted(set(values["member_ids"]))}
        audit.append(s, access.actor_name(actor), f"partnership.{action}", "partnership",
                     record.id, before, after)
        base.RecordSpec.after_write(PARTNERSHIPS, s, actor, record)
    return record


def partners_of(s, org_id: int) -> set[int]:
    """Bodies sharing a (current) commissioning partnership with org_id, itself excluded."""
    mine = select(PartnershipMember.partnership_id).join(
        Partnership, Partnership.id == PartnershipMember.partnership_id).where(
        PartnershipMember.organisation_id == org_id, Partnership.ended_on.is_(None))
    rows = s.execute(select(PartnershipMember.organisation_id).where(
        PartnershipMember.partnership_id.in_(mine))).scalars().all()
    return set(rows) - {org_id}

