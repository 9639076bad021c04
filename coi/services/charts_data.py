"""The numbers behind the dashboard's pictures: open flags by severity month by month, and a
ULO's income by funder against the dependency threshold of rule R3."""

import functools
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, bindparam, case, func, not_, or_, select

from coi import access, db
from coi.models import Flag, Income, Organisation
from coi.services import flags, ulo

OPEN = ("open", "under_review")
SEVERITIES = ("high", "medium", "low")


def last_months(today: date, count: int = 12) -> list[date]:
    """The first days of the last `count` months, oldest first, ending with this month."""
    out, year, month = [], today.year, today.month
    for _ in range(count):
        out.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def _month_end(first: date, now: datetime) -> datetime:
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return min(datetime.combine(following, time(), tzinfo=UTC) - timedelta(microseconds=1),
               now)


def open_flags_by_month(actor, today: date | None = None, count: int = 12) -> list[dict]:
    """How many flags were open at the end of each of the last months, by severity.

    A flag counts from its opened_at until it left the open states; a decided or superseded
    flag is taken to have left them at its last update (updated_at). Counted by the database
    (a register holds tens of thousands of flags)."""
    now = datetime.now(UTC)
    months = last_months(today or now.date(), count)
    ends = [_month_end(first, now) for first in months]
    by_severity = (_register_by_month if access.sees_all(actor) else _scoped_by_month)(
        actor, ends)
    return [{"month": first, **{sev: int((by_severity.get(sev) or [0] * count)[i] or 0)
                                for sev in SEVERITIES}}
            for i, first in enumerate(months)]


def _scoped_by_month(actor, ends: list[datetime]) -> dict[str, list[int]]:
    """An organisation's flags, in one pass through its own (ulo_id, status) or
    commissioner_id index: {severity: [open at each end]}."""
    still_open = Flag.status.in_(OPEN)
    sums = [func.sum(case((and_(Flag.opened_at <= end, or_(still_open, Flag.updated_at > end)),
                          1), else_=0)) for end in ends]
    stmt = flags.FLAGS.scope(actor, select(Flag.severity, *sums).where(
        Flag.opened_at <= ends[-1]).group_by(Flag.severity))
    return {row[0]: list(row[1:]) for row in db.session().execute(stmt)}


def _register_by_month(actor, ends: list[datetime]) -> dict[str, list[int]]:
    """The whole register's flags through the (severity, opened_at, status, updated_at) index:
    the flags still open counted once each, by the month they were opened in (a range of the
    index per severity and month, added up month by month); the flags that left the open
    states by the months they were open at the end of (only those updated after the first
    month's end can count)."""
    opened_stmt, left_stmt = _register_statements(len(ends))
    at = {f"end{i}": end for i, end in enumerate(ends)}
    opened = list(db.session().execute(opened_stmt, at).one())
    gone = {row[0]: row[1:] for row in db.session().execute(left_stmt, at)}
    out = {}
    for k, sev in enumerate(SEVERITIES):
        running, counts = 0, []
        for i in range(len(ends)):
            running += opened[k * len(ends) + i]
            counts.append(running + int((gone.get(sev) or [0] * len(ends))[i] or 0))
        out[sev] = counts
    return out


@functools.cache
def _register_statements(count: int) -> tuple:
    """_register_by_month's two statements, built once (the month ends are parameters)."""
    ends = [bindparam(f"end{i}", type_=Flag.opened_at.type) for i in range(count)]
    still_open = Flag.status.in_(OPEN)
    cells = [select(func.count()).where(
        Flag.severity == sev, Flag.opened_at <= end, still_open,
        *([Flag.opened_at > ends[i - 1]] if i else [])).scalar_subquery()
        for sev in SEVERITIES for i, end in enumerate(ends)]
    left = select(Flag.severity, *[
        func.sum(case((and_(Flag.opened_at <= end, Flag.updated_at > end), 1), else_=0))
        for end in ends]).where(
        Flag.severity.in_(SEVERITIES), Flag.opened_at <= ends[-1], not_(still_open),
        Flag.updated_at > ends[0]).group_by(Flag.severity)
    return select(*cells), left


def dependency_threshold() -> int:
    """R3's threshold in force (the administrator's, or the documented 50%)."""
    from coi.services import thresholds
    return thresholds.current().r3_dependency_pct


def income_ulos(actor) -> list[tuple[int, str]]:
    """The ULOs whose income the actor may see a picture of (none for a commissioner)."""
    from coi.services.relationship import choices
    if access.is_commissioner(actor):
        return []
    return choices(actor)[0]


def income_shares(actor, ulo_id: int, years: int = 3) -> list[dict]:
    """The last `years` financial years of one ULO's income, each funder's share of the year,
    largest first: [{"year", "total", "funders": [{"name", "pence", "pct", "body"}]}]; "body"
    says whether the funder is a commissioning body, the only kind of funder R3 counts."""
    stmt = ulo.INCOME.scope(actor, select(Income)).where(
        Income.ulo_id == ulo_id, Income.ended_on.is_(None))
    by_year: dict = defaultdict(lambda: defaultdict(int))
    names: dict = {}
    bodies = set(db.session().execute(select(Organisation.id).where(
        Organisation.kind == "commissioner")).scalars())
    for row in db.session().execute(stmt).scalars():
        key = row.source_id or row.source_name.strip().lower()
        names.setdefault(key, row.source_name)
        by_year[row.financial_year][key] += row.amount_pence
    out = []
    for year in sorted(by_year)[-years:]:
        total = sum(by_year[year].values())
        funders = sorted(by_year[year].items(), key=lambda kv: (-kv[1], names[kv[0]]))
        out.append({"year": year, "total": total, "funders": [
            {"name": names[k], "pence": v, "pct": (100 * v / total) if total else 0.0,
             "body": k in bodies} for k, v in funders]})
    return out
