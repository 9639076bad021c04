"""Rule R8 as a to-do list: board members with no recent declaration, and late declarations.

The two computations are pure functions over the rules' own facts, so the list and the R8
flags read the same way; declarations_due() loads the facts the account may see.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from coi import access, db
from coi.models import BoardMember, Declaration, Organisation
from coi.rules import BoardMemberFact, DeclarationFact, Thresholds
from coi.rules.findings import add_months
from coi.rules.people import current_board, is_late, latest_declarations
from coi.services import thresholds
from coi.services.declarations import DECLARATIONS, people_of


@dataclass(frozen=True)
class Missing:
    """A current board member who must declare: never did, or last did too long ago."""

    ulo_id: int
    person_id: int
    voting: bool
    last_declared_on: date | None


@dataclass(frozen=True)
class Late:
    """A declaration made more than the deadline after the interest arose."""

    declaration_id: int
    person_id: int
    category: str
    arose_on: date
    declared_on: date
    days: int


@dataclass
class Due:
    missing: list[Missing]
    late: list[Late]
    since: date
    late_days: int
    months: int

    @property
    def total(self) -> int:
        """How many rows the list has: people who must declare, and late declarations."""
        return len(self.missing) + len(self.late)


def missing_declarations(members: Iterable[BoardMemberFact],
                         declarations: Iterable[DeclarationFact], today: date,
                         months: int = 12) -> list[Missing]:
    """Current board members whose latest declaration (a nil one counts, a gift does not) was
    made before `months` ago, or who never declared."""
    latest = {p: d.declared_on for p, d in latest_declarations(declarations, today).items()}
    since = add_months(today, -months)
    return [Missing(ulo, person, voting, latest.get(person))
            for (ulo, person), voting in sorted(current_board(members, today).items())
            if latest.get(person) is None or latest[person] < since]


def late_declarations(declarations: Iterable[DeclarationFact],
                      late_days: int = 28) -> list[Late]:
    """Declarations (other than nil ones) made more than late_days after the interest arose,
    latest first."""
    rows = [Late(d.id, d.person_id, d.category, d.arose_on, d.declared_on,
                 (d.declared_on - d.arose_on).days)
            for d in declarations if is_late(d, late_days)]
    return sorted(rows, key=lambda r: (r.declared_on, r.declaration_id), reverse=True)


def r8_thresholds() -> Thresholds:
    """The rule thresholds in force (the administrator's, or the documented defaults)."""
    return thresholds.current()


def ulos_in_scope(actor) -> list[tuple[int, str]]:
    """The ULOs whose board the account may see: its own, or every one for auditors."""
    stmt = select(Organisation.id, Organisation.name).where(
        Organisation.kind == "ulo", Organisation.ended_on.is_(None))
    if not access.sees_all(actor):
        if not access.is_ulo(actor):
            return []
        stmt = stmt.where(Organisation.id == access.own_org(actor))
    return [tuple(r) for r in db.session().execute(stmt.order_by(Organisation.name))]


def declaration_fact(d: Declaration) -> DeclarationFact:
    """A stored declaration as the rules read it."""
    return DeclarationFact(id=d.id, person_id=d.person_id, category=d.category,
                           arose_on=d.arose_on, declared_on=d.declared_on, ended_on=d.ended_on,
                           organisation_id=d.organisation_id, opportunity_id=d.opportunity_id)


def declarations_due(actor, ulo_id: int | None = None, today: date | None = None) -> Due:
    """R8 for what the account may see: who must declare, and which declarations were late."""
    today, limits, s = today or date.today(), r8_thresholds(), db.session()
    ulos = [i for i, _ in ulos_in_scope(actor) if ulo_id is None or i == ulo_id]
    members = [BoardMemberFact(ulo_id=m.ulo_id, person_id=m.person_id, started_on=m.started_on,
                               ended_on=m.ended_on, voting=m.voting)
               for m in s.execute(select(BoardMember).where(
                   BoardMember.ulo_id.in_(ulos))).scalars()]
    theirs = s.execute(select(Declaration).where(
        Declaration.person_id.in_({m.person_id for m in members}))).scalars()
    scoped = DECLARATIONS.scope(actor, select(Declaration).where(Declaration.category != "nil"))
    if ulo_id is not None:
        scoped = scoped.where(Declaration.person_id.in_(people_of(ulo_id)))
    return Due(
        missing=missing_declarations(members, [declaration_fact(d) for d in theirs], today,
                                     limits.r8_declaration_months),
        late=late_declarations([declaration_fact(d) for d in s.execute(scoped).scalars()],
                               limits.r8_late_days),
        since=add_months(today, -limits.r8_declaration_months),
        late_days=limits.r8_late_days, months=limits.r8_declaration_months)
