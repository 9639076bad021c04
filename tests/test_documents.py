"""Documents through the services: revisions numbered and hashed, no-op and stale saves,
agreements that bind one exact revision, notifications and their dates, scoping, one audit event
per write, and the R4 / R5 flags that clear by themselves."""

import hashlib
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from coi import db
from coi.errors import Conflict, Forbidden, Invalid, NotFound
from coi.models import Agreement, AuditEvent, Flag, Revision
from coi.services import agreements, documents
from coi.services.base import ListQuery
from coi.services.documents import StaleRevision

TODAY = date.today()
FILLED = "# Working principles\n\nBoth sides agree to share what they learn.\n"


def events() -> int:
    """Audit events of documents, revisions and agreements (the rules audit their own flags)."""
    return db.session().execute(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.entity != "flag")).scalar()


def last_event() -> AuditEvent:
    return db.session().execute(select(AuditEvent).where(AuditEvent.entity != "flag")
                                .order_by(AuditEvent.seq.desc())).scalars().first()


def revision_count() -> int:
    return db.session().execute(select(func.count()).select_from(Revision)).scalar()


def principles(world, actor=None, **kw):
    data = {"kind": "working_principles", "ulo_id": world["ulo"].id,
            "commissioner_id": world["council"].id, **kw}
    return documents.create_document(actor or world["ulo_staff"], data)


def notification(world, actor=None, **kw):
    data = {"kind": "political_notification", "arrangement_id": world["arrangement"].id,
            "recipient_name": "Cllr Jo Bloggs", "recipient_role": "Cabinet Member", **kw}
    return documents.create_document(actor or world["ulo_staff"], data)


def revise(world, doc, markdown, base=None, actor=None, note="Changed"):
    return documents.add_revision(actor or world["ulo_staff"], doc.id, {
        "markdown": markdown, "note": note,
        "base_revision": base if base is not None else doc.current_revision})


def agreed_doc(world):
    """Working principles with no placeholders left, at revision 2."""
    doc = principles(world)
    revise(world, doc, FILLED)
    return documents.get_document(world["ulo_staff"], doc.id)


def is_agreed(world, doc_id) -> bool:
    [data] = documents.present([documents.get_document(world["auditor"], doc_id)])
    return data["agreed"]


# ---------------------------------------------------------------- creating


def test_a_new_document_starts_at_revision_1_from_the_template_filled_with_both_names(world):
    doc = principles(world)
    rev = documents.current_revision(doc)
    assert (doc.current_revision, rev.number) == (1, 1)
    assert doc.title == ("Working principles: Riverside Disabled People's Forum and "
                         "Riverside Council")
    assert rev.markdown.startswith("# Working principles: Riverside Disabled People's Forum "
                                   "and Riverside Council")
    assert rev.sha256 == hashlib.sha256(rev.markdown.encode("utf-8")).hexdigest()
    assert rev.author == world["ulo_staff"].name and rev.author_id == world["ulo_staff"].id
    assert "{{ulo_lead}}" in rev.markdown and "{{ulo_name}}" not in rev.markdown


def test_a_document_created_with_its_own_text_keeps_it(world):
    doc = principles(world, markdown="# Ours\r\n\r\nOur own words.", note="Imported draft",
                     title="Our principles")
    rev = documents.current_revision(doc)
    assert rev.markdown == "# Ours\n\nOur own words.\n" and rev.note == "Imported draft"
    assert doc.title == "Our principles"


def test_creating_a_document_writes_one_audit_event(world):
    before = events()
    doc = principles(world)
    assert events() == before + 1
    event = last_event()
    assert (event.action, event.entity, event.entity_id) == ("document.create", "document",
                                                             doc.id)
    assert event.after["revision"]["number"] == 1


def test_a_ulo_account_cannot_start_a_document_for_another_ulo(world):
    with pytest.raises(Invalid) as caught:
        principles(world, ulo_id=world["other_ulo"].id)
    assert "your own organisation" in caught.value.by_field()["ulo_id"]


