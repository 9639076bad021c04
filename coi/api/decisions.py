"""The board's decisions on a flag over the API, and taking a flag into review."""

from typing import Literal

from flask import jsonify
from flask_login import current_user
from pydantic import BaseModel

from coi import schemas
from coi.api import body, bp, openapi
from coi.api.collections import page_json
from coi.api.payload import check_id
from coi.services import base, decisions, flags


class ReviewAction(schemas.In):
    action: Literal["start_review", "return_to_queue"]


@bp.route("/flags/<int:record_id>/decisions", methods=["GET"])
def decisions_list(record_id: int):
    """The decisions minuted on a flag, newest first."""
    found = decisions.decisions_for(current_user.user, check_id(record_id))
    every = base.Page(found, len(found), 1, max(len(found), 1))  # all of them, one page
    return jsonify(page_json(every, decisions.public))


@bp.route("/flags/<int:record_id>/decisions", methods=["POST"])
def decisions_create(record_id: int):
    """Minute the board's decision on a flag (a ULO board member who is not conflicted)."""
    decision = decisions.decide(current_user.user, check_id(record_id), body())
    return jsonify(decisions.public(decision)), 201


@bp.route("/flags/<int:record_id>/review", methods=["POST"])
def flags_review(record_id: int):
    """Take a flag into review, or return it to the queue."""
    flag_id = check_id(record_id)
    decisions.require_mover(current_user.user, flags.get_flag(current_user.user, flag_id))
    action = base.validate(ReviewAction, body()).action
    return jsonify(flags.FLAGS.public(decisions.review(current_user.user, flag_id, action)))


class DecisionList(BaseModel):
    items: list[schemas.DecisionPublic]
    total: int
    page: int
    per_page: int


TAG = ["Flags"]
openapi.EXTRA.extend([
    ("/api/v1/flags/{record_id}/decisions", "get", {
        "operationId": "decisions_list", "summary": "The decisions minuted on a flag",
        "tags": TAG, "parameters": [openapi.ID],
        "responses": {**openapi.ok(DecisionList), **openapi.problems(401, 404)}},
     [DecisionList, schemas.DecisionPublic]),
    ("/api/v1/flags/{record_id}/decisions", "post", {
        "operationId": "decisions_create",
        "summary": "Minute the board's decision (refused with 403 for a conflicted decider, "
                   "409 for a flag that is not open)",
        "tags": TAG, "parameters": [openapi.ID],
        "requestBody": openapi.json_body(schemas.DecisionCreate),
        "responses": {**openapi.ok(schemas.DecisionPublic, 201),
                      **openapi.problems(400, 401, 403, 404, 409, 422)}},
     [schemas.DecisionCreate, schemas.DecisionPublic]),
    ("/api/v1/flags/{record_id}/review", "post", {
        "operationId": "flags_review", "summary": "Take a flag into review or return it",
        "tags": TAG, "parameters": [openapi.ID], "requestBody": openapi.json_body(ReviewAction),
        "responses": {**openapi.ok(schemas.FlagPublic),
                      **openapi.problems(400, 401, 403, 404, 409, 422)}},
     [ReviewAction, schemas.FlagPublic]),
])
