"""Findings reconciled with the stored flags, by fingerprint, inside the caller's transaction.

A finding with no flag opens one. A flag whose facts changed is updated, or reopened when the
board had closed it, and its history says which fact changed. A dismissed or resolved flag
whose facts did not change stays as the board left it. A flag inside the evaluated scope that
no finding matches any more is superseded. Flags are never deleted, and each change appends
one audit event naming who (the writing account) or what ("rules") changed it.

The same code serves one write (a handful of flags) and `flask recompute` (the whole
register): reads and writes are set-based, so neither issues a query per flag.
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from types import SimpleNamespace

from sqlalchemy import and_, bindparam, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from coi import audit, workflow
from coi.models import AuditEvent, Flag, utcnow
from coi.rules import Finding, UloFacts
from coi.services import flag_evidence

FLAGS = Flag.__table__
F = FLAGS.c  # Core columns: plain rows through the session's connection, no ORM layer
COLUMNS = (F.id, F.fingerprint, F.rule, F.rule_version, F.status, F.severity, F.score,
           F.reasons, F.thresholds, F.facts_hash, F.ulo_id, F.commissioner_id, F.bid_id,
           F.engagement_id)
MUTABLE = ("rule_version", "severity", "score", "reasons", "thresholds", "facts_hash", "status")
CLOSED = ("dismissed", "resolved")
ACTIVE = ("open", "under_review")
COUNTS = ("opened", "updated", "reopened", "superseded", "unchanged")
LIMITED_BY = (F.commissioner_id, F.bid_id, F.engagement_id)  # a Scope's bodies, bids, engagements


@dataclass(frozen=True)
class Scope:
    """The stored flags of one rule that an evaluation answers for, limited to some
    commissioning bodies, bids or engagements (None: no limit)."""

    rule: str
    bodies: frozenset[int] | None = None
    bids: frozenset[int] | None = None
    engagements: frozenset[int] | None = None

    @property
    def whole(self) -> bool:
        return self.bodies is None and self.bids is None and self.engagements is None

    def covers(self, row) -> bool:
        return (row.rule == self.rule
                and (self.bodies is None or row.commissioner_id in self.bodies)
                and (self.bids is None or row.bid_id in self.bids)
                and (self.engagements is None or row.engagement_id in self.engagements))

    @property
    def shape(self) -> tuple:
        """The rule and which of bodies, bids and engagements limit it."""
        return self.rule, tuple(ids is not None for ids in self._limits)

    def params(self, suffix: str) -> dict:
        """The limits' ids as the bound parameters of `_scope_clause`."""
        return {f"{column.key}{suffix}": sorted(ids)
                for column, ids in zip(LIMITED_BY, self._limits, strict=True) if ids is not None}

    @property
    def _limits(self) -> tuple:
        return self.bodies, self.bids, self.engagements


def whole(rules: Iterable[str]) -> tuple[Scope, ...]:
    """Every flag of these rules (for the ULO evaluated)."""
    return tuple(Scope(rule) for rule in sorted(rules))


@dataclass
class Evaluation:
    """One ULO's findings and the stored flags they answer for."""

    facts: UloFacts
    findings: list[Finding]
    scopes: tuple[Scope, ...]
    facts_of: dict[str, UloFacts] = field(default_factory=dict)  # when merged: whose facts

    def covers(self, row) -> bool:
        return any(scope.covers(row) for scope in self.scopes)


@dataclass
class Change:
    action: str  # open, update, reopen, supersede
    finding: Finding | None
    row: object | None
    facts: UloFacts | None = None
    why: str = ""
    status: str = "open"


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)


def stored_for(s, ulo_ids: Iterable[int], rules: Iterable[str]) -> list:
    """The stored flags of these ULOs and rules, as plain rows."""
    return s.connection().execute(select(*COLUMNS).where(
        F.ulo_id.in_(sorted(set(ulo_ids))), F.rule.in_(sorted(set(rules))))).all()


