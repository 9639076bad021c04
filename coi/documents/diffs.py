"""Accessible diffs between two revisions: inline, side by side, and unified for download.

The HTML uses <ins>/<del> with visually hidden words and CSS classes only (diff, diff-line,
visually-hidden): no inline styles, which a strict Content-Security-Policy would block.
"""

import difflib
import re
from itertools import zip_longest
from typing import NamedTuple

from markupsafe import Markup, escape


class Segment(NamedTuple):
    kind: str  # "equal", "insert" or "delete"
    text: str


class Row(NamedTuple):
    """One line of a side-by-side diff; kind is "unchanged", "changed", "added" or "removed"."""

    left: Markup
    right: Markup
    kind: str


_TOKENS = re.compile(r"\n|[^\S\n]+|\w+|[^\w\s]")  # newline, spaces, word, punctuation
_HIDDEN = {"insert": "added: ", "delete": "removed: "}
_TAG = {"insert": "ins", "delete": "del"}


def _lines(text: str) -> list[str]:
    """Lines with their "\\n" kept (unlike str.splitlines, only "\\n" ends a line)."""
    return re.findall(r"[^\n]*\n|[^\n]+", text)


class _Budget:
    """Matching words is quadratic, so each diff may compare this many pairs of tokens in all
    (under a second at worst); past it, changed blocks are shown whole, not word by word."""

    def __init__(self, pairs: int = 4_000_000):
        self.left = pairs

    def allows(self, a: list, b: list) -> bool:
        self.left -= len(a) * len(b)
        return self.left >= 0


def _opcodes(a: list[str], b: list[str]):
    """Line opcodes keep difflib's autojunk, which stops a document's many blank lines from
    making the match cubic."""
    return difflib.SequenceMatcher(None, a, b).get_opcodes()


def _word_opcodes(a: list[str], b: list[str]):
    """Spaces are junk: they never start a match (so a long paragraph's spaces do not make it
    slow) but are taken into the matches on either side of them."""
    return difflib.SequenceMatcher(str.isspace, a, b, autojunk=False).get_opcodes()


