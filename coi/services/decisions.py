"""The board's review of a flag: start and return the review, check a proposed decision (R6
recusal and the quorum), minute it, and carry out its effects.

A decision is minuted in one transaction with its effects: withdrawing the bid, the letter
declaring the prior involvement, a draft notification to the lead political member.
"""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import bindparam, select

from coi import access, audit, db, workflow
from coi.errors import Forbidden, Invalid, NotFound
from coi.ids import is_id
from coi.models import (
    Bid,
    BoardMember,
    Decision,
    Declaration,
    Engagement,
    Flag,
    Opportunity,
    Person,
)
from coi.rules import ReviewContext, conflicted_reviewers
from coi.schemas import DecisionCreate, DecisionPublic
from coi.services import base, flags, settings, thresholds
from coi.services.declarations_due import declaration_fact
from coi.services.kept import remembered

DEFAULT_QUORUM = 2


def quorum() -> int:
    """How many non-conflicted voting board members must take part (admin setting)."""
    return int(settings.get("decisions").get("quorum", DEFAULT_QUORUM))


def set_quorum(actor, value) -> int:
    """Change the quorum (administrators only)."""
    access.require_role(actor, "admin")
    try:
        number = int(str(value).strip())
    except ValueError:
        raise Invalid({"quorum": "Quorum must be a whole number, like 2"}) from None
    if not 1 <= number <= 20:
        raise Invalid({"quorum": "Quorum must be between 1 and 20"})
    settings.put(actor, "decisions", {"quorum": number})
    return number


@dataclass
class BoardSeat:
    person_id: int
    name: str
    voting: bool
    conflicts: list[str] = field(default_factory=list)


BM, DECLARED = BoardMember.__table__, Declaration.__table__
# Built once: the current board of a ULO with each member's name and declarations (the
# columns R6 reads), one row per member and declaration.
BOARD = (select(BM.c.person_id.label("member_id"), BM.c.voting, Person.__table__.c.name,
                *(DECLARED.c[name] for name in ("id", "person_id", "category", "arose_on",
                                                "declared_on", "ended_on", "organisation_id",
                                                "opportunity_id")))
         .join_from(BM, Person.__table__, Person.__table__.c.id == BM.c.person_id)
         .outerjoin(DECLARED, DECLARED.c.person_id == BM.c.person_id)
         .where(BM.c.ulo_id == bindparam("ulo_id"), BM.c.started_on <= bindparam("today"),
                BM.c.ended_on.is_(None) | (BM.c.ended_on >= bindparam("today")))
         .order_by(Person.__table__.c.name))


def board(s, flag: Flag, today: date | None = None, found: "Linked | None" = None
          ) -> list[BoardSeat]:
    """The ULO's current board, each member with the R6 reasons they may not decide (the
    members, their names and their declarations read in one query; `found`: the flag's
    linked records when the caller has them)."""
    today = today or date.today()
    seats, declared = {}, {}
    for row in s.connection().execute(BOARD, {"ulo_id": flag.ulo_id, "today": today}):
        seats[row.member_id] = BoardSeat(row.member_id, row.name, row.voting)
        if row.id is not None:
            declared[row.id] = declaration_fact(row)
    names = {person_id: seat.name for person_id, seat in seats.items()}
    reasons = conflicted_reviewers(list(seats), review_context(s, flag, found),
                                   declared.values(), today,
                                   remembered("thresholds", lambda _: thresholds.current()),
                                   names=names) if seats else {}
    for person_id, why in reasons.items():
        seats[person_id].conflicts = why
    return list(seats.values())


def seats(actor, flag: Flag, found: "Linked | None" = None) -> list[BoardSeat]:
    """The board for the flag's page: each member with their R6 conflicts; none for a
    commissioner, who is not told who on the ULO's board is conflicted."""
    return [] if access.is_commissioner(actor) else board(db.session(), flag, found=found)


@dataclass
class Linked:
    """The records a flag is about (any may be None)."""

    engagement: Engagement | None
    bid: Bid | None
    opportunity: Opportunity | None