def test_a_commissioner_can_start_principles_for_its_own_body_only(world):
    doc = principles(world, actor=world["commissioner"])
    assert doc.commissioner_id == world["council"].id
    with pytest.raises(Invalid) as caught:
        principles(world, actor=world["commissioner"], commissioner_id=world["partner"].id)
    assert "commissioner_id" in caught.value.by_field()


def test_an_auditor_cannot_start_a_document(world):
    with pytest.raises(Forbidden):
        principles(world, actor=world["auditor"])


def test_a_text_longer_than_200000_characters_is_refused(world):
    with pytest.raises(Invalid) as caught:
        principles(world, markdown="a" * 200_001)
    assert "200000 characters or fewer" in caught.value.by_field()["markdown"]


# ---------------------------------------------------------------- revisions


def test_revisions_are_numbered_in_order_and_hashed(world):
    doc = principles(world)
    second, made = revise(world, doc, "Second text")
    third, _ = revise(world, doc, "Third text", base=2)
    assert made and (second.number, third.number) == (2, 3)
    assert third.sha256 == hashlib.sha256(b"Third text\n").hexdigest()
    assert documents.get_document(world["ulo_staff"], doc.id).current_revision == 3
    numbers = [r.number for r in documents.revisions(world["ulo_staff"], doc.id)]
    assert numbers == [3, 2, 1]
    assert documents.get_revision(world["ulo_staff"], doc.id, 2).markdown == "Second text\n"


def test_a_save_that_changes_nothing_writes_no_revision_and_no_event(world):
    doc = principles(world)
    text = documents.current_revision(doc).markdown
    before = (revision_count(), events())
    rev, made = revise(world, doc, text.replace("\n", "\r\n") + "\n\n")
    assert not made and rev.number == 1
    assert (revision_count(), events()) == before


def test_stored_text_keeps_its_indentation_and_ends_with_one_newline(world):
    doc = principles(world, markdown="\n\n    indented code\n\nText  \n\n\n")
    assert documents.current_revision(doc).markdown == "    indented code\n\nText\n"


def test_a_save_based_on_an_older_revision_is_refused_and_saves_nothing(world):
    doc = principles(world)
    revise(world, doc, "Someone else's change", actor=world["commissioner"])
    before = (revision_count(), events())
    with pytest.raises(StaleRevision) as caught:
        revise(world, doc, "My change", base=1)
    assert caught.value.status == 409
    assert (caught.value.base_revision, caught.value.current) == (1, 2)
    assert (revision_count(), events()) == before


def test_a_new_revision_writes_one_audit_event(world):
    doc = principles(world)
    before = events()
    rev, _ = revise(world, doc, "New text")
    assert events() == before + 1
    event = last_event()
    assert (event.action, event.entity_id) == ("revision.create", rev.id)


def test_an_auditor_cannot_revise_and_another_ulo_cannot_see(world):
    doc = principles(world)
    with pytest.raises(Forbidden):
        revise(world, doc, "x", actor=world["auditor"])
    with pytest.raises(NotFound):
        revise(world, doc, "x", actor=world["other_staff"])
    with pytest.raises(NotFound):
        documents.get_document(world["other_commissioner"], doc.id)


def test_lists_show_each_account_only_its_organisations_documents(world):
    mine = principles(world)
    theirs = documents.create_document(world["other_staff"], {
        "kind": "working_principles", "ulo_id": world["other_ulo"].id,
        "commissioner_id": world["other_council"].id})

    def ids(actor, **filters):
        page = documents.list_documents(actor, ListQuery(filters=filters))
        return {d.id for d in page.items}

    assert ids(world["ulo_board"]) == {mine.id}
    assert ids(world["commissioner"]) == {mine.id}
    assert ids(world["auditor"]) == {mine.id, theirs.id}
    assert ids(world["auditor"], ulo_id=world["other_ulo"].id) == {theirs.id}
    assert ids(world["auditor"], agreed="no") == {mine.id, theirs.id}
    assert ids(world["auditor"], agreed="yes") == set()


