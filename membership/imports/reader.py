"""Reading an uploaded export: which encoding it is in, and its rows one at a time."""

import codecs
import csv
import io
from collections.abc import Iterator

from django.utils.translation import gettext_lazy as _

ENCODING_LABELS = {
    "utf-8": _("UTF-8"),
    "utf-8-sig": _("UTF-8 with byte-order mark"),
    "cp1252": _("Windows-1252"),
    "latin-1": _("Latin-1 (ISO-8859-1)"),
}
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
    line, streamed: one record in memory at a time."""
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
    text = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
    try:
        header = next(csv.reader(text))
    except (StopIteration, csv.Error):
        return []
    return [name.strip().lower() for name in header]
