"""Every revision as a Markdown file with front matter (document, revision, SHA-256, author,
time, agreements), and such a folder read back into the register.

Reading back checks every file before it writes anything, then writes in one transaction: a
file that cannot be read, or whose text does not match its SHA-256, names itself and nothing
is imported. Importing the same folder twice changes nothing the second time.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from coi import access, audit, db, vocab
from coi.documents import BadFile, filename_for, parse_revision_file, revision_to_file
from coi.errors import Conflict, Invalid
from coi.models import Agreement, Arrangement, Document, Organisation, Revision, User
from coi.services import base
from coi.services import documents as docs
from coi.services.names import org_names

EXTRA_KEYS = ("arrangement_id", "recipient_name", "recipient_role", "sent_on",
              "acknowledged_on")
LIMITS = {"title": 200, "author": 200, "note": 500, "ulo": 200, "commissioner": 200,
          "recipient_name": 200, "recipient_role": 200}


def revision_meta(doc: Document, rev: Revision, agreements, names: dict[int, str]) -> dict:
    """The front matter of one revision's file."""
    meta = {"document_id": doc.id, "document_kind": doc.kind, "title": doc.title,
            "ulo": names.get(doc.ulo_id), "commissioner": names.get(doc.commissioner_id),
            "revision": rev.number, "sha256": rev.sha256, "author": rev.author,
            "created_at": rev.created_at, "note": rev.note,
            "agreements": [{"side": a.side, "by": a.by, "at": a.at, "sha256": a.sha256}
                           for a in agreements if a.revision == rev.number]}
    if doc.kind == docs.NOTIFICATION:
        meta |= {key: getattr(doc, key) for key in EXTRA_KEYS}
    return meta


def _file_text(doc, rev, agreements, names) -> str:
    try:
        return revision_to_file(revision_meta(doc, rev, agreements, names), rev.markdown)
    except ValueError:
        raise Conflict(f"Revision {rev.number} of document {doc.id} does not match its "
                       "recorded SHA-256: its stored text has been changed outside the "
                       "register. Nothing was exported.") from None


def revision_file(actor, doc_id: int, number: int) -> tuple[str, str]:
    """(file name, text) of one revision as a Markdown file with front matter."""
    doc = docs.get_document(actor, doc_id)
    rev = docs.get_revision(actor, doc_id, number)
    agreements = db.session().execute(select(Agreement).where(
        Agreement.document_id == doc.id, Agreement.revision == number)).scalars().all()
    return filename_for(doc.id, number), _file_text(doc, rev, agreements, org_names(db.session()))


def export_all(actor, directory: Path) -> list[Path]:
    """Write every revision of every document the actor may see into directory."""
    s = db.session()
    directory.mkdir(parents=True, exist_ok=True)
    names, written = org_names(s), []
    found = s.execute(docs.DOCUMENTS.scope(actor, select(Document)).order_by(Document.id))
    for doc in found.scalars().all():
        revs = s.execute(select(Revision).where(Revision.document_id == doc.id)
                         .order_by(Revision.number)).scalars().all()
        agreements = s.execute(select(Agreement).where(Agreement.document_id == doc.id)
                               .order_by(Agreement.at)).scalars().all()
        for rev in revs:
            path = directory / filename_for(doc.id, rev.number)
            path.write_bytes(_file_text(doc, rev, agreements, names).encode("utf-8"))
            written.append(path)
    return written


# ---------------------------------------------------------------- reading a folder back


@dataclass
class File:
    name: str
    meta: dict
    markdown: str

    @property
    def number(self) -> int:
        """The revision number its front matter gives."""
        return self.meta["revision"]


@dataclass
class ImportReport:
    documents: int = 0
    revisions: int = 0
    revisions_skipped: int = 0
    agreements: int = 0
    agreements_skipped: int = 0
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """The counts, as the command prints them last."""
        return (f"Created {self.documents} documents, {self.revisions} revisions and "
                f"{self.agreements} agreements; skipped {self.revisions_skipped} revisions "
                f"already in the register and {self.agreements_skipped} agreements.")


def _when(value, what: str):
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        raise BadFile(f"The front matter's {what} is not a date and time.") from None