def linked(flag: Flag, s=None) -> Linked:
    """The engagement, bid and opportunity of a flag the caller has loaded in scope (read
    through s inside a write)."""
    s = db.session() if s is None else s
    engagement = s.get(Engagement, flag.engagement_id) if flag.engagement_id else None
    bid = s.get(Bid, flag.bid_id) if flag.bid_id else None
    opportunity = s.get(Opportunity, bid.opportunity_id) if bid else None
    return Linked(engagement, bid, opportunity)


def review_context(s, flag: Flag, found: Linked | None = None) -> ReviewContext:
    """What R6 needs to know of a flag: its body, opportunity, participants, team, subject
    (`found`: its linked records, when the caller has read them already)."""
    found = found or linked(flag, s)
    engagement, bid = found.engagement, found.bid
    return ReviewContext(
        commissioner_id=flag.commissioner_id,
        opportunity_id=bid.opportunity_id if bid else None,
        participant_ids=frozenset(engagement.participant_ids if engagement else ()),
        team_ids=frozenset(bid.team_ids if bid else ()), subject_id=flag.person_id)


@dataclass
class Proposal:
    """A decision checked but not yet minuted: what the check-your-answers page shows."""

    flag: Flag
    payload: DecisionCreate
    check: workflow.DecisionCheck
    seats: list[BoardSeat]


def require_decider(actor, flag: Flag) -> None:
    """Only a board member of the flag's ULO decides it, and only while it may be decided."""
    access.require(actor is not None and actor.role == "ulo_board"
                   and actor.organisation_id == flag.ulo_id,
                   "Only a board member of the ULO can decide its flags.")
    workflow.transition(flag.status, "decide", "ulo_board", "manage")


def propose(actor, flag_id: int, data) -> Proposal:
    """Check a proposed decision without saving it. A conflicted decider is refused, and the
    refused attempt is recorded with them as withdrawn."""
    flag = flags.get_flag(actor, flag_id)
    require_decider(actor, flag)
    payload = base.validate(DecisionCreate, data)
    s = db.session()
    seats = board(s, flag, payload.decided_on)
    mine = next((seat for seat in seats if seat.person_id == actor.person_id), None)
    if mine and mine.conflicts:
        _record_refusal(actor, flag, mine)
        raise Forbidden("You cannot decide this flag: " + "; ".join(mine.conflicts)
                        + ". You have been recorded as withdrawn.")
    return Proposal(flag, payload, _check(payload, seats, actor, flag), seats)


def _check(payload: DecisionCreate, seats: list[BoardSeat], actor, flag) -> workflow.DecisionCheck:
    errors = {}
    members = {seat.person_id for seat in seats}
    if set(payload.present_ids) - members:
        errors["present_ids"] = "Choose the people present from the ULO's current board"
    if payload.decided_on > date.today():
        errors["decided_on"] = "Date of the decision must be today or in the past"
    if payload.decided_on < flag.opened_at.date():
        errors["decided_on"] = "Date of the decision must not be before the flag was raised"
    if payload.outcome == "manage" and not payload.mitigations:
        errors["mitigations"] = "Choose at least one mitigation to manage the conflict"
    if not payload.quorate:
        errors["quorate"] = "A decision can only be minuted at a quorate meeting"
    if errors:
        raise Invalid(errors)
    conflicted = {seat.person_id: "; ".join(seat.conflicts) for seat in seats if seat.conflicts}
    check = workflow.check_decision(
        payload.present_ids, payload.withdrawn_ids,
        [seat.person_id for seat in seats if seat.voting], conflicted, actor.person_id,
        quorum())
    if not check.ok:
        field_name = "present_ids" if not check.quorate else "withdrawn_ids"
        raise Invalid({field_name: check.refusal})
    return check


def _record_refusal(actor, flag: Flag, seat: BoardSeat) -> None:
    with base.writing() as s:
        audit.append(s, access.actor_name(actor), "decision.refused", "flag", flag.id, None,
                     {"person_id": seat.person_id, "recorded_as": "withdrawn",
                      "reasons": seat.conflicts})


