"""Files the pages give to download: any body as an attachment, a CSV (coi.csvout), and every
page of a list for a CSV of all of it."""

from collections.abc import Callable, Iterable, Iterator

from flask import Response

from coi import csvout
from coi.services import kept
from coi.services.base import ListQuery, Page

CSV_LIMIT = 100_000  # rows at most in one CSV download
KEPT_CSV_ROWS = 500  # a list's CSV is kept (listed_csv) when it has at most this many rows


def attachment(body, filename: str, mimetype: str) -> Response:
    """A response the browser saves as `filename` (body: text, bytes or an iterator)."""
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def csv_attachment(filename: str, header: Iterable[str], rows: Iterable[Iterable]) -> Response:
    """A spreadsheet-safe CSV download (UTF-8 with a BOM)."""
    return attachment(csvout.text(header, rows), filename, "text/csv")


def listed_csv(filename: str, stmt, header: list[str], rows: Callable[[], Iterable[Iterable]],
               *key) -> Response:
    """csv_attachment of rows(), the rows of a list's statement (base.listing): kept until the
    register changes (kept.by_statement: the statement and key) when there are at most
    KEPT_CSV_ROWS of them, as the same few exports are downloaded again and again."""
    def compute() -> str:
        count = 0

        def counted():
            nonlocal count
            for row in rows():
                count += 1
                yield row
        body = csvout.text(header, counted())
        if count > KEPT_CSV_ROWS:
            raise _NotKept(body)
        return body
    try:
        body = kept.by_statement("csv", stmt, compute, filename, *key)
    except _NotKept as big:
        body = big.body
    return attachment(body, filename, "text/csv")


class _NotKept(Exception):
    """A file too big to keep, raised out of its computation so that the cache does not
    store it."""

    def __init__(self, body: str):
        super().__init__()
        self.body = body


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
