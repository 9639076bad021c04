"""HTML forms derived from the same pydantic schemas that validate the API.

A schema field becomes a Field (its widget, label, hint and choices); a posted form becomes the
dict the schema validates; what the user typed is kept as raw strings for showing again.
"""

import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from coi.schemas import In

WIDGETS = ("text", "textarea", "select", "radios", "checkboxes", "date", "money", "yesno",
           "lines", "email", "password", "unavailable")
DATE_HINT = "For example, 31 3 2026"


@dataclass
class Field:
    name: str
    label: str
    widget: str
    hint: str = ""
    required: bool = False
    multiple: bool = False
    choices: list[tuple[str, str]] = field(default_factory=list)
    max_length: int | None = None
    default: Any = None  # what a new form starts with (a radio or yes/no), as form text

    @property
    def fills(self) -> bool:
        """False for a field shown only to explain why this account cannot fill it in."""
        return self.widget != "unavailable"


def _unwrap(annotation) -> tuple[Any, bool]:
    """(inner type, optional?) of an annotation, looking through Optional and Annotated."""
    optional = False
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional, annotation = True, args[0]
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation, optional


def _max_length(info) -> int | None:
    for meta in info.metadata:
        if getattr(meta, "max_length", None):
            return meta.max_length
    annotation = info.annotation
    for arg in typing.get_args(annotation):
        for meta in getattr(arg, "__metadata__", ()):
            if getattr(meta, "max_length", None):
                return meta.max_length
    return None


def _widget(inner, name: str) -> tuple[str, bool, list]:
    origin = typing.get_origin(inner)
    if origin is list:
        item, _ = _unwrap(typing.get_args(inner)[0])
        if typing.get_origin(item) is typing.Literal:
            return "checkboxes", True, [(c, c) for c in typing.get_args(item)]
        if item is int:
            return "checkboxes", True, []
        return ("checkboxes" if name == "service_areas" else "lines"), True, []
    if origin is typing.Literal:
        return "radios", False, [(c, c) for c in typing.get_args(inner)]
    if inner is date:
        return "date", False, []
    if inner is Decimal:
        return "money", False, []
    if inner is bool:
        return "yesno", False, []
    if inner is int:
        return "select", False, []
    if name == "email":
        return "email", False, []
    if name == "password":
        return "password", False, []
    return "text", False, []


def fields_of(schema: type[In], overrides: dict | None = None,
              choices: dict[str, list] | None = None, omit: tuple = ()) -> list[Field]:
    """One Field per schema field, in order; overrides set widget/hint per name."""
    out = []
    for name, info in schema.model_fields.items():
        if name in omit:
            continue
        inner, optional = _unwrap(info.annotation)
        widget, multiple, opts = _widget(inner, name)
        length = _max_length(info)
        if widget == "text" and length and length > 500:
            widget = "textarea"
        f = Field(name=name, label=info.title or name, widget=widget,
                  hint=_hint(info.description, widget), multiple=multiple, choices=opts,
                  required=info.is_required() and not optional, max_length=length,
                  default=_form_default(info.default))
        for key, value in (overrides or {}).get(name, {}).items():
            setattr(f, key, _hint(value, f.widget) if key == "hint" else value)
        if choices and name in choices:
            f.choices = [(str(v), lbl) for v, lbl in choices[name]]
        out.append(f)
    return out


def _hint(text: str | None, widget: str) -> str:
    """A date field's hint always shows how to type a date."""
    text = (text or "").rstrip(".")
    if widget != "date":
        return text
    return f"{text}. {DATE_HINT}" if text else DATE_HINT


def _form_default(value) -> str | None:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and value:
        return value
    return None


def friendly(errors: dict, fields: list[Field]) -> dict:
    """Messages in the form's own terms: a date is typed as day, month and year here."""
    dates = {f.name for f in fields if f.widget == "date"}
    return {name: (message.replace("like 2026-03-31", "for example 31 3 2026")
                   if name in dates else message) for name, message in errors.items()}


def _date_from(form, name: str):
    parts = [form.get(f"{name}-{p}", "").strip() for p in ("day", "month", "year")]
    if not any(parts):
        return None
    day, month, year = parts
    if not (day.isascii() and day.isdecimal() and month.isascii() and month.isdecimal()
            and year.isascii() and year.isdecimal() and len(year) == 4):
        return "not-a-date"
    return f"{year}-{int(month):02d}-{int(day):02d}"


def _money_from(raw: str):
    raw = raw.replace(",", "").replace("£", "").strip()
    return raw or None


def parse(form, fields: list[Field]) -> dict:
    """The posted form as the dict its schema validates."""
    data: dict[str, Any] = {}
    for f in fields:
        if not f.fills or (f.widget == "password" and not form.get(f.name)):
            continue  # an empty password on an edit form means "keep the password"
        if f.widget == "date":
            value = _date_from(form, f.name)
            if value is not None or not f.required:  # a required date left empty is missing
                data[f.name] = value
        elif f.widget == "lines":
            raw = form.get(f.name, "")
            data[f.name] = [p.strip() for p in raw.replace(",", "\n").splitlines() if p.strip()]
        elif f.multiple:
            data[f.name] = form.getlist(f.name)
        elif f.widget == "yesno":
            raw = form.get(f.name)
            if raw in ("yes", "no"):
                data[f.name] = raw == "yes"
        elif f.widget == "money":
            value = _money_from(form.get(f.name, ""))
            if value is not None or not f.required:
                data[f.name] = value
        else:
            raw = form.get(f.name, "")
            if raw.strip() or (f.required and f.widget not in ("select", "radios")):
                data[f.name] = raw
            elif not f.required:
                data[f.name] = None
            # a required choice left unchosen is missing: "… is required"
    return data


def raw_values(form, fields: list[Field]) -> dict:
    """What the user typed, to show again after an error."""
    values: dict[str, Any] = {}
    for f in fields:
        if not f.fills:
            continue
        if f.widget == "date":
            for part in ("day", "month", "year"):
                values[f"{f.name}-{part}"] = form.get(f"{f.name}-{part}", "")
        elif f.multiple and f.widget != "lines":
            values[f.name] = form.getlist(f.name)
        else:
            values[f.name] = form.get(f.name, "")
    return values


def record_values(data: dict, fields: list[Field]) -> dict:
    """A record's public data as raw form values, for an edit form."""
    values: dict[str, Any] = {}
    for f in fields:
        value = data.get(f.name)
        if not f.fills:
            continue
        if f.widget == "date":
            parsed = date.fromisoformat(value) if isinstance(value, str) and value else value
            for part, attr in (("day", "day"), ("month", "month"), ("year", "year")):
                values[f"{f.name}-{part}"] = str(getattr(parsed, attr)) if parsed else ""
        elif f.widget == "lines":
            values[f.name] = "\n".join(value or [])
        elif f.multiple:
            values[f.name] = [str(v) for v in value or []]
        elif f.widget == "yesno":
            values[f.name] = "" if value is None else ("yes" if value else "no")
        else:
            values[f.name] = "" if value is None else str(value)
    return values


ChoiceFn = Callable[[Any], list]