def _word_segments(old: str, new: str, budget: _Budget) -> list[Segment]:
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    if not budget.allows(a, b):
        return [Segment(kind, text) for kind, text in (("delete", old), ("insert", new)) if text]
    out = []
    for tag, i1, i2, j1, j2 in _word_opcodes(a, b):
        if tag == "equal":
            out.append(Segment("equal", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(Segment("delete", "".join(a[i1:i2])))
        if j2 > j1:
            out.append(Segment("insert", "".join(b[j1:j2])))
    return out


def _joined(segments: list[Segment]) -> list[Segment]:
    """Fold a space between two changes into them and put each run of changes as one deletion
    then one insertion, so "the quick" -> "a slow" reads as two phrases, not four words."""
    out: list[Segment] = []
    run = {"delete": "", "insert": ""}
    for i, seg in enumerate(segments):
        between = any(run.values()) and i + 1 < len(segments) and segments[i + 1].kind != "equal"
        if seg.kind == "equal" and between and seg.text.isspace() and "\n" not in seg.text:
            run = {kind: text + seg.text for kind, text in run.items()}
        elif seg.kind != "equal":
            run[seg.kind] += seg.text
        else:
            out += [Segment(k, t) for k, t in run.items() if t] + [seg]
            run = {"delete": "", "insert": ""}
    return out + [Segment(k, t) for k, t in run.items() if t]


def word_diff(old: str, new: str) -> list[Segment]:
    """The change from old to new as equal / delete / insert segments that concatenate back to
    old (equal + delete) and to new (equal + insert); lines first, then words within lines."""
    a, b = _lines(old), _lines(new)
    segments, budget = [], _Budget()
    for tag, i1, i2, j1, j2 in _opcodes(a, b):
        old_part, new_part = "".join(a[i1:i2]), "".join(b[j1:j2])
        if tag == "equal":
            segments.append(Segment("equal", old_part))
        elif tag == "replace":
            segments += _word_segments(old_part, new_part, budget)
        else:
            segments.append(Segment(tag, old_part or new_part))
    return _joined(segments)


def _mark(kind: str, text: str) -> str:
    """<ins>/<del> with a visually hidden word, since colour and strike-through are not read."""
    if kind == "equal" or not text:
        return str(escape(text))
    tag, hidden = _TAG[kind], _HIDDEN[kind]
    return f'<{tag}><span class="visually-hidden">{hidden}</span>{escape(text)}</{tag}>'


def _break_mark(kind: str) -> str:
    """A changed line break, visible as a pilcrow and read as words."""
    tag, hidden = _TAG[kind], _HIDDEN[kind]
    return (
        f'<{tag}><span class="visually-hidden">{hidden}line break</span>'
        f'<span aria-hidden="true">¶</span></{tag}>'
    )


def _split_lines(segments: list[Segment]) -> list[tuple[list[Segment], str | None]]:
    """Segments cut at every newline (old or new): each line's pieces and how its break changed."""
    lines, pieces = [], []
    for seg in segments:
        parts = seg.text.split("\n")
        for part in parts[:-1]:
            lines.append((pieces + [Segment(seg.kind, part)], seg.kind))
            pieces = []
        pieces.append(Segment(seg.kind, parts[-1]))
    return lines + [(pieces, None)]


def _visible_change(pieces: list[Segment]) -> str | None:
    return next((p.kind for p in pieces if p.kind != "equal" and p.text.strip()), None)


def diff_html(old: str, new: str) -> Markup:
    """An inline diff, one <div class="diff-line"> per source line, for a CSS that sets
    white-space: pre-wrap on .diff-line and hides .visually-hidden for sighted readers only."""
    out, previous = [], None
    for pieces, brk in _split_lines(word_diff(old, new)):
        body = "".join(_mark(p.kind, p.text) for p in pieces if p.text)
        changed = _visible_change(pieces)
        # A changed break shows when nothing else on the line does, unless it is a blank line
        # that merely ends a paragraph added or removed just above.
        blank_after_change = not body and previous == brk
        if brk in _TAG and not changed and not blank_after_change:
            body += _break_mark(brk)
        previous = changed or (brk if brk in _TAG else None)
        out.append(f'<div class="diff-line">{body}</div>')
    if out and out[-1] == '<div class="diff-line"></div>':
        out.pop()  # the empty remainder after a final newline
    return Markup('<div class="diff">' + "".join(out) + "</div>")


def _side(segments: list[Segment], kind: str) -> Markup:
    """One side of a changed row: equal text plus this side's changes."""
    html = ""
    for seg in segments:
        if seg.kind == "equal":
            html += str(escape(seg.text.removesuffix("\n")))
        elif seg.kind == kind:
            text = seg.text.removesuffix("\n")
            html += _mark(kind, text) if text else _break_mark(kind)
    return Markup(html)


def _similar(left: str, right: str, budget: _Budget) -> bool:
    a, b = re.findall(r"\w+", left), re.findall(r"\w+", right)
    if not (a or b):
        return True
    return budget.allows(a, b) and difflib.SequenceMatcher(None, a, b).ratio() >= 0.4


def _rows_for(left: str | None, right: str | None, budget: _Budget) -> list[Row]:
    """Rows for a pair of lines (either may be None); unlike lines become removed then added."""
    if left is not None and right is not None:
        if left == right:
            text = escape(left.removesuffix("\n"))
            return [Row(text, text, "unchanged")]
        if _similar(left, right, budget):
            segments = _joined(_word_segments(left, right, budget))
            return [Row(_side(segments, "delete"), _side(segments, "insert"), "changed")]
    rows, blank = [], Markup("")
    if left is not None:
        rows.append(Row(Markup(_mark("delete", left.removesuffix("\n"))), blank, "removed"))
    if right is not None:
        rows.append(Row(blank, Markup(_mark("insert", right.removesuffix("\n"))), "added"))
    return rows


def side_by_side(old: str, new: str) -> list[Row]:
    """Rows for a two-column table (old, new) with a change kind to show as text on each row.
    Lines are matched on their text, so a final newline added or removed shows as a change."""
    a, b = _lines(old), _lines(new)
    texts = [line.removesuffix("\n") for line in a], [line.removesuffix("\n") for line in b]
    rows, budget = [], _Budget()
    for _tag, i1, i2, j1, j2 in _opcodes(*texts):
        for left, right in zip_longest(a[i1:i2], b[j1:j2]):
            rows += _rows_for(left, right, budget)
    return rows


def unified_diff(old: str, new: str, old_label: str, new_label: str) -> str:
    """A unified diff (as `diff -u` writes it) to download and apply with `patch`."""
    lines = difflib.unified_diff(_lines(old), _lines(new), old_label, new_label)
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )
