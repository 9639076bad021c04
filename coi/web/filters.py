"""Template filters and look-ups: dates, money, codes, and names of linked records."""

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from flask import g
from markupsafe import Markup, escape
from sqlalchemy import bindparam, select

from coi import db
from coi.models import Opportunity, Organisation, Person
from coi.services.kept import remembered


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
    return _day(value)


@lru_cache(maxsize=4096)
def _day(value: date) -> str:
    # A list shows the same few hundred dates again and again; writing one out is pure.
    return f"{value.day} {value:%B %Y}"


def fmt_money(value) -> str:
    if value in (None, ""):
        return ""
    return f"£{Decimal(str(value)):,.2f}"


def _cache(name: str) -> dict:
    return g.setdefault(name, {})


def org_names() -> dict[int, str]:
    """Every organisation's name by id: read once per request, from a copy each worker keeps
    until the register changes (coi.services.kept.remembered)."""
    if "_org_names" not in g:
        g._org_names = remembered("org_names", lambda s: dict(s.connection().execute(
            select(Organisation.id, Organisation.name)).all()))
    return g._org_names


def org_name(org_id) -> str:
    """An organisation's name (pages name many: all of them are at hand, see org_names)."""
    if org_id is None:
        return ""
    return org_names().get(int(org_id), f"Organisation {org_id}")


def _rows(stmt, params: dict | None = None) -> list[tuple]:
    """Plain rows straight from the connection (no ORM work for two columns)."""
    return db.session().connection().execute(stmt, params).all()


@lru_cache(maxsize=8)
def _names_by_id(model):
    """The statement that reads many records' names by id, built once per kind of record."""
    col = model.title if model is Opportunity else model.name
    return select(model.id, col).where(model.id.in_(bindparam("ids", expanding=True)))


def prime(model, ids) -> None:
    """Load the names of many linked records in one query before a table renders them."""
    if model is Organisation:
        return  # every organisation's name is at hand (org_names)
    cache = _cache(f"_names_{model.__name__}")
    wanted = {int(i) for i in ids if i is not None} - set(cache)
    if not wanted:
        return
    cache.update(_rows(_names_by_id(model), {"ids": sorted(wanted)}))


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


ORG_KEYS = ("ulo_id", "commissioner_id", "organisation_id", "source_id")
PEOPLE_KEYS = ("participant_ids", "team_ids", "present_ids", "withdrawn_ids")
NOT_GIVEN = Markup('<span class="muted">Not given</span>')


def display(key: str, value, fmt: str = "text", labels: dict | None = None) -> Markup:
    """How a value of a record reads on a page: linked records by name, codes in words,
    dates and money written out; "Not given" for nothing (the crud/_display.html macro)."""
    if value is None or value == "" or value == []:
        return NOT_GIVEN
    if value is True or value is False:
        return Markup("Yes" if value else "No")
    return escape(_words(key, value, fmt, labels or {}))


def _words(key: str, value, fmt: str, labels: dict) -> str:
    many = not isinstance(value, str) and hasattr(value, "__iter__")
    if fmt == "org" or key in ORG_KEYS:
        return org_name(value)
    if fmt == "orgs" or key == "member_ids":
        return ", ".join(org_name(v) for v in value)
    if fmt == "person" or key == "person_id":
        return person_name(value)
    if fmt == "people" or key in PEOPLE_KEYS:
        return ", ".join(person_name(v) for v in value)
    if fmt == "opportunity" or key == "opportunity_id":
        return opportunity_title(value)
    if fmt == "date" or key.endswith("_on"):
        return fmt_date(value)
    if fmt == "money" or key in ("value", "amount"):
        return fmt_money(value)
    if key in labels and isinstance(value, str):
        return labels[key].get(value, _code(value))
    if key in labels and many:
        return ", ".join(str(labels[key].get(str(v), v)) for v in value)
    if fmt == "code":
        return _code(value)
    if many:
        return ", ".join(str(v) for v in value)
    return str(value)


def column_display(key: str, fmt: str = "text", labels: dict | None = None):
    """display(key, value, fmt, labels) as a function of the value alone, with what a column
    needs looked up once (a table calls it for every row)."""
    def plainly(words):
        def shown(value) -> Markup:
            if value is None or value == "" or value == [] or value is True or value is False:
                return display(key, value, fmt, labels)
            return escape(words(value))
        return shown
    if fmt == "org" or key in ORG_KEYS:
        names = org_names()
        return plainly(lambda value: names.get(int(value), f"Organisation {value}"))
    if fmt in ("orgs", "person", "people", "opportunity") or key in (
            "member_ids", "person_id", "opportunity_id", *PEOPLE_KEYS):
        return lambda value: display(key, value, fmt, labels)
    if fmt == "date" or key.endswith("_on"):
        return plainly(fmt_date)
    if labels and key in labels and fmt != "money" and key not in ("value", "amount"):
        words = labels[key]
        return plainly(lambda value: words.get(value, _code(value)) if isinstance(value, str)
                       else _words(key, value, fmt, labels))
    return lambda value: display(key, value, fmt, labels)


def _code(value) -> str:
    return str(value).replace("_", " ").capitalize()


def options(choices, chosen) -> Markup:
    """A select's options (after its "All"): each (value, words) choice, the chosen value
    selected. Written in one go, and the same options are written once (a filter may offer
    every body in the register, on every page of the list)."""
    chosen = "" if chosen is None else str(chosen)
    try:
        return _options(tuple(choices), chosen)  # (value, words) pairs as they are
    except TypeError:  # a value that cannot be a key: written afresh
        return _options.__wrapped__(choices, chosen)


@lru_cache(maxsize=256)
def _options(choices, chosen: str) -> Markup:
    return Markup("".join(
        f'<option value="{escape(value)}"{" selected" if str(value) == chosen else ""}>'
        f"{escape(words)}</option>" for value, words in choices))


def init_app(app) -> None:
    app.add_template_global(display, "show_value")
    app.add_template_global(options, "select_options")
    app.add_template_filter(fmt_date, "date")
    app.add_template_filter(fmt_money, "money")
    app.add_template_global(org_name)
    app.add_template_global(person_name)
    app.add_template_global(opportunity_title)
