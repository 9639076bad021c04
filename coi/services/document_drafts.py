"""What a new document starts from, and what a document's fields must satisfy: the template
in principles/ filled in with what the register knows, the organisations and arrangements a
form may offer, and the checks on the parties, the arrangement and a notification's dates."""

import re
from datetime import date, timedelta

from sqlalchemy import select

from coi import access, db, vocab
from coi.dates import long_date
from coi.documents import fill_template, normalise
from coi.ids import is_id
from coi.models import Arrangement, Organisation
from coi.schemas import DocumentCreate
from coi.services import base, scoping, ulo
from coi.services.names import org_names

PRINCIPLES, NOTIFICATION = "working_principles", "political_notification"
NOTIFICATION_FIELDS = ("arrangement_id", "recipient_name", "recipient_role", "sent_on",
                       "acknowledged_on")


def canonical(markdown: str) -> str:
    """The text as it is stored: line endings normalised, no blank lines before it and no
    trailing spaces or blank lines after it, one final newline. Invisible edits at either end
    (a textarea's extra newline) then save nothing, instead of a revision both sides must
    agree again; indentation and everything between is kept exactly."""
    text = re.sub(r"\A(?:[ \t]*\n)+", "", normalise(markdown)).rstrip()
    return text + "\n" if text else ""


def organisations(actor, kind: str) -> list[Organisation]:
    """The ULOs or bodies a document may be started with: an account's own organisation on
    its own side, any current one on the other side."""
    stmt = select(Organisation).where(Organisation.kind == kind, Organisation.ended_on.is_(None))
    own_side = access.is_commissioner(actor) if kind == "commissioner" else access.is_ulo(actor)
    if own_side:
        stmt = stmt.where(Organisation.id == access.own_org(actor))
    return list(db.session().execute(stmt.order_by(Organisation.name)).scalars())


def arrangement_choices(actor) -> list[tuple[int, str]]:
    """The partnership arrangements the actor may see, described, for a notification form."""
    s = db.session()
    stmt = ulo.ARRANGEMENTS.scope(actor, select(Arrangement)).order_by(Arrangement.started_on)
    names = org_names(s)
    return [(a.id, _described(a, names)) for a in s.execute(stmt).scalars()]


def describe_arrangement(actor, arrangement_id: int | None) -> str | None:
    """One arrangement the actor may see, described as the form's choices describe it."""
    s = db.session()
    found = base.visible(s, ulo.ARRANGEMENTS, actor, arrangement_id) if arrangement_id else None
    if found is None:
        return None
    return _described(found, org_names(s, [found.ulo_id, found.commissioner_id]))


def _described(a: Arrangement, names: dict[int, str]) -> str:
    what = a.description.splitlines()[0][:60] if a.description else ""
    return (f"{vocab.label(vocab.ARRANGEMENT_KINDS, a.kind)}: {what} "
            f"({names.get(a.ulo_id)} and {names.get(a.commissioner_id)}, "
            f"since {long_date(a.started_on)})")


def check(s, actor, values: dict, errors: dict) -> None:
    """The ULO and body exist, are of the right kind and (for their accounts) their own."""
    commissioner = access.is_commissioner(actor)
    scoping.org_field_error(s, actor, errors, "ulo_id", values.get("ulo_id"), "ulo",
                            not commissioner, "the ULO")
    scoping.org_field_error(s, actor, errors, "commissioner_id", values.get("commissioner_id"),
                            "commissioner", commissioner, "the commissioning body")
    check_notification(s, actor, values, errors)


def check_notification(s, actor, values: dict, errors: dict) -> None:
    """A notification's arrangement is visible and between the same two; its dates make
    sense; working principles have none of these fields."""
    if values.get("kind") != NOTIFICATION:
        for name in NOTIFICATION_FIELDS:
            if values.get(name) is not None:
                errors.setdefault(name, f"{base.title_of(DocumentCreate, name)} is only for "
                                        "a political-member notification")
        return
    arrangement = base.visible(s, ulo.ARRANGEMENTS, actor, values.get("arrangement_id"))
    if arrangement is None:
        errors.setdefault("arrangement_id", "Choose the partnership arrangement that this "
                                            "notification is about")
    elif (arrangement.ulo_id, arrangement.commissioner_id) != (
            values.get("ulo_id"), values.get("commissioner_id")):
        errors.setdefault("arrangement_id", "Choose an arrangement between this ULO and this "
                                            "commissioning body")
    check_notification_dates(values, errors)


