"""Template filters and look-ups: dates, money, codes, and names of linked records."""

from datetime import date, datetime
from decimal import Decimal

from flask import g
from sqlalchemy import select

from coi import db
from coi.models import Opportunity, Organisation, Person


def fmt_date(value) -> str:
    """31 March 2026, the way GOV.UK writes dates."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.rstrip("Z")) if "T" in value \
                else date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        return f"{value.day} {value:%B %Y} at {value:%H:%M} UTC"
    return f"{value.day} {value:%B %Y}"


def fmt_money(value) -> str:
    if value in (None, ""):
        return ""
    return f"£{Decimal(str(value)):,.2f}"


def _cache(name: str) -> dict:
    if name not in g:
        setattr(g, name, {})
    return getattr(g, name)


def org_name(org_id) -> str:
    if org_id is None:
        return ""
    cache = _cache("_org_names")
    if not cache:
        cache.update(db.session().execute(select(Organisation.id, Organisation.name)).all())
    return cache.get(int(org_id), f"Organisation {org_id}")


def prime(model, ids) -> None:
    """Load the names of many linked records in one query before a table renders them."""
    cache = _cache(f"_names_{model.__name__}")
    wanted = {int(i) for i in ids if i is not None} - set(cache)
    if not wanted:
        return
    col = model.name if model is Person else model.title
    cache.update(db.session().execute(select(model.id, col).where(model.id.in_(wanted))).all())


def _name(model, record_id) -> str:
    if record_id is None:
        return ""
    prime(model, [record_id])
    noun = "Person" if model is Person else "Opportunity"
    return _cache(f"_names_{model.__name__}").get(int(record_id), f"{noun} {record_id}")


def person_name(person_id) -> str:
    return _name(Person, person_id)


def opportunity_title(opportunity_id) -> str:
    return _name(Opportunity, opportunity_id)


def init_app(app) -> None:
    app.add_template_filter(fmt_date, "date")
    app.add_template_filter(fmt_money, "money")
    app.add_template_global(org_name)
    app.add_template_global(person_name)
    app.add_template_global(opportunity_title)
