"""The Markdown templates in principles/ that documents start from, and filling them in."""

import re
from datetime import date, datetime
from pathlib import Path

from coi.dates import long_date
from coi.documents.text import normalise

PRINCIPLES_DIR = Path(__file__).resolve().parents[2] / "principles"
PLACEHOLDERS = (
    "ulo_name", "commissioner_name", "arrangement_description", "arrangement_kind",
    "started_on", "ended_on", "recipient_name", "recipient_role", "today", "review_date",
    "opportunity_title", "opportunity_reference", "engagement_title", "engagement_dates",
    "influence", "flag_reasons", "mitigations", "decision_date",
)  # fmt: skip
MULTILINE_PLACEHOLDERS = {"arrangement_description", "flag_reasons", "mitigations"}
_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def template_path(name: str) -> Path:
    """principles/<name>.md; ValueError for a name that is not a template there."""
    path = PRINCIPLES_DIR / f"{name}.md"
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name) or not path.is_file():
        raise ValueError(f"There is no document template called {name!r}.")
    return path


def _as_text(key: str, value) -> str:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return long_date(value)
    if key in MULTILINE_PLACEHOLDERS:
        return normalise(str(value)).strip()
    return re.sub(r"\s*[\r\n]+\s*", " ", str(value)).strip()


def fill(text: str, values: dict) -> str:
    """Put values into the known {{placeholders}} in one pass (so a value that contains a
    placeholder stays as typed). Unknown placeholders, and known ones given None or no value,
    stay visible for the author to fill in."""

    def replace(found: re.Match) -> str:
        key = found[1]
        if key not in PLACEHOLDERS or values.get(key) is None:
            return found[0]
        return _as_text(key, values[key])

    return _PLACEHOLDER.sub(replace, text)


def fill_template(name: str, values: dict) -> str:
    """The Markdown of principles/<name>.md with the values filled in."""
    return fill(normalise(template_path(name).read_text(encoding="utf-8")), values)


def unfilled_placeholders(markdown: str) -> list[str]:
    """The {{placeholders}} still in a text, to remind the author before it is agreed or sent."""
    return sorted(set(_PLACEHOLDER.findall(markdown)))
