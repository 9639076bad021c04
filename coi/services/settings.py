"""Settings an administrator can change: extra service-area codes, rule thresholds, limits."""

from sqlalchemy import select

from coi import access, audit, db, vocab
from coi.errors import Invalid
from coi.models import Setting
from coi.services import base


def get(key: str, default: dict | None = None) -> dict:
    row = db.session().execute(select(Setting).where(Setting.key == key)).scalar_one_or_none()
    return dict(row.value) if row else dict(default or {})


def put(actor, key: str, value: dict) -> None:
    """Store a setting (admins only), audited like every other write."""
    with base.writing() as s:
        access.require_role(actor, "admin")
        row = s.get(Setting, key)
        before = dict(row.value) if row else None
        if row is None:
            row = Setting(key=key, value=value)
        else:
            row.value = value
        s.add(row)
        s.flush()
        audit.append(s, access.actor_name(actor), "setting.update", "setting", None,
                     {"key": key, "value": before}, {"key": key, "value": value})


def service_areas() -> dict[str, str]:
    """The service-area codes: the standard ones plus any an administrator added."""
    return {**vocab.SERVICE_AREAS, **get("service_areas").get("extra", {})}


def add_service_area(actor, code: str, label: str) -> None:
    code, label = (code or "").strip(), (label or "").strip()
    errors = {}
    if not code or len(code) > 40 or not code.replace("_", "").isalnum() or code != code.lower():
        errors["code"] = "Code must be lower-case letters, digits and underscores, up to 40"
    elif code in service_areas():
        errors["code"] = "That code is already in use"
    if not label or len(label) > 100:
        errors["label"] = "Label is required, up to 100 characters"
    if errors:
        raise Invalid(errors)
    extra = get("service_areas").get("extra", {})
    put(actor, "service_areas", {"extra": {**extra, code: label}})


def check_service_areas(errors: dict, values: dict) -> None:
    known = service_areas()
    unknown = [c for c in values.get("service_areas") or [] if c not in known]
    if unknown:
        errors.setdefault("service_areas", f"Unknown service area: {', '.join(unknown)}")
