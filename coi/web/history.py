"""The auditor's history pages: the chain's head and verification, the events (filtered), one
record's changes field by field, a record as it stood on a date, and the exports."""

from datetime import date

from flask import Blueprint, Response, render_template, request
from flask_login import current_user, login_required
from pydantic import Field

from coi import vocab
from coi.errors import Invalid
from coi.models import AuditEvent, Person
from coi.resources import RESOURCES, orgs
from coi.schemas import In
from coi.services import audit_export, history
from coi.services.base import title_of, validate
from coi.services.declarations import GIFT_DECISIONS
from coi.web import forms
from coi.web.downloads import attachment
from coi.web.filters import prime

bp = Blueprint("history", __name__, url_prefix="/history")

LABELS = {"id": "Record number", "value_pence": "Value in pence",
          "amount_pence": "Amount in pence", "ended_reason": "Why it ended"}
# Codes in snapshots shown in words; the code itself stays in the exports and the API.
VALUE_LABELS = {
    "category": vocab.DECLARATION_CATEGORIES, "gift_decision": GIFT_DECISIONS,
    "influence": vocab.INFLUENCE, "route": vocab.ROUTES, "role": vocab.ROLES,
    "status": {**vocab.BID_STATUSES, **vocab.FLAG_STATUSES}, "severity": vocab.SEVERITIES,
    "kind": {**vocab.ORG_KINDS, **vocab.ARRANGEMENT_KINDS, **vocab.DOCUMENT_KINDS},
    "purposes": vocab.PURPOSES, "outcome": vocab.OUTCOMES, "mitigations": vocab.MITIGATIONS,
    "service_areas": vocab.SERVICE_AREAS,
}
LIST_ONLY = ("person_id", "organisation_id", "order", "page", "per_page")
DECLARATION_FILTERS = ("person_id", "organisation_id", "since", "until")


class AsOf(In):
    on: date = Field(title="Show the record as it stood on")


def _actor():
    return current_user.user


def _resource(entity: str):
    return next((r for r in RESOURCES.values() if r.spec.entity == entity), None)


def entity_label(entity: str) -> str:
    """An audit event's entity in words: "board member" for board_member."""
    res = _resource(entity)
    return res.singular if res else entity.replace("_", " ")


def field_label(entity: str, name: str) -> str:
    """A snapshot's field as its form names it."""
    res = _resource(entity)
    if name in LABELS or res is None:
        return LABELS.get(name, name.replace("_", " ").capitalize())
    return title_of(res.spec.create_schema, name)


def record_url(entity: str, entity_id: int) -> str | None:
    """The record's own page, when it has one."""
    from flask import url_for

    from coi.web.crud import endpoint
    res = _resource(entity)
    return url_for(endpoint(res, "show"), record_id=entity_id) if res else None


@bp.app_context_processor
def _helpers():
    return {"entity_label": entity_label, "field_label": field_label, "record_url": record_url,
            "diff": history.diff, "value_labels": VALUE_LABELS}


def _filter_fields(keep: tuple[str, ...] | None = None) -> list[forms.Field]:
    entities = [(e, entity_label(e).capitalize()) for e in history.choices(AuditEvent.entity)]
    actions = [(a, a) for a in history.choices(AuditEvent.action)]
    fields = forms.fields_of(
        history.EventFilters, {"entity_id": {"widget": "text"}, "actor": {"widget": "text"}},
        {"entity": entities, "action": actions, "organisation_id": orgs(),
         "person_id": history.people(_actor())})
    wanted = keep or tuple(f.name for f in fields if f.name not in LIST_ONLY)
    return [f for f in fields if f.name in wanted]


def _events_page(fields, fixed: dict | None = None):
    """(page or None, errors, values typed) for the filters in the query string."""
    values = forms.raw_values(request.args, fields)
    data = {**forms.parse(request.args, fields), **(fixed or {}),
            "page": request.args.get("page", "1") or "1"}
    data = {k: v for k, v in data.items() if v is not None}
    try:
        page = history.list_events(_actor(), data)
    except Invalid as exc:
        return None, exc.by_field(), values
    prime(Person, [e.after.get("person_id") for e in page.items
                   if e.entity == "declaration" and e.after])
    return page, {}, values


@bp.route("")
@login_required
def index():
    """The chain's head to minute, the check, the exports and the filtered list of events."""
    seq, digest = history.chain_head(_actor())
    fields = _filter_fields()
    page, errors, values = _events_page(fields)
    return render_template("history/index.html", head_seq=seq, head_hash=digest, page=page,
                           fields=fields, values=values, errors=errors), \
        (422 if errors else 200)


@bp.route("/declarations")
@login_required
def declarations():
    """Every change to declarations, for a person, an organisation or a period."""
    history.require_reader(_actor())
    fields = _filter_fields(DECLARATION_FILTERS)
    page, errors, values = _events_page(fields, {"entity": "declaration"})
    return render_template("history/declarations.html", page=page, fields=fields,
                           values=values, errors=errors), (422 if errors else 200)


@bp.route("/verify")
@login_required
def verify():
    """Walk the whole chain and say whether it is intact, or where it first breaks."""
    return render_template("history/verify.html", verdict=history.verify_chain(_actor()))


@bp.route("/<entity>/<int:entity_id>")
@login_required
def record(entity: str, entity_id: int):
    """Every change to one record, field by field, and the record as it stood on a date."""
    events = history.record_events(_actor(), entity, entity_id)
    fields = forms.fields_of(AsOf)
    values = forms.raw_values(request.args, fields)
    errors, chosen, stood = {}, None, None
    if any(request.args.get(f"on-{part}") for part in ("day", "month", "year")):
        try:
            chosen = validate(AsOf, forms.parse(request.args, fields)).on
            stood = history.as_of(events, chosen)
        except Invalid as exc:
            errors = exc.by_field()
    latest = events[-1].after or events[-1].before or {}
    return render_template("history/record.html", entity=entity, entity_id=entity_id,
                           events=events, latest=latest, fields=fields, values=values,
                           errors=errors, chosen=chosen, stood=stood), (422 if errors else 200)


def _download(fmt: str, mimetype: str) -> Response:
    seq, _, chunks = audit_export.export(_actor(), fmt)
    name = f"two-hats-audit-{date.today().isoformat()}-to-{seq}.{fmt}"
    return attachment(chunks, name, mimetype)


@bp.route("/export.json")
@login_required
def export_json():
    """The whole chain as JSON, to verify with tools/verify_audit.py."""
    return _download("json", "application/json")


@bp.route("/export.csv")
@login_required
def export_csv():
    """The whole chain as CSV (UTF-8, spreadsheet-safe), to verify with tools/verify_audit.py."""
    return _download("csv", "text/csv")
