"""Names of organisations and people by id, each set read in one query: for letters, form
choices, exported files and reasons. No access check: callers name only records they loaded in
the account's scope (a name alone is not a record)."""

from collections.abc import Iterable

from sqlalchemy import select

from coi.models import Organisation, Person


def org_names(s, ids: Iterable[int | None] | None = None) -> dict[int, str]:
    """Organisation id -> name for these ids (every organisation when ids is None)."""
    stmt = select(Organisation.id, Organisation.name)
    if ids is not None:
        stmt = stmt.where(Organisation.id.in_({i for i in ids if i is not None}))
    return dict(s.execute(stmt).all())


def person_names(s, ids: Iterable[int]) -> dict[int, str]:
    """Person id -> name for these ids."""
    return dict(s.execute(select(Person.id, Person.name).where(Person.id.in_(set(ids)))).all())
