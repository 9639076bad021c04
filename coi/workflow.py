"""The review state machine for flags, and the recusal and quorum check for decisions.

Pure (SPEC §3 Flag and Decision, §4 R6): no Flask, no database. A service asks transition()
before it changes a flag's status and check_decision() before it minutes a decision, then
persists and audits what these return.
"""

from dataclasses import dataclass, field

from coi.errors import DomainError
from coi.vocab import FLAG_STATUSES, OUTCOMES, ROLES

SYSTEM = "system"  # the rules engine: not a login role, so not in vocab.ROLES
ACTIONS = ("start_review", "decide", "return_to_queue", "reopen", "supersede")

# action: (statuses it may start from, status it leads to; decide's depends on the outcome)
_MOVES: dict[str, tuple[frozenset[str], str | None]] = {
    "start_review": (frozenset({"open"}), "under_review"),
    "decide": (frozenset({"open", "under_review"}), None),
    "return_to_queue": (frozenset({"under_review"}), "open"),
    "reopen": (frozenset({"dismissed", "resolved", "superseded"}), "open"),
    "supersede": (frozenset({"open", "under_review", "dismissed", "resolved"}), "superseded"),
}
# Reviewing and deciding are people's work; reopening and superseding follow the facts alone.
_WHO: dict[str, frozenset[str]] = {
    "start_review": frozenset({"ulo_staff", "ulo_board"}),
    "decide": frozenset({"ulo_board"}),
    "return_to_queue": frozenset({"ulo_staff", "ulo_board"}),
    "reopen": frozenset({SYSTEM}),
    "supersede": frozenset({SYSTEM}),
}
_ONLY = {
    "start_review": "Only ULO staff or a ULO board member can start a review",
    "decide": "Only a ULO board member can decide a flag",
    "return_to_queue": "Only ULO staff or a ULO board member can return a flag to the queue",
    "reopen": "Only the rules engine reopens a flag, when a fact its rule reads changes",
    "supersede": "Only the rules engine supersedes a flag, when its facts no longer hold",
}
_ROLE_HINTS = {
    "commissioner": "the ULO's own board reviews its flags",
    "auditor": "auditors read everything and change nothing",
    "admin": "administrators manage settings, not board decisions",
}


class TransitionRefused(DomainError):
    """A move the flag's status or the caller's role does not allow; detail says why.

    status is 403 when the role may never take the action, 409 when the flag's status does
    not allow it now, 422 when a decision has no valid outcome.
    """

    status = 409
    title = "Action refused"

    def __init__(self, reason: str, status: int = 409):
        super().__init__(reason)
        self.status = status

    @property
    def reason(self) -> str:
        """Why the move was refused (the error's detail)."""
        return self.detail


def outcome_status(outcome: str) -> str:
    """The status a decision leaves its flag in: no_conflict dismisses, any other resolves."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    return "dismissed" if outcome == "no_conflict" else "resolved"


def transition(status: str, action: str, role: str, outcome: str | None = None) -> str:
    """The flag's new status after action by role, or TransitionRefused with the reason."""
    _require_known(status, action, role)
    if outcome is not None and action != "decide":
        raise ValueError(f"only decide takes an outcome, not {action}")
    refused = _refusal(status, action, role)
    if refused:
        raise refused
    if action != "decide":
        return _MOVES[action][1]
    if outcome not in OUTCOMES:
        choices = ", ".join(f"{label} ({code})" for code, label in OUTCOMES.items())
        raise TransitionRefused(f"Choose the decision's outcome: {choices}.", status=422)
    return outcome_status(outcome)


def allowed_actions(status: str, role: str) -> list[str]:
    """The actions role may take on a flag in status, in ACTIONS order."""
    _require_known(status, ACTIONS[0], role)
    return [action for action in ACTIONS if _refusal(status, action, role) is None]


def _require_known(status: str, action: str, role: str) -> None:
    # Unknown codes are programming errors, not a user's request to refuse politely.
    if status not in FLAG_STATUSES:
        raise ValueError(f"unknown flag status {status!r}")
    if action not in _MOVES:
        raise ValueError(f"unknown action {action!r}")
    if role not in ROLES and role != SYSTEM:
        raise ValueError(f"unknown role {role!r}")


