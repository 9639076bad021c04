"""Dates in words, as GOV.UK writes them: 31 March 2026. Pure: the rules' reasons, the
documents' templates and the services' messages all say dates this one way."""

from datetime import date


def long_date(day: date) -> str:
    """A date as people write it: 3 January 2025."""
    return f"{day.day} {day:%B %Y}"
