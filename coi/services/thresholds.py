"""The rule thresholds an administrator may change (SPEC §4), kept in one setting.

The value is validated by the rules' own `Thresholds.from_mapping`, so the settings page, the
API and the rules can never disagree about what is allowed. Every flag keeps a copy of the
thresholds that raised it; changing them here affects evaluations from now on.
"""

from coi import access
from coi.errors import Invalid
from coi.rules import DEFAULT_THRESHOLDS, THRESHOLD_INFO, InvalidThresholds, Thresholds
from coi.services import settings

# The setting's key. coi.services.declarations_due and coi.services.charts_data read it too.
KEY = "thresholds"


def current() -> Thresholds:
    """The thresholds in force: the administrator's, or the documented defaults."""
    return from_setting(settings.get(KEY))


def from_setting(value: dict | None) -> Thresholds:
    """The thresholds a stored value of the setting gives (the defaults if unset or invalid)."""
    try:
        return Thresholds.from_mapping(dict(value or {}))
    except InvalidThresholds:
        return DEFAULT_THRESHOLDS


def describe(values: Thresholds | None = None) -> list[dict]:
    """Each threshold with its label, meaning, unit, range, value in force and default."""
    values = values or current()
    return [{"key": key, "label": info.label, "description": info.description,
             "unit": info.unit, "minimum": info.minimum, "maximum": info.maximum,
             "value": getattr(values, key), "default": getattr(DEFAULT_THRESHOLDS, key)}
            for key, info in THRESHOLD_INFO.items()]


def get_thresholds(actor) -> dict:
    """The thresholds in force, for an administrator."""
    access.require_role(actor, "admin")
    return current().as_dict()


def friendly(errors: list[dict]) -> list[dict]:
    """The rules' messages with each threshold's label in front ("Look-back window must...")."""
    out = []
    for error in errors:
        info = THRESHOLD_INFO.get(error["field"])
        message = error["message"]
        if info is not None:
            message = message.replace("band_high", f"'{THRESHOLD_INFO['band_high'].label}'")
            message = f"{info.label} {message}"
        else:
            message = f"{error['field']} {message}"
        out.append({"field": error["field"], "message": message})
    return out


def put_thresholds(actor, data) -> Thresholds:
    """Change some or all thresholds (administrators only; validated; audited)."""
    access.require_role(actor, "admin")
    if not isinstance(data, dict):
        raise Invalid([{"field": "body", "message": "Send the thresholds as an object"}])
    merged = {**current().as_dict(), **data}
    try:
        chosen = Thresholds.from_mapping(merged)
    except InvalidThresholds as exc:
        raise Invalid(friendly(exc.errors)) from None
    if chosen != current():
        settings.put(actor, KEY, chosen.as_dict())
    return chosen