def check_notification_dates(values: dict, errors: dict) -> None:
    """Sent and acknowledged dates are not in the future; acknowledged needs sent, and not
    before it."""
    sent, acknowledged = values.get("sent_on"), values.get("acknowledged_on")
    for name, value in (("sent_on", sent), ("acknowledged_on", acknowledged)):
        if value is not None and value > date.today():
            errors.setdefault(name, f"{base.title_of(DocumentCreate, name)} must be today or "
                                    "in the past")
    if acknowledged is not None and sent is None:
        errors.setdefault("acknowledged_on", "Acknowledged on needs the date it was sent: "
                                             "enter sent on too")
    base.check_dates(errors, values, DocumentCreate, "sent_on", "acknowledged_on")


def prepare(actor, data: dict) -> dict:
    """Fill what the caller left out: a notification's ULO and body from its arrangement,
    a title, and the text from the template (so that a form needs no text box)."""
    data = dict(data)
    s = db.session()
    arrangement = None
    if data.get("kind") == NOTIFICATION and is_id(data.get("arrangement_id")):
        arrangement = base.visible(s, ulo.ARRANGEMENTS, actor, int(data["arrangement_id"]))
    if arrangement is not None:
        data["ulo_id"] = data.get("ulo_id") or arrangement.ulo_id
        data["commissioner_id"] = data.get("commissioner_id") or arrangement.commissioner_id
    the_ulo = _org(s, data.get("ulo_id"), "ulo")
    body = _org(s, data.get("commissioner_id"), "commissioner")
    if the_ulo is None or body is None or data.get("kind") not in vocab.DOCUMENT_KINDS:
        return data
    if not data.get("title"):
        data["title"] = default_title(data["kind"], the_ulo, body, arrangement)
    if not (isinstance(data.get("markdown"), str) and data["markdown"].strip()):
        data["markdown"] = starting_text(data["kind"], the_ulo, body, arrangement, data)
    elif isinstance(data.get("markdown"), str):
        data["markdown"] = canonical(data["markdown"])
    return data


def _org(s, org_id, kind: str) -> Organisation | None:
    if not is_id(org_id):
        return None
    org = s.get(Organisation, int(org_id))
    return org if org is not None and org.kind == kind else None


def default_title(kind: str, the_ulo, body, arrangement=None) -> str:
    """"Working principles: X and Y", or "Notification: <arrangement> (X and Y)"."""
    if kind == PRINCIPLES or arrangement is None:
        return f"{vocab.label(vocab.DOCUMENT_KINDS, kind)}: {the_ulo.name} and {body.name}"[:200]
    what = arrangement.description.splitlines()[0][:80] if arrangement.description else ""
    return f"Notification: {what} ({the_ulo.name} and {body.name})"[:200]


def starting_text(kind: str, the_ulo, body, arrangement: Arrangement | None,
                  data: dict) -> str:
    """The template in principles/ filled with what the register knows; the rest (the leads,
    contact details, signatory) stays as visible {{placeholders}} for the author."""
    today = date.today()
    values = {"ulo_name": the_ulo.name, "commissioner_name": body.name, "today": today,
              "review_date": today + timedelta(days=365),
              "recipient_name": data.get("recipient_name") or None,
              "recipient_role": data.get("recipient_role") or None}
    if arrangement is not None:
        values |= {"arrangement_description": arrangement.description,
                   "arrangement_kind": vocab.label(vocab.ARRANGEMENT_KINDS, arrangement.kind),
                   "started_on": arrangement.started_on,
                   "ended_on": arrangement.ended_on or "no end date set"}
    return canonical(fill_template(kind, values))
