"""Document pages: the list, starting a document from a template, a document at a glance
(agreement status, current text, revision history), its details and agreeing a revision.
The text pages (editing, a revision, download, compare) are in coi.web.document_texts."""

from functools import partial

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from coi import access, vocab
from coi.documents import render, unfilled_placeholders
from coi.errors import Conflict, Invalid
from coi.schemas import DocumentCreate, DocumentUpdate
from coi.services import agreements, documents
from coi.services import document_drafts as drafts
from coi.services.base import ListQuery, Page
from coi.web import document_texts, forms
from coi.web.crud import CSRF_MESSAGE
from coi.web.downloads import csv_attachment, every_page
from coi.web.filters import org_name
from coi.web.submit import submit

bp = Blueprint("documents", __name__, url_prefix="/documents")
FILTERS = {"kind": "Kind", "ulo_id": "ULO", "commissioner_id": "Commissioning body",
           "agreed": "Agreed"}
NEW_FIELDS = ("kind", "title", "ulo_id", "commissioner_id", "arrangement_id", "recipient_name",
              "recipient_role")
FOR_NOTIFICATIONS = "Only for a political-member notification"


def _actor():
    return current_user.user


@bp.app_template_global("arrangement_notifications")
def arrangement_notifications(arrangement_id: int) -> list:
    """For an arrangement's page: the notifications written about it."""
    return documents.notifications_about(_actor(), arrangement_id)


def _query() -> ListQuery:
    args = request.args
    return ListQuery(q=args.get("q", ""), page=args.get("page", 1, type=int),
                     per_page=args.get("per_page", 25, type=int),
                     filters={name: args.get(name, "") for name in FILTERS})


def _statuses(docs) -> dict:
    sides = documents.current_agreements(docs)
    return {d.id: agreements.status_of(d, sides[d.id]) for d in docs}


@bp.route("")
@login_required
def index():
    """Working principles and notifications: search, filters, pages, or all as CSV."""
    actor, query = _actor(), _query()
    if request.args.get("format") == "csv":
        return _csv(actor, query)
    errors: dict = {}
    try:
        page = documents.list_documents(actor, query)
    except Invalid as exc:
        errors = {name: f"{FILTERS.get(name, name)} must be chosen from the list"
                  for name in exc.by_field()}
        page = Page([], 0, 1, query.per_page)
    ulos, bodies = documents.parties(actor)
    return render_template("documents/index.html", page=page, query=query, errors=errors,
                           statuses=_statuses(page.items), ulos=ulos, bodies=bodies,
                           can_create=actor.role in access.WRITER_ROLES), \
        (422 if errors else 200)


CSV_HEADER = ("id", "kind", "title", "ulo", "commissioning_body", "current_revision", "agreed",
              "status", "sent_on", "acknowledged_on")


def _csv(actor, query: ListQuery) -> Response:
    return csv_attachment("documents.csv", CSV_HEADER, _csv_rows(actor, query))


def _csv_rows(actor, query: ListQuery):
    for page in every_page(partial(documents.list_documents, actor), query):
        statuses = _statuses(page.items)
        for d in page.items:
            status = statuses[d.id]
            yield (d.id, d.kind, d.title, org_name(d.ulo_id), org_name(d.commissioner_id),
                   d.current_revision, "yes" if status.agreed else "no", status.text,
                   d.sent_on, d.acknowledged_on)


def _new_fields(actor) -> list:
    ulos = [(o.id, o.name) for o in drafts.organisations(actor, "ulo")]
    bodies = [(o.id, o.name) for o in drafts.organisations(actor, "commissioner")]
    choices = {"kind": list(vocab.DOCUMENT_KINDS.items()), "ulo_id": ulos,
               "commissioner_id": bodies,
               "arrangement_id": drafts.arrangement_choices(actor)}
    overrides = {
        "title": {"required": False, "hint": "Leave empty to name it after the two "
                                             "organisations"},
        "arrangement_id": {"hint": FOR_NOTIFICATIONS + ": the arrangement it tells them about"},
        "recipient_name": {"hint": FOR_NOTIFICATIONS + ", for example Cllr Jo Bloggs"},
        "recipient_role": {"hint": FOR_NOTIFICATIONS + ", for example Cabinet Member for "
                                                       "Adult Social Care"},
    }
    omit = tuple(n for n in DocumentCreate.model_fields if n not in NEW_FIELDS)
    return forms.fields_of(DocumentCreate, overrides, choices, omit=omit)