# ---------------------------------------------------------------- agreements


def test_agreeing_binds_the_exact_revision_and_both_sides_make_it_agreed(world):
    doc = agreed_doc(world)
    ulo_side, made = agreements.agree(world["ulo_board"], doc.id, 2)
    assert made and (ulo_side.side, ulo_side.revision) == ("ulo", 2)
    assert ulo_side.sha256 == documents.current_revision(doc).sha256
    assert not is_agreed(world, doc.id)
    body_side, _ = agreements.agree(world["commissioner"], doc.id, 2)
    assert body_side.side == "commissioner" and body_side.by == world["commissioner"].name
    assert is_agreed(world, doc.id)


def test_a_later_revision_is_not_agreed_until_both_sides_agree_it_again(world):
    doc = agreed_doc(world)
    agreements.agree(world["ulo_board"], doc.id, 2)
    agreements.agree(world["commissioner"], doc.id, 2)
    revise(world, doc, FILLED + "\nA new paragraph.\n", base=2)
    assert not is_agreed(world, doc.id)
    agreements.agree(world["ulo_board"], doc.id, 3)
    assert not is_agreed(world, doc.id)
    agreements.agree(world["commissioner"], doc.id, 3)
    assert is_agreed(world, doc.id)
    status = agreements.status_of(doc, documents.current_agreements([doc])[doc.id])
    assert status.agreed and status.tag == "Agreed by both sides"


def test_the_status_says_which_side_agreed_by_whom_and_when(world):
    doc = agreed_doc(world)
    agreements.agree(world["ulo_board"], doc.id, 2)
    status = agreements.status_of(doc, documents.current_agreements([doc])[doc.id])
    assert status.tag == "Agreed by the ULO only"
    assert f"by {world['ulo_board'].name} on {TODAY.day} {TODAY:%B %Y}" in status.text


def test_only_the_current_revision_can_be_agreed(world):
    doc = agreed_doc(world)
    with pytest.raises(Conflict, match="only the current revision can be agreed"):
        agreements.agree(world["ulo_board"], doc.id, 1)


def test_a_text_with_placeholders_left_cannot_be_agreed(world):
    doc = principles(world)
    with pytest.raises(Conflict, match=r"\{\{ulo_lead\}\}"):
        agreements.agree(world["ulo_board"], doc.id, 1)


def test_agreeing_twice_keeps_the_first_agreement_and_writes_nothing(world):
    doc = agreed_doc(world)
    first, _ = agreements.agree(world["ulo_board"], doc.id, 2)
    before = events()
    again, made = agreements.agree(world["ulo_board"], doc.id, 2)
    assert not made and again.id == first.id and events() == before


@pytest.mark.parametrize("role", ["ulo_staff", "auditor", "admin"])
def test_only_a_board_member_or_the_bodys_commissioner_can_agree(world, role):
    doc = agreed_doc(world)
    with pytest.raises(Forbidden):
        agreements.agree(world[role], doc.id, 2)
    count = db.session().execute(select(func.count()).select_from(Agreement)).scalar()
    assert count == 0


def test_an_agreement_writes_one_audit_event(world):
    doc = agreed_doc(world)
    before = events()
    agreement, _ = agreements.agree(world["commissioner"], doc.id, 2)
    assert events() == before + 1
    event = last_event()
    assert (event.action, event.entity_id) == ("agreement.create", agreement.id)


# ---------------------------------------------------------------- notifications


def test_a_notification_is_filled_from_its_arrangement(world):
    doc = notification(world)
    text = documents.current_revision(doc).markdown
    assert (doc.ulo_id, doc.commissioner_id) == (world["ulo"].id, world["council"].id)
    assert "Partnership board seat" in text and "Cllr Jo Bloggs" in text
    assert "**Started on:** 1 April 2024" in text and "no end date set" in text
    assert doc.arrangement_id == world["arrangement"].id