def _day(value, what: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise BadFile(f"The front matter's {what} is not a date like 2026-03-31.") from None


def _check_meta(meta: dict, markdown: str) -> None:
    """What the register needs of a file beyond a matching hash."""
    if meta["document_kind"] not in vocab.DOCUMENT_KINDS:
        raise BadFile(f"The document_kind {meta['document_kind']!r} is not one of: "
                      + ", ".join(vocab.DOCUMENT_KINDS) + ".")
    if not (1 <= meta["document_id"] <= base.MAX_ID and 1 <= meta["revision"] <= base.MAX_ID):
        raise BadFile("The document_id and revision must be whole numbers from 1.")
    for key, limit in LIMITS.items():
        value = meta.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            raise BadFile(f"The front matter's {key} must be text of {limit} characters "
                          "or fewer.")
    if not markdown.strip() or len(markdown) > docs.MAX_MARKDOWN:
        raise BadFile(f"The text must have 1 to {docs.MAX_MARKDOWN} characters.")
    meta["created_at"] = _when(meta["created_at"], "created_at")
    for agreement in meta["agreements"]:
        if agreement["side"] not in ("ulo", "commissioner"):
            raise BadFile("An agreement's side must be ulo or commissioner.")
        agreement["at"] = _when(agreement["at"], "agreement's at")
    for key in ("sent_on", "acknowledged_on"):
        meta[key] = _day(meta.get(key), key)


def read_folder(directory: Path) -> dict[int, list[File]]:
    """Every *.md file of a folder, checked, grouped by the document id in its front matter;
    Invalid naming every file that cannot be read or was tampered with."""
    if not directory.is_dir():
        raise Invalid({"directory": f"{directory} is not a folder."}, "Nothing was imported.")
    groups, errors = defaultdict(list), []
    for path in sorted(directory.glob("*.md")):
        try:
            meta, markdown = parse_revision_file(path.read_bytes().decode("utf-8"))
            _check_meta(meta, markdown)
        except (BadFile, UnicodeDecodeError) as exc:
            errors.append({"field": path.name, "message": str(exc)})
            continue
        groups[meta["document_id"]].append(File(path.name, meta, markdown))
    if not groups and not errors:
        raise Invalid({"directory": f"{directory} has no .md files to import."},
                      "Nothing was imported.")
    for files in groups.values():
        errors += _group_errors(files)
    if errors:
        raise Invalid(errors, "Nothing was imported: these files cannot be imported.")
    return {key: sorted(files, key=lambda f: f.number) for key, files in groups.items()}


def _group_errors(files: list[File]) -> list[dict]:
    """The files of one document agree on what it is, and no revision comes twice."""
    first, seen, out = files[0].meta, set(), []
    for f in files:
        same = all(f.meta[k] == first[k] for k in ("document_kind", "title", "ulo",
                                                    "commissioner"))
        if not same:
            out.append({"field": f.name, "message": f"Its title, kind, ULO or commissioning "
                        f"body differ from {files[0].name}, for the same document_id."})
        if f.number in seen:
            out.append({"field": f.name, "message": f"Revision {f.number} of document "
                        f"{first['document_id']} is in the folder twice."})
        seen.add(f.number)
    return out


def import_folder(actor, directory: Path) -> ImportReport:
    """Read a folder written by export_all back into the register: all of it, or nothing."""
    access.require_role(actor, "admin")
    groups = read_folder(directory)
    report = ImportReport()
    with base.batch() as s:
        for key in sorted(groups):
            _import_document(s, actor, groups[key], report)
    return report


def _refuse(f: File, message: str):
    raise Invalid([{"field": f.name, "message": message}],
                  "Nothing was imported: a file does not fit the register.")


def _org(s, f: File, key: str, kind: str) -> Organisation:
    org = s.execute(select(Organisation).where(Organisation.name == f.meta[key],
                                               Organisation.kind == kind)).scalars().first()
    if org is None:
        what = "ULO" if kind == "ulo" else "commissioning body"
        _refuse(f, f"There is no {what} called {f.meta[key]!r} in this register.")
    return org


def _shas(s, doc_id: int) -> dict[int, str]:
    return dict(s.execute(select(Revision.number, Revision.sha256)
                          .where(Revision.document_id == doc_id)).all())


def _match(s, files: list[File], ulo_id: int, body_id: int) -> Document | None:
    """The same document by id and names; else one with the same names whose revisions
    agree with the files (a folder imported before, under another id)."""
    meta = files[0].meta
    same = (Document.kind == meta["document_kind"], Document.title == meta["title"],
            Document.ulo_id == ulo_id, Document.commissioner_id == body_id)
    by_id = s.execute(select(Document).where(Document.id == meta["document_id"], *same))
    doc = by_id.scalar_one_or_none()
    if doc is not None:
        return doc
    for candidate in s.execute(select(Document).where(*same).order_by(Document.id)).scalars():
        shas = _shas(s, candidate.id)
        if all(shas.get(f.number, f.meta["sha256"]) == f.meta["sha256"] for f in files):
            return candidate
    return None


def _import_document(s, actor, files: list[File], report: ImportReport) -> None:
    ulo_id = _org(s, files[0], "ulo", "ulo").id
    body_id = _org(s, files[0], "commissioner", "commissioner").id
    doc = _match(s, files, ulo_id, body_id)
    if doc is None:
        doc = _new_document(s, actor, files, ulo_id, body_id, report)
    shas = _shas(s, doc.id)
    for f in files:
        if f.number in shas:
            if shas[f.number] != f.meta["sha256"]:
                _refuse(f, f"Revision {f.number} of {doc.title!r} is already in the register "
                           "with a different text.")
            report.revisions_skipped += 1
        else:
            expected = max(shas, default=0) + 1
            if f.number != expected:
                _refuse(f, f"Revision {f.number} cannot follow revision {expected - 1}: "
                           f"revision {expected} is missing.")
            _add_revision(s, actor, doc, f, report)
            shas[f.number] = f.meta["sha256"]
        _add_agreements(s, actor, doc, f, report)


def _new_document(s, actor, files, ulo_id, body_id, report) -> Document:
    meta = files[-1].meta
    doc = Document(kind=meta["document_kind"], title=meta["title"], ulo_id=ulo_id,
                   commissioner_id=body_id, current_revision=0)
    if doc.kind == docs.NOTIFICATION:
        doc.recipient_name, doc.recipient_role = meta.get("recipient_name"), \
            meta.get("recipient_role")
        doc.sent_on, doc.acknowledged_on = meta["sent_on"], meta["acknowledged_on"]
        doc.arrangement_id = _arrangement(s, meta.get("arrangement_id"), ulo_id, body_id)
        if doc.arrangement_id is None:
            report.notes.append(f"{files[0].name}: the notification is not linked to an "
                                "arrangement (none here matches it); link it on its page.")
    s.add(doc)
    s.flush()
    audit.append(s, access.actor_name(actor), "document.import", "document", doc.id, None,
                 audit.snapshot(doc))
    report.documents += 1
    return doc


def _arrangement(s, arrangement_id, ulo_id: int, body_id: int) -> int | None:
    if not isinstance(arrangement_id, int) or not 1 <= arrangement_id <= base.MAX_ID:
        return None
    found = s.get(Arrangement, arrangement_id)
    ok = found is not None and (found.ulo_id, found.commissioner_id) == (ulo_id, body_id)
    return arrangement_id if ok else None


def _add_revision(s, actor, doc: Document, f: File, report: ImportReport) -> None:
    meta = f.meta
    rev = Revision(document_id=doc.id, number=f.number, markdown=f.markdown,
                   sha256=meta["sha256"], author=meta["author"], created_at=meta["created_at"],
                   note=meta["note"] or "")
    doc.current_revision = f.number
    s.add_all([rev, doc])
    s.flush()
    audit.append(s, access.actor_name(actor), "revision.import", "revision", rev.id, None,
                 audit.snapshot(rev))
    docs.notify_rules(s, actor, "revision", rev)
    report.revisions += 1


def _add_agreements(s, actor, doc: Document, f: File, report: ImportReport) -> None:
    """Agreements not yet recorded, by an account of the right side with the same name."""
    for item in f.meta["agreements"]:
        there = s.execute(select(Agreement.id).where(
            Agreement.document_id == doc.id, Agreement.revision == f.number,
            Agreement.side == item["side"])).first()
        if there is not None:
            continue
        user = _agreer(s, doc, item["side"], item["by"])
        if user is None:
            report.agreements_skipped += 1
            report.notes.append(f"{f.name}: the agreement by {item['by']} was not imported: "
                                "no account of that name agrees for that side here.")
            continue
        agreement = Agreement(document_id=doc.id, revision=f.number, sha256=f.meta["sha256"],
                              side=item["side"], user_id=user.id, by=item["by"], at=item["at"])
        s.add(agreement)
        s.flush()
        audit.append(s, access.actor_name(actor), "agreement.import", "agreement",
                     agreement.id, None, audit.snapshot(agreement))
        docs.notify_rules(s, actor, "agreement", agreement)
        report.agreements += 1


def _agreer(s, doc: Document, side: str, name: str) -> User | None:
    role, org = ("ulo_board", doc.ulo_id) if side == "ulo" else ("commissioner",
                                                                 doc.commissioner_id)
    return s.execute(select(User).where(User.name == name, User.role == role,
                                        User.organisation_id == org)).scalars().first()