def stored(s, evaluations: Sequence[Evaluation]) -> list:
    """The stored flags the evaluations answer for (one query)."""
    rules = {scope.rule for e in evaluations for scope in e.scopes}
    if all(scope.whole for e in evaluations for scope in e.scopes) and all(
            {scope.rule for scope in e.scopes} == rules for e in evaluations):
        return stored_for(s, [e.facts.ulo_id for e in evaluations], rules)
    shape = tuple(tuple(scope.shape for scope in e.scopes) for e in evaluations)
    params = {}
    for i, e in enumerate(evaluations):
        params[f"u{i}"] = e.facts.ulo_id
        for j, scope in enumerate(e.scopes):
            params.update(scope.params(f"{i}_{j}"))
    return s.connection().execute(_stored_statement(shape), params).all()


@lru_cache(maxsize=256)
def _stored_statement(shape: tuple):
    """The stored-flags statement for evaluations of this shape (built once per shape)."""
    # Each scope's clause names its ULO, so an index can serve each one on its own.
    return select(*COLUMNS).where(or_(*(
        and_(F.ulo_id == bindparam(f"u{i}"), _scope_clause(rule, limited, f"{i}_{j}"))
        for i, scopes in enumerate(shape) for j, (rule, limited) in enumerate(scopes))))


def _scope_clause(rule: str, limited: tuple[bool, bool, bool], suffix: str):
    parts = [F.rule == rule]
    for column, is_limited in zip(LIMITED_BY, limited, strict=True):
        if is_limited:
            parts.append(column.in_(bindparam(f"{column.key}{suffix}", expanding=True)))
    return and_(*parts)


def sync(s, evaluations: Sequence[Evaluation], *, actor: str, trigger: str,
         rows: list | None = None, head: tuple | None = None) -> Counter:
    """Bring the stored flags in line with the evaluations; returns how many of each change
    (`head`: the audit chain's (seq, hash), if the caller read it under the lock)."""
    if not evaluations:
        return Counter()
    lock(s)
    plan = make_plan(s, evaluations, rows)
    apply(s, plan.changes, actor=actor, trigger=trigger, head=head)
    return plan.counts


def make_plan(s, evaluations: Sequence[Evaluation], rows: list | None = None) -> Plan:
    """What `sync` would change, read but not written (the caller holds the lock, or checks
    before applying that nothing was written since it read, as the parallel recompute does)."""
    evaluations = merge(evaluations)
    if rows is None:
        rows = stored(s, evaluations)
    by_ulo: dict[int, dict[str, object]] = {}
    for row in rows:
        by_ulo.setdefault(row.ulo_id, {})[row.fingerprint] = row
    plan = Plan()
    for evaluation in evaluations:
        _plan(plan, evaluation, by_ulo.get(evaluation.facts.ulo_id, {}))
    return plan


def merge(evaluations: Sequence[Evaluation]) -> list[Evaluation]:
    """One evaluation per ULO: overlapping scopes (a bid and an engagement of the same write,
    a body and its partner) find the same conflict twice, and it must be planned once."""
    by_ulo: dict[int, list[Evaluation]] = {}
    for evaluation in evaluations:
        by_ulo.setdefault(evaluation.facts.ulo_id, []).append(evaluation)
    out = []
    for group in by_ulo.values():
        if len(group) == 1:
            out.append(group[0])
            continue
        findings, scopes = {}, {}
        for evaluation in group:
            for finding in evaluation.findings:
                findings.setdefault(finding.fingerprint, (finding, evaluation.facts))
            scopes.update(dict.fromkeys(evaluation.scopes))
        merged = Evaluation(group[0].facts, [f for f, _ in findings.values()], tuple(scopes))
        merged.facts_of = {fp: facts for fp, (_, facts) in findings.items()}
        out.append(merged)
    return out


def lock(s) -> None:
    """Serialise with every other writer before reading flags (SQLite's BEGIN IMMEDIATE
    already holds the lock; PostgreSQL takes the audit chain's advisory lock)."""
    audit.chain_lock(s)


