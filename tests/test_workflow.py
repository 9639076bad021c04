"""The review state machine and the recusal and quorum check, without an app or a database."""

import pytest

from coi.errors import DomainError
from coi.workflow import (
    ACTIONS,
    DecisionCheck,
    TransitionRefused,
    allowed_actions,
    check_decision,
    outcome_status,
    transition,
)

STATUSES = ("open", "under_review", "resolved", "dismissed", "superseded")
ROLES = ("ulo_staff", "ulo_board", "commissioner", "auditor", "admin", "system")
OUTCOMES = {
    "no_conflict": "dismissed",
    "manage": "resolved",
    "withdraw_bid": "resolved",
    "decline_engagement": "resolved",
}

# Written out by hand from the brief, not from the module. A cell is the new status, "OUTCOME"
# (decide: the status OUTCOMES gives), 403 (this role may never do it) or 409 (not from this
# status). A role that may never act is told so even when the status would also refuse.
GRID = """
status        action           ulo_staff     ulo_board     commissioner auditor admin system
open          start_review     under_review  under_review  403          403     403   403
open          decide           403           OUTCOME       403          403     403   403
open          return_to_queue  409           409           403          403     403   403
open          reopen           403           403           403          403     403   409
open          supersede        403           403           403          403     403   superseded
under_review  start_review     409           409           403          403     403   403
under_review  decide           403           OUTCOME       403          403     403   403
under_review  return_to_queue  open          open          403          403     403   403
under_review  reopen           403           403           403          403     403   409
under_review  supersede        403           403           403          403     403   superseded
resolved      start_review     409           409           403          403     403   403
resolved      decide           403           409           403          403     403   403
resolved      return_to_queue  409           409           403          403     403   403
resolved      reopen           403           403           403          403     403   open
resolved      supersede        403           403           403          403     403   superseded
dismissed     start_review     409           409           403          403     403   403
dismissed     decide           403           409           403          403     403   403
dismissed     return_to_queue  409           409           403          403     403   403
dismissed     reopen           403           403           403          403     403   open
dismissed     supersede        403           403           403          403     403   superseded
superseded    start_review     409           409           403          403     403   403
superseded    decide           403           409           403          403     403   403
superseded    return_to_queue  409           409           403          403     403   403
superseded    reopen           403           403           403          403     403   open
superseded    supersede        403           403           403          403     403   409
"""


def _expected() -> dict[tuple[str, str, str], str]:
    header, *rows = GRID.strip().splitlines()
    roles = header.split()[2:]
    table = {}
    for row in rows:
        status, action, *cells = row.split()
        table.update(
            {(status, action, role): cell for role, cell in zip(roles, cells, strict=True)}
        )
    return table


EXPECTED = _expected()
CASES = [
    (status, action, role, outcome)
    for status in STATUSES
    for action in ACTIONS
    for role in ROLES
    for outcome in (OUTCOMES if action == "decide" else [None])
]


def test_the_expected_grid_covers_every_status_action_and_role():
    assert set(ACTIONS) == {"start_review", "decide", "return_to_queue", "reopen", "supersede"}
    assert len(EXPECTED) == len(STATUSES) * len(ACTIONS) * len(ROLES)
    assert {key for key in EXPECTED} == {
        (s, a, r) for s in STATUSES for a in ACTIONS for r in ROLES
    }


@pytest.mark.parametrize(("status", "action", "role", "outcome"), CASES)
def test_transition_follows_the_expected_grid(status, action, role, outcome):
    expected = EXPECTED[(status, action, role)]
    if expected in ("403", "409"):
        with pytest.raises(TransitionRefused) as refused:
            transition(status, action, role, outcome)
        assert refused.value.status == int(expected)
        assert refused.value.reason[0].isupper() and refused.value.reason.endswith(".")
    else:
        new_status = OUTCOMES[outcome] if expected == "OUTCOME" else expected
        assert transition(status, action, role, outcome) == new_status


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("role", ROLES)
def test_allowed_actions_lists_exactly_the_moves_the_grid_allows(status, role):
    expected = [a for a in ACTIONS if EXPECTED[(status, a, role)] not in ("403", "409")]
    assert allowed_actions(status, role) == expected


