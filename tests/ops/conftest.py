import io
import json
import logging

import pytest
import structlog

from ops.health import migrations_reset_cache
from ops.logs import formatter


@pytest.fixture(autouse=True)
def _fresh_migration_check():
    migrations_reset_cache()
    yield
    migrations_reset_cache()


class LogCapture:
    """Every line logged (structlog or the standard library) rendered as production does:
    one JSON object per line."""

    def __init__(self):
        self.stream = io.StringIO()

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.text.splitlines() if line.strip()]

    def events(self, name: str) -> list[dict]:
        return [line for line in self.lines() if line.get("event") == name]


@pytest.fixture
def json_logs():
    config = formatter("json")
    factory = config.pop("()")
    handler = logging.StreamHandler()
    capture = LogCapture()
    handler.setStream(capture.stream)
    handler.setFormatter(factory(**config))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    structlog.contextvars.clear_contextvars()
    try:
        yield capture
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        structlog.contextvars.clear_contextvars()
