"""The numbers the rules compare against: documented defaults an admin may change (SPEC §4)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields


@dataclass(frozen=True, slots=True)
class ThresholdInfo:
    """What one threshold means, for the methodology page and the admin's settings form."""

    key: str
    label: str
    description: str
    unit: str
    minimum: int
    maximum: int


THRESHOLD_INFO: dict[str, ThresholdInfo] = {
    info.key: info
    for info in (
        ThresholdInfo("r1_lookback_months", "Look-back window",
                      "How long before a tender is published or a bid submitted an engagement "
                      "still counts as shaping it.", "months", 1, 120),
        ThresholdInfo("r3_dependency_pct", "Dependency threshold",
                      "The share of a year's income from one funder (or partnership) above "
                      "which the ULO is too close to it.", "%", 1, 100),
        ThresholdInfo("r4_notification_months", "Notification interval",
                      "How often a lead political member must be told about an active "
                      "partnership arrangement.", "months", 1, 60),
        ThresholdInfo("r6_gift_months", "Gift memory",
                      "How long a gift or hospitality from a body keeps a reviewer from "
                      "deciding that body's flags.", "months", 0, 60),
        ThresholdInfo("r7_constituency_pct", "User-led share",
                      "The share of voting board members who must be drawn from the ULO's "
                      "constituency.", "%", 1, 100),
        ThresholdInfo("r8_late_days", "Declaration deadline",
                      "How many days after an interest arises it must be declared.", "days",
                      0, 365),
        ThresholdInfo("r8_declaration_months", "Declaration interval",
                      "How often every board member must declare their interests "
                      "(a nil declaration counts).", "months", 1, 60),
        ThresholdInfo("band_high", "High severity from",
                      "Scores at or above this are high severity.", "points", 1, 100),
        ThresholdInfo("band_medium", "Medium severity from",
                      "Scores at or above this (and below high) are medium severity.",
                      "points", 1, 100),
    )
}


class InvalidThresholds(ValueError):
    """Thresholds that cannot be used; `errors` says which field and why."""

    def __init__(self, errors: list[dict[str, str]]):
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The values every rule reads; the defaults are the documented ones."""

    r1_lookback_months: int = 24
    r3_dependency_pct: int = 50
    r4_notification_months: int = 12
    r6_gift_months: int = 12
    r7_constituency_pct: int = 75
    r8_late_days: int = 28
    r8_declaration_months: int = 12
    band_high: int = 60
    band_medium: int = 30

    @classmethod
    def from_mapping(cls, values: Mapping[str, object] | None) -> Thresholds:
        """The defaults overridden by `values` (an admin's setting); raises InvalidThresholds."""
        values = dict(values or {})
        errors = [{"field": key, "message": "is not a known threshold"}
                  for key in sorted(set(values) - set(THRESHOLD_INFO))]
        clean = {}
        for key in sorted(set(values) & set(THRESHOLD_INFO)):
            info, value = THRESHOLD_INFO[key], _whole_number(values[key])
            if value is None or not info.minimum <= value <= info.maximum:
                errors.append({"field": key, "message": f"must be a whole number from "
                                                        f"{info.minimum} to {info.maximum}"})
            else:
                clean[key] = value
        if errors:
            raise InvalidThresholds(errors)
        chosen = cls(**clean)
        if chosen.band_medium > chosen.band_high:
            raise InvalidThresholds([{"field": "band_medium",
                                      "message": "must not be above band_high"}])
        return chosen

    def as_dict(self) -> dict[str, int]:
        """Every threshold by key, ready for a JSON column."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def severity(self, score: int) -> str:
        """The band a score falls in: high, medium or low."""
        if score >= self.band_high:
            return "high"
        return "medium" if score >= self.band_medium else "low"


DEFAULT_THRESHOLDS = Thresholds()


def _whole_number(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None
