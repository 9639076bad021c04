"""Engagements: the voice side, recorded by the commissioning body or the ULO."""

from datetime import UTC, datetime, time

from sqlalchemy import String, cast, select

from coi import access
from coi.models import Engagement, Person
from coi.schemas import EngagementCreate, EngagementPublic, EngagementUpdate
from coi.services import base, scoping, settings


def people_error(s, errors: dict, field: str, ids, org_id, what: str) -> None:
    """Every id must be a person of org_id (the ULO)."""
    ids = set(ids or [])
    if not ids:
        return
    found = set(s.execute(select(Person.id).where(
        Person.id.in_(ids), Person.organisation_id == org_id)).scalars())
    if found != ids:
        errors.setdefault(field, f"Choose {what} from the ULO's people")


class EngagementSpec(base.RecordSpec):
    entity, label, model = "engagement", "engagement", Engagement
    create_schema, update_schema = EngagementCreate, EngagementUpdate
    search = ("title", "question", "notes")
    filters = {
        "ulo_id": lambda stmt, v: stmt.where(Engagement.ulo_id == int(v)),
        "commissioner_id": lambda stmt, v: stmt.where(Engagement.commissioner_id == int(v)),
        "influence": lambda stmt, v: stmt.where(Engagement.influence == v),
        "service_area": lambda stmt, v: stmt.where(
            cast(Engagement.service_areas, String).like(f'%"{v}"%')),
    }
    order = (Engagement.started_on.desc(), Engagement.id.desc())
    ended_column = "withdrawn_at"

    def scope(self, actor, stmt):
        return scoping.by_org(actor, stmt, Engagement.ulo_id, Engagement.commissioner_id)

    def authorise_create(self, actor, values, errors):
        access.require_role(actor, "ulo_staff", "ulo_board", "commissioner", "admin")

    def check(self, s, actor, values, record, errors):
        if record is None:
            own = "commissioner_id" if access.is_commissioner(actor) else "ulo_id"
            scoping.org_field_error(s, actor, errors, "ulo_id", values.get("ulo_id"), "ulo",
                                    own == "ulo_id", "the ULO")
            scoping.org_field_error(s, actor, errors, "commissioner_id",
                                    values.get("commissioner_id"), "commissioner",
                                    own == "commissioner_id", "the commissioning body")
        settings.check_service_areas(errors, values)
        base.check_dates(errors, values, EngagementCreate, "started_on", "ended_on")
        people_error(s, errors, "participant_ids", values.get("participant_ids"),
                     values.get("ulo_id"), "the people involved")

    def public(self, record):
        data = EngagementPublic.model_validate(record).model_dump(mode="json")
        data["withdrawn"] = record.withdrawn_at is not None
        return data

    def end(self, record, reason, on):
        record.withdrawn_at = datetime.combine(on, time(), tzinfo=UTC)
        record.withdrawn_reason = reason


ENGAGEMENTS = EngagementSpec()


def record_engagement(actor, data) -> Engagement:
    """Record an engagement (a commissioner for its body, ULO staff for their ULO)."""
    return base.create_record(ENGAGEMENTS, actor, data, recorded_by=getattr(actor, "id", None))