def test_a_notification_needs_an_arrangement_between_the_same_two(world, make):
    with pytest.raises(Invalid) as caught:
        notification(world, arrangement_id=None, ulo_id=world["ulo"].id,
                     commissioner_id=world["council"].id)
    assert "arrangement_id" in caught.value.by_field()
    elsewhere = make.arrangement(world["ulo"], world["partner"])
    with pytest.raises(Invalid) as caught:
        notification(world, arrangement_id=elsewhere.id, ulo_id=world["ulo"].id,
                     commissioner_id=world["council"].id)
    assert "between this ULO and this" in caught.value.by_field()["arrangement_id"]


def test_a_notification_records_when_it_was_sent_and_acknowledged(world):
    doc = notification(world)
    sent = TODAY - timedelta(days=10)
    documents.update_document(world["ulo_staff"], doc.id, {"sent_on": sent.isoformat()})
    documents.update_document(world["ulo_staff"], doc.id,
                              {"acknowledged_on": TODAY.isoformat()})
    doc = documents.get_document(world["auditor"], doc.id)
    assert (doc.sent_on, doc.acknowledged_on) == (sent, TODAY)
    assert agreements.status_of(doc, {}).tag == "Sent and acknowledged"


@pytest.mark.parametrize("change, field, message", [
    ({"sent_on": "2025-05-10", "acknowledged_on": "2025-05-01"}, "acknowledged_on",
     "must not be before sent on"),
    ({"acknowledged_on": "2025-05-01"}, "acknowledged_on", "needs the date it was sent"),
    ({"sent_on": (TODAY + timedelta(days=1)).isoformat()}, "sent_on", "today or in the past"),
])
def test_notification_dates_that_make_no_sense_are_refused(world, change, field, message):
    doc = notification(world)
    with pytest.raises(Invalid) as caught:
        documents.update_document(world["ulo_staff"], doc.id, change)
    assert message in caught.value.by_field()[field]
    assert documents.get_document(world["auditor"], doc.id).sent_on is None


def test_working_principles_have_no_recipient_or_sending_dates(world):
    doc = principles(world)
    with pytest.raises(Invalid) as caught:
        documents.update_document(world["ulo_staff"], doc.id, {"sent_on": "2025-05-01"})
    assert "only for a political-member notification" in caught.value.by_field()["sent_on"]


def test_a_notification_is_sent_not_agreed(world):
    doc = notification(world)
    with pytest.raises(Conflict, match="sent, not agreed"):
        agreements.agree(world["ulo_board"], doc.id, 1)


# ---------------------------------------------------------------- the rules read these records


def flag(fingerprint: str) -> Flag | None:
    s = db.session()
    s.expire_all()
    return s.execute(select(Flag).where(Flag.fingerprint == fingerprint)).scalar_one_or_none()


def test_agreeing_by_both_sides_clears_r5_and_a_new_revision_raises_it_again(world):
    fingerprint = f"R5:u{world['ulo'].id}:c{world['council'].id}"
    assert flag(fingerprint).status == "open"
    doc = agreed_doc(world)
    agreements.agree(world["ulo_board"], doc.id, 2)
    assert flag(fingerprint).status == "open"
    agreements.agree(world["commissioner"], doc.id, 2)
    assert flag(fingerprint).status == "superseded"
    revise(world, doc, FILLED + "\nMore.\n", base=2)
    assert flag(fingerprint).status == "open"


def test_sending_a_notification_clears_r4(world):
    [found] = db.session().execute(select(Flag).where(
        Flag.rule == "R4", Flag.arrangement_id == world["arrangement"].id)).scalars().all()
    assert found.status == "open"
    doc = notification(world)
    assert flag(found.fingerprint).status == "open"  # a draft that was never sent
    documents.update_document(world["ulo_staff"], doc.id, {"sent_on": TODAY.isoformat()})
    assert flag(found.fingerprint).status == "superseded"
