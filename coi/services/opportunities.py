"""Opportunities a commissioning body offers, and the bids ULOs make on them."""

from datetime import UTC, datetime, time

from sqlalchemy import String, cast, false, or_, select

from coi import access
from coi.models import Bid, Opportunity
from coi.schemas import (
    BidCreate,
    BidPublic,
    BidUpdate,
    OpportunityCreate,
    OpportunityPublic,
    OpportunityUpdate,
    pence,
    pounds,
)
from coi.services import base, scoping, settings
from coi.services.engagements import people_error


class OpportunitySpec(base.RecordSpec):
    entity, label, model = "opportunity", "opportunity", Opportunity
    create_schema, update_schema = OpportunityCreate, OpportunityUpdate
    search = ("title", "reference", "ocid")
    filters = {
        "commissioner_id": lambda stmt, v: stmt.where(Opportunity.commissioner_id == int(v)),
        "route": lambda stmt, v: stmt.where(Opportunity.route == v),
        "service_area": lambda stmt, v: stmt.where(
            cast(Opportunity.service_areas, String).like(f'%"{v}"%')),
    }
    order = (Opportunity.published_on.desc(), Opportunity.id.desc())
    ended_column = "withdrawn_at"

    def authorise_create(self, actor, values, errors):
        access.require_role(actor, "commissioner", "admin")

    def authorise_update(self, actor, record):
        access.require_role(actor, "commissioner", "admin")
        access.require(access.sees_all(actor) or record.commissioner_id == actor.organisation_id,
                       "Only the body that offers an opportunity can change it.")

    def check(self, s, actor, values, record, errors):
        scoping.org_field_error(s, actor, errors, "commissioner_id",
                                values.get("commissioner_id"), "commissioner", True,
                                "the commissioning body")
        settings.check_service_areas(errors, values)
        base.check_dates(errors, values, OpportunityCreate, "published_on", "closes_on")
        if values.get("ocid"):
            clash = s.execute(select(Opportunity.id).where(
                Opportunity.ocid == values["ocid"])).scalar()
            if clash and (record is None or clash != record.id):
                errors["ocid"] = "Another opportunity already has this ocid"

    def columns(self, payload):
        out = {k: v for k, v in payload.items() if k != "value"}
        if "value" in payload:
            out["value_pence"] = pence(payload["value"])
        return out

    def public(self, record):
        data = {c: getattr(record, c) for c in OpportunityPublic.model_fields
                if c not in ("value", "withdrawn")}
        return OpportunityPublic(**data, value=pounds(record.value_pence),
                                 withdrawn=record.withdrawn_at is not None).model_dump(mode="json")

    def end(self, record, reason, on):
        record.withdrawn_at = datetime.combine(on, time(), tzinfo=UTC)
        record.withdrawn_reason = reason


class BidSpec(base.RecordSpec):
    entity, label, model = "bid", "bid", Bid
    create_schema, update_schema = BidCreate, BidUpdate
    filters = {
        "ulo_id": lambda stmt, v: stmt.where(Bid.ulo_id == int(v)),
        "opportunity_id": lambda stmt, v: stmt.where(Bid.opportunity_id == int(v)),
        "status": lambda stmt, v: stmt.where(Bid.status == v),
    }
    order = (Bid.id.desc(),)

    def scope(self, actor, stmt):
        if access.sees_all(actor):
            return stmt
        if access.own_org(actor) is None:
            return stmt.where(false())
        theirs = select(Opportunity.id).where(
            Opportunity.commissioner_id == access.own_org(actor))
        return stmt.where(or_(Bid.ulo_id == access.own_org(actor),
                              Bid.opportunity_id.in_(theirs)))

    def authorise_create(self, actor, values, errors):
        access.require_role(actor, "ulo_staff", "ulo_board", "admin")

    def authorise_update(self, actor, record):
        access.require_role(actor, "ulo_staff", "ulo_board", "admin")
        access.require(access.sees_all(actor) or record.ulo_id == actor.organisation_id,
                       "Only the ULO that made a bid can change it.")

    def check(self, s, actor, values, record, errors):
        if record is None:
            scoping.org_field_error(s, actor, errors, "ulo_id", values.get("ulo_id"), "ulo",
                                    True, "the ULO")
            opp = s.get(Opportunity, values.get("opportunity_id") or 0)
            if opp is None or opp.withdrawn_at is not None:
                errors["opportunity_id"] = "Choose an open opportunity from the list"
            elif s.execute(select(Bid.id).where(Bid.ulo_id == values.get("ulo_id"),
                                                Bid.opportunity_id == opp.id)).scalar():
                errors["opportunity_id"] = "This ULO already has a bid on that opportunity"
        if values.get("status") in ("submitted", "won", "lost") and not values.get(
                "submitted_on"):
            errors.setdefault("submitted_on", "Submitted on is required once a bid is submitted")
        people_error(s, errors, "team_ids", values.get("team_ids"), values.get("ulo_id"),
                     "the bid team")

    def values_of(self, record):
        return {**super().values_of(record), "ulo_id": record.ulo_id,
                "opportunity_id": record.opportunity_id}

    def public(self, record):
        return BidPublic.model_validate(record).model_dump(mode="json")

    def end(self, record, reason, on):
        record.status, record.withdrawn_reason = "withdrawn", reason


OPPORTUNITIES = OpportunitySpec()
BIDS = BidSpec()
