"""Streaming CSV for list exports: flat memory at any size, readable in spreadsheets, safe to open."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

ROWS_PER_WRITE = 500  # rows per piece of the response: fewer, larger writes to the socket
BOM = "\ufeff"  # spreadsheets read the file as UTF-8 (Greek, Vietnamese, Persian) only with it
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_stream(header: Sequence[object], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """The CSV text in pieces: a BOM and the header, then ROWS_PER_WRITE rows at a time.

    `rows` should itself be lazy (a queryset iterator), so only one piece is ever held in memory.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(header)
    yield BOM + flush()
    pending = 0
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
        pending += 1
        if pending == ROWS_PER_WRITE:
            yield flush()
            pending = 0
    if pending:
        yield flush()
