"""Documents with immutable revisions: working principles between a ULO and a commissioning
body, and notifications to lead political members about partnership arrangements.

A document starts at revision 1 from a template in principles/. A new revision is written only
when the text changed, and only on top of the current revision: a save based on an older one is
refused (StaleRevision, 409) and saves nothing. Agreements are in coi.services.agreements.
"""

from dataclasses import dataclass

from sqlalchemy import and_, exists, not_, select

from coi import access, audit, db, vocab
from coi.documents import (
    Segment,
    diff_html,
    render,
    sha256_of,
    side_by_side,
    unfilled_placeholders,
    unified_diff,
    word_diff,
)
from coi.errors import Conflict, Invalid, NotFound
from coi.ids import is_id
from coi.models import Agreement, Document, Organisation, Revision
from coi.schemas import (
    DocumentCreate,
    DocumentPublic,
    DocumentUpdate,
    RevisionCreate,
    RevisionPublic,
)
from coi.services import base, scoping
from coi.services import document_drafts as drafts

PRINCIPLES, NOTIFICATION = drafts.PRINCIPLES, drafts.NOTIFICATION
NOTIFICATION_FIELDS = drafts.NOTIFICATION_FIELDS
MAX_MARKDOWN = 200_000


class StaleRevision(Conflict):
    """A save based on a revision that is no longer the current one; nothing was saved."""

    def __init__(self, base_revision: int, current: int):
        super().__init__(
            f"Revision {current} was saved after revision {base_revision}, which your change "
            f"started from. Nothing was saved: look at what changed in revision {current}, "
            "then save your text again on top of it.",
            [{"field": "base_revision",
              "message": f"The current revision is {current}, not {base_revision}"}])
        self.base_revision, self.current = base_revision, current


def agreed_by(side: str):
    """A clause: this side agreed the document's current revision."""
    return exists().where(Agreement.document_id == Document.id,
                          Agreement.revision == Document.current_revision,
                          Agreement.side == side)


AGREED = and_(agreed_by("ulo"), agreed_by("commissioner"))


def _agreed_filter(stmt, value):
    """yes / no from a page, true / false (or a bool) from the API."""
    wanted = {"yes": True, "true": True, True: True, "no": False, "false": False, False: False}
    if value not in wanted:
        raise ValueError(value)
    return stmt.where(AGREED if wanted[value] else not_(AGREED))


class DocumentSpec(base.RecordSpec):
    entity, label, model = "document", "document", Document
    create_schema, update_schema = DocumentCreate, DocumentUpdate
    search = ("title", "recipient_name")
    filters = {"kind": lambda stmt, v: stmt.where(Document.kind == _kind(v)),
               "ulo_id": lambda stmt, v: stmt.where(Document.ulo_id == int(v)),
               "commissioner_id": lambda stmt, v: stmt.where(Document.commissioner_id == int(v)),
               "agreed": _agreed_filter}
    order = (Document.id.desc(),)

    def scope(self, actor, stmt):
        """A ULO's accounts see its documents, a commissioner its body's, others all."""
        return scoping.by_org(actor, stmt, Document.ulo_id, Document.commissioner_id)

    def public(self, record):
        """DocumentPublic, with the current revision's agreements."""
        return present([record])[0]


def _kind(value: str) -> str:
    if value not in vocab.DOCUMENT_KINDS:
        raise ValueError(value)
    return value


DOCUMENTS = DocumentSpec()


def list_documents(actor, query: base.ListQuery) -> base.Page:
    """Documents the actor may see, searched and filtered, newest first."""
    return base.list_records(DOCUMENTS, actor, query)


def get_document(actor, doc_id: int) -> Document:
    """The document if it exists and the actor may see it, else NotFound."""
    return base.get_record(DOCUMENTS, actor, doc_id)


def parties(actor) -> tuple[list, list]:
    """The ULOs and the bodies of the documents the actor may see, as (id, name), for filters."""
    out = []
    for column in (Document.ulo_id, Document.commissioner_id):
        visible = DOCUMENTS.scope(actor, select(column).distinct()).scalar_subquery()
        out.append([tuple(r) for r in db.session().execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_(visible))
            .order_by(Organisation.name))])
    return out[0], out[1]