def _plan(plan: Plan, evaluation: Evaluation, existing: dict) -> None:
    seen = set()
    for finding in evaluation.findings:
        seen.add(finding.fingerprint)
        row = existing.get(finding.fingerprint)
        action = decide(row, finding)
        plan.counts[_COUNT_OF[action]] += 1
        if action is not None:
            facts = evaluation.facts_of.get(finding.fingerprint, evaluation.facts)
            plan.changes.append(Change(action, finding, row, facts))
    for fingerprint, row in existing.items():
        # A resolved flag was closed by the board: when its facts stop holding (the bid it
        # decided to withdraw was withdrawn) it stays resolved, as the board left it.
        if fingerprint in seen or row.status in ("superseded", "resolved") \
                or not evaluation.covers(row):
            continue
        plan.counts["superseded"] += 1
        plan.changes.append(Change("supersede", None, row, evaluation.facts,
                                   why="Its facts no longer hold: the rule no longer finds "
                                       "this conflict"))


def decide(row, finding: Finding) -> str | None:
    """What a finding does to its stored flag (None: nothing)."""
    if row is None:
        return "open"
    status = row.status
    if status == "superseded":
        return "reopen"
    if finding.facts_hash != row.facts_hash:
        return "reopen" if status in CLOSED else "update"
    if status not in ACTIVE:  # a closed flag keeps the score the board saw
        return None
    same_frame = (finding.rule_version == row.rule_version
                  and finding.thresholds == (row.thresholds or {}))
    drifted = (finding.score != row.score or finding.severity != row.severity
               or list(finding.reasons) != (row.reasons or []))
    return "refresh" if same_frame and drifted else None


_COUNT_OF = {None: "unchanged", "open": "opened", "update": "updated", "refresh": "updated",
             "reopen": "reopened"}


def apply(s, changes: list[Change], *, actor: str, trigger: str,
          head: tuple | None = None) -> None:
    """Write the planned changes and their audit events, a statement per kind of change."""
    if not changes:
        return
    now = utcnow()
    previous = _previous_evidence(s, [c.row.id for c in changes
                                      if c.action in ("update", "reopen") and c.row])
    events = []
    new = [c for c in changes if c.action == "open"]
    for change, flag_id in zip(new, _insert(s, [c.finding for c in new], now), strict=True):
        events.append(_event(change, flag_id, None, actor, trigger))
    updates = []
    for change in changes:
        if change.action != "open":
            values = _new_values(change, previous.get(change.row.id))
            updates.append({"_id": change.row.id, "_now": now, **values})
            events.append(_event(change, change.row.id, _before(change.row), actor, trigger))
    if updates:
        s.connection().execute(_UPDATE, updates)
        _expire(s, {u["_id"] for u in updates})
    append_many(s, actor, events, head)


def _new_values(change: Change, previous: dict | None) -> dict:
    row, finding = change.row, change.finding
    if change.action == "supersede":
        change.status = workflow.transition(row.status, "supersede", workflow.SYSTEM)
        return {c: getattr(row, c) for c in MUTABLE} | {"status": change.status}
    if change.action == "reopen":
        change.status = workflow.transition(row.status, "reopen", workflow.SYSTEM)
    else:
        change.status = row.status
    change.why = _why(change, previous)
    fields = finding.as_flag_fields()
    return {c: fields[c] for c in MUTABLE if c != "status"} | {"status": change.status}


def _why(change: Change, previous: dict | None) -> str:
    if change.action == "refresh":
        return ("The score and reasons were brought up to date; the facts did not change "
                f"(score {change.row.score} to {change.finding.score})")
    said = flag_evidence.changes(previous, flag_evidence.evidence(change.finding, change.facts))
    detail = "; ".join(said) if said else "a fact the rule reads changed"
    if change.action == "reopen" and change.row.status == "superseded":
        return f"Reopened because its facts hold again: {detail}"
    if change.action == "reopen":
        return f"Reopened because a fact changed since it was {change.row.status}: {detail}"
    return f"Updated because a fact changed: {detail}"


def _before(row) -> dict:
    return {"status": row.status, "severity": row.severity, "score": row.score,
            "reasons": list(row.reasons or []), "rule_version": row.rule_version,
            "thresholds": row.thresholds, "facts_hash": row.facts_hash}


