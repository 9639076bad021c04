"""What a rule returns, and the small helpers every rule shares: scores, names, dates, money."""

from __future__ import annotations

import calendar
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from types import MappingProxyType

from .thresholds import Thresholds


@dataclass(frozen=True, slots=True)
class Finding:
    """One conflict a rule found; the flag the register keeps for it has the same fields."""

    rule: str
    rule_version: int
    fingerprint: str
    severity: str
    score: int
    reasons: tuple[str, ...]
    ulo_id: int
    thresholds: Mapping[str, int]
    facts_hash: str
    commissioner_id: int | None = None
    engagement_id: int | None = None
    bid_id: int | None = None
    arrangement_id: int | None = None
    person_id: int | None = None

    def as_flag_fields(self) -> dict:
        """The columns of a Flag row, JSON-ready (reasons a list, thresholds a dict)."""
        return {
            "rule": self.rule, "rule_version": self.rule_version,
            "fingerprint": self.fingerprint, "severity": self.severity, "score": self.score,
            "reasons": list(self.reasons), "thresholds": dict(self.thresholds),
            "facts_hash": self.facts_hash, "ulo_id": self.ulo_id,
            "commissioner_id": self.commissioner_id, "engagement_id": self.engagement_id,
            "bid_id": self.bid_id, "arrangement_id": self.arrangement_id,
            "person_id": self.person_id,
        }


@dataclass(slots=True)
class Tally:
    """The factors that moved a score, each with its points; the score is their sum, at most 100."""

    parts: list[tuple[int, str]] = field(default_factory=list)

    def add(self, points: int, reason: str) -> None:
        if points > 0:
            self.parts.append((points, reason))

    @property
    def score(self) -> int:
        return self.finish()[0]

    def reasons(self) -> tuple[str, ...]:
        return self.finish()[1]

    def finish(self) -> tuple[int, tuple[str, ...]]:
        """The score and the reasons, in one pass."""
        total = sum(points for points, _ in self.parts)
        lines = [f"{reason}: +{points}" for points, reason in self.parts]
        if total > 100:
            lines.append("The score is capped at 100")
        return min(100, total), tuple(lines)


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """A rule as the methodology page explains it; each rule module declares its own."""

    code: str
    name: str
    version: int
    summary: str
    explanation: tuple[str, ...]
    factors: tuple[str, ...] = ()
    threshold_keys: tuple[str, ...] = ()


def make_finding(info: RuleInfo, tally: Tally, thresholds: Thresholds, *, fingerprint: str,
                 ulo_id: int, facts: object = None, facts_hash: str | None = None,
                 **links: int | None) -> Finding:
    """A finding of a rule with its score banded, its thresholds frozen and its facts hashed
    (or `facts_hash` when the caller hashed them already, see `hash_text`)."""
    score, reasons = tally.finish()
    return Finding(rule=info.code, rule_version=info.version, fingerprint=fingerprint,
                   severity=thresholds.severity(score), score=score, reasons=reasons,
                   ulo_id=ulo_id, thresholds=dict(thresholds_used(info, thresholds)),
                   facts_hash=hash_facts(facts) if facts_hash is None else facts_hash, **links)


@lru_cache(maxsize=64)
def thresholds_used(info: RuleInfo, thresholds: Thresholds) -> Mapping[str, int]:
    """The thresholds a rule reads, and the severity bands, as frozen into its findings."""
    keys = (*info.threshold_keys, "band_high", "band_medium")
    return MappingProxyType({key: getattr(thresholds, key) for key in keys})


def hash_facts(facts: object) -> str:
    """SHA-256 of a canonical JSON form of `facts` (dates ISO, sets sorted, keys sorted)."""
    return hashlib.sha256(_CANONICAL.encode(facts).encode()).hexdigest()


def fragment(values: list) -> str:
    """The canonical JSON of a list's items without its brackets: fragments joined by commas
    inside brackets hash exactly as `hash_facts` of the whole list (see `hash_text`)."""
    return _CANONICAL.encode(values)[1:-1]


def hash_text(*fragments: str) -> str:
    """`hash_facts` of the list whose items the fragments hold, in order."""
    return hashlib.sha256(f"[{','.join(fragments)}]".encode()).hexdigest()


def _jsonable(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"cannot hash {type(value).__name__}")


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=_jsonable)


@dataclass(frozen=True, slots=True)
class Names:
    """Display names of people and organisations, with a neutral fallback for unknown ids."""

    people: Mapping[int, str] = field(default_factory=dict)
    orgs: Mapping[int, str] = field(default_factory=dict)

    def person(self, person_id: int) -> str:
        return self.people.get(person_id) or f"Person #{person_id}"

    def org(self, org_id: int) -> str:
        return self.orgs.get(org_id) or f"Organisation #{org_id}"


@lru_cache(maxsize=8192)
def add_months(day: date, months: int) -> date:
    """`day` moved by whole calendar months, clamped to the month's end (31 Mar - 1 = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def months_between(earlier: date, later: date) -> int:
    """Whole calendar months from `earlier` to `later`."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - 1 if add_months(earlier, months) > later else months


def span(earlier: date, later: date) -> str:
    """From `earlier` to `later` in words: "11 days", "3 months", "2 years and 1 month"."""
    months = months_between(earlier, later)
    if months < 1:
        return _plural((later - earlier).days, "day")
    years, months = divmod(months, 12)
    parts = [_plural(n, unit) for n, unit in ((years, "year"), (months, "month")) if n]
    return " and ".join(parts)


def money(pence: int) -> str:
    """Pence as pounds: £1,200,000 or £1,234.50."""
    pounds, rest = divmod(pence, 100)
    return f"£{pounds:,}" if rest == 0 else f"£{pounds:,}.{rest:02d}"


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"
