"""CSV for spreadsheet users: UTF-8 with a byte-order mark, and no cell that a spreadsheet would
run as a formula (a leading = + - @, tab or carriage return gets a ' in front). Pure: the
page downloads (coi.web.downloads) and the audit export stream what this writes."""

import csv
import io
from collections.abc import Callable, Iterable, Iterator

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


RISKY_STARTS = frozenset(FORMULA_STARTS)


def cell(value) -> str:
    """A spreadsheet-safe cell: None empty, a list joined with "; ", a formula neutralised."""
    if value.__class__ is str:  # most cells: no conversion
        text = value
    elif value is None:
        return ""
    elif isinstance(value, list):
        text = "; ".join(map(str, value))
    else:
        text = str(value)
    return "'" + text if text[:1] in RISKY_STARTS else text


def chunks(header: Iterable[str], rows: Iterable[Iterable], safe: Callable[[object], str] = cell,
           every: int = 500) -> Iterator[str]:
    """The file in pieces for streaming: the BOM and the header row first, then `every` rows
    at a time, each value made safe by `safe`."""
    out = io.StringIO()
    writer = csv.writer(out)
    out.write(BOM)
    writer.writerow(list(header))
    for n, row in enumerate(rows, start=1):
        writer.writerow(map(safe, row))
        if n % every == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def text(header: Iterable[str], rows: Iterable[Iterable]) -> str:
    """The whole file as one string."""
    return "".join(chunks(header, rows))