@pytest.mark.parametrize(("outcome", "status"), OUTCOMES.items())
def test_no_conflict_dismisses_and_every_other_outcome_resolves(outcome, status):
    assert outcome_status(outcome) == status


def test_staff_are_told_only_a_board_member_can_decide():
    with pytest.raises(TransitionRefused, match="^Only a ULO board member can decide a flag"):
        transition("open", "decide", "ulo_staff", "manage")


def test_admins_are_told_they_manage_settings_not_board_decisions():
    with pytest.raises(TransitionRefused) as refused:
        transition("under_review", "decide", "admin", "no_conflict")
    assert refused.value.reason == (
        "Only a ULO board member can decide a flag; "
        "administrators manage settings, not board decisions."
    )


@pytest.mark.parametrize("status", ["resolved", "dismissed"])
def test_deciding_a_closed_flag_again_says_it_reopens_by_itself(status):
    with pytest.raises(TransitionRefused) as refused:
        transition(status, "decide", "ulo_board", "manage")
    assert refused.value.reason == (
        f"This flag is already {status}; it reopens by itself if its facts change."
    )


def test_people_are_told_only_the_rules_engine_reopens_a_flag():
    with pytest.raises(TransitionRefused, match="^Only the rules engine reopens a flag"):
        transition("dismissed", "reopen", "ulo_board")


def test_a_refusal_is_a_domain_error_with_its_reason_as_detail():
    with pytest.raises(DomainError) as refused:
        transition("open", "start_review", "auditor")
    assert refused.value.detail == refused.value.reason


@pytest.mark.parametrize("outcome", [None, "", "approve"])
def test_a_decision_without_a_known_outcome_is_refused_as_invalid(outcome):
    with pytest.raises(TransitionRefused, match="outcome") as refused:
        transition("open", "decide", "ulo_board", outcome)
    assert refused.value.status == 422


def test_a_role_that_may_not_decide_is_refused_before_its_outcome_is_checked():
    with pytest.raises(TransitionRefused) as refused:
        transition("open", "decide", "commissioner", None)
    assert refused.value.status == 403


@pytest.mark.parametrize(
    ("status", "action", "role", "outcome"),
    [
        ("closed", "decide", "ulo_board", "manage"),
        ("open", "approve", "ulo_board", None),
        ("open", "decide", "chair", "manage"),
        ("open", "start_review", "ulo_board", "manage"),
    ],
)
def test_unknown_codes_and_stray_outcomes_are_programming_errors(status, action, role, outcome):
    with pytest.raises(ValueError):
        transition(status, action, role, outcome)


def test_an_unknown_outcome_has_no_status():
    with pytest.raises(ValueError):
        outcome_status("approve")


# Recusal (R6) and quorum. Persons 1-4 are voting board members, 5 a non-voting member.
VOTING = [1, 2, 3, 4]


def check(present, withdrawn=(), conflicted=None, decider=1, quorum=3, voting=VOTING):
    return check_decision(present, withdrawn, voting, conflicted or {}, decider, quorum)


def test_a_quorate_meeting_with_no_conflicts_may_decide():
    result = check([1, 2, 3])
    assert result == DecisionCheck(
        ok=True,
        refusal=None,
        quorate=True,
        present_ids=[1, 2, 3],
        withdrawn_ids=[],
        notes=["3 voting board members without a conflict took part; the quorum is 3."],
    )


