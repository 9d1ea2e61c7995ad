"""What a report shows, as tables of text: the page renders them and the CSV writes them, so
the download holds exactly the figures on the screen."""

import csv
import io
from dataclasses import dataclass, field

from django.http import HttpResponse

# Spreadsheet programs run cells that start with these as formulas (the member export defuses
# them the same way).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Table:
    key: str  # the section's id on the page
    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    footer: list[str] | None = None
    # How many leading columns are labels (left-aligned, row headers); the rest are figures.
    label_columns: int = 1
    note: str = ""

    def cells(self) -> list[list[str]]:
        return [self.columns, *self.rows, *([self.footer] if self.footer else [])]


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_response(*, tables: list[Table], filename: str, heading: list[str]) -> HttpResponse:
    """Every table of a report, one after the other with its title, in one CSV file."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in heading:
        writer.writerow([safe_cell(line)])
    for table in tables:
        writer.writerow([])
        writer.writerow([safe_cell(table.title)])
        for row in table.cells():
            writer.writerow([safe_cell(cell) for cell in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
