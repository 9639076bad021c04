"""The pure document toolkit: rendering, sanitising, hashing, diffs, revision files, templates."""

import hashlib
import os
import re
import subprocess
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coi.documents import (
    PLACEHOLDERS,
    BadFile,
    TamperedFile,
    diff_html,
    filename_for,
    fill,
    fill_template,
    normalise,
    parse_revision_file,
    render,
    revision_to_file,
    sha256_of,
    side_by_side,
    template_path,
    unfilled_placeholders,
    unified_diff,
    word_diff,
)

FIXTURES = Path(__file__).parent / "fixtures"
ALLOWED_TAGS = {
    "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "div", "blockquote", "pre", "code", "ul",
    "ol", "li", "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "a", "em",
    "strong", "del", "ins",
}  # fmt: skip


def payloads() -> list[str]:
    lines = (FIXTURES / "xss_payloads.txt").read_text(encoding="utf-8").splitlines()
    return [line.replace("\\n", "\n") for line in lines if line and not line.startswith("//")]


class Structure(HTMLParser):
    """Every tag and attribute of a fragment, with attribute values unescaped."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attributes, self.raw_tags = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.raw_tags.append(self.get_starttag_text().lower())
        self.attributes += [(tag, name, value or "") for name, value in attrs]

    handle_startendtag = handle_starttag


def structure(html: str) -> Structure:
    parser = Structure()
    parser.feed(html)
    parser.close()
    return parser


def scheme(url: str) -> str | None:
    """The scheme a browser would see: it drops tabs, newlines and leading controls first."""
    url = re.sub(r"[\t\n\r]", "", url).lstrip("\x00\x01\x02\x03\x04\x05\x06\x07\x08 ").lower()
    found = re.match(r"([a-z][a-z0-9+.-]*):", url)
    return found[1] if found else None


# ---------------------------------------------------------------- rendering


def test_render_keeps_headings_tables_lists_and_links():
    html = render(
        "# Roles\n\nSee [the Act](https://www.legislation.gov.uk/ukpga/2023/54) or "
        "[email us](mailto:hello@example.org), [our page](/about) and [roles](#roles).\n\n"
        "| Side | Lead |\n|:--|--:|\n| ULO | Sam |\n\n"
        "1. first\n2. *second*\n\n> **quoted** `code`\n\n---\n"
    )
    assert '<h2 id="doc-roles">Roles</h2>' in html
    assert (
        '<a href="https://www.legislation.gov.uk/ukpga/2023/54" rel="noopener noreferrer">' in html
    )
    assert 'href="mailto:hello@example.org"' in html
    assert 'href="/about"' in html
    assert 'href="#doc-roles"' in html  # in-page links follow the prefixed heading ids
    assert '<th align="left" scope="col">Side</th>' in html
    assert '<td align="right">Sam</td>' in html
    assert "<ol>" in html and "<em>second</em>" in html
    assert (
        "<blockquote>" in html and "<strong>quoted</strong>" in html and "<code>code</code>" in html
    )
    assert "<hr>" in html


def test_render_turns_images_into_links_and_never_loads_them():
    html = render('![Our logo](https://example.org/logo.png "Logo")')
    assert "<img" not in html
    assert '<a href="https://example.org/logo.png" title="Logo"' in html
    assert "Image: Our logo</a>" in html


def test_render_gives_raw_html_ids_the_prefix_too():
    html = render('<h2 id="main">Hijack the skip link</h2>')
    assert 'id="doc-main"' in html


def test_render_drops_insecure_and_unknown_url_schemes():
    html = render("[a](http://example.org) [b](ftp://example.org) [c](tel:123)")
    assert "href" not in html


def test_render_escapes_text_and_returns_markup():
    html = render("Fish & chips < 5")
    assert "Fish &amp; chips &lt; 5" in html
    assert html.__html__() == str(html)


@pytest.mark.parametrize("payload", payloads())
def test_known_xss_payload_leaves_nothing_that_can_run(payload):
    html = str(render(payload))
    found = structure(html)
    assert set(found.tags) <= ALLOWED_TAGS
    for tag, name, value in found.attributes:
        assert not name.startswith("on"), (tag, name)
        assert name not in {"style", "src", "srcdoc", "action", "formaction", "background"}
        assert scheme(value) in {None, "https", "mailto"}, (tag, name, value)
    for raw_tag in found.raw_tags:
        assert not re.search(r"\son[a-z]+\s*=", re.sub(r'="[^"]*"', '=""', raw_tag))
    lowered = html.lower()
    for bad in ("<script", "<iframe", "<style", "<form", "<meta", "<object", "<embed", "<svg"):
        assert bad not in lowered
    for bad in ("<img", "<base", "<link", "<input", "<math", "<template", "<textarea"):
        assert bad not in lowered
    assert "javascript:" not in lowered
    assert "vbscript:" not in lowered
    assert "data:" not in lowered


def test_the_corpus_is_large_enough_to_mean_something():
    assert len(payloads()) >= 30


# ---------------------------------------------------------------- hashing


def test_sha256_is_of_the_utf8_bytes_exactly_as_given():
    text = "Résumé — £5\n"
    assert sha256_of(text) == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert sha256_of("a\r\nb") != sha256_of("a\nb")


def test_normalise_turns_crlf_and_cr_into_lf_and_nothing_else():
    assert normalise("a\r\nb\rc\n  d  \t") == "a\nb\nc\n  d  \t"
    assert sha256_of(normalise("a\r\nb\r\n")) == sha256_of("a\nb\n")


def test_normalise_replaces_characters_that_cannot_be_stored():
    assert normalise("a\x00b\ud800c") == "a\ufffdb\ufffdc"


# ---------------------------------------------------------------- diffs


def test_word_diff_rebuilds_both_texts():
    old, new = "The quick brown fox.\n\nKeep.\n", "A quick red fox!\n\nKeep.\nMore\n"
    segments = word_diff(old, new)
    assert "".join(s.text for s in segments if s.kind != "insert") == old
    assert "".join(s.text for s in segments if s.kind != "delete") == new


@settings(max_examples=100, deadline=None)
@given(old=st.text(alphabet="ab <&>\n-\u2028é"), new=st.text(alphabet="ab <&>\n-\u2028é"))
def test_any_diff_rebuilds_both_texts_and_escapes_them(old, new):
    segments = word_diff(old, new)
    assert "".join(s.text for s in segments if s.kind != "insert") == old
    assert "".join(s.text for s in segments if s.kind != "delete") == new
    cells = [cell for row in side_by_side(old, new) for cell in row[:2]]
    for html in [diff_html(old, new), *cells]:
        assert set(structure(html).tags) <= {"div", "ins", "del", "span"}


def test_word_diff_marks_changed_words_and_keeps_unchanged_ones():
    segments = word_diff("The quick brown fox", "The slow red fox")
    assert [tuple(s) for s in segments] == [
        ("equal", "The "),
        ("delete", "quick brown"),
        ("insert", "slow red"),
        ("equal", " fox"),
    ]


def test_diff_html_marks_added_and_removed_words_for_screen_readers():
    html = diff_html("We will consult.\n", "We will co-produce.\n")
    assert '<del><span class="visually-hidden">removed: </span>consult</del>' in html
    assert '<ins><span class="visually-hidden">added: </span>co-produce</ins>' in html
    assert html.startswith('<div class="diff"><div class="diff-line">We will ')
    assert "style=" not in html


def test_diff_html_escapes_the_text():
    html = diff_html("Keep <b> & this\n", 'Keep <script> & that "quoted"\n')
    assert "<b>" not in html and "<script" not in html
    assert "Keep &lt;" in html and "&gt; &amp; " in html and "&#34;quoted&#34;" in html


def test_diff_html_puts_each_line_in_its_own_block():
    html = diff_html("A\n\nC\n", "A\n\nB\n\nC\n")
    assert html.count('<div class="diff-line">') == 5
    assert '<div class="diff-line"><ins><span class="visually-hidden">added: </span>B</ins>' in html


def test_diff_html_shows_a_change_that_is_only_a_line_break():
    html = diff_html("One\nTwo\n", "One Two\n")
    assert "removed: line break" in html and "¶" in html


def test_side_by_side_labels_every_row():
    rows = side_by_side("Keep\nThe quick fox\nGone away\n", "Keep\nThe slow fox\nBrand new\n")
    assert [row.kind for row in rows] == ["unchanged", "changed", "removed", "added"]
    left, right, kind = rows[1]
    assert kind == "changed"
    assert "The " in left and "removed: </span>quick</del>" in left and "<ins>" not in left
    assert "added: </span>slow</ins>" in right and "<del>" not in right
    assert rows[2].right == "" and "removed: </span>Gone away</del>" in rows[2].left
    assert rows[3].left == "" and "added: </span>Brand new</ins>" in rows[3].right


def test_side_by_side_escapes_unchanged_lines_and_shows_a_new_final_newline():
    rows = side_by_side("<b>\nEnd", "<b>\nEnd\n")
    assert rows[0] == ("&lt;b&gt;", "&lt;b&gt;", "unchanged")
    assert rows[1].kind == "changed" and "added: line break" in rows[1].right


def test_a_small_edit_in_a_long_document_changes_one_row():
    old = "\n\n".join(f"Paragraph {n} of the principles." for n in range(300)) + "\n"
    new = old.replace("Paragraph 150 of", "Paragraph 150, amended, of")
    rows = side_by_side(old, new)
    assert [row.kind for row in rows].count("changed") == 1
    assert {row.kind for row in rows} == {"unchanged", "changed"}
    assert diff_html(old, new).count("<ins>") == 1


def test_a_huge_rewritten_paragraph_is_shown_whole_rather_than_slowly():
    old, new = " ".join(["alpha beta"] * 3000), " ".join(["beta gamma"] * 3000)
    segments = word_diff(old, new)
    assert [tuple(s) for s in segments] == [("delete", old), ("insert", new)]


def test_unified_diff_can_be_applied_with_patch(tmp_path):
    old, new = "one\ntwo\nthree", "one\n2\nthree\nfour\n"
    patch = unified_diff(old, new, "rev-1.md", "rev-2.md")
    assert patch.startswith("--- rev-1.md\n+++ rev-2.md\n@@ ")
    assert "-two\n-three\n\\ No newline at end of file\n+2\n+three\n+four\n" in patch
    target = tmp_path / "doc.md"
    target.write_text(old)
    try:
        subprocess.run(["patch", str(target)], input=patch, text=True, check=True, timeout=10)
    except FileNotFoundError:
        if os.environ.get("CI"):
            pytest.fail("patch is not installed; CI must run every test")
        pytest.skip("patch is not installed")
    assert target.read_text() == new


def test_unified_diff_of_equal_texts_is_empty():
    assert unified_diff("same\n", "same\n", "a", "b") == ""


# ---------------------------------------------------------------- revision files

BODIES = [
    "# Principles\n\nText.\n",
    "# Principles\n\nNo final newline",
    "Setext heading\n---\n\n---\n\nA rule above and a '---' line below\n---\n\n\n",
    "---\nstarts with a rule\n",
    "",
    "Ünïcode — £ “quotes”\ttabs  \n",
]


def meta_for(markdown: str, **extra) -> dict:
    return {
        "document_id": 7,
        "document_kind": "working_principles",
        "title": "Working principles: Voices Together and Northshire Council",
        "ulo": "Voices Together",
        "commissioner": "Northshire Council",
        "revision": 3,
        "sha256": sha256_of(markdown),
        "author": "Sam Taylor",
        "created_at": datetime(2026, 3, 31, 14, 5, 9, 120000),
        "note": "Tightened section 6\n---\nand fixed typos: yes",
        "agreements": [
            {
                "side": "ulo",
                "by": "Ada",
                "at": datetime(2026, 4, 1, 9),
                "sha256": sha256_of(markdown),
            }
        ],
        **extra,
    }


@pytest.mark.parametrize("body", BODIES)
def test_revision_file_round_trip_is_byte_exact(body):
    text = revision_to_file(meta_for(body), body)
    assert text.endswith(body) and text.startswith("---\ndocument_id: 7\n")
    meta, markdown = parse_revision_file(text)
    assert markdown == body
    assert sha256_of(markdown) == meta["sha256"] == sha256_of(body)
    assert meta["created_at"] == "2026-03-31T14:05:09.120000Z"
    assert meta["note"] == "Tightened section 6\n---\nand fixed typos: yes"
    assert meta["agreements"] == [
        {"side": "ulo", "by": "Ada", "at": "2026-04-01T09:00:00Z", "sha256": sha256_of(body)}
    ]


@settings(max_examples=100, deadline=None)
@given(body=st.text().map(normalise), note=st.text().map(normalise), title=st.text().map(normalise))
def test_any_text_survives_export_and_import_exactly(body, note, title):
    meta = meta_for(body) | {"note": note, "title": title}
    parsed, markdown = parse_revision_file(revision_to_file(meta, body))
    assert markdown == body
    assert (parsed["note"], parsed["title"]) == (note, title)


def test_revision_file_keeps_extra_fields_after_the_standard_ones():
    body = "Dear Councillor,\n"
    text = revision_to_file(
        meta_for(body, recipient_name="Cllr Jo Bloggs", sent_on=date(2026, 4, 2)), body
    )
    head = text[4 : text.index("\n---\n")]
    keys = [line.split(":")[0] for line in head.splitlines() if line[:1].isalpha()]
    assert keys[:11] == ["document_id", "document_kind", "title", "ulo", "commissioner", "revision",
                         "sha256", "author", "created_at", "note", "agreements"]  # fmt: skip
    meta, _ = parse_revision_file(text)
    assert meta["recipient_name"] == "Cllr Jo Bloggs" and meta["sent_on"] == "2026-04-02"


def test_revision_file_survives_line_endings_converted_in_transit():
    body = "Line one\nLine two\n"
    text = revision_to_file(meta_for(body), body).replace("\n", "\r\n")
    assert parse_revision_file("\ufeff" + text)[1] == body


def test_export_refuses_a_revision_whose_stored_hash_is_wrong():
    with pytest.raises(ValueError, match="does not match"):
        revision_to_file(meta_for("a") | {"sha256": sha256_of("b")}, "a")


def test_a_tampered_body_is_refused():
    body = "The ULO may bid.\n"
    text = revision_to_file(meta_for(body), body).replace("may bid", "may not bid")
    with pytest.raises(TamperedFile, match="changed since it was exported"):
        parse_revision_file(text)


def test_an_agreement_for_another_text_is_refused():
    body = "Agreed text\n"
    meta = meta_for(body)
    meta["agreements"][0]["sha256"] = sha256_of("Other text\n")
    with pytest.raises(TamperedFile, match="agreement by Ada"):
        parse_revision_file(revision_to_file(meta, body))


def test_a_file_without_sha256_is_refused():
    body = "Text\n"
    text = revision_to_file(meta_for(body), body)
    text = re.sub(r"^sha256: .*\n", "", text, count=1, flags=re.MULTILINE)
    with pytest.raises(BadFile, match="missing: sha256"):
        parse_revision_file(text)


@pytest.mark.parametrize(
    "text, message",
    [
        ("# Just Markdown\n", "must start with front matter"),
        ("---\ntitle: no end\n", "must start with front matter"),
        ("---\n: : [\n---\nbody", "not valid YAML"),
        ("---\n- a list\n---\nbody", "key: value"),
        ("---\ndocument_id: 7\n---\nbody", "missing: document_kind"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(text, message):
    with pytest.raises(BadFile, match=message):
        parse_revision_file(text)


def test_bad_file_errors_are_value_errors():
    assert issubclass(TamperedFile, BadFile) and issubclass(BadFile, ValueError)


def test_yaml_tags_that_build_objects_are_refused():
    text = "---\n!!python/object/apply:os.system ['true']\n---\n"
    with pytest.raises(BadFile, match="not valid YAML"):
        parse_revision_file(text)


def test_filename_for_pads_numbers():
    assert filename_for(7, 3) == "document-0007-rev-003.md"
    assert filename_for(12345, 1000) == "document-12345-rev-1000.md"


# ---------------------------------------------------------------- templates

VALUES = {
    "ulo_name": "Voices Together",
    "commissioner_name": "Northshire Council",
    "arrangement_description": "A monthly reference group on day services.\n\nPaid at £150.",
    "arrangement_kind": "Formal",
    "started_on": date(2026, 1, 5),
    "ended_on": "no end date set",
    "recipient_name": "Cllr Jo\nBloggs",
    "recipient_role": "Cabinet Member for Adult Social Care",
    "today": date(2026, 3, 31),
    "review_date": date(2027, 3, 31),
}


@pytest.mark.parametrize("name", ["working_principles", "political_notification"])
def test_templates_fill_and_render_without_known_placeholders(name):
    markdown = fill_template(name, VALUES)
    assert not set(unfilled_placeholders(markdown)) & set(PLACEHOLDERS)
    assert "Voices Together" in markdown and "31 March 2027" in markdown
    html = render(markdown)
    assert not [key for key in PLACEHOLDERS if f"{{{{{key}}}}}" in html]
    assert html.startswith("<h2 ")


def test_working_principles_cover_the_law_and_the_safeguards():
    text = template_path("working_principles").read_text(encoding="utf-8")
    expected = [
        "Procurement Act 2023", "section 16", "sections 81 to 83", "regulation 41",
        "regulation 84", "ethical wall", "extending the tender period", "independent evaluation",
        "withdrawal", "publicly criticise", "75%", "lead political member",
        "Resolving disagreements", "{{review_date}}",
    ]  # fmt: skip
    assert [words for words in expected if words not in text] == []


def test_notification_fills_single_line_values_on_one_line_and_keeps_paragraphs():
    markdown = fill_template("political_notification", VALUES)
    assert "Dear Cllr Jo Bloggs," in markdown
    assert "A monthly reference group on day services.\n\nPaid at £150." in markdown
    assert "Started on:** 5 January 2026" in markdown


def test_fill_leaves_unknown_and_missing_placeholders_visible():
    text = "{{ulo_name}} / {{ ulo_name }} / {{signatory_name}} / {{ended_on}} / {{today}}"
    filled = fill(text, {"ulo_name": "V", "signatory_name": "X", "ended_on": None})
    assert filled == "V / V / {{signatory_name}} / {{ended_on}} / {{today}}"
    assert unfilled_placeholders(filled) == ["ended_on", "signatory_name", "today"]


def test_fill_does_not_expand_placeholders_inside_values():
    assert fill("{{ulo_name}}", {"ulo_name": "{{today}}", "today": "x"}) == "{{today}}"


@pytest.mark.parametrize("name", ["missing", "../coi/models", "Working_Principles", ""])
def test_template_path_refuses_unknown_names(name):
    with pytest.raises(ValueError, match="no document template"):
        template_path(name)
