"""Flags as records: who may see them and how they read. Raising them is coi.services.evaluation's
job and deciding them coi.services.decisions'."""

from sqlalchemy import bindparam, case, select

from coi import access, db
from coi.models import AuditEvent, Flag
from coi.schemas import FlagPublic
from coi.services import base, scoping

SEVERITY_ORDER = case({"high": 0, "medium": 1, "low": 2}, value=Flag.severity, else_=3)


class FlagSpec(base.RecordSpec):
    entity, label, model = "flag", "flag", Flag
    search = ("reasons", "rule")
    filters = {
        "status": lambda stmt, v: stmt.where(
            Flag.status.in_(("open", "under_review")) if v == "active" else Flag.status == v),
        "severity": lambda stmt, v: stmt.where(Flag.severity == v),
        "rule": lambda stmt, v: stmt.where(Flag.rule == v),
        "ulo_id": lambda stmt, v: stmt.where(Flag.ulo_id == int(v)),
        "commissioner_id": lambda stmt, v: stmt.where(Flag.commissioner_id == int(v)),
    }
    order = (SEVERITY_ORDER, Flag.score.desc(), Flag.id.desc())

    def scope(self, actor, stmt):
        if access.is_commissioner(actor):
            return scoping.by_org(actor, stmt, Flag.commissioner_id)
        return scoping.by_org(actor, stmt, Flag.ulo_id)

    def authorise_create(self, actor, values, errors):
        access.require(False, "Flags are raised by the rules, not by hand.")

    def authorise_update(self, actor, record):
        access.require(False, "A flag changes through the board's decision on it.")

    def public(self, record):
        return FlagPublic.model_validate(record).model_dump(mode="json")


FLAGS = FlagSpec()


def list_flags(actor, query: base.ListQuery) -> base.Page:
    """The flags the account may see, most severe first, filtered by status, severity, rule,
    ULO or commissioning body."""
    return base.list_records(FLAGS, actor, query)


def get_flag(actor, flag_id: int) -> Flag:
    """One flag the account may see (NotFound otherwise)."""
    return base.get_record(FLAGS, actor, flag_id)


def checked(actor, flag_id: int, seen: Flag | None = None) -> Flag:
    """get_flag, unless `seen` is that flag as get_flag already gave it in this request."""
    return seen if seen is not None and seen.id == flag_id else get_flag(actor, flag_id)


EVENTS = AuditEvent.__table__
HISTORY = (select(EVENTS).where(EVENTS.c.entity == "flag", EVENTS.c.entity_id == bindparam("id"))
           .order_by(EVENTS.c.seq))


def flag_history(actor, flag_id: int, seen: Flag | None = None) -> list:
    """Every change to one flag, oldest first, as plain rows of the audit chain: who or what
    changed it, and why (`seen`: the flag as get_flag gave it to this actor already, not
    looked up again)."""
    checked(actor, flag_id, seen)
    return db.session().connection().execute(HISTORY, {"id": flag_id}).all()
