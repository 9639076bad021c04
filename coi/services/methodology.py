"""The methodology page's content: each rule, its version and its current thresholds."""

from coi.rules import RULES, SEVERITY_EXPLANATION, THRESHOLD_INFO, rule_thresholds
from coi.services import thresholds


def _value(value: int, unit: str) -> str:
    return f"{value}%" if unit == "%" else f"{value} {unit}"


def describe() -> list[dict]:
    """Every rule in plain English: what raises it, how it is scored, its version, and the
    thresholds in force now (an administrator's, or the documented defaults)."""
    values = thresholds.current()
    out = []
    for code, info in RULES.items():
        out.append({
            "code": code, "name": info.name, "version": info.version,
            "summary": info.summary, "explanation": list(info.explanation),
            "factors": list(info.factors),
            "thresholds": [{"key": t.key, "label": t.label, "description": t.description,
                            "value": _value(value, t.unit)}
                           for t, value in rule_thresholds(code, values)],
        })
    return out


def severity() -> dict:
    """How a score becomes a severity, with the bands in force now."""
    values = thresholds.current()
    return {"explanation": SEVERITY_EXPLANATION,
            "bands": [{"severity": "high", "label": THRESHOLD_INFO["band_high"].label,
                       "from": values.band_high, "to": 100},
                      {"severity": "medium", "label": THRESHOLD_INFO["band_medium"].label,
                       "from": values.band_medium, "to": values.band_high - 1},
                      {"severity": "low", "label": "Low severity", "from": 0,
                       "to": values.band_medium - 1}]}
