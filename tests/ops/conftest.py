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


CAPTURED_LOGGERS = ("django_structlog", "ops", "billing", "communications", "tests")


@pytest.fixture
def json_logs():
    config = formatter("json")
    factory = config.pop("()")
    handler = logging.StreamHandler()
    capture = LogCapture()
    handler.setStream(capture.stream)
    handler.setFormatter(factory(**config))
    root = logging.getLogger()
    root.addHandler(handler)
    # Levels on the project's loggers, not on the root: a worker started by a test sets the
    # root's level to its own --loglevel.
    loggers = [logging.getLogger(name) for name in CAPTURED_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.INFO)
    structlog.contextvars.clear_contextvars()
    try:
        yield capture
    finally:
        root.removeHandler(handler)
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
        structlog.contextvars.clear_contextvars()
