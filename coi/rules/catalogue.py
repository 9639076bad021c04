"""Every rule as the methodology page shows it, in code order, with its thresholds."""

from __future__ import annotations

from .findings import RuleInfo
from .governance import R3, R4, R5, R7
from .people import R6, R8
from .question import R1, R2
from .thresholds import DEFAULT_THRESHOLDS, THRESHOLD_INFO, ThresholdInfo, Thresholds

RULES: dict[str, RuleInfo] = {info.code: info for info in (R1, R2, R3, R4, R5, R6, R7, R8)}

SEVERITY_EXPLANATION = (
    "Each flag's score runs from 0 to 100 and is the sum of the factors listed in its "
    "reasons (capped at 100). A score at or above the high band is high severity, at or above "
    "the medium band medium, and anything lower is low. The thresholds in force when a flag "
    "is raised are kept with the flag."
)


def rule_thresholds(code: str, thresholds: Thresholds = DEFAULT_THRESHOLDS
                    ) -> list[tuple[ThresholdInfo, int]]:
    """A rule's thresholds with the values in force, for the methodology page."""
    return [(THRESHOLD_INFO[key], getattr(thresholds, key))
            for key in RULES[code].threshold_keys]
