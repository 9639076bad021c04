"""What each role's home page shows: what needs the account's action, and the open flags."""

from sqlalchemy import func, not_, select

from coi import access, audit, db
from coi.models import Decision, Document, Flag
from coi.services import flags

ACTIVE = ("open", "under_review")


def open_flags_by_severity(actor) -> dict[str, int]:
    stmt = flags.FLAGS.scope(actor, select(Flag.severity, func.count()).where(
        Flag.status.in_(ACTIVE)).group_by(Flag.severity))
    counts = {"high": 0, "medium": 0, "low": 0}
    counts.update(dict(db.session().execute(stmt).all()))
    return counts


def flags_waiting(actor, limit: int = 5) -> tuple[int, list[Flag]]:
    """How many flags in scope wait for review or decision, and the most severe few."""
    stmt = flags.FLAGS.scope(actor, select(Flag)).where(Flag.status.in_(ACTIVE))
    s = db.session()
    total = s.execute(select(func.count()).select_from(stmt.subquery())).scalar()
    return total, list(s.execute(stmt.order_by(*flags.FLAGS.order).limit(limit)).scalars())


def documents_to_agree(actor, limit: int = 5) -> list[Document]:
    """Documents whose current revision waits for the account's side to agree it."""
    from coi.services import documents
    side = {"ulo_board": "ulo", "commissioner": "commissioner"}.get(actor.role)
    if side is None:
        return []
    stmt = documents.DOCUMENTS.scope(actor, select(Document)).where(
        Document.kind == documents.PRINCIPLES,  # a notification is sent, never agreed
        not_(documents.agreed_by(side)))
    return list(db.session().execute(stmt.order_by(Document.id.desc()).limit(limit)).scalars())


def declarations_due(actor):
    """R8 for the ULO(s) in scope (None for roles with no board to declare)."""
    if actor.role not in ("ulo_staff", "ulo_board", "auditor", "admin"):
        return None
    from coi.services.declarations_due import declarations_due as due
    return due(actor)


def recent_decisions(actor, limit: int = 5) -> list[tuple[Decision, Flag]]:
    stmt = flags.FLAGS.scope(actor, select(Decision, Flag).join(Flag, Flag.id == Decision.flag_id))
    return [tuple(r) for r in db.session().execute(
        stmt.order_by(Decision.id.desc()).limit(limit)).all()]


def for_actor(actor) -> dict:
    """The numbers and lists on the signed-in account's dashboard."""
    waiting, top = flags_waiting(actor)
    board = {"flags": open_flags_by_severity(actor), "waiting": waiting, "top_flags": top,
             "documents": documents_to_agree(actor), "due": declarations_due(actor),
             "decisions": recent_decisions(actor)}
    if actor.role in ("auditor", "admin"):
        board["chain_head"] = audit.head(db.session())
    board["can_decide"] = actor.role == "ulo_board"
    board["is_commissioner"] = access.is_commissioner(actor)
    return board
