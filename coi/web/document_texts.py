"""A document's text pages: editing with a preview (no script needed) and a clear answer when
someone else saved first, one revision, its download with front matter, and comparing two
revisions. Registered on the documents blueprint by coi.web.documents."""

from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from coi.documents import diff_html, normalise, render, unfilled_placeholders
from coi.errors import Invalid, NotFound
from coi.schemas import RevisionCreate
from coi.services import agreements, document_files, documents
from coi.services.documents import StaleRevision
from coi.web import forms
from coi.web.crud import CSRF_MESSAGE
from coi.web.downloads import attachment


def _actor():
    return current_user.user


def _edit_fields() -> list:
    return forms.fields_of(RevisionCreate, {
        "markdown": {"widget": "textarea", "label": "Text (Markdown)",
                     "hint": "Use # for headings, - for lists and a blank line between "
                             "paragraphs. Replace every part in {{double braces}}."},
        "note": {"label": "What you changed", "widget": "text",
                 "hint": "A short note for the revision history"},
    }, omit=("base_revision",))


def _stale_view(actor, doc, exc: StaleRevision) -> dict:
    """What changed between the revision the editor started from and the current one."""
    current = documents.get_revision(actor, doc.id, exc.current)
    try:
        started = documents.get_revision(actor, doc.id, exc.base_revision)
    except NotFound:
        started = None
    changes = diff_html(started.markdown, current.markdown) if started else None
    return {"started": started, "current": current, "changes": changes}


def edit(record_id: int):
    """Edit the text as Markdown, preview it, and save it as a new revision with a note."""
    actor = _actor()
    doc = documents.get_document(actor, record_id)
    documents.authorise_write(actor)
    current = documents.current_revision(doc)
    fields = _edit_fields()
    errors, preview, stale, status = {}, None, None, 200
    if request.method == "GET":
        values, base = {"markdown": current.markdown, "note": ""}, current.number
        return _edit_page(doc, fields, values, base, errors, preview, stale, status)
    values, base = forms.raw_values(request.form, fields), request.form.get("base_revision", "")
    if g.get("csrf_failed"):
        errors, status = {"_form": CSRF_MESSAGE}, 422
    elif request.form.get("action") == "preview":
        preview = render(normalise(values["markdown"]))
    else:
        try:
            rev, made = documents.add_revision(actor, doc.id, {
                "markdown": values["markdown"], "note": values["note"],
                "base_revision": base or None})
            flash(f"Revision {rev.number} was saved." if made else
                  "The text is the same as the current revision, so no new revision was "
                  "saved.", "success")
            return redirect(url_for("documents.show", record_id=doc.id))
        except StaleRevision as exc:
            errors, status = {"_form": exc.detail}, 409
            stale, base = _stale_view(actor, doc, exc), exc.current
        except Invalid as exc:
            errors, status = forms.friendly(exc.by_field(), fields), 422
    return _edit_page(doc, fields, values, base, errors, preview, stale, status)


def _edit_page(doc, fields, values, base, errors, preview, stale, status):
    return render_template(
        "documents/edit.html", doc=doc, fields=fields, values=values, base=base,
        errors=errors, preview=preview, stale=stale,
        placeholders=unfilled_placeholders(normalise(values.get("markdown", "")))), status


def revision(record_id: int, number: int):
    """One revision rendered: who wrote it and when, its note, SHA-256 and agreements."""
    actor = _actor()
    doc = documents.get_document(actor, record_id)
    rev = documents.get_revision(actor, doc.id, number)
    return render_template("documents/revision.html", doc=doc, rev=rev,
                           agreed=agreements.agreements_of(actor, doc.id, number),
                           html=render(rev.markdown), sides=agreements.SIDE_TITLES,
                           placeholders=unfilled_placeholders(rev.markdown))


def download(record_id: int, number: int):
    """One revision as a Markdown file with front matter (as flask export-documents writes)."""
    name, text = document_files.revision_file(_actor(), record_id, number)
    return attachment(text.encode("utf-8"), name, "text/markdown; charset=utf-8")


def _chosen(name: str, default: int, numbers: list[int], errors: dict) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if raw.isdecimal() and int(raw) in numbers:
        return int(raw)
    errors[name] = "Choose a revision from the list"
    return default


def compare(record_id: int):
    """Two revisions compared: inline, side by side with a label on each row, or as a
    unified diff to download."""
    actor = _actor()
    doc = documents.get_document(actor, record_id)
    numbers = [r.number for r in documents.revisions(actor, doc.id)]
    errors: dict = {}
    old = _chosen("from", max(doc.current_revision - 1, 1), numbers, errors)
    new = _chosen("to", doc.current_revision, numbers, errors)
    found = documents.diff(actor, doc.id, old, new)
    if request.args.get("format") == "diff" and not errors:
        name = f"document-{doc.id:04d}-rev-{old:03d}-to-{new:03d}.diff"
        return attachment(found.unified.encode("utf-8"), name, "text/x-diff; charset=utf-8")
    return render_template("documents/compare.html", doc=doc, numbers=numbers, old=old, new=new,
                           diff=found, errors=errors), (422 if errors else 200)


def register(bp) -> None:
    """Add these pages to the documents blueprint."""
    item = "/<int:record_id>"
    rev = item + "/revisions/<int:number>"
    bp.add_url_rule(item + "/edit", "edit", login_required(edit), methods=["GET", "POST"])
    bp.add_url_rule(rev, "revision", login_required(revision))
    bp.add_url_rule(rev + "/download", "download", login_required(download))
    bp.add_url_rule(item + "/compare", "compare", login_required(compare))
