"""Reading an uploaded export (CSV in one of four encodings, or an XLSX workbook): its header
and its rows one at a time, every cell as the text the CSV path would hold."""

import codecs
import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator

import openpyxl
from django.utils.translation import gettext_lazy as _
from openpyxl.utils.exceptions import InvalidFileException

ENCODING_LABELS = {
    "utf-8": _("UTF-8"),
    "utf-8-sig": _("UTF-8 with byte-order mark"),
    "cp1252": _("Windows-1252"),
    "latin-1": _("Latin-1 (ISO-8859-1)"),
    "xlsx": _("Excel workbook (XLSX)"),
}
# The "encoding" of a workbook: its cells carry their own types, so no text encoding applies.
XLSX = "xlsx"
_ZIP_MAGIC = b"PK\x03\x04"
# An OLE compound file: an Excel workbook saved with a password (encrypted), or the old .xls.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CHUNK = 64 * 1024


def _decodes(data: bytes, encoding: str) -> bool:
    """Decode in chunks, keeping nothing: the file is never held twice as text."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    view = memoryview(data)
    try:
        for start in range(0, len(view), _CHUNK):
            decoder.decode(view[start : start + _CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


class UnreadableFile(Exception):
    """The workbook cannot be read; the message says what to do."""


def looks_like_workbook(data: bytes, filename: str = "") -> bool:
    return (
        data.startswith(_ZIP_MAGIC)
        or data.startswith(_OLE_MAGIC)
        or filename.lower().endswith((".xlsx", ".xlsm", ".xls"))
    )


def _damaged() -> UnreadableFile:
    return UnreadableFile(
        _(
            "The workbook cannot be read: it is damaged or not an .xlsx file. Open it in "
            "Excel, save it again as .xlsx (or as CSV) and upload that."
        )
    )


def _sheet_rows(data: bytes) -> Iterator[tuple]:
    """The first sheet's rows as tuples of cell values, streamed (read-only mode parses the
    sheet's XML as it goes; the workbook is never loaded whole)."""
    if data.startswith(_OLE_MAGIC):
        raise UnreadableFile(
            _(
                "The workbook is protected by a password (or is an old .xls file). Remove the "
                "password, or save it as .xlsx, and upload it again."
            )
        )
    try:
        workbook = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=True, keep_links=False
        )
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise _damaged() from None
    try:
        if not workbook.worksheets:
            return
        # Read-only mode yields an empty tuple for each empty row, so rows keep their numbers.
        yield from workbook.worksheets[0].iter_rows(values_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, SyntaxError):
        raise _damaged() from None
    finally:
        workbook.close()


def cell_text(value) -> str:
    """A cell's value as the CSV path would read it: dates as YYYY-MM-DD, whole numbers
    without ".0", empty cells as ""."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    return str(value)


def encoding_detect(data: bytes) -> str:
    """UTF-8 with or without a byte-order mark when the bytes are valid UTF-8, else
    Windows-1252 (what Excel on Windows writes), else Latin-1, which decodes any bytes."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if _decodes(data, "utf-8"):
        return "utf-8"
    if _decodes(data, "cp1252"):
        return "cp1252"
    return "latin-1"


def rows_read(data: bytes, encoding: str) -> Iterator[tuple[int, list[str]]]:
    """(line number of the record's first line, cells) for every record after the header
    line, streamed: one record in memory at a time. For a workbook, the sheet's row number."""
    if encoding == XLSX:
        rows = _sheet_rows(data)
        next(rows, None)
        for number, values in enumerate(rows, start=2):
            cells = [cell_text(v) for v in values]
            if any(cell.strip() for cell in cells):
                yield number, cells
        return
    text = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
    reader = csv.reader(text)
    try:
        next(reader)
    except StopIteration:
        return
    last_line = reader.line_num
    for cells in reader:
        start, last_line = last_line + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        yield start, cells


def header_read(data: bytes, encoding: str) -> list[str]:
    """The header line's names, trimmed and lower case."""
    if encoding == XLSX:
        rows = _sheet_rows(data)
        try:
            first = next(rows, None) or ()
        finally:
            rows.close()
        return [cell_text(v).strip().lower() for v in first]
    text = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
    try:
        header = next(csv.reader(text))
    except (StopIteration, csv.Error):
        return []
    return [name.strip().lower() for name in header]
