"""Access table for the flag queue, review, decisions and board pack (pages and API)."""

from datetime import date

from sqlalchemy import select

from tests.access.rules import ALL, ULO, Rule

BOARD = ("ulo_board",)
PACK = ULO + ("commissioner", "auditor", "admin")


def extend_world(world) -> None:
    """The world's R1 flag, a board that can decide it, and one minuted decision on it."""
    from coi import db
    from coi.models import Flag
    from coi.services import decisions
    from tests.factories import Factory
    make = Factory()
    s = db.session()
    flag = s.execute(select(Flag).where(Flag.rule == "R1", Flag.ulo_id == world["ulo"].id)
                     ).scalars().first()
    assert flag is not None, "the world's engagement and bid should raise an R1 flag"
    colleague = make.person(world["ulo"], "Jo Board")
    make.board_member(world["ulo"], colleague)
    board_user = s.get(type(world["ulo_board"]), world["ulo_board"].id)
    make.board_member(world["ulo"], s.get(type(world["person"]), board_user.person_id))
    decision = decisions.decide(board_user, flag.id, {
        "outcome": "manage", "mitigations": ["declare_to_commissioner", "ethical_wall"],
        "rationale": "Managed by an ethical wall.", "quorate": True,
        "present_ids": [board_user.person_id, colleague.id], "decided_on": date.today()})
    world["flag"], world["decision"] = flag, decision


def _flag(path: str):
    return lambda w, role: path.format(flag=w["flag"].id, decision=w["decision"].id)


ROUTES = {
    "GET /flags": Rule(ALL),
    "GET /flags/board-pack": Rule(PACK),
    "GET /flags/<int:flag_id>": Rule(ALL, path=_flag("/flags/{flag}")),
    "POST /flags/<int:flag_id>/review": Rule(ULO, path=_flag("/flags/{flag}/review")),
    "POST /flags/<int:flag_id>/return": Rule(ULO, path=_flag("/flags/{flag}/return")),
    "GET /flags/<int:flag_id>/decide": Rule(BOARD, path=_flag("/flags/{flag}/decide")),
    "POST /flags/<int:flag_id>/decide": Rule(BOARD, path=_flag("/flags/{flag}/decide")),
    "GET /flags/<int:flag_id>/decide/check": Rule(BOARD, path=_flag("/flags/{flag}/decide/check")),
    "POST /flags/<int:flag_id>/decide/check": Rule(
        BOARD, path=_flag("/flags/{flag}/decide/check")),
    "GET /flags/<int:flag_id>/decisions/<int:decision_id>/letter": Rule(
        ALL, path=_flag("/flags/{flag}/decisions/{decision}/letter")),
    "GET /api/v1/flags/<int:record_id>/decisions": Rule(
        ALL, path=_flag("/api/v1/flags/{flag}/decisions")),
    "POST /api/v1/flags/<int:record_id>/decisions": Rule(
        BOARD, path=_flag("/api/v1/flags/{flag}/decisions")),
    "POST /api/v1/flags/<int:record_id>/review": Rule(
        ULO, path=_flag("/api/v1/flags/{flag}/review")),
}
