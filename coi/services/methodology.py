"""The methodology page's content: each rule, its version and its current thresholds."""


def describe() -> list[dict]:
    """Every rule in plain English (filled from coi.rules once the rules are in)."""
    return []