def notifications_about(actor, arrangement_id: int) -> list[Document]:
    """The political-member notifications the actor may see about one arrangement."""
    stmt = DOCUMENTS.scope(actor, select(Document)).where(
        Document.kind == NOTIFICATION, Document.arrangement_id == arrangement_id)
    return list(db.session().execute(stmt.order_by(Document.id)).scalars())


def current_agreements(docs) -> dict[int, dict[str, Agreement]]:
    """{document id: {side: agreement}} for the current revision of each document."""
    ids = [d.id for d in docs]
    out: dict[int, dict[str, Agreement]] = {i: {} for i in ids}
    if not ids:
        return out
    rows = db.session().execute(select(Agreement).join(Document, and_(
        Document.id == Agreement.document_id, Agreement.revision == Document.current_revision))
        .where(Document.id.in_(ids))).scalars()
    for agreement in rows:
        out[agreement.document_id][agreement.side] = agreement
    return out


def present(docs) -> list[dict]:
    """DocumentPublic for each document, with its current revision's agreements."""
    agreed = current_agreements(docs)
    out = []
    for doc in docs:
        sides = agreed[doc.id]
        data = {name: getattr(doc, name) for name in DocumentPublic.model_fields
                if name not in ("agreed", "agreements")}
        out.append(DocumentPublic(**data, agreed={"ulo", "commissioner"} <= set(sides),
                                  agreements=list(sides.values())).model_dump(mode="json"))
    return out


def present_revision(rev: Revision) -> dict:
    """RevisionPublic: the Markdown, its sanitised HTML and the placeholders left in it."""
    return RevisionPublic(document_id=rev.document_id, number=rev.number, markdown=rev.markdown,
                          html=str(render(rev.markdown)), sha256=rev.sha256, author=rev.author,
                          created_at=rev.created_at, note=rev.note,
                          unfilled_placeholders=unfilled_placeholders(rev.markdown)
                          ).model_dump(mode="json")


# ---------------------------------------------------------------- revisions, read


def revisions(actor, doc_id: int) -> list[Revision]:
    """Every revision of a document the actor may see, newest first."""
    doc = get_document(actor, doc_id)
    return list(db.session().execute(select(Revision).where(Revision.document_id == doc.id)
                                     .order_by(Revision.number.desc())).scalars())


def get_revision(actor, doc_id: int, number: int) -> Revision:
    """One revision of a document the actor may see, else NotFound."""
    doc = get_document(actor, doc_id)
    rev = find_revision(db.session(), doc.id, number)
    if rev is None:
        raise NotFound(f"Document {doc_id} has no revision {number}.")
    return rev


def find_revision(s, doc_id: int, number: int) -> Revision | None:
    """Revision number of a document in session s, or None (no access check: callers have
    loaded the document through the actor's scope)."""
    if not is_id(number):
        return None
    return s.execute(select(Revision).where(Revision.document_id == doc_id,
                                            Revision.number == number)).scalar_one_or_none()


def current_revision(doc: Document) -> Revision:
    """The document's current revision (it always has one)."""
    return find_revision(db.session(), doc.id, doc.current_revision)


@dataclass
class Diff:
    old: Revision
    new: Revision
    segments: list[Segment]

    @property
    def html(self):
        """The inline diff, with visually hidden "added: " / "removed: " words."""
        return diff_html(self.old.markdown, self.new.markdown)

    @property
    def rows(self):
        """Side-by-side rows, each with its change as a word."""
        return side_by_side(self.old.markdown, self.new.markdown)

    @property
    def unified(self) -> str:
        """A unified diff to download and apply with patch."""
        name = f"document-{self.old.document_id}"
        return unified_diff(self.old.markdown, self.new.markdown,
                            f"{name}/revision-{self.old.number}.md",
                            f"{name}/revision-{self.new.number}.md")


def diff(actor, doc_id: int, from_number: int, to_number: int) -> Diff:
    """What changed between two revisions of a document, word by word."""
    old = get_revision(actor, doc_id, from_number)
    new = get_revision(actor, doc_id, to_number)
    return Diff(old, new, word_diff(old.markdown, new.markdown))


# ---------------------------------------------------------------- writes