def test_a_conflicted_decider_is_refused_and_recorded_as_withdrawn():
    result = check([1, 2, 3, 4], conflicted={1: "declared an interest in Riverside Council"})
    assert not result.ok
    assert result.refusal == (
        "You declared an interest in Riverside Council, so you cannot "
        "decide this flag; you have been recorded as withdrawn."
    )
    assert result.withdrawn_ids == [1]
    assert result.quorate  # 2, 3 and 4 remain: the refusal is the conflict, not the quorum


def test_a_conflicted_decider_missing_from_the_attendance_is_recorded_present_and_withdrawn():
    result = check([2, 3, 4], conflicted={1: "took part in the engagement"})
    assert result.refusal.startswith("You took part in the engagement, so you cannot decide")
    assert result.present_ids == [1, 2, 3, 4]
    assert result.withdrawn_ids == [1]


def test_a_decider_who_withdrew_cannot_decide():
    result = check([1, 2, 3, 4], withdrawn=[1])
    assert result.refusal == "You withdrew from this item, so you cannot decide this flag."


def test_a_conflicted_member_present_is_withdrawn_automatically():
    result = check([1, 2, 3, 4], conflicted={4: "is on the bid team"})
    assert result.ok
    assert result.withdrawn_ids == [4]
    assert "Person 4 is on the bid team, so is recorded as withdrawn." in result.notes


def test_a_conflicted_member_who_was_absent_is_not_recorded_at_all():
    result = check([1, 2, 3], conflicted={4: "declared an interest in the opportunity"})
    assert result.ok
    assert result.present_ids == [1, 2, 3]
    assert result.withdrawn_ids == []


def test_an_auto_withdrawn_member_no_longer_counts_towards_the_quorum():
    result = check([1, 2, 3], conflicted={3: "declared an interest in Riverside Council"})
    assert not result.ok and not result.quorate
    assert result.refusal == (
        "The meeting was not quorate: 2 voting board members without a "
        "conflict took part and at least 3 must."
    )


def test_the_quorum_is_met_at_exactly_the_threshold():
    assert check([1, 2, 3], quorum=3).quorate


def test_the_quorum_is_not_met_one_below_the_threshold():
    result = check([1, 2], quorum=3)
    assert not result.ok and not result.quorate
    assert result.refusal.startswith("The meeting was not quorate")


def test_non_voting_members_present_do_not_count_towards_the_quorum():
    result = check([1, 2, 5], quorum=3)
    assert not result.quorate
    assert result.present_ids == [1, 2, 5]


def test_a_member_who_withdrew_voluntarily_does_not_count_towards_the_quorum():
    assert not check([1, 2, 3, 4], withdrawn=[4], quorum=4).quorate


def test_a_quorum_of_one_is_met_by_a_single_unconflicted_voter_and_says_so_in_the_singular():
    result = check([1], quorum=1)
    assert result.ok
    assert result.notes == ["1 voting board member without a conflict took part; the quorum is 1."]


def test_withdrawn_people_must_have_been_present():
    result = check([1, 2, 3], withdrawn=[4, 6])
    assert not result.ok
    assert result.refusal == "Only people present can withdraw; not present: 4, 6."


def test_every_failed_check_is_in_the_notes_with_the_conflict_first():
    result = check([1, 2], withdrawn=[6], conflicted={1: "took part in the bid"})
    assert result.refusal.startswith("You took part in the bid")
    assert (
        sum(note.startswith(("You ", "Only people", "The meeting")) for note in result.notes) == 3
    )


def test_attendance_comes_back_sorted_without_duplicates():
    result = check([3, 1, 2, 1], withdrawn=[2, 2], quorum=2)
    assert result.present_ids == [1, 2, 3]
    assert result.withdrawn_ids == [2]


def test_a_decider_without_a_person_record_is_checked_on_attendance_alone():
    assert check([1, 2, 3], decider=None, conflicted={4: "x"}).ok


def test_a_quorum_below_one_is_a_configuration_error():
    with pytest.raises(ValueError):
        check([1, 2, 3], quorum=0)
