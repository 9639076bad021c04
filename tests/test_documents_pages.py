"""The document pages as a user meets them: starting from the template, editing with a preview,
a save that someone else beat, agreeing with a check first, comparing revisions, downloads,
notification dates, the list and its CSV, and Markdown that can never run script on the page."""

import re
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import g
from sqlalchemy import func, select

from coi import db
from coi.models import Revision
from coi.services import agreements, documents
from coi.services.base import ListQuery

FILLED = "# Working principles\n\nBoth sides share what they learn.\n"
FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def doc(world):
    made = documents.create_document(world["ulo_staff"], {
        "kind": "working_principles", "ulo_id": world["ulo"].id,
        "commissioner_id": world["council"].id})
    return made.id


def revise(world, doc_id, markdown, base, actor="ulo_staff"):
    return documents.add_revision(world[actor], doc_id, {"markdown": markdown, "note": "Edit",
                                                         "base_revision": base})


def text(response) -> str:
    return response.get_data(as_text=True)


def main(response) -> str:
    page = text(response)
    return page[page.index("<main"):page.index("</main>")]


def revisions() -> int:
    return db.session().execute(select(func.count()).select_from(Revision)).scalar()


def test_starting_a_document_fills_the_template_and_opens_the_editor(world, auth, client):
    auth.login(world["commissioner"])
    form = client.get("/documents/new")
    assert 'name="kind"' in text(form) and "Working principles" in text(form)
    made = client.post("/documents/new", data={
        "kind": "working_principles", "ulo_id": world["ulo"].id,
        "commissioner_id": world["council"].id})
    assert made.status_code == 302 and made.headers["Location"].endswith("/edit")
    editor = client.get(made.headers["Location"])
    assert "# Working principles: Riverside Disabled People&#39;s Forum and Riverside Council" \
        in text(editor)
    assert "This text still has parts to fill in" in text(editor)


def test_a_new_document_without_a_kind_is_refused_at_the_field(world, auth, client):
    auth.login(world["ulo_staff"])
    answer = client.post("/documents/new", data={"title": "Ours"})
    assert answer.status_code == 422
    assert "<title>Error: " in text(answer)
    assert re.search(r'<a href="#f-kind">Kind of document is required</a>', text(answer))
    assert 'value="Ours"' in text(answer)


def test_a_form_sent_without_its_csrf_token_keeps_what_was_typed_and_saves_nothing(
        app, world, auth, client, doc):
    auth.login(world["ulo_staff"])
    app.config["WTF_CSRF_ENABLED"] = True
    started = client.post("/documents/new", data={
        "kind": "working_principles", "title": "Our kept title", "ulo_id": world["ulo"].id,
        "commissioner_id": world["council"].id})
    details = client.post(f"/documents/{doc}/details", data={"title": "A new title"})
    app.config["WTF_CSRF_ENABLED"] = False
    g.pop("csrf_failed")  # the fixtures' app context outlives requests; a server's does not
    for answer, typed in ((started, "Our kept title"), (details, "A new title")):
        assert answer.status_code == 422 and typed in text(answer)
        assert "Your form was not sent" in text(answer)
    assert documents.list_documents(None, ListQuery()).total == 1
    assert documents.get_document(None, doc).title != "A new title"


def test_preview_renders_the_text_without_saving_it(world, auth, client, doc):
    auth.login(world["ulo_staff"])
    before = revisions()
    answer = client.post(f"/documents/{doc}/edit", data={
        "markdown": "# Draft\n\nA *new* paragraph.", "note": "Try", "base_revision": "1",
        "action": "preview"})
    assert answer.status_code == 200
    assert "Preview (not saved yet)" in text(answer)
    assert '<h2 id="doc-draft">Draft</h2>' in text(answer)
    assert "<em>new</em>" in text(answer) and "A *new* paragraph.</textarea>" in text(answer)
    assert revisions() == before


def test_saving_adds_a_revision_and_the_same_text_again_adds_none(world, auth, client, doc):
    auth.login(world["ulo_staff"])
    saved = client.post(f"/documents/{doc}/edit", data={
        "markdown": FILLED, "note": "Filled in", "base_revision": "1", "action": "save"},
        follow_redirects=True)
    assert "Revision 2 was saved." in text(saved)
    again = client.post(f"/documents/{doc}/edit", data={
        "markdown": FILLED.replace("\n", "\r\n"), "note": "", "base_revision": "2"},
        follow_redirects=True)
    assert "no new revision was saved" in text(again)
    assert revisions() == 2


