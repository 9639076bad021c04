"""List, show, create, edit and end pages for every kind of record in coi.resources.

The views only parse, call the resource's service and render; access and validation are the
services' business.
"""

from functools import lru_cache, partial
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from markupsafe import Markup, escape

from coi import schemas
from coi.errors import Invalid
from coi.models import Opportunity, Person
from coi.resources import RESOURCES, Resource
from coi.schemas import EndRecord
from coi.services import figures_cache
from coi.services.base import ListQuery, Page, end_reason, listing
from coi.services.plain import every_row, page_of
from coi.web import forms
from coi.web.downloads import CSV_LIMIT, listed_csv
from coi.web.filters import opportunity_title, org_name, person_name, prime

URL_SAFE = "!$'()*,/:;?@"  # what url_for leaves unescaped in a query (werkzeug.urls)
CSRF_MESSAGE = ("Your form was not sent because the page was open too long or came from "
                "elsewhere. Nothing you typed is lost: check it and send it again.")


def endpoint(res: Resource, view: str) -> str:
    return f"records.{res.name.replace('-', '_')}_{view}"


def make_blueprint() -> Blueprint:
    bp = Blueprint("records", __name__)
    for res in RESOURCES.values():
        base, ep = f"/{res.name}", res.name.replace("-", "_")
        views = [("", "list", list_view, ["GET"]),
                 ("/new", "new", form_view, ["GET", "POST"]),
                 ("/<int:record_id>", "show", show_view, ["GET"]),
                 ("/<int:record_id>/edit", "edit", form_view, ["GET", "POST"]),
                 ("/<int:record_id>/end", "end", end_view, ["GET", "POST"])]
        for path, name, view, methods in views:
            bound = login_required(partial(view, res))
            bound.__doc__ = view.__doc__
            bp.add_url_rule(f"{base}{path}", f"{ep}_{name}", bound, methods=methods)
    return bp


def _actor():
    return current_user.user


def _query(res: Resource) -> ListQuery:
    args = request.args
    return ListQuery(q=args.get("q", ""), page=args.get("page", 1, type=int),
                     per_page=args.get("per_page", 25, type=int),
                     filters={f.name: args.get(f.name, "") for f in res.filters},
                     include_ended=args.get("ended") == "yes")


PEOPLE_KEYS = ("person_id", "participant_ids", "team_ids")
NAMED_KEYS = {*PEOPLE_KEYS, "opportunity_id"}  # the columns that name people or opportunities


def _prime_names(rows: list[dict]) -> None:
    people, opps = set(), set()
    for row in rows:
        for key in PEOPLE_KEYS:
            value = row.get(key)
            people.update(value if isinstance(value, list) else [value])
        opps.add(row.get("opportunity_id"))
    prime(Person, people)
    prime(Opportunity, opps)


def list_view(res: Resource):
    """A searchable, filterable, paginated list of records, or all of them as CSV."""
    actor, query = _actor(), _query(res)
    if request.args.get("format") == "csv":
        return _csv(res, actor, query)
    return render_template("crud/list.html", res=res,
                           content=_list_content(res, actor, query))


def _list_content(res: Resource, actor, query: ListQuery) -> Markup:
    """The list page's content (all but the page around it), rendered once per register
    state for each role and organisation (which decide the rows and choices an account sees)
    and address, and kept in the figures cache, as a list's pages are read far more often
    than the register changes (a page too big to keep is served without keeping it)."""
    def compute() -> Markup:
        filters = [(f, f.choices(actor)) for f in res.filters]
        page, table = _listed(res, actor, query, _list_labels(res, actor, filters))
        return Markup(render_template(
            "crud/_list.html", res=res, page=page, table=table, query=query, filters=filters,
            extra=_extra(res, "list_extra_"), endpoint=partial(endpoint, res),
            page_url=_page_urls(endpoint(res, "list")), can_create=res.can_create(actor)))
    key = ("list page", res.name, *figures_cache.scope_of(actor),
           tuple(request.args.items(multi=True)), request.script_root)
    return figures_cache.cached(key, compute)


