"""Files the pages give to download: any body as an attachment, a CSV (coi.csvout), and every
page of a list for a CSV of all of it."""

from collections.abc import Callable, Iterable, Iterator

from flask import Response

from coi import csvout
from coi.services import kept
from coi.services.base import ListQuery, Page

CSV_LIMIT = 100_000  # rows at most in one CSV download


def attachment(body, filename: str, mimetype: str) -> Response:
    """A response the browser saves as `filename` (body: text, bytes or an iterator)."""
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def csv_attachment(filename: str, header: Iterable[str], rows: Iterable[Iterable]) -> Response:
    """A spreadsheet-safe CSV download (UTF-8 with a BOM)."""
    return attachment(csvout.text(header, rows), filename, "text/csv")


def listed_csv(filename: str, stmt, header: list[str], rows: Callable[[], Iterable[Iterable]],
               *key) -> Response:
    """csv_attachment of rows(), the rows of a list's statement (base.listing), kept until the
    register changes (kept.by_statement: the statement and key), as the same few exports are
    downloaded again and again; the figures cache serves an export too big to keep without
    keeping it."""
    body = kept.by_statement("csv", stmt, lambda: csvout.text(header, rows()), filename, *key)
    return attachment(body, filename, "text/csv")


def every_page(fetch: Callable[[ListQuery], Page], query: ListQuery,
               limit: int = CSV_LIMIT) -> Iterator[Page]:
    """The pages of a list, 500 records at a time, up to `limit` records."""
    query.page, query.per_page = 1, 500
    while (query.page - 1) * query.per_page < limit:
        page = fetch(query)
        yield page
        if query.page >= page.pages:
            return
        query.page += 1
