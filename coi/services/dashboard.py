"""What each role's home page shows: what needs the account's action, and the open flags."""

from sqlalchemy import func, not_, select

from coi import access, db
from coi.models import Decision, Document, Flag, Organisation
from coi.services import figures_cache, flags

ACTIVE = ("open", "under_review")
SEVERITIES = ("high", "medium", "low")  # most severe first, as flags.SEVERITY_ORDER


def open_flags_by_severity(actor) -> dict[str, int]:
    """How many flags in scope wait for review or decision, by severity (counted by an index:
    an organisation's through its own; the register's through (status, severity), grouped by
    status too so that each status's range of it is read in order, with no sorting)."""
    by = (Flag.status, Flag.severity) if access.sees_all(actor) else (Flag.severity,)
    stmt = flags.FLAGS.scope(actor, select(Flag.severity, func.count()).where(
        Flag.status.in_(ACTIVE)).group_by(*by))
    counts = {"high": 0, "medium": 0, "low": 0}
    for severity, n in db.session().execute(stmt):
        counts[severity] = counts.get(severity, 0) + n
    return counts


def flags_waiting(actor, limit: int = 5, counts: dict | None = None) -> tuple[int, list[Flag]]:
    """How many flags in scope wait for review or decision, and the most severe few.

    In the flags' order (severity, then score, newest first). An organisation's few flags are
    sorted; the whole register's are taken one severity at a time, so that the index on
    (severity, score) finds the few without sorting every open flag."""
    counts = open_flags_by_severity(actor) if counts is None else counts
    s, top = db.session(), []
    active = flags.FLAGS.scope(actor, select(Flag)).where(Flag.status.in_(ACTIVE))
    if not access.sees_all(actor):
        return sum(counts.values()), list(s.execute(
            active.order_by(*flags.FLAGS.order).limit(limit)).scalars())
    others = [sev for sev, n in counts.items() if n and sev not in SEVERITIES]
    for sev in [sev for sev in SEVERITIES if counts.get(sev)] + (["other"] if others else []):
        if len(top) >= limit:
            break
        which = Flag.severity.in_(others) if sev == "other" else Flag.severity == sev
        top += s.execute(active.where(which).order_by(Flag.score.desc(), Flag.id.desc())
                         .limit(limit - len(top))).scalars()
    return sum(counts.values()), top


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
    """The numbers and lists on the signed-in account's dashboard.

    They are computed once per register state for each role and organisation and kept as
    plain data in coi.services.figures_cache, checked against the audit chain's head and
    today's date on every view (so a write shows in the next view, in every worker)."""
    at = figures_cache.stamp()
    board = dict(figures_cache.cached(("dashboard", *figures_cache.scope_of(actor)),
                                      lambda: figures(actor), at))
    if actor.role in ("auditor", "admin"):
        board["chain_head"] = at[:2]
    board["can_decide"] = actor.role == "ulo_board"
    board["is_commissioner"] = access.is_commissioner(actor)
    return board


def figures(actor) -> dict:
    """The dashboard's figures for the actor's scope, as plain data (no ORM records)."""
    counts = open_flags_by_severity(actor)
    waiting, top = flags_waiting(actor, counts=counts)
    own = access.own_org(actor)
    names = org_names({f.ulo_id for f in top} | {f.commissioner_id for f in top} | {own})
    return {
        "org_name": names.get(own, ""), "flags": counts, "waiting": waiting,
        "top_flags": tuple({"id": f.id, "rule": f.rule, "severity": f.severity,
                            "score": f.score, "ulo_name": names.get(f.ulo_id, ""),
                            "commissioner_name": names.get(f.commissioner_id, "")}
                           for f in top),
        "documents": tuple({"id": d.id, "title": d.title,
                            "current_revision": d.current_revision}
                           for d in documents_to_agree(actor)),
        "due": declarations_due(actor),
        "decisions": tuple({"flag_id": f.id, "outcome": d.outcome, "decided_on": d.decided_on}
                           for d, f in recent_decisions(actor))}


def org_names(ids) -> dict[int, str]:
    """{organisation id: name} for a few organisations (a missing one by its number)."""
    wanted = {i for i in ids if i is not None}
    found = dict(db.session().execute(select(Organisation.id, Organisation.name).where(
        Organisation.id.in_(wanted))).all()) if wanted else {}
    return {i: found.get(i, f"Organisation {i}") for i in wanted}
