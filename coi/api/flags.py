"""Flags over the API: the list (filtered, most severe first), one flag, and its history.

Flags are raised, updated, reopened and superseded by the rules and decided by the board, so
nothing here writes. The same services as the flag pages.
"""

from typing import Literal

from flask import jsonify, request
from flask_login import current_user

from coi import schemas, vocab
from coi.api import bp, openapi, params
from coi.api.audit import AuditEventPublic
from coi.api.collections import page_json
from coi.api.payload import check_id
from coi.services import flags, history

params.FILTER_TYPES["flags"] = {
    "status": Literal[(*vocab.FLAG_STATUSES, "active")],  # active: open or under review
    "severity": Literal[tuple(vocab.SEVERITIES)],
    "rule": Literal["R1", "R3", "R4", "R5", "R7", "R8"],
}


@bp.route("/flags")
def flags_list():
    """The flags the caller may see, most severe first."""
    actor = current_user.user
    query = params.parse("flags", flags.FLAGS.filters, request.args)
    return jsonify(page_json(flags.list_flags(actor, query), flags.FLAGS.public))


@bp.route("/flags/<int:record_id>")
def flags_get(record_id: int):
    """One flag: its rule and version, severity, score, reasons, thresholds and links."""
    flag = flags.get_flag(current_user.user, check_id(record_id))
    return jsonify(flags.FLAGS.public(flag))


@bp.route("/flags/<int:record_id>/history")
def flags_history(record_id: int):
    """Every change to one flag, oldest first, with who or what made it and why."""
    events = flags.flag_history(current_user.user, check_id(record_id))
    return jsonify({"items": [history.event_public(e) for e in events]})


TAG = ["Flags"]
_HISTORY = {"type": "object", "required": ["items"], "properties": {
    "items": {"type": "array", "items": openapi.ref(AuditEventPublic)}}}
openapi.EXTRA.extend([
    ("/api/v1/flags", "get", {
        "operationId": "flags_list", "summary": "List flags (most severe first)", "tags": TAG,
        "parameters": params.openapi_parameters("flags", flags.FLAGS.filters),
        "responses": {**openapi.ok(schemas.FlagPublic, many=True),
                      **openapi.problems(401, 422)}},
     [schemas.FlagPublic]),
    ("/api/v1/flags/{record_id}", "get", {
        "operationId": "flags_get", "summary": "One flag", "tags": TAG,
        "parameters": [openapi.ID],
        "responses": {**openapi.ok(schemas.FlagPublic), **openapi.problems(401, 404)}},
     [schemas.FlagPublic]),
    ("/api/v1/flags/{record_id}/history", "get", {
        "operationId": "flags_history",
        "summary": "Every change to one flag, with who or what made it and why", "tags": TAG,
        "parameters": [openapi.ID],
        "responses": {"200": {"description": "OK", "content": {"application/json": {
            "schema": _HISTORY}}}, **openapi.problems(401, 404)}},
     [AuditEventPublic]),
])