def test_a_stale_save_keeps_my_text_and_shows_what_changed_meanwhile(world, auth, client, doc):
    revise(world, doc, FILLED, 1, actor="commissioner")
    auth.login(world["ulo_staff"])
    answer = client.post(f"/documents/{doc}/edit", data={
        "markdown": "My own careful words", "note": "Mine", "base_revision": "1",
        "action": "save"})
    assert answer.status_code == 409
    page = main(answer)
    assert "Nothing was saved" in page
    assert "What changed in revision 2 since revision 1" in page
    assert '<span class="visually-hidden">added: </span>Both sides share what they learn' in page
    assert '<span class="visually-hidden">removed: </span>' in page
    assert "My own careful words</textarea>" in page
    assert 'name="base_revision" value="2"' in page
    assert revisions() == 2


def test_markdown_that_tries_to_run_script_is_sanitised_on_the_page(world, auth, client, doc):
    lines = (FIXTURES / "xss_payloads.txt").read_text(encoding="utf-8").splitlines()
    payloads = [p.replace("\\n", "\n") for p in lines if p and not p.startswith("//")]
    revise(world, doc, "\n\n".join(payloads), 1)
    auth.login(world["ulo_board"])
    for url in (f"/documents/{doc}", f"/documents/{doc}/revisions/2"):
        page = text(client.get(url))
        region = page[page.index('class="markdown-body'):page.index("</main>")]
        found = Tags()
        found.feed(region)
        assert not {"script", "iframe", "svg", "img", "object", "embed", "style", "form",
                    "input", "base", "meta", "link"} & found.tags
        assert not [a for a in found.attributes if a[0].startswith("on") or a[0] in (
            "style", "src", "srcdoc", "formaction", "xlink:href")]
        hrefs = [v for name, v in found.attributes if name == "href"]
        assert all(re.match(r"(https:|mailto:|#|/|[^:]*$)", h.strip().lower()) for h in hrefs)


class Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attributes = set(), []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes += [(name, value or "") for name, value in attrs]


def test_the_document_says_at_a_glance_who_agreed(world, auth, client, doc):
    revise(world, doc, FILLED, 1)
    auth.login(world["ulo_staff"])
    page = main(client.get(f"/documents/{doc}"))
    assert "Not agreed" in page and "/agree" not in page  # staff draft but do not agree
    auth.login(world["ulo_board"])
    check = client.get(f"/documents/{doc}/revisions/2/agree")
    assert "Check before you agree revision 2" in text(check)
    assert documents.current_revision(documents.get_document(None, doc)).sha256 in text(check)
    done = client.post(f"/documents/{doc}/revisions/2/agree", follow_redirects=True)
    today = date.today()
    assert "Agreed by the ULO only" in text(done)
    assert f"by {world['ulo_board'].name} on {today.day} {today:%B %Y}" in text(done)
    auth.login(world["commissioner"])
    client.post(f"/documents/{doc}/revisions/2/agree")
    assert "Agreed by both sides" in text(client.get(f"/documents/{doc}"))


def test_a_text_with_blanks_cannot_be_agreed_from_the_page(world, auth, client, doc):
    auth.login(world["ulo_board"])
    check = text(client.get(f"/documents/{doc}/revisions/1/agree"))
    assert "This text still has parts to fill in" in check and "<code>{{ulo_lead}}</code>" in check
    assert "Agree revision 1</button>" not in check
    refused = client.post(f"/documents/{doc}/revisions/1/agree")
    assert refused.status_code == 409 and "still has placeholders" in text(refused)
    assert agreements.agreements_of(None, doc) == []


def test_compare_shows_changes_in_words_and_a_labelled_side_by_side(world, auth, client, doc):
    revise(world, doc, FILLED, 1)
    revise(world, doc, FILLED.replace("share", "publish"), 2)
    auth.login(world["auditor"])
    page = main(client.get(f"/documents/{doc}/compare?from=2&to=3"))
    assert '<del><span class="visually-hidden">removed: </span>share</del>' in page
    assert '<ins><span class="visually-hidden">added: </span>publish</ins>' in page
    assert '<th scope="row">Changed</th>' in page and '<th scope="row">Unchanged</th>' in page
    download = client.get(f"/documents/{doc}/compare?from=2&to=3&format=diff")
    assert download.headers["Content-Disposition"].endswith('-rev-002-to-003.diff"')
    assert "+Both sides publish what they learn." in text(download)
    for nonsense in ("9", "%C2%B2"):  # ² is a digit to isdigit() but not to int()
        bad = client.get(f"/documents/{doc}/compare?from={nonsense}")
        assert bad.status_code == 422 and "Choose a revision from the list" in text(bad)


