"""Documents in the API: the documents, their revisions (a stale base_revision is a 409 and
saves nothing), agreements of a revision, and the diff between two revisions. The same
services as the document pages."""

from flask import jsonify, request
from flask_login import current_user

from coi import schemas
from coi.api import body, bp, openapi, params
from coi.api.collections import envelope, in_pages, page_json
from coi.api.payload import check_id
from coi.errors import Invalid
from coi.ids import as_id
from coi.services import agreements, documents

FILTERS = ("kind", "ulo_id", "commissioner_id", "agreed")
params.FILTER_TYPES.setdefault("documents", {"kind": schemas.DocumentKind, "agreed": bool})


def _actor():
    return current_user.user


def _agreement(a) -> dict:
    return schemas.AgreementPublic.model_validate(a).model_dump(mode="json")


@bp.route("/documents", methods=["GET"])
def documents_list():
    """Documents you may see; filter by kind, ULO, body and whether both sides agreed."""
    query = params.parse("documents", FILTERS, request.args)
    page = documents.list_documents(_actor(), query)
    return jsonify(envelope(page, documents.present(page.items)))


@bp.route("/documents", methods=["POST"])
def documents_create():
    """Start a document at revision 1; with no markdown, from its template in principles/."""
    documents.authorise_write(_actor())
    doc = documents.create_document(_actor(), body())
    return jsonify(documents.present([doc])[0]), 201


@bp.route("/documents/<int:record_id>", methods=["GET"])
def documents_get(record_id: int):
    """One document, with whether both sides agreed its current revision."""
    doc = documents.get_document(_actor(), check_id(record_id))
    return jsonify(documents.present([doc])[0])


@bp.route("/documents/<int:record_id>", methods=["PATCH"])
def documents_update(record_id: int):
    """Change the title, or a notification's arrangement, recipient and dates."""
    documents.get_document(_actor(), check_id(record_id))
    documents.authorise_write(_actor())
    doc = documents.update_document(_actor(), record_id, body())
    return jsonify(documents.present([doc])[0])


@bp.route("/documents/<int:record_id>/revisions", methods=["GET"])
def revisions_list(record_id: int):
    """Every revision of a document, newest first."""
    query = params.parse("document-revisions", (), request.args)
    found = documents.revisions(_actor(), check_id(record_id))
    return jsonify(page_json(in_pages(found, query), documents.present_revision))


@bp.route("/documents/<int:record_id>/revisions", methods=["POST"])
def revisions_create(record_id: int):
    """A new revision on top of base_revision: 201; the same text again: 200 with the current
    revision; a base_revision that is not current: 409 and nothing is saved."""
    documents.get_document(_actor(), check_id(record_id))
    documents.authorise_write(_actor())
    rev, made = documents.add_revision(_actor(), record_id, body())
    return jsonify(documents.present_revision(rev)), (201 if made else 200)


@bp.route("/documents/<int:record_id>/revisions/<int:number>", methods=["GET"])
def revisions_get(record_id: int, number: int):
    """One revision: its Markdown, sanitised HTML, SHA-256, author, time and note."""
    rev = documents.get_revision(_actor(), check_id(record_id), check_id(number))
    return jsonify(documents.present_revision(rev))


@bp.route("/documents/<int:record_id>/revisions/<int:number>/agreements", methods=["GET"])
def agreements_list(record_id: int, number: int):
    """The agreements of one revision."""
    query = params.parse("document-agreements", (), request.args)
    found = agreements.agreements_of(_actor(), check_id(record_id), check_id(number))
    return jsonify(page_json(in_pages(found, query), _agreement))


@bp.route("/documents/<int:record_id>/revisions/<int:number>/agreements", methods=["POST"])
def agreements_create(record_id: int, number: int):
    """Agree the current revision for your side (no body needed): 201, or 200 with the
    existing agreement when your side had already agreed it."""
    doc = documents.get_document(_actor(), check_id(record_id))
    agreements.side_of(_actor(), doc)
    agreement, made = agreements.agree(_actor(), doc.id, check_id(number))
    return jsonify(_agreement(agreement)), (201 if made else 200)


def _revision_numbers(doc) -> tuple[int, int]:
    """from and to of the diff query: revision numbers; by default the last change."""
    unknown = [{"field": name, "message": f"{name} is not a query parameter of the diff"}
               for name in request.args if name not in ("from", "to")]
    defaults = {"from": max(doc.current_revision - 1, 1), "to": doc.current_revision}
    chosen, errors = {}, list(unknown)
    for name, default in defaults.items():
        raw = request.args.get(name, "")
        if raw == "":
            chosen[name] = default
        elif raw.isdecimal() and as_id(raw):
            chosen[name] = as_id(raw)
        else:
            errors.append({"field": name, "message": f"{name} must be a revision number"})
    if errors:
        raise Invalid(errors)
    return chosen["from"], chosen["to"]


