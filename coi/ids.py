"""Record ids that come from outside (a query string, a URL, a file): whole numbers that every
database's integer columns can hold. Anything else cannot be a record, so callers answer "not
found" or "choose from the list" instead of letting int() or the database fail."""

MAX_ID = 2**31 - 1  # ids are 32-bit integers on every database


def as_id(value) -> int | None:
    """value as a record id, or None when it is not a whole number from 1 to MAX_ID."""
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= MAX_ID else None


def is_id(value) -> bool:
    """Whether value can be a record id."""
    return as_id(value) is not None