def _extra(res: Resource, prefix: str) -> str:
    """The template of what a kind of record adds to its page (crud/<prefix><name>.html), or
    crud/extra_none.html."""
    names = (f"crud/{prefix}{res.name}.html", "crud/extra_none.html")
    return _first_template(current_app.jinja_env, names)


@lru_cache(maxsize=128)
def _first_template(env, names: tuple[str, ...]) -> str:
    # Looked up once: a template that is not there is looked for in the folders every time.
    return env.select_template(names).name


def _page_urls(list_endpoint: str):
    """page_url(n): this list with the same search and filters, at page n, as url_for would
    write it (the query in the same order, page in its place), with one url_for per page."""
    args = {**request.args.to_dict(), "page": ""}
    keys = list(args)
    at = keys.index("page")
    before = urlencode([(k, args[k]) for k in keys[:at]], safe=URL_SAFE)
    after = urlencode([(k, args[k]) for k in keys[at + 1:]], safe=URL_SAFE)
    start = f"{url_for(list_endpoint)}?{before}{'&' if before else ''}page="
    end = f"&{after}" if after else ""
    return lambda n: f"{start}{int(n)}{end}"


def _listed(res: Resource, actor, query: ListQuery, labels: dict) -> tuple[Page, Markup]:
    """The page of the list and its table's rows."""
    found = page_of(res.spec, listing(res.spec, actor, query), query,
                    only=_plain_columns(res))
    rows = _shown(res, found.items)
    _prime_shown(res, rows)
    return found, _table(res, rows, labels, url_for(endpoint(res, "list")))


def _plain_columns(res: Resource) -> set[str] | None:
    """The table columns the list shows, when every column it shows is one (no need to read
    or shape the whole record); None when some column is worked out by the record's shape."""
    keys = {c.key for c in res.columns} | {"id"}
    return keys if keys <= set(res.spec.model.__table__.columns.keys()) else None


def _shown(res: Resource, items: list) -> list[dict]:
    """What the list's columns show of each row: the stored values of its columns, or the
    record as the API gives it; with "_ended", the word for a record no longer current."""
    keys = _plain_columns(res)
    if keys is not None:
        return [{**{k: getattr(r, k) for k in keys}, "_ended": ended_state(res, r)}
                for r in items]
    return [{**res.public(r), "_ended": ended_state(res, r)} for r in items]


def _prime_shown(res: Resource, rows: list[dict]) -> None:
    """Load, in one query each, the names of the people and opportunities the columns show
    (every organisation's name is at hand anyway: coi.web.filters.org_names)."""
    keys = {c.key for c in res.columns} & NAMED_KEYS
    if keys:
        _prime_names([{k: row[k] for k in keys} for row in rows])


def _table(res: Resource, rows: list[dict], labels: dict, list_url: str) -> Markup:
    """The list's rows as HTML (the table's body), written here rather than cell by cell in
    the template (a page of fifty rows is three hundred cells). The title column and the
    first column are the row's headers and link to the record (its address built from the
    list's: one url_for per page, not per row); an ended record says so beside its link."""
    from jinja2.filters import do_truncate

    from coi.web.filters import column_display
    env, base = current_app.jinja_env, escape(list_url)
    shown = [column_display(c.key, c.fmt, labels) for c in res.columns]
    table = []
    for row in rows:
        ended = (f' <strong class="tag tag--grey">{escape(row["_ended"])}</strong>'
                 if row["_ended"] else "")
        link = f'<a href="{base}/{int(row["id"])}">'
        cells = []
        for i, c in enumerate(res.columns):
            if c.fmt == "link":
                text = escape(do_truncate(env, str(row[c.key] or ""), 80))
            else:
                text = shown[i](row[c.key])
            if c.fmt == "link" or i == 0:
                cells.append(f'<th scope="row">{link}{text}</a>{ended}</th>')
            else:
                cells.append(f"<td>{text}</td>")
        table.append(f"\n  <tr>{''.join(cells)}</tr>\n  ")
    return Markup("".join(table))