def _refusal(status: str, action: str, role: str) -> TransitionRefused | None:
    # The role comes first: someone who may never act should not learn why not now.
    if role not in _WHO[action]:
        hint = _ROLE_HINTS.get(role)
        return TransitionRefused(_ONLY[action] + (f"; {hint}." if hint else "."), status=403)
    if status in _MOVES[action][0]:
        return None
    return TransitionRefused(_state_reason(status, action))


def _state_reason(status: str, action: str) -> str:
    if status in ("resolved", "dismissed"):
        return f"This flag is already {status}; it reopens by itself if its facts change."
    if status == "superseded":
        return (
            "This flag is superseded because its facts no longer hold; "
            "it reopens by itself if they hold again."
        )
    if action == "reopen":
        return f"This flag is {FLAG_STATUSES[status].lower()}, not closed, so it cannot reopen."
    if action == "start_review":
        return "This flag is already under review."
    return "This flag is already open, waiting in the queue."


@dataclass(frozen=True)
class DecisionCheck:
    """Whether a decision may be minuted, and the attendance to minute with it."""

    ok: bool
    refusal: str | None
    quorate: bool
    present_ids: list[int]
    withdrawn_ids: list[int]
    notes: list[str] = field(default_factory=list)


def check_decision(
    present_ids,
    withdrawn_ids,
    voting_member_ids,
    conflicted: dict[int, str],
    decider_person_id: int | None,
    quorum: int,
) -> DecisionCheck:
    """Apply R6 recusal and the quorum to a proposed decision's attendance.

    present_ids is everyone at the meeting, including those who then withdrew, so
    withdrawn_ids must be a subset of it. conflicted maps a person to why they are conflicted,
    as a past-tense clause ("declared an interest in Riverside Council", "took part in the
    engagement"). A conflicted decider is refused and recorded as present and withdrawn; every
    conflicted person present is recorded as withdrawn. The quorum counts voting board members
    present who did not withdraw. ok is False when any check fails; refusal is the first reason
    and notes holds every reason and forced withdrawal. Ids come back sorted and unique.
    """
    if quorum < 1:
        raise ValueError("a quorum is at least one voting member")
    present, withdrawn = set(present_ids), set(withdrawn_ids)
    notes: list[str] = []
    refusals = _decider_refusals(decider_person_id, conflicted, present, withdrawn)
    not_present = withdrawn - present
    if not_present:
        refusals.append(f"Only people present can withdraw; not present: {_ids(not_present)}.")
    for person_id in sorted((present & conflicted.keys()) - withdrawn):
        withdrawn.add(person_id)
        notes.append(f"Person {person_id} {conflicted[person_id]}, so is recorded as withdrawn.")
    counted = len((present - withdrawn) & set(voting_member_ids))
    quorate = counted >= quorum
    members = "voting board member" + ("" if counted == 1 else "s")
    notes.append(f"{counted} {members} without a conflict took part; the quorum is {quorum}.")
    if not quorate:
        refusals.append(
            f"The meeting was not quorate: {counted} {members} without a conflict "
            f"took part and at least {quorum} must."
        )
    return DecisionCheck(
        ok=not refusals,
        refusal=refusals[0] if refusals else None,
        quorate=quorate,
        present_ids=sorted(present),
        withdrawn_ids=sorted(withdrawn),
        notes=notes + refusals,
    )


def _decider_refusals(decider_person_id: int | None, conflicted: dict[int, str],
                      present: set[int], withdrawn: set[int]) -> list[str]:
    """Why the decider may not decide: conflicted (then also recorded as present, to be
    withdrawn with the others), or withdrew from the item."""
    decider_conflict = conflicted.get(decider_person_id)
    if decider_conflict:
        present.add(decider_person_id)
        return [
            f"You {decider_conflict}, so you cannot decide this flag; "
            "you have been recorded as withdrawn."
        ]
    if decider_person_id in withdrawn:
        return ["You withdrew from this item, so you cannot decide this flag."]
    return []


def _ids(ids) -> str:
    return ", ".join(str(i) for i in sorted(ids))
