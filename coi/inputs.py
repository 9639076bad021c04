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
    Keys count too: a JSON object's keys are text as well. Iterative, so that however deeply
    a body is nested the check cannot overflow the stack."""
    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if not storable(item):
                return where or "body"
        elif isinstance(item, dict):
            for key, child in reversed(list(item.items())):
                if isinstance(key, str) and not storable(key):
                    return where or "body"
                stack.append((child, f"{where}.{key}" if where else str(key)))
        elif isinstance(item, (list, tuple)):
            stack.extend((child, where) for child in reversed(item))
    return None
