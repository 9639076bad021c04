"""Agreeing a revision of working principles: a board member of the ULO for the ULO's side, a
commissioner of the body for the body's side. An agreement binds that exact revision (its
SHA-256); a later revision is not agreed until both sides agree it again.

Decisions: only the current revision can be agreed (an older one is history); a text that
still has {{placeholders}} cannot be agreed (409: fill them in first), because an agreement
binds every word; agreeing again for the same side is idempotent (the first agreement stands
and nothing new is written); a notification is sent, not agreed.
"""

from dataclasses import dataclass

from sqlalchemy import select

from coi import access, audit, db
from coi.dates import long_date
from coi.documents import unfilled_placeholders
from coi.errors import Conflict, Forbidden, NotFound
from coi.models import Agreement, Document, Revision
from coi.services import base
from coi.services import documents as docs

SIDES = {"ulo": "the ULO", "commissioner": "the commissioning body"}
SIDE_TITLES = {"ulo": "The ULO", "commissioner": "The commissioning body"}


def side_of(actor, doc: Document) -> str:
    """'ulo' for a board member of the document's ULO, 'commissioner' for a commissioner of
    its body; anyone else may not agree (Forbidden, with the reason)."""
    if actor is not None and actor.role == "ulo_board" and actor.organisation_id == doc.ulo_id:
        return "ulo"
    if (actor is not None and actor.role == "commissioner"
            and actor.organisation_id == doc.commissioner_id):
        return "commissioner"
    if actor is not None and actor.role == "ulo_staff":
        raise Forbidden("Only a board member of the ULO can agree a document for the ULO.")
    raise Forbidden("Only a board member of the ULO, or a commissioner of the commissioning "
                    "body, can agree a document.")


def can_agree(actor, doc: Document) -> bool:
    """Whether this account agrees for one side of this document."""
    try:
        side_of(actor, doc)
    except Forbidden:
        return False
    return doc.kind == docs.PRINCIPLES


def agreements_of(actor, doc_id: int, number: int | None = None) -> list[Agreement]:
    """The agreements of a document (of one revision when number is given), oldest first."""
    doc = docs.get_document(actor, doc_id)
    stmt = select(Agreement).where(Agreement.document_id == doc.id)
    if number is not None:
        docs.get_revision(actor, doc_id, number)
        stmt = stmt.where(Agreement.revision == number)
    return list(db.session().execute(stmt.order_by(Agreement.revision, Agreement.at))
                .scalars())


def agreements_by_revision(actor, doc_id: int) -> dict[int, list[Agreement]]:
    """A document's agreements grouped by revision number, oldest first in each."""
    out: dict[int, list[Agreement]] = {}
    for agreement in agreements_of(actor, doc_id):
        out.setdefault(agreement.revision, []).append(agreement)
    return out


def agree(actor, doc_id: int, number: int) -> tuple[Agreement, bool]:
    """Agree the current revision for the actor's side: (agreement, True); if that side had
    already agreed it, (that agreement, False) and nothing is written."""
    side = side_of(actor, docs.get_document(actor, doc_id))
    with base.writing() as s:
        doc = docs.get_document(actor, doc_id)
        rev = _agreeable(s, doc, number)
        existing = s.execute(select(Agreement).where(
            Agreement.document_id == doc.id, Agreement.revision == rev.number,
            Agreement.side == side)).scalar_one_or_none()
        if existing is not None:
            return existing, False
        agreement = Agreement(document_id=doc.id, revision=rev.number, sha256=rev.sha256,
                              side=side, user_id=actor.id, by=actor.name)
        s.add(agreement)
        s.flush()
        audit.append(s, access.actor_name(actor), "agreement.create", "agreement",
                     agreement.id, None, audit.snapshot(agreement))
        docs.notify_rules(s, actor, "agreement", agreement)
    return agreement, True


def _agreeable(s, doc: Document, number: int) -> Revision:
    """The revision to agree: it exists, is current, is working principles, has no blanks."""
    if doc.kind != docs.PRINCIPLES:
        raise Conflict("A political-member notification is sent, not agreed: record the date "
                       "it was sent instead.")
    rev = docs.find_revision(s, doc.id, number)
    if rev is None:
        raise NotFound(f"Document {doc.id} has no revision {number}.")
    if rev.number != doc.current_revision:
        raise Conflict(f"Revision {number} is not the current revision (revision "
                       f"{doc.current_revision} is): only the current revision can be agreed.")
    blanks = unfilled_placeholders(rev.markdown)
    if blanks:
        names = ", ".join("{{" + b + "}}" for b in blanks)
        raise Conflict(f"Revision {number} still has placeholders to fill in ({names}). "
                       "Edit the text to fill them in, then agree the new revision.")
    return rev


@dataclass
class Status:
    """At a glance: is the current revision agreed, and by whom."""

    agreed: bool
    text: str
    tag: str  # the tag's words
    tag_kind: str  # a CSS modifier: low (agreed), medium (one side), grey (neither)


def last_agreed(doc: Document) -> int | None:
    """The latest revision of a document that both sides agreed, if any."""
    rows = db.session().execute(select(Agreement.revision, Agreement.side).where(
        Agreement.document_id == doc.id)).all()
    both = [n for n in {r for r, _ in rows} if {"ulo", "commissioner"} <= {
        side for r, side in rows if r == n}]
    return max(both, default=None)


def status_of(doc: Document, sides: dict[str, Agreement], previous: int | None = None) -> Status:
    """The words for a document's agreement (or, for a notification, sending) status;
    previous is the last revision both sides agreed, to say that a newer one needs agreeing."""
    if doc.kind != docs.PRINCIPLES:
        return _notification_status(doc)
    ulo, body = sides.get("ulo"), sides.get("commissioner")
    if ulo and body:
        return Status(True, f"Agreed by both sides: the ULO ({_by(ulo)}) and the "
                            f"commissioning body ({_by(body)}).", "Agreed by both sides", "low")
    if ulo or body:
        one = ulo or body
        who = "the ULO" if ulo else "the commissioning body"
        other = "the commissioning body" if ulo else "the ULO"
        return Status(False, f"Agreed by {who} only ({_by(one)}); waiting for {other}.",
                      f"Agreed by {who} only", "medium")
    earlier = (f" Revision {previous} was agreed by both sides; a changed text needs both "
               "sides to agree it again." if previous and previous != doc.current_revision
               else "")
    return Status(False, f"Revision {doc.current_revision} is not agreed by either side yet."
                  + earlier, "Not agreed", "grey")


def _by(agreement: Agreement) -> str:
    return f"by {agreement.by} on {long_date(agreement.at.date())}"


def _notification_status(doc: Document) -> Status:
    if doc.sent_on is None:
        return Status(False, "Not sent yet.", "Not sent", "grey")
    if doc.acknowledged_on is None:
        return Status(False, f"Sent on {long_date(doc.sent_on)}; not acknowledged yet.",
                      "Sent, not acknowledged", "medium")
    return Status(True, f"Sent on {long_date(doc.sent_on)} and acknowledged on "
                        f"{long_date(doc.acknowledged_on)}.", "Sent and acknowledged", "low")
