"""The rule thresholds and the board-decision quorum over the API (administrators only): read
them, change them."""

from flask import jsonify
from flask_login import current_user
from pydantic import Field, create_model

from coi import access, schemas
from coi.api import body, bp, openapi
from coi.rules import THRESHOLD_INFO
from coi.services import decisions, thresholds
from coi.services.base import validate


def _model(name: str, required: bool):
    fields = {key: (int if required else int | None,
                    Field(... if required else None, ge=info.minimum, le=info.maximum,
                          title=info.label,
                          description=f"{info.description} In {info.unit}, {info.minimum} to "
                                      f"{info.maximum}."))
              for key, info in THRESHOLD_INFO.items()}
    return create_model(name, __base__=schemas.Out if required else schemas.In, **fields)


RuleThresholds = _model("RuleThresholds", True)
RuleThresholdsUpdate = _model("RuleThresholdsUpdate", False)


@bp.route("/settings/thresholds")
def thresholds_get():
    """The rule thresholds in force (administrators only)."""
    return jsonify(thresholds.get_thresholds(current_user.user))


@bp.route("/settings/thresholds", methods=["PATCH"])
def thresholds_update():
    """Change some or all rule thresholds (administrators only); absent ones stay."""
    actor = current_user.user
    thresholds.get_thresholds(actor)  # the role first: a refused caller learns nothing more
    return jsonify(thresholds.put_thresholds(actor, body()).as_dict())


class Quorum(schemas.Out):
    quorum: int = Field(ge=1, le=20, description="How many voting board members with no "
                        "conflict must take part in a board's decision on a flag")


class QuorumUpdate(schemas.In):
    quorum: int = Field(ge=1, le=20, description="A whole number from 1 to 20")


@bp.route("/settings/quorum")
def quorum_get():
    """The quorum for board decisions (administrators only)."""
    access.require_role(current_user.user, "admin")
    return jsonify({"quorum": decisions.quorum()})


@bp.route("/settings/quorum", methods=["PATCH"])
def quorum_update():
    """Change the quorum for board decisions (administrators only)."""
    actor = current_user.user
    access.require_role(actor, "admin")
    wanted = validate(QuorumUpdate, body())
    return jsonify({"quorum": decisions.set_quorum(actor, wanted.quorum)})


TAG = ["Settings"]
openapi.EXTRA.extend([
    ("/api/v1/settings/thresholds", "get", {
        "operationId": "thresholds_get", "summary": "The rule thresholds in force "
        "(administrators only)", "tags": TAG,
        "responses": {**openapi.ok(RuleThresholds), **openapi.problems(401, 403)}},
     [RuleThresholds]),
    ("/api/v1/settings/thresholds", "patch", {
        "operationId": "thresholds_update", "summary": "Change rule thresholds "
        "(administrators only); each flag keeps the thresholds that raised it", "tags": TAG,
        "requestBody": openapi.json_body(RuleThresholdsUpdate),
        "responses": {**openapi.ok(RuleThresholds),
                      **openapi.problems(*openapi.WRITE_PROBLEMS)}},
     [RuleThresholdsUpdate]),
    ("/api/v1/settings/quorum", "get", {
        "operationId": "quorum_get", "summary": "The quorum for board decisions "
        "(administrators only)", "tags": TAG,
        "responses": {**openapi.ok(Quorum), **openapi.problems(401, 403)}}, [Quorum]),
    ("/api/v1/settings/quorum", "patch", {
        "operationId": "quorum_update", "summary": "Change the quorum for board decisions "
        "(administrators only); decisions already minuted keep theirs", "tags": TAG,
        "requestBody": openapi.json_body(QuorumUpdate),
        "responses": {**openapi.ok(Quorum), **openapi.problems(*openapi.WRITE_PROBLEMS)}},
     [QuorumUpdate]),
])
