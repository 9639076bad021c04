"""The audit chain over the API (auditors and administrators): the events, filtered and paged,
and the chain's verification with its head. The same services as the history pages."""

from typing import Optional

from flask import jsonify, request
from flask_login import current_user
from pydantic import Field

from coi import schemas
from coi.api import bp, openapi, params
from coi.api.collections import page_json
from coi.errors import Invalid
from coi.services import history


class AuditEventPublic(schemas.Out):
    seq: int = Field(description="1, 2, 3 … with no gap")
    at: str = Field(description="UTC time (ISO 8601), exactly the text that was hashed")
    actor: str = Field(description="The account's email, or system")
    action: str = Field(description="Like declaration.create, engagement.update, bid.end")
    entity: str
    entity_id: Optional[int] = None
    before: Optional[dict] = Field(None, description="The record before the change")
    after: Optional[dict] = Field(None, description="The record after the change")
    prev_hash: str = Field(description="The hash of the previous event (64 zeros for the "
                                       "first)")
    hash: str = Field(description="SHA-256(prev_hash + canonical JSON of seq, at, actor, "
                                  "action, entity, entity_id, before, after)")


class AuditVerdict(schemas.Out):
    intact: bool
    count: int = Field(description="Events that verified")
    head_seq: int = Field(description="The last intact event (the head, when intact)")
    head_hash: str
    broken_seq: Optional[int] = Field(None, description="The first broken event, if any")
    reason: Optional[str] = Field(None, description="Why it is broken, if it is")


def _filters() -> dict:
    values = request.args.to_dict(flat=True)
    bad = params.unreadable(values, history.EventFilters.model_fields)
    if bad:
        raise Invalid(bad)
    return {k: v for k, v in values.items() if v != ""}


@bp.route("/audit")
def audit_list():
    """Audit events matching the filters, newest first unless order=asc."""
    actor = current_user.user
    history.require_reader(actor)
    return jsonify(page_json(history.list_events(actor, _filters()), history.event_public))


@bp.route("/audit/verify")
def audit_verify():
    """Walk the whole chain: intact with its head, or the first broken event and why."""
    verdict = history.verify_chain(current_user.user)
    answer = {"intact": verdict.intact, "count": verdict.count, "head_seq": verdict.head_seq,
              "head_hash": verdict.head_hash}
    if not verdict.intact:
        answer.update(broken_seq=verdict.broken_seq, reason=verdict.reason)
    return jsonify(answer)


TAG = ["Audit"]
openapi.EXTRA.extend([
    ("/api/v1/audit", "get", {
        "operationId": "audit_list", "summary": "Audit events (auditors and administrators)",
        "tags": TAG, "parameters": params.parameters_of(history.EventFilters),
        "responses": {**openapi.ok(AuditEventPublic, many=True),
                      **openapi.problems(401, 403, 422)}},
     [AuditEventPublic]),
    ("/api/v1/audit/verify", "get", {
        "operationId": "audit_verify",
        "summary": "Verify the audit chain and give its head (auditors and administrators)",
        "tags": TAG,
        "responses": {**openapi.ok(AuditVerdict), **openapi.problems(401, 403)}},
     [AuditVerdict]),
])
