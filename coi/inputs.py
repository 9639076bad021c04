"""Text the register can store: no NUL characters (PostgreSQL refuses them in text) and no
unpaired surrogates (they cannot be written as UTF-8). Pure functions, used by the request
guard in coi.security and by every request schema in coi.schemas."""

UNSTORABLE = ("contains a character the register cannot store (a NUL character or a broken "
              "one). Remove it and try again")


def storable(text: str) -> bool:
    """True when text can be stored and shown as UTF-8."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def first_unstorable(value, path: str = "") -> str | None:
    """The dotted path of the first unstorable string inside value (str, list, dict), or None.
    Keys count too: a JSON object's keys are text as well."""
    if isinstance(value, str):
        return None if storable(value) else (path or "body")
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and not storable(key):
                return path or "body"
            found = first_unstorable(item, where)
            if found:
                return found
    elif isinstance(value, (list, tuple)):
        for item in value:
            found = first_unstorable(item, path)
            if found:
                return found
    return None