def test_a_revision_downloads_as_markdown_with_front_matter(world, auth, client, doc):
    revise(world, doc, FILLED, 1)
    auth.login(world["commissioner"])
    page = text(client.get(f"/documents/{doc}/revisions/2"))
    assert "Revision 2 (current)" in page and world["ulo_staff"].name in page
    got = client.get(f"/documents/{doc}/revisions/2/download")
    assert got.headers["Content-Disposition"] == \
        f'attachment; filename="document-{doc:04d}-rev-002.md"'
    body = text(got)
    assert body.startswith(f"---\ndocument_id: {doc}\n") and body.endswith("---\n" + FILLED)


def test_notification_dates_are_recorded_and_checked_on_the_page(world, auth, client):
    note = documents.create_document(world["ulo_staff"], {
        "kind": "political_notification", "arrangement_id": world["arrangement"].id})
    auth.login(world["ulo_staff"])
    sent = date.today() - timedelta(days=7)
    early = sent - timedelta(days=1)

    def form(ack):
        return {"title": note.title, "arrangement_id": str(world["arrangement"].id),
                "recipient_name": "Cllr Jo Bloggs", "recipient_role": "Cabinet Member",
                "sent_on-day": sent.day, "sent_on-month": sent.month, "sent_on-year": sent.year,
                "acknowledged_on-day": ack.day, "acknowledged_on-month": ack.month,
                "acknowledged_on-year": ack.year}

    bad = client.post(f"/documents/{note.id}/details", data=form(early))
    assert bad.status_code == 422
    assert "Acknowledged on must not be before sent on" in text(bad)
    ok = client.post(f"/documents/{note.id}/details", data=form(date.today()),
                     follow_redirects=True)
    assert "Sent and acknowledged" in text(ok) and "Cllr Jo Bloggs" in text(ok)


def test_the_list_filters_by_agreement_and_exports_safe_csv(world, auth, client, doc):
    documents.update_document(world["ulo_staff"], doc, {"title": "=HYPERLINK(\"x\")"})
    auth.login(world["ulo_board"])
    listed = text(client.get("/documents?agreed=no"))
    assert "=HYPERLINK" in listed and "Not agreed" in listed
    assert "1 document." in text(client.get("/documents?kind=working_principles"))
    assert "0 documents." in text(client.get("/documents?agreed=yes"))
    csv = client.get("/documents?format=csv")
    assert csv.mimetype == "text/csv"
    rows = text(csv).lstrip("\ufeff").splitlines()
    assert rows[0].startswith("id,kind,title,ulo,commissioning_body")
    assert "'=HYPERLINK" in rows[1]
    bad = client.get("/documents?agreed=maybe")
    assert bad.status_code == 422


def test_an_arrangement_page_lists_its_notifications_and_starts_one(world, auth, client):
    arrangement = world["arrangement"].id
    auth.login(world["ulo_board"])
    page = text(client.get(f"/arrangements/{arrangement}"))
    assert "No notification about this arrangement has been written yet" in page
    link = re.search(r'href="(/documents/new\?[^"]+)"', page)[1].replace("&amp;", "&")
    form = text(client.get(link))
    assert re.search(r'value="political_notification" checked', form)
    assert re.search(rf'<option value="{arrangement}" selected>', form)
    made = client.post("/documents/new", data={
        "kind": "political_notification", "arrangement_id": arrangement,
        "ulo_id": world["ulo"].id, "commissioner_id": world["council"].id,
        "recipient_name": "Cllr Jo Bloggs"})
    assert made.status_code == 302
    shown = text(client.get(made.headers["Location"].removesuffix("/edit")))
    assert re.search(r"Partnership arrangement</dt><dd[^>]*><a [^>]+>[^<]*Riverside Disabled "
                     r"People&#39;s Forum and Riverside Council, since \d+ \w+ \d{4}\)", shown)
    page = text(client.get(f"/arrangements/{arrangement}"))
    assert "Cllr Jo Bloggs" in page and "Not sent yet" in page
