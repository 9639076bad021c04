"""The CPV -> service-area table that the OCDS import uses: the documented defaults
(docs/ocds.md) until an administrator edits it, then the stored setting "cpv_map"."""

import re
from typing import Annotated, Optional

from pydantic import Field

from coi import access, vocab
from coi.errors import Invalid
from coi.ocds.mapping import CPV_NAMES, DEFAULT_CPV
from coi.schemas import In
from coi.services import base, settings

SETTING = "cpv_map"
CODE = re.compile(r"^\d{8}$")
CpvCode = Annotated[str, Field(pattern=r"^\d{8}$", description="8 digits, like 85312300")]
AreaCode = Annotated[str, Field(min_length=1, max_length=40)]


class CpvChange(In):
    """A change to the table: each code to a service area, or null to remove it."""

    codes: dict[CpvCode, Optional[AreaCode]] = Field(
        title="CPV codes", max_length=1000,
        description="CPV code -> service-area code; null removes the code from the table")


def table() -> dict[str, str]:
    """The table in force: code -> service-area code."""
    stored = settings.get(SETTING)
    return dict(stored["codes"]) if "codes" in stored else dict(DEFAULT_CPV)


def is_default() -> bool:
    """True while nobody has changed the documented default table."""
    return "codes" not in settings.get(SETTING)


def rows() -> list[dict]:
    """The table for people: each code with its CPV name and service area's label."""
    areas = settings.service_areas()
    return [{"code": code, "name": CPV_NAMES.get(code, ""), "area": area,
             "area_label": vocab.label(areas, area)} for code, area in sorted(table().items())]


def problems(codes: dict) -> list[dict]:
    """Each code must be 8 digits and each service area a known code."""
    known, errors = settings.service_areas(), []
    for code, area in codes.items():
        if not CODE.match(str(code)):
            errors.append({"field": "codes", "message": f"{code} is not a CPV code: use its "
                           "8 digits, like 85312300"})
        elif area not in known:
            errors.append({"field": "codes", "message": f"{code}: '{area}' is not a service "
                           f"area; use one of {', '.join(known)}"})
    return errors


def save(actor, codes: dict[str, str]) -> None:
    """Replace the whole table (administrators only), audited as a setting change."""
    access.require_role(actor, "admin")
    errors = problems(codes)
    if errors:
        raise Invalid(errors)
    wanted = {"codes": dict(sorted(codes.items()))}
    if settings.get(SETTING) != wanted:  # saving the same table again writes nothing
        settings.put(actor, SETTING, wanted)


def save_lines(actor, text: str) -> None:
    """Replace the whole table from the admin page's text (administrators only); Invalid
    naming each line that cannot be read, or when no code is left."""
    access.require_role(actor, "admin")
    codes = parse_lines(text)
    if not codes:
        raise Invalid({"codes": "Give at least one CPV code and its service area"})
    save(actor, codes)


def change(actor, data) -> dict[str, str]:
    """Set or remove some codes (administrators only); answers the new table."""
    access.require_role(actor, "admin")
    payload = base.validate(CpvChange, data)
    merged = table()
    for code, area in payload.codes.items():
        if area is None:
            merged.pop(code, None)
        else:
            merged[code] = area
    save(actor, merged)
    return table()


def restore_defaults(actor) -> None:
    """Go back to the documented default table: the stored table is cleared (audited), so the
    defaults are in force and the page says so."""
    access.require_role(actor, "admin")
    if not is_default():
        settings.put(actor, SETTING, {})


def parse_lines(text: str) -> dict[str, str]:
    """The admin page's text: one "CPV-code service-area" pair per line; Invalid naming each
    line that cannot be read."""
    codes, errors = {}, []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = re.split(r"[\s,;:=]+", line)
        if len(parts) != 2:
            errors.append({"field": "codes", "message": f"Line {number}: write a CPV code, "
                           "a space, then a service-area code, like 85312300 advocacy"})
            continue
        code, area = parts[0].split("-")[0], parts[1]
        if code in codes:
            errors.append({"field": "codes", "message": f"Line {number}: {code} is already "
                           "on an earlier line"})
        codes[code] = area
    errors += problems(codes)
    if errors:
        raise Invalid(errors)
    return codes


def as_lines(codes: dict[str, str]) -> str:
    """The table as the admin page's text."""
    return "\n".join(f"{code} {area}" for code, area in sorted(codes.items()))