def _new_defaults(actor, fields) -> dict:
    values = {"kind": request.args.get("kind", "")}
    for f in fields:
        wanted = request.args.get(f.name) or (
            str(actor.organisation_id or "") if f.name in ("ulo_id", "commissioner_id") else "")
        if wanted and any(v == wanted for v, _ in f.choices):
            values[f.name] = wanted
    return values


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Start a document from its template in principles/: choose the kind and the parties."""
    actor = _actor()
    documents.authorise_write(actor)
    fields = _new_fields(actor)
    errors: dict = {}
    if request.method == "POST":
        values, errors, doc = submit(fields, partial(documents.create_document, actor))
        if doc is not None:
            flash("The document was started from its template as revision 1. Fill in the "
                  "parts in {{double braces}}, then save.", "success")
            return redirect(url_for("documents.edit", record_id=doc.id))
    else:
        values = _new_defaults(actor, fields)
    return render_template("documents/new.html", fields=fields, values=values,
                           errors=errors), (422 if errors else 200)


@bp.route("/<int:record_id>")
@login_required
def show(record_id: int):
    """A document at a glance: whether its current revision is agreed and by whom, its text,
    and every revision."""
    actor = _actor()
    doc = documents.get_document(actor, record_id)
    sides = documents.current_agreements([doc])[doc.id]
    by_revision = agreements.agreements_by_revision(actor, doc.id)
    current = documents.current_revision(doc)
    return render_template(
        "documents/show.html", doc=doc, current=current, sides=sides, html=render(current.markdown),
        status=agreements.status_of(doc, sides, agreements.last_agreed(doc)),
        history=documents.revisions(actor, doc.id), by_revision=by_revision,
        placeholders=unfilled_placeholders(current.markdown),
        can_edit=actor.role in access.WRITER_ROLES,
        arrangement=drafts.describe_arrangement(actor, doc.arrangement_id),
        my_side=_my_side(actor, doc), sides_label=agreements.SIDES,
        side_titles=agreements.SIDE_TITLES)


def _my_side(actor, doc) -> str | None:
    return agreements.side_of(actor, doc) if agreements.can_agree(actor, doc) else None


def _details_fields(actor, doc) -> list:
    omit = () if doc.kind == documents.NOTIFICATION else documents.NOTIFICATION_FIELDS
    choices = {"arrangement_id": drafts.arrangement_choices(actor)}
    return forms.fields_of(DocumentUpdate, {"title": {"required": True}}, choices, omit=omit)


@bp.route("/<int:record_id>/details", methods=["GET", "POST"])
@login_required
def details(record_id: int):
    """Change the title, or a notification's recipient, arrangement and dates."""
    actor = _actor()
    doc = documents.get_document(actor, record_id)
    documents.authorise_write(actor)
    fields = _details_fields(actor, doc)
    errors: dict = {}
    if request.method == "POST":
        values, errors, saved = submit(fields, partial(documents.update_document, actor, doc.id))
        if saved is not None:
            flash("The document's details were saved.", "success")
            return redirect(url_for("documents.show", record_id=doc.id))
    else:
        values = forms.record_values(documents.present([doc])[0], fields)
    placeholders = unfilled_placeholders(documents.current_revision(doc).markdown)
    return render_template("documents/details.html", doc=doc, fields=fields, values=values,
                           errors=errors, placeholders=placeholders), (422 if errors else 200)


@bp.route("/<int:record_id>/revisions/<int:number>/agree", methods=["GET", "POST"])
@login_required
def agree(record_id: int, number: int):
    """Check, then agree one revision for your side (a board member or a commissioner)."""
    actor = _actor()
    doc = documents.get_document(actor, record_id)
    side = agreements.side_of(actor, doc)
    rev = documents.get_revision(actor, doc.id, number)
    errors: dict = {}
    if request.method == "POST":
        if g.get("csrf_failed"):
            errors = {"_form": CSRF_MESSAGE}
        else:
            try:
                agreement, made = agreements.agree(actor, doc.id, number)
                flash(f"You agreed revision {number} for {agreements.SIDES[side]}." if made else
                      f"{agreements.SIDE_TITLES[side]} had already agreed revision "
                      f"{number} ({agreement.by}); nothing changed.", "success")
                return redirect(url_for("documents.show", record_id=doc.id))
            except Conflict as exc:
                errors = {"_form": exc.detail}
    return render_template("documents/agree.html", doc=doc, rev=rev, side=side, errors=errors,
                           side_label=agreements.SIDES[side],
                           placeholders=unfilled_placeholders(rev.markdown)), \
        (409 if errors and not g.get("csrf_failed") else (422 if errors else 200))


document_texts.register(bp)
