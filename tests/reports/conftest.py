import pytest
import time_machine

from tests.reports.history import NOW, build_history


@pytest.fixture(autouse=True)
def standing_built(request):
    """The standing episodes' build row comes from a migration, and a test that flushes the
    database (a transactional test) takes it away: each database test here starts with the
    episodes built under the rules' grace period, as in production."""
    if request.node.get_closest_marker("django_db") is None:
        yield
        return
    request.getfixturevalue("db")
    from reports.summaries import standing_ensure

    standing_ensure()
    yield


@pytest.fixture
def today():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def history(db, today):
    return build_history()
