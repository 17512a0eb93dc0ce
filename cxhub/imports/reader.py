"""Reading an import file: UTF-8 text (with or without a byte-order mark, any line endings), a header on
line 1 naming the columns, then one record per row. Problems with the file as a whole are an
ImportFileError with a message for the person who made it; problems with one row are the row's own.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cxhub.exceptions import DomainError
from cxhub.imports.registry import ROW_ERRORS, Importer, Row

DELIMITERS = (",", ";", "\t")  # spreadsheets in many European locales save with semicolons


class ImportFileError(DomainError):
    """The file as a whole cannot be imported; nothing was written."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="file", code="import_file")


@dataclass(frozen=True)
class Layout:
    """What the header said: the column names in file order (normalised; None for a column without a
    name, which is ignored) and the delimiter."""

    columns: tuple[str | None, ...]
    delimiter: str

    @property
    def names(self) -> list[str]:
        return [name for name in self.columns if name]


@dataclass(frozen=True)
class RawRow:
    """A data row as read, before the runner's checks."""

    row: Row
    extra: int  # non-empty cells beyond the header's columns


def normalise_header(name: str) -> str:
    """'External ID' and 'external-id' are external_id."""
    return "_".join(name.strip().lower().replace("-", " ").split())


@contextmanager
def _text(binary: IO[bytes]) -> Iterator[io.TextIOWrapper]:
    """The file as text lines with their endings kept (csv needs them), without closing the caller's file."""
    raw = getattr(binary, "file", binary)  # Django's File objects wrap the real one
    raw.seek(0)
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")  # strips a leading BOM if any
    try:
        yield text
    finally:
        text.detach()


def _not_utf8(binary: IO[bytes]) -> ImportFileError:
    """The error for a file that does not decode, naming the first line at fault. Only on this path is
    the whole file read into memory: text is decoded in chunks, so the decoder's own position is not a line."""
    raw = getattr(binary, "file", binary)
    raw.seek(0)
    content = raw.read()
    try:
        content.decode("utf-8")
        line = 1
    except UnicodeDecodeError as error:
        line = content.count(b"\n", 0, error.start) + 1
    return ImportFileError(_(
        "The file is not UTF-8 text (the first problem is on line %(line)d). Save it from your spreadsheet "
        "as \"CSV UTF-8\" and upload it again."
    ) % {"line": line})


def _bad_csv(line: int, error: Exception) -> ImportFileError:
    return ImportFileError(_("Line %(line)d cannot be read as CSV (%(error)s).") % {"line": line, "error": error})


def _delimiter(first_line: str) -> str:
    return max(DELIMITERS, key=first_line.count)


def _layout(first_line: str, importer: Importer) -> Layout:
    delimiter = _delimiter(first_line)
    try:
        header = next(csv.reader([first_line], delimiter=delimiter), [])
    except csv.Error as error:
        raise _bad_csv(1, error) from None
    columns = tuple(normalise_header(cell) or None for cell in header)
    names = [name for name in columns if name]
    expected = ", ".join(importer.column_names)
    if not names:
        raise ImportFileError(_("Line 1 must name the columns: %(columns)s.") % {"columns": expected})
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ImportFileError(_("The header names a column more than once: %(columns)s.")
                              % {"columns": ", ".join(repeated)})
    unknown = [name for name in names if name not in importer.column_names]
    if unknown:
        raise ImportFileError(ngettext(
            "Unknown column %(columns)s. The columns of this kind of file are: %(expected)s.",
            "Unknown columns %(columns)s. The columns of this kind of file are: %(expected)s.",
            len(unknown),
        ) % {"columns": ", ".join(unknown), "expected": expected})
    missing = [name for name in importer.required_columns if name not in names]
    if missing:
        raise ImportFileError(ngettext(
            "The file has no %(columns)s column, which is required. Line 1 must name the columns.",
            "The file has no %(columns)s columns, which are required. Line 1 must name the columns.",
            len(missing),
        ) % {"columns": ", ".join(missing)})
    return Layout(columns=columns, delimiter=delimiter)


def read_layout(binary: IO[bytes], importer: Importer) -> Layout:
    """Check the header of the file against the importer's columns."""
    with _text(binary) as text:
        try:
            first = text.readline()
        except UnicodeDecodeError:
            raise _not_utf8(binary) from None
    if not first.strip():
        if first == "":
            raise ImportFileError(_("The file is empty."))
        raise ImportFileError(_("Line 1 is empty: it must name the columns."))
    return _layout(first, importer)


def iter_rows(binary: IO[bytes], layout: Layout) -> Iterator[RawRow]:
    """The data rows with the line each starts on; blank lines and rows of empty cells are skipped.

    A quoted value may span lines, so a row's number is the line it starts on, as a spreadsheet shows it.
    """
    with _text(binary) as text:
        reader = csv.reader(text, delimiter=layout.delimiter)
        width = len(layout.columns)
        try:
            next(reader, None)  # the header, checked by read_layout
            line = reader.line_num
            for cells in reader:
                start, line = line + 1, reader.line_num
                if not any(cell.strip() for cell in cells):
                    continue
                if any("\0" in cell for cell in cells):  # no database stores it in text, and no text file has it
                    raise ImportFileError(_("Line %(line)d contains a NUL character: this is not a text file.")
                                          % {"line": start})
                values = {name: (cells[i].strip() if i < len(cells) else "")
                          for i, name in enumerate(layout.columns) if name}
                extra = sum(1 for cell in cells[width:] if cell.strip())
                yield RawRow(Row(number=start, values=values), extra)
        except UnicodeDecodeError:
            raise _not_utf8(binary) from None
        except csv.Error as error:
            raise _bad_csv(reader.line_num, error) from None


def inspect(binary: IO[bytes], importer: Importer) -> tuple[Layout, int]:
    """Check the whole file (header, encoding, CSV syntax) and count its data rows, before anything is
    written: a file that is not right fails as a whole."""
    layout = read_layout(binary, importer)
    count = sum(1 for _row in iter_rows(binary, layout))
    if count == 0:
        raise ImportFileError(_("The file has a header but no rows to import."))
    return layout, count


def row_problems(raw: RawRow, importer: Importer) -> dict[str, list[str]]:
    """What the runner refuses before a row reaches its importer: cells beyond the header, and empty
    values in required columns."""
    problems: dict[str, list[str]] = {}
    if raw.extra:
        problems[ROW_ERRORS] = [ngettext("This row has %(count)d value more than the header has columns.",
                                         "This row has %(count)d values more than the header has columns.",
                                         raw.extra) % {"count": raw.extra}]
    for name in importer.required_columns:
        if raw.row.values.get(name, "") == "":
            problems[name] = [_("This value is required.")]
    return problems
