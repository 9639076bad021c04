"""Your own API tokens: list, create (the secret is shown once) and revoke, the API's only
DELETE. The same account services as the settings page and `flask create-token`."""

from typing import Annotated, Optional

from flask import jsonify, request
from flask_login import current_user
from pydantic import Field
from sqlalchemy import select

from coi import auth, db, schemas
from coi.api import body, bp, openapi, params
from coi.api.collections import in_pages, page_json
from coi.api.payload import check_id
from coi.models import ApiToken
from coi.services import base, users


class TokenCreate(schemas.In):
    name: Annotated[str, Field(min_length=1, max_length=100)] = Field(
        title="Name", description="So that you can tell your tokens apart")


class TokenPublic(schemas.Out):
    id: int
    name: str
    created_at: schemas.UtcTime
    last_used_at: Optional[schemas.UtcTime] = None
    revoked_at: Optional[schemas.UtcTime] = None
    active: bool


class TokenIssuedPublic(TokenPublic):
    token: str = Field(description="The secret: shown only in this answer, stored hashed")


def present(record: ApiToken, model=TokenPublic, **extra) -> dict:
    """A token as the API shows it (never its hash)."""
    return model(id=record.id, name=record.name, created_at=record.created_at,
                 last_used_at=record.last_used_at, revoked_at=record.revoked_at,
                 active=record.revoked_at is None, **extra).model_dump(mode="json")


@bp.route("/tokens", methods=["GET"])
def tokens_list():
    """Your API tokens, newest first; revoked ones too with include_ended=true."""
    query = params.parse("tokens", (), request.args)
    found = [t for t in users.list_tokens(current_user.user)
             if (query.include_ended or t.revoked_at is None)
             and query.q.lower() in t.name.lower()]
    return jsonify(page_json(in_pages(found, query), present))


@bp.route("/tokens", methods=["POST"])
def tokens_create():
    """Create an API token for your own account; the answer is the only time it is shown."""
    payload = base.validate(TokenCreate, body())
    secret = users.issue_token(current_user.user, current_user.id, payload.name)
    record = db.session().execute(select(ApiToken).where(
        ApiToken.token_hash == auth.token_digest(secret))).scalar_one()
    return jsonify(present(record, TokenIssuedPublic, token=secret)), 201


@bp.route("/tokens/<int:token_id>", methods=["DELETE"])
def tokens_revoke(token_id: int):
    """Revoke one of your tokens (an administrator may revoke anyone's); it stops working."""
    users.revoke_token(current_user.user, check_id(token_id))
    return "", 204


TOKEN_ID = openapi.path_id("token_id")
TAG = ["API tokens"]

openapi.EXTRA.extend([
    ("/api/v1/tokens", "get", {
        "operationId": "tokens_list", "summary": "Your API tokens", "tags": TAG,
        "parameters": params.openapi_parameters("tokens", ()),
        "responses": {**openapi.ok(TokenPublic, many=True), **openapi.problems(401, 422)}},
     [TokenPublic]),
    ("/api/v1/tokens", "post", {
        "operationId": "tokens_create", "summary": "Create an API token (shown once)",
        "tags": TAG, "requestBody": openapi.json_body(TokenCreate),
        "responses": {**openapi.ok(TokenIssuedPublic, 201),
                      **openapi.problems(*openapi.WRITE_PROBLEMS)}},
     [TokenCreate, TokenIssuedPublic]),
    ("/api/v1/tokens/{token_id}", "delete", {
        "operationId": "tokens_revoke", "summary": "Revoke one of your API tokens",
        "tags": TAG, "parameters": [TOKEN_ID],
        "responses": {"204": {"description": "Revoked (also when it already was)"},
                      **openapi.problems(401, 404)}},
     []),
])