def _list_labels(res: Resource, actor, filters: list) -> dict:
    """Words for the list's coded columns, from the filters' choices the page shows anyway:
    the form's choices (every person of the register) only when a coded column has no filter."""
    labels = {f.name: {str(v): lbl for v, lbl in choices} for f, choices in filters}
    if any(c.fmt == "code" and c.key not in labels for c in res.columns):
        return {**_labels(res, actor), **labels}
    return labels


def ended_state(res: Resource, record) -> str:
    """"Withdrawn", "Ended" (or the resource's own word) for a record that is no longer
    current, else ""; an end date still in the future does not count yet."""
    if res.spec.is_ended(record):
        return res.end_done[:1].upper() + res.end_done[1:]
    return ""





def _csv(res: Resource, actor, query: ListQuery) -> Response:
    """Every row of the list as a spreadsheet-safe CSV, its header row even when none match."""
    stmt = listing(res.spec, actor, query)
    header = list(getattr(schemas, f"{res.spec.model.__name__}Public").model_fields)

    def rows():
        for record in every_row(res.spec, stmt, CSV_LIMIT):
            data = res.public(record)
            yield [data.get(k) for k in header]
    return listed_csv(f"{res.name}.csv", stmt, header, rows, res.name)


def _labels(res: Resource, actor) -> dict:
    """Code -> words for each field with choices (keys as text, as values reach templates)."""
    return {name: {str(v): lbl for v, lbl in pairs} for name, pairs in res.choices(actor).items()}


def show_view(res: Resource, record_id: int):
    """One record, every field in words."""
    actor = _actor()
    record = res.get(actor, record_id)
    data = res.public(record)
    _prime_names([data])
    fields = forms.fields_of(res.spec.create_schema, res.overrides)
    return render_template("crud/show.html", res=res, record=record, data=data, fields=fields,
                           labels=_labels(res, actor), endpoint=partial(endpoint, res),
                           ended=ended_state(res, record), reason=_reason(res, record),
                           heading=heading_of(data), extra=_extra(res, "extra_"),
                           can_edit=_allowed(res.spec.authorise_update, actor, record),
                           can_end=_allowed(res.spec.authorise_end, actor, record))


def _reason(res: Resource, record) -> str:
    return end_reason(res.spec, record) if res.spec.is_ended(record) else ""


def heading_of(data: dict) -> str:
    """What a record is called on its own page."""
    for key in ("title", "name", "email", "source_name", "description"):
        if data.get(key):
            return str(data[key])
    if data.get("opportunity_id"):
        return f"Bid on {opportunity_title(data['opportunity_id'])}"
    if data.get("person_id"):
        return person_name(data["person_id"])
    return f"#{data.get('id')}"


def _allowed(check, actor, record) -> bool:
    """Whether the actor may do it, to offer the button (the service still decides)."""
    from coi.errors import Forbidden
    try:
        check(actor, record)
    except Forbidden:
        return False
    return True


def _defaults(actor, fields) -> dict:
    """A new form's starting values: ?field= from a link, the account's own organisation,
    and the schema's defaults for radios and yes/no questions."""
    values = {}
    for f in fields:
        wanted = request.args.get(f.name)
        if wanted is None and f.name in ("ulo_id", "commissioner_id", "organisation_id"):
            wanted = str(actor.organisation_id or "")
        if wanted and any(v == wanted for v, _ in f.choices):
            values[f.name] = [wanted] if f.multiple else wanted
        elif f.default is not None and f.widget in ("radios", "yesno"):
            values[f.name] = f.default
    return values