def authorise_write(actor) -> None:
    """Drafting and revising: the ULO's staff and board, the body's commissioners, admins
    (the document itself must be in the account's scope, which get_document checks)."""
    access.require_writer(actor)


def _raise(errors: dict) -> None:
    if errors:
        raise Invalid(errors)


def _author(actor) -> tuple[int | None, str]:
    return (None, "system") if actor is None else (actor.id, actor.name)


def create_document(actor, data) -> Document:
    """A new document at revision 1; with no text given, the template filled in for it."""
    authorise_write(actor)
    prepared = drafts.prepare(actor, data) if isinstance(data, dict) else data
    payload = base.validate(DocumentCreate, prepared).model_dump()
    payload["markdown"] = drafts.canonical(prepared["markdown"])  # validated, kept unstripped
    with base.writing() as s:
        errors: dict = {}
        drafts.check(s, actor, payload, errors)
        _raise(errors)
        doc = Document(**{k: v for k, v in payload.items() if k not in ("markdown", "note")})
        s.add(doc)
        s.flush()
        author_id, author = _author(actor)
        rev = Revision(document_id=doc.id, number=1, markdown=payload["markdown"],
                       sha256=sha256_of(payload["markdown"]), author_id=author_id,
                       author=author, note=payload["note"] or "Started from the template")
        s.add(rev)
        s.flush()
        after = audit.snapshot(doc) | {"revision": audit.snapshot(rev)}
        audit.append(s, access.actor_name(actor), "document.create", "document", doc.id,
                     None, after)
        notify_rules(s, actor, "document", doc)
    return doc


def notify_rules(s, actor, entity: str, record) -> None:
    """Re-evaluate the rules that read this record (R4 and R5), inside the same write."""
    from coi.services import evaluation
    evaluation.after_write(s, actor, entity, record)


def add_revision(actor, doc_id: int, data) -> tuple[Revision, bool]:
    """A new revision on top of the current one: (revision, True). The same text again saves
    nothing: (current revision, False). A stale base_revision raises StaleRevision."""
    get_document(actor, doc_id)
    authorise_write(actor)
    payload = base.validate(RevisionCreate, data)
    markdown = drafts.canonical(data["markdown"])  # validated above, kept unstripped
    with base.writing() as s:
        doc = s.execute(DOCUMENTS.scope(actor, select(Document).where(Document.id == doc_id))
                        .with_for_update()).scalar_one_or_none()
        if doc is None:
            raise NotFound(f"No document {doc_id}, or you may not see it.")
        if payload.base_revision != doc.current_revision:
            raise StaleRevision(payload.base_revision, doc.current_revision)
        current = find_revision(s, doc.id, doc.current_revision)
        digest = sha256_of(markdown)
        if digest == current.sha256:
            return current, False
        author_id, author = _author(actor)
        rev = Revision(document_id=doc.id, number=current.number + 1, markdown=markdown,
                       sha256=digest, author_id=author_id, author=author, note=payload.note)
        doc.current_revision = rev.number
        s.add_all([rev, doc])
        s.flush()
        audit.append(s, access.actor_name(actor), "revision.create", "revision", rev.id, None,
                     audit.snapshot(rev))
        notify_rules(s, actor, "revision", rev)
    return rev, True


def update_document(actor, doc_id: int, data) -> Document:
    """Change a document's title, or a notification's recipient, arrangement and dates."""
    get_document(actor, doc_id)
    authorise_write(actor)
    changes = base.validate(DocumentUpdate, data).model_dump(exclude_unset=True)
    if "title" in changes and changes["title"] is None:
        _raise({"title": "Title is required"})
    with base.writing() as s:
        doc = get_document(actor, doc_id)
        before = audit.snapshot(doc)
        merged = {**{name: getattr(doc, name) for name in DocumentCreate.model_fields
                     if hasattr(doc, name)}, **changes}
        errors: dict = {}
        drafts.check_notification(s, actor, merged, errors)
        _raise(errors)
        for name, value in changes.items():
            setattr(doc, name, value)
        after = audit.snapshot(doc)
        if after != before:
            s.add(doc)
            s.flush()
            audit.append(s, access.actor_name(actor), "document.update", "document", doc.id,
                         before, after)
            notify_rules(s, actor, "document", doc)
    return doc
