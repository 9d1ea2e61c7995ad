"""Reading PDFs back in tests with poppler: the text (`pdftotext`) and page images (`pdftoppm`)."""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest


def _poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{tool} (poppler-utils) is missing")
        pytest.skip(f"{tool} (poppler-utils) is not installed")
    return path


def pdf_text(pdf: bytes) -> str:
    """The PDF's text in reading order, as a person copying it would get it, with each run of
    white space (line breaks where a column wrapped) written as one space."""
    result = subprocess.run(
        [_poppler("pdftotext"), "-enc", "UTF-8", "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
        timeout=60,
    )
    return " ".join(result.stdout.decode("utf-8").split())


def pdf_pages_png(pdf: bytes, *, dpi: int = 80, keep_as: str | None = None) -> list[Path]:
    """Each page as a PNG; with `keep_as`, copies land in SCREENSHOT_DIR to be looked at."""
    folder = Path(tempfile.mkdtemp(prefix="icma-pdf-"))
    source = folder / "document.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [_poppler("pdftoppm"), "-png", "-r", str(dpi), str(source), str(folder / "page")],
        check=True,
        timeout=60,
    )
    pages = sorted(folder.glob("page*.png"))
    if keep_as:
        screens = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/icma-screens"))
        screens.mkdir(parents=True, exist_ok=True)
        for n, page in enumerate(pages, 1):
            shutil.copy(page, screens / f"{keep_as}-{n}.png")
    return pages
