import pytest
import time_machine

from tests.reports.history import NOW, build_history


@pytest.fixture
def today():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def history(db, today):
    return build_history()