def _event(change: Change, flag_id: int, before: dict | None, actor: str, trigger: str):
    action = "flag.update" if change.action == "refresh" else f"flag.{change.action}"
    if change.action == "supersede":
        after = {"status": change.status, "why": change.why}
    else:
        finding = change.finding
        after = {"status": change.status, "severity": finding.severity, "score": finding.score,
                 "reasons": list(finding.reasons), "rule_version": finding.rule_version,
                 "thresholds": dict(finding.thresholds), "facts_hash": finding.facts_hash,
                 "fingerprint": finding.fingerprint,
                 "facts": flag_evidence.evidence(finding, change.facts)}
        after["why"] = change.why or f"Raised by rule {finding.rule}"
    after["trigger"] = trigger
    return action, flag_id, before, after


# The writes' statements, built once (their values are bound per row).
_UPDATE = update(FLAGS).where(F.id == bindparam("_id")).values(
    {**{c: bindparam(c) for c in MUTABLE}, "updated_at": bindparam("_now")})
_APPEND = insert(AuditEvent.__table__)


@lru_cache(maxsize=4)
def _insert_statement(dialect: str):
    """INSERT of new flags returning (fingerprint, id), skipping a fingerprint already stored."""
    maker = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(dialect)
    if maker is None:
        stmt = insert(FLAGS)
    else:
        stmt = maker(FLAGS).on_conflict_do_nothing(index_elements=["fingerprint"])
    return stmt.returning(F.fingerprint, F.id)


def _insert(s, findings: list[Finding], now) -> list[int]:
    """Insert new flags; one that another writer has just inserted is left as it is."""
    if not findings:
        return []
    rows = [{**f.as_flag_fields(), "status": "open", "opened_at": now, "updated_at": now}
            for f in findings]
    made = dict(s.connection().execute(_insert_statement(s.get_bind().dialect.name),
                                       rows).all())
    missing = [f.fingerprint for f in findings if f.fingerprint not in made]
    if missing:  # only if someone bypassed the write lock: keep theirs, never a duplicate
        made.update(s.connection().execute(select(F.fingerprint, F.id)
                                           .where(F.fingerprint.in_(missing))).all())
    return [made[f.fingerprint] for f in findings]


def _previous_evidence(s, flag_ids: list[int]) -> dict[int, dict]:
    """The evidence each flag's latest audit event recorded, for saying what changed."""
    if not flag_ids:
        return {}
    out: dict[int, dict] = {}
    for chunk in _chunks(sorted(flag_ids), 500):
        for flag_id, after in s.execute(
                select(AuditEvent.entity_id, AuditEvent.after)
                .where(AuditEvent.entity == "flag", AuditEvent.entity_id.in_(chunk))
                .order_by(AuditEvent.seq)):
            if isinstance(after, dict) and "facts" in after:
                out[flag_id] = after["facts"]
    return out


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _expire(s, flag_ids: set[int]) -> None:
    """Flags loaded earlier in this session must not show their old values."""
    for obj in list(s.identity_map.values()):
        if isinstance(obj, Flag) and obj.id in flag_ids:
            s.expire(obj)


def append_many(s, actor: str, events: list[tuple], head: tuple | None = None) -> None:
    """Append (action, flag id, before, after) events to the audit chain in one statement,
    hashed exactly as coi.audit.append hashes one. `head` is the chain's last (seq, hash) when
    the caller read it under the lock with nothing appended since (read here when not given)."""
    if not events:
        return
    lock(s)
    last = head or s.execute(select(AuditEvent.seq, AuditEvent.hash)
                             .order_by(AuditEvent.seq.desc()).limit(1)).first()
    seq, prev = (last[0], last[1]) if last else (0, audit.GENESIS)
    rows = []
    for action, entity_id, before, after in events:
        seq += 1
        event = SimpleNamespace(seq=seq, at=utcnow(), actor=actor, action=action,
                                entity="flag", entity_id=entity_id,
                                before=audit.plain(before), after=audit.plain(after))
        event.prev_hash, event.hash = prev, audit.event_hash(prev, audit.hashed_fields(event))
        prev = event.hash
        rows.append(vars(event))
    for chunk in _chunks(rows, 2000):
        s.connection().execute(_APPEND, chunk)
