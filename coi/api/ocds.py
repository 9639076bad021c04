"""OCDS import and the CPV -> service-area table over the API: the same services as
`flask import-ocds` and the pages (coi.services.ocds and coi.services.cpv)."""

from typing import Optional

from flask import jsonify
from flask_login import current_user
from pydantic import BaseModel, Field

from coi import access, schemas
from coi.api import body, bp, openapi
from coi.services import cpv, ocds


class CpvTablePublic(schemas.Out):
    codes: dict[str, str] = Field(description="CPV code (8 digits) -> service-area code")
    default: bool = Field(description="True while the documented default table is in force")


class ImportOutcome(schemas.Out):
    action: str = Field(description="created, updated, withdrawn (the file says the tender "
                        "was cancelled), unchanged or skipped")
    ocid: str
    title: str
    detail: str = Field(description="What was done, or why it was skipped")
    opportunity_id: Optional[int] = None


class ImportReportPublic(schemas.Out):
    created: int
    updated: int
    withdrawn: int
    unchanged: int
    skipped: int
    outcomes: list[ImportOutcome]


class OcdsPackage(BaseModel):
    """An OCDS release package ({releases: [...]}) or record package ({records: [...]}), as
    Contracts Finder and Find a Tender publish them; see docs/ocds.md."""

    releases: Optional[list[dict]] = None
    records: Optional[list[dict]] = None


def _table() -> dict:
    return CpvTablePublic(codes=cpv.table(), default=cpv.is_default()).model_dump(mode="json")


@bp.route("/cpv-map", methods=["GET"])
def cpv_map():
    """The CPV -> service-area table that the OCDS import uses."""
    return jsonify(_table())


@bp.route("/cpv-map", methods=["PATCH"])
def cpv_map_change():
    """Set or remove CPV codes in the table (administrators only)."""
    access.require_role(current_user.user, "admin")
    cpv.change(current_user.user, body())
    return jsonify(_table())


@bp.route("/opportunities/import", methods=["POST"])
def ocds_import():
    """Create or update opportunities from an OCDS package sent as the JSON body."""
    access.require_role(current_user.user, "commissioner", "admin")
    report = ocds.import_package(current_user.user, body())
    return jsonify(ImportReportPublic(**report.as_dict()).model_dump(mode="json"))


CPV_TAG, IMPORT_TAG = ["CPV codes"], ["Opportunities"]
openapi.EXTRA.extend([
    ("/api/v1/cpv-map", "get", {
        "operationId": "cpv_map_get", "summary": "The CPV -> service-area table",
        "tags": CPV_TAG,
        "responses": {**openapi.ok(CpvTablePublic), **openapi.problems(401)}},
     [CpvTablePublic]),
    ("/api/v1/cpv-map", "patch", {
        "operationId": "cpv_map_change", "summary": "Set or remove CPV codes (null removes)",
        "tags": CPV_TAG, "requestBody": openapi.json_body(cpv.CpvChange),
        "responses": {**openapi.ok(CpvTablePublic),
                      **openapi.problems(*openapi.WRITE_PROBLEMS)}},
     [cpv.CpvChange]),
    ("/api/v1/opportunities/import", "post", {
        "operationId": "opportunities_import",
        "summary": "Import opportunities from an OCDS release or record package",
        "description": "The whole package is checked first: a malformed one is a 422 naming "
                       "each place (errors[].field is its path) and nothing is imported. "
                       "Idempotent by ocid. See docs/ocds.md.",
        "tags": IMPORT_TAG, "requestBody": openapi.json_body(OcdsPackage),
        "responses": {**openapi.ok(ImportReportPublic),
                      **openapi.problems(*openapi.WRITE_PROBLEMS)}},
     [OcdsPackage, ImportReportPublic]),
])
