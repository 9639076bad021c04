"""Revisions exported to, and read back from, Markdown files with YAML front matter.

The body is parsed by hand rather than with python-frontmatter, which strips trailing newlines:
the body after the closing `---` line must be the stored text byte for byte.
"""

import re
from datetime import UTC, date, datetime

import yaml

from coi.documents.text import normalise, sha256_of

META_KEYS = (
    "document_id", "document_kind", "title", "ulo", "commissioner", "revision", "sha256",
    "author", "created_at", "note", "agreements",
)  # fmt: skip
REQUIRED_KEYS = META_KEYS[:9]
AGREEMENT_KEYS = ("side", "by", "at", "sha256")
_FRONT_MATTER = re.compile(r"---\n(.*?)^---(?:\n|\Z)", re.DOTALL | re.MULTILINE)


class BadFile(ValueError):
    """A revision file that cannot be read: no front matter, bad YAML or missing keys."""


class TamperedFile(BadFile):
    """A revision file whose text does not match the SHA-256 recorded in its front matter."""


def utc_iso(moment: datetime) -> str:
    """UTC ISO 8601 with a Z; naive times are taken to be UTC, as the register stores them."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None).isoformat() + "Z"


def _plain(value):
    if isinstance(value, datetime):
        return utc_iso(value)
    return value.isoformat() if isinstance(value, date) else value


def revision_to_file(meta: dict, markdown: str) -> str:
    """A Markdown file with YAML front matter; the body after the second `---` line is the
    stored text byte for byte. Keys beyond META_KEYS (a notification's recipient) follow."""
    digest = sha256_of(markdown)
    if meta.get("sha256") not in (None, digest):
        raise ValueError("The stored SHA-256 does not match the stored text of this revision.")
    data = {key: _plain(meta.get(key)) for key in META_KEYS}
    data |= {key: _plain(v) for key, v in meta.items() if key not in META_KEYS}
    data["sha256"], data["note"] = digest, meta.get("note") or ""
    data["agreements"] = [
        {key: _plain(agreement.get(key)) for key in AGREEMENT_KEYS}
        for agreement in meta.get("agreements") or []
    ]
    head = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10_000)
    if yaml.safe_load(head) != data:  # U+0085, U+2028, U+2029 fold into spaces unless escaped
        head = yaml.safe_dump(data, sort_keys=False, width=10_000)
    return f"---\n{head}---\n{markdown}"


def _load_front_matter(text: str) -> tuple[dict, str]:
    found = _FRONT_MATTER.match(text)
    if not found:
        raise BadFile("The file must start with front matter between two '---' lines.")
    try:
        meta = yaml.safe_load(found[1])
    except yaml.YAMLError as err:
        raise BadFile(f"The front matter is not valid YAML: {err}") from None
    if not isinstance(meta, dict):
        raise BadFile("The front matter must be a set of 'key: value' lines.")
    return meta, text[found.end() :]


def _check_keys(meta: dict) -> None:
    missing = [key for key in REQUIRED_KEYS if meta.get(key) is None]
    if missing:
        raise BadFile("The front matter is missing: " + ", ".join(missing) + ".")
    for key in ("document_id", "revision"):
        if not isinstance(meta[key], int) or isinstance(meta[key], bool):
            raise BadFile(f"The front matter's {key} must be a whole number.")
    agreements = meta["agreements"] = meta.get("agreements") or []
    if not isinstance(agreements, list) or not all(isinstance(a, dict) for a in agreements):
        raise BadFile("The front matter's agreements must be a list of side, by, at, sha256.")
    for agreement in agreements:
        if any(agreement.get(key) is None for key in AGREEMENT_KEYS):
            raise BadFile("Each agreement needs a side, by, at and sha256.")


def parse_revision_file(text: str) -> tuple[dict, str]:
    """(meta, markdown) from revision_to_file's output. Line endings converted in transit (CRLF)
    are undone first; a body or agreement whose SHA-256 differs raises TamperedFile."""
    meta, body = _load_front_matter(normalise(text).removeprefix("\ufeff"))
    _check_keys(meta)
    digest = sha256_of(body)
    if str(meta["sha256"]).lower() != digest:
        raise TamperedFile(
            f"The text has changed since it was exported: its SHA-256 is {digest}, "
            f"but the file says {meta['sha256']}."
        )
    for agreement in meta["agreements"]:
        if str(agreement["sha256"]).lower() != digest:
            raise TamperedFile(f"The agreement by {agreement['by']} is for a different text.")
        agreement["at"] = _plain(agreement["at"])
    meta["created_at"], meta["note"] = _plain(meta["created_at"]), meta.get("note") or ""
    return meta, body


def filename_for(document_id: int, revision: int) -> str:
    """document-0007-rev-003.md"""
    return f"document-{document_id:04d}-rev-{revision:03d}.md"