@bp.route("/documents/<int:record_id>/diff", methods=["GET"])
def documents_diff(record_id: int):
    """What changed between two revisions: a unified diff and word-by-word segments."""
    doc = documents.get_document(_actor(), check_id(record_id))
    old, new = _revision_numbers(doc)
    found = documents.diff(_actor(), doc.id, old, new)
    return jsonify(schemas.DiffPublic(
        document_id=doc.id, from_revision=old, to_revision=new, unified=found.unified,
        segments=[{"kind": s.kind, "text": s.text} for s in found.segments],
    ).model_dump(mode="json"))


# ---------------------------------------------------------------- the OpenAPI document

TAG = ["Documents"]
DOC = "/api/v1/documents/{record_id}"
REV = DOC + "/revisions/{number}"
NUMBER = openapi.path_id("number", "Revision number")
REVISION_BODY = {"required": True, "content": {"application/json": {
    "schema": openapi.ref(schemas.RevisionCreate),
    "example": {"markdown": "# Working principles\n\n...", "note": "Filled in the leads",
                "base_revision": 1}}}}


def _op(op_id: str, summary: str, responses: dict, **more) -> dict:
    return {"operationId": op_id, "summary": summary, "tags": TAG, **more,
            "responses": responses}


def _with_ok(model, code: int, also: int | None, problems: tuple, many=False) -> dict:
    out = {**openapi.ok(model, code, many=many), **openapi.problems(*problems)}
    if also:
        out[str(also)] = {"description": "Nothing new was written; the existing record",
                          "content": {"application/json": {"schema": openapi.ref(model)}}}
    return out


WRITE = openapi.WRITE_PROBLEMS
LIST_QUERY = params.openapi_parameters("document-revisions", ())
openapi.EXTRA.extend([
    ("/api/v1/documents", "get", _op(
        "documents_list", "List documents", _with_ok(schemas.DocumentPublic, 200, None,
                                                     (401, 422), many=True),
        parameters=params.openapi_parameters("documents", FILTERS)), [schemas.DocumentPublic]),
    ("/api/v1/documents", "post", _op(
        "documents_create", "Start a document at revision 1 (without markdown: from its "
        "template in principles/, filled in)",
        _with_ok(schemas.DocumentPublic, 201, None, WRITE),
        requestBody=openapi.json_body(schemas.DocumentCreate)), [schemas.DocumentCreate]),
    (DOC, "get", _op("documents_get", "One document",
                     _with_ok(schemas.DocumentPublic, 200, None, (401, 404)),
                     parameters=[openapi.ID]), []),
    (DOC, "patch", _op("documents_update", "Change the title, or a notification's "
                       "arrangement, recipient, sent_on and acknowledged_on",
                       _with_ok(schemas.DocumentPublic, 200, None, (404,) + WRITE),
                       parameters=[openapi.ID],
                       requestBody=openapi.json_body(schemas.DocumentUpdate)),
     [schemas.DocumentUpdate]),
    (DOC + "/revisions", "get", _op(
        "revisions_list", "Every revision of a document, newest first",
        _with_ok(schemas.RevisionPublic, 200, None, (401, 404, 422), many=True),
        parameters=[openapi.ID] + LIST_QUERY), [schemas.RevisionPublic]),
    (DOC + "/revisions", "post", _op(
        "revisions_create", "Save a new revision on top of base_revision (409 and nothing "
        "saved when base_revision is not the current revision; 200 when the text is "
        "unchanged)", _with_ok(schemas.RevisionPublic, 201, 200, (404,) + WRITE),
        parameters=[openapi.ID], requestBody=REVISION_BODY), [schemas.RevisionCreate]),
    (REV, "get", _op("revisions_get", "One revision",
                     _with_ok(schemas.RevisionPublic, 200, None, (401, 404)),
                     parameters=[openapi.ID, NUMBER]), []),
    (REV + "/agreements", "get", _op(
        "agreements_list", "The agreements of one revision",
        _with_ok(schemas.AgreementPublic, 200, None, (401, 404, 422), many=True),
        parameters=[openapi.ID, NUMBER] + LIST_QUERY), [schemas.AgreementPublic]),
    (REV + "/agreements", "post", _op(
        "agreements_create", "Agree the current revision for your side: a ULO board member "
        "for the ULO, a commissioner for the body (403 otherwise; 409 for an older revision, "
        "a notification or a text with {{placeholders}} left)",
        _with_ok(schemas.AgreementPublic, 201, 200, (401, 403, 404, 409)),
        parameters=[openapi.ID, NUMBER]), []),
    (DOC + "/diff", "get", _op(
        "documents_diff", "What changed between two revisions",
        _with_ok(schemas.DiffPublic, 200, None, (401, 404, 422)),
        parameters=[openapi.ID] + [
            {"name": name, "in": "query", "required": False, "description": text,
             "schema": {"type": "integer", "minimum": 1}}
            for name, text in (("from", "The older revision (default: the one before the "
                                        "current)"), ("to", "The newer revision (default: "
                                                            "the current)"))]),
     [schemas.DiffPublic]),
])
