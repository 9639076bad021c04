"""The document toolkit: Markdown rendering and sanitising, hashing, diffs, revision files and
the templates in principles/. Pure functions over strings: no Flask, no database session."""

from coi.documents.diffs import Row, Segment, diff_html, side_by_side, unified_diff, word_diff
from coi.documents.files import (
    AGREEMENT_KEYS,
    META_KEYS,
    REQUIRED_KEYS,
    BadFile,
    TamperedFile,
    filename_for,
    parse_revision_file,
    revision_to_file,
    utc_iso,
)
from coi.documents.rendering import ID_PREFIX, render
from coi.documents.templates import (
    PLACEHOLDERS,
    PRINCIPLES_DIR,
    fill,
    fill_template,
    template_path,
    unfilled_placeholders,
)
from coi.documents.text import normalise, sha256_of

__all__ = [
    "AGREEMENT_KEYS", "ID_PREFIX", "META_KEYS", "PLACEHOLDERS", "PRINCIPLES_DIR",
    "REQUIRED_KEYS", "BadFile", "Row", "Segment", "TamperedFile", "diff_html", "filename_for",
    "fill", "fill_template", "normalise", "parse_revision_file", "render", "revision_to_file",
    "sha256_of", "side_by_side", "template_path", "unfilled_placeholders", "unified_diff",
    "utc_iso", "word_diff",
]  # fmt: skip
