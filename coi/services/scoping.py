"""Reusable row filters: which rows of a table an account may see."""

from sqlalchemy import false, or_

from coi import access


def by_org(actor, stmt, *columns):
    """Rows whose organisation column(s) include the account's own organisation."""
    if access.sees_all(actor):
        return stmt
    org = access.own_org(actor)
    if org is None:
        return stmt.where(false())
    return stmt.where(or_(*(col == org for col in columns)))


def org_field_error(s, actor, errors: dict, field: str, org_id, kind: str | None,
                    must_be_own: bool, what: str) -> None:
    """Field-level checks for an organisation id: it exists, is of the right kind, and (for
    accounts that belong to an organisation) is their own where must_be_own."""
    from coi.models import Organisation
    if org_id is None:
        return
    org = s.get(Organisation, org_id)
    if org is None or (kind and org.kind != kind):
        errors.setdefault(field, f"Choose {what} from the list")
        return
    if must_be_own and not access.sees_all(actor) and org_id != access.own_org(actor):
        errors.setdefault(field, f"You can only choose your own organisation as {what}")
