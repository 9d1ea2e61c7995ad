"""Production keeps what the page speed relies on: compiled templates kept between requests
(Django's cached loader, which it uses when no loaders are named) and persistent database
connections checked before reuse."""

import json
import os
import runpy
import subprocess
import sys
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent.parent

PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.template import engines
engine = engines["django"].engine
database = settings.DATABASES["default"]
print(json.dumps({
    "loaders": [loader[0] if isinstance(loader, tuple) else loader for loader in engine.loaders],
    "conn_max_age": database["CONN_MAX_AGE"],
    "health_checks": database["CONN_HEALTH_CHECKS"],
}))
"""


def test_production_caches_templates_and_keeps_database_connections():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "a-test-secret-key-for-the-settings-probe-only-0123456789",
        "REDIS_URL": "redis://127.0.0.1:9/0",
    }
    env.pop("DATABASE_CONN_MAX_AGE", None)
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout
    found = json.loads(out.strip().splitlines()[-1])
    assert found["loaders"] == ["django.template.loaders.cached.Loader"]
    assert found["conn_max_age"] >= 60
    assert found["health_checks"] is True


def test_reading_the_production_settings_leaves_the_running_ones_alone():
    """A test that reads production's settings module in-process (the proxy limits do) must
    not turn on production's persistent connections for every test after it."""
    from django.db import connections

    kept = dict(connections["default"].settings_dict)
    env = {"DJANGO_SECRET_KEY": "x" * 50, "REDIS_URL": "redis://127.0.0.1:1/0"}
    with mock.patch.dict(os.environ, env):
        production = runpy.run_module("config.settings.production")

    assert production["DATABASES"]["default"]["CONN_MAX_AGE"] >= 60
    assert connections["default"].settings_dict == kept
    assert connections["default"].settings_dict["CONN_MAX_AGE"] == 0