def decide(actor, flag_id: int, data) -> Decision:
    """Minute the board's decision on a flag and carry out its effects, in one transaction."""
    proposal = propose(actor, flag_id, data)
    payload, check = proposal.payload, proposal.check
    from coi.services import decision_effects
    with base.batch() as s:
        # Read it again under the write lock: another decision may have just been minuted.
        flag = s.get(Flag, flag_id, populate_existing=True)
        require_decider(actor, flag)  # the flag may have changed since the proposal was checked
        decision = Decision(**payload.model_dump(exclude={"present_ids", "withdrawn_ids",
                                                          "quorate"}),
                            present_ids=check.present_ids, withdrawn_ids=check.withdrawn_ids,
                            quorate=check.quorate, flag_id=flag.id, decided_by=actor.id)
        s.add(decision)
        s.flush()
        before = audit.snapshot(flag)
        flag.status = workflow.transition(flag.status, "decide", "ulo_board", payload.outcome)
        s.add(flag)
        s.flush()
        audit.append(s, access.actor_name(actor), "decision.create", "decision", decision.id,
                     None, audit.snapshot(decision))
        audit.append(s, access.actor_name(actor), "flag.decide", "flag", flag.id, before,
                     {**audit.snapshot(flag), "decision_id": decision.id})
        decision_effects.apply(s, actor, flag, decision)
    return decision


def require_mover(actor, flag: Flag) -> None:
    """Only the ULO's own staff and board take its flags into review and back."""
    access.require(access.is_ulo(actor) and actor.organisation_id == flag.ulo_id,
                   "Only the ULO's staff and board can move its flags.")


def review(actor, flag_id: int, action: str) -> Flag:
    """Take a flag into review, or return it to the queue (ULO staff and board)."""
    if action not in ("start_review", "return_to_queue"):
        raise NotFound("No such action.")
    with base.writing() as s:
        flag = flags.get_flag(actor, flag_id)
        require_mover(actor, flag)
        before = audit.snapshot(flag)
        flag.status = workflow.transition(flag.status, action, actor.role)
        s.add(flag)
        s.flush()
        audit.append(s, access.actor_name(actor), f"flag.{action}", "flag", flag.id, before,
                     audit.snapshot(flag))
    return flag


MINUTED = (select(Decision.__table__).where(Decision.__table__.c.flag_id == bindparam("flag_id"))
           .order_by(Decision.__table__.c.id.desc()))


def decisions_for(actor, flag_id: int, seen: Flag | None = None) -> list:
    """The decisions minuted on a flag the account may see, newest first (plain rows)."""
    flags.checked(actor, flag_id, seen)
    return db.session().connection().execute(MINUTED, {"flag_id": flag_id}).all()


def get_decision(actor, flag_id: int, decision_id: int) -> Decision:
    """One decision on a flag the account may see, else NotFound."""
    flags.get_flag(actor, flag_id)
    decision = db.session().get(Decision, decision_id) if is_id(decision_id) else None
    if decision is None or decision.flag_id != flag_id:
        raise NotFound(f"No decision {decision_id} on this flag.")
    return decision


def public(decision: Decision) -> dict:
    """A decision as the API gives it."""
    return DecisionPublic.model_validate(decision).model_dump(mode="json")


@dataclass
class BoardPack:
    """What the board pack prints: the open flags, and the decisions since a date."""

    since: date
    open_flags: list[Flag]
    decisions: list[tuple[Decision, Flag]]
    prepared_on: date = field(default_factory=date.today)


def board_pack(actor, since: date) -> BoardPack:
    """The open flags in scope with their reasons, and the decisions minuted since a date."""
    s = db.session()
    open_flags = s.execute(flags.FLAGS.scope(actor, select(Flag)).where(
        Flag.status.in_(("open", "under_review"))).order_by(*flags.FLAGS.order)).scalars().all()
    decided = s.execute(flags.FLAGS.scope(actor, select(Decision, Flag).join(
        Flag, Flag.id == Decision.flag_id)).where(Decision.decided_on >= since)
        .order_by(Decision.decided_on.desc(), Decision.id.desc())).all()
    return BoardPack(since, list(open_flags), [(d, f) for d, f in decided])
