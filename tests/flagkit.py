"""Helpers for the flag tests: read flags and their history, close a flag as a board would,
and record documents the way the documents service does (one write, audited, evaluated)."""

from sqlalchemy import select

from coi import audit, db, workflow
from coi.models import Agreement, AuditEvent, Document, Flag, Revision, utcnow
from coi.services import base, evaluation


def flags(**where) -> list[Flag]:
    """Every flag matching the column values, in id order, read fresh."""
    s = db.session()
    s.expire_all()
    stmt = select(Flag).order_by(Flag.id)
    for name, value in where.items():
        stmt = stmt.where(getattr(Flag, name) == value)
    return list(s.execute(stmt).scalars())


def flag(fingerprint: str) -> Flag:
    [found] = flags(fingerprint=fingerprint)
    return found


def history(flag_id: int) -> list[AuditEvent]:
    return list(db.session().execute(select(AuditEvent).where(
        AuditEvent.entity == "flag", AuditEvent.entity_id == flag_id)
        .order_by(AuditEvent.seq)).scalars())


def close(flag_id: int, outcome: str = "no_conflict") -> Flag:
    """Dismiss (or resolve) a flag as a board decision would: through the workflow, audited."""
    with base.writing() as s:
        record = s.get(Flag, flag_id)
        before = record.status
        record.status = workflow.transition(before, "decide", "ulo_board", outcome)
        s.add(record)
        s.flush()
        audit.append(s, "board@example.org", "flag.decide", "flag", record.id,
                     {"status": before}, {"status": record.status})
    return record


def document(actor, kind: str, ulo, body, **extra) -> Document:
    """A document at revision 1, recorded and evaluated as the documents service records it."""
    with base.writing() as s:
        doc = Document(kind=kind, title=f"{kind} {ulo.name}", ulo_id=ulo.id,
                       commissioner_id=body.id, **extra)
        s.add(doc)
        s.flush()
        s.add(Revision(document_id=doc.id, number=1, markdown="# Principles", sha256="0" * 64,
                       author="Test"))
        audit.append(s, "system", "document.create", "document", doc.id, None,
                     audit.snapshot(doc))
        evaluation.after_write(s, actor, "document", doc)
    return doc


def agree(actor, doc: Document, side: str, user_id: int, revision: int | None = None):
    """One side's agreement to a revision, recorded and evaluated."""
    with base.writing() as s:
        record = Agreement(document_id=doc.id, revision=revision or doc.current_revision,
                           sha256="0" * 64, side=side, user_id=user_id, by="Tester",
                           at=utcnow())
        s.add(record)
        s.flush()
        audit.append(s, "system", "agreement.create", "agreement", record.id, None,
                     audit.snapshot(record))
        evaluation.after_write(s, actor, "agreement", record)
    return record


def revise(actor, doc: Document) -> Revision:
    """A new revision of a document, which is not agreed until both sides agree it again."""
    with base.writing() as s:
        record = s.get(Document, doc.id)
        record.current_revision += 1
        revision = Revision(document_id=doc.id, number=record.current_revision,
                            markdown="# Principles, revised", sha256="1" * 64, author="Test")
        s.add_all([record, revision])
        s.flush()
        audit.append(s, "system", "revision.create", "revision", revision.id, None,
                     audit.snapshot(revision))
        evaluation.after_write(s, actor, "revision", revision)
    return revision


def update_document(actor, doc: Document, **changes) -> Document:
    """Change a document's fields (a notification's sent date), recorded and evaluated."""
    with base.writing() as s:
        record = s.get(Document, doc.id)
        before = audit.snapshot(record)
        for name, value in changes.items():
            setattr(record, name, value)
        s.add(record)
        s.flush()
        audit.append(s, "system", "document.update", "document", record.id, before,
                     audit.snapshot(record))
        evaluation.after_write(s, actor, "document", record)
    return record