def _form_fields(res: Resource, actor, record) -> list:
    """The form's fields for this account: choices in its scope, fields it cannot fill in
    explained instead, and a record's current choices kept even when no longer offered (a
    person who has left, a closed body), so that saving the form does not drop them."""
    schema = res.spec.update_schema if record else res.spec.create_schema
    fields = forms.fields_of(schema, res.overrides, res.choices(actor))
    for f in fields:
        reason = res.unavailable(actor).get(f.name)
        if reason:
            f.widget, f.hint = "unavailable", reason
    if record is not None:
        current = forms.record_values(res.public(record), fields)
        # A change keeps the Create schema's constraints: say which answers cannot be left
        # empty, instead of labelling every field "(optional)" (WCAG 3.3.2).
        needed = {f.name for f in forms.fields_of(res.spec.create_schema) if f.required}
        for f in fields:
            _keep_current(f, current.get(f.name))
            f.shown_required = f.name in needed
    return fields


def _keep_current(f, value) -> None:
    if not f.choices or f.widget not in ("select", "checkboxes") or not value:
        return
    offered = {v for v, _ in f.choices}
    for v in (value if isinstance(value, list) else [value]):
        if v not in offered:
            f.choices.append((v, _name_of(f.name, v)))


def _name_of(field_name: str, value: str) -> str:
    if field_name in PEOPLE_KEYS:
        return person_name(value)
    if field_name == "opportunity_id":
        return opportunity_title(value)
    return org_name(value)


def form_view(res: Resource, record_id: int | None = None):
    """Create a record, or edit one: errors shown at each field, what was typed kept."""
    from coi.errors import Forbidden
    actor = _actor()
    record = res.get(actor, record_id) if record_id else None
    if record is None and not res.can_create(actor):
        raise Forbidden(f"Your role cannot add {res.title.lower()}.")
    if record is not None:
        res.spec.authorise_update(actor, record)
    fields = _form_fields(res, actor, record)
    errors: dict = {}
    if request.method == "POST":
        values = forms.raw_values(request.form, fields)
        if g.get("csrf_failed"):
            errors = {"_form": CSRF_MESSAGE}
        else:
            try:
                data = forms.parse(request.form, fields)
                if record is None:
                    record = res.create(actor, data)
                    flash(f"The {res.singular} was saved.", "success")
                else:
                    res.update(actor, record_id, data)
                    flash(f"Your changes to the {res.singular} were saved.", "success")
                return redirect(url_for(endpoint(res, "show"), record_id=record.id))
            except Invalid as exc:
                errors = forms.friendly(exc.by_field(), fields)
    elif record is not None:
        values = forms.record_values(res.public(record), fields)
    else:
        values = _defaults(actor, fields)
    return render_template("crud/form.html", res=res, record=record, fields=fields,
                           values=values, errors=errors, endpoint=partial(endpoint, res)), \
        (422 if errors else 200)


def end_view(res: Resource, record_id: int):
    """End or withdraw a record with a reason (nothing is deleted)."""
    actor = _actor()
    record = res.get(actor, record_id)
    res.spec.authorise_end(actor, record)
    fields = forms.fields_of(EndRecord)
    errors: dict = {}
    values: dict = {}
    if request.method == "POST":
        values = forms.raw_values(request.form, fields)
        if g.get("csrf_failed"):
            errors = {"_form": CSRF_MESSAGE}
        else:
            try:
                res.end(actor, record_id, forms.parse(request.form, fields))
                flash(f"The {res.singular} was {res.end_done}.", "success")
                return redirect(url_for(endpoint(res, "show"), record_id=record_id))
            except Invalid as exc:
                errors = forms.friendly(exc.by_field(), fields)
    return render_template("crud/end.html", res=res, record=record, fields=fields,
                           values=values, errors=errors, data=res.public(record),
                           endpoint=partial(endpoint, res)), (422 if errors else 200)
