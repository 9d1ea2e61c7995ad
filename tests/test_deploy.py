import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args, env_extra):
    # Browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process; a deployment never has it.
    dropped = {
        "DJANGO_SECRET_KEY",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
        "DATABASE_URL",
        "REDIS_URL",
        "REDIS_CACHE_URL",
    }
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_with_production_settings_is_clean():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_extra={
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": "x7" * 40 + "-Qz_9!kP",
            "ALLOWED_HOSTS": "members.icma.org",
            "REDIS_URL": "redis://redis.internal:6379/0",
        },
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key():
    result = run_manage("check", env_extra={"DJANGO_SETTINGS_MODULE": "config.settings.production"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_production_refuses_to_start_without_redis_url():
    result = run_manage(
        "check",
        env_extra={
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": "x7" * 40 + "-Qz_9!kP",
        },
    )
    assert result.returncode != 0
    assert "REDIS_URL is not set" in result.stderr
    assert "set REDIS_URL" in result.stderr


def run_python(script: str, *, env_extra):
    dropped = {"DJANGO_SECRET_KEY", "REDIS_URL", "REDIS_CACHE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "x7" * 40 + "-Qz_9!kP",
}


def test_production_settings_alone_refuse_to_load_without_redis_url():
    result = run_python("import django; django.setup()", env_extra=PRODUCTION)
    assert result.returncode != 0
    assert "ImproperlyConfigured: REDIS_URL is not set" in result.stderr


def test_production_shares_one_redis_cache_and_never_runs_tasks_eagerly():
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "c = s.CACHES['default']; "
        "print(c['BACKEND'], c['LOCATION'], s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL)"
    )
    result = run_python(
        script, env_extra={**PRODUCTION, "REDIS_URL": "redis://redis.internal:6379/0"}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.cache.backends.redis.RedisCache",
        "redis://redis.internal:6379/0",
        "False",
        "redis://redis.internal:6379/0",
    ]


def test_production_cache_may_live_in_its_own_redis_database():
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.CACHES['default']['LOCATION'], s.CELERY_BROKER_URL)"
    )
    result = run_python(
        script,
        env_extra={
            **PRODUCTION,
            "REDIS_URL": "redis://redis.internal:6379/0",
            "REDIS_CACHE_URL": "redis://redis.internal:6379/1",
        },
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "redis://redis.internal:6379/1",
        "redis://redis.internal:6379/0",
    ]


def test_production_keeps_database_connections_and_checks_them_before_reuse():
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "d = s.DATABASES['default']; print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])"
    )
    result = run_python(
        script, env_extra={**PRODUCTION, "REDIS_URL": "redis://redis.internal:6379/0"}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["600", "True"]


def test_the_procfile_runs_gunicorn_with_threaded_workers_and_a_timeout():
    procfile = (ROOT / "Procfile").read_text()
    assert "gunicorn -c config/gunicorn.py config.wsgi" in procfile
    script = (
        "import runpy; c = runpy.run_path('config/gunicorn.py'); "
        "print(c['worker_class'], c['threads'], c['timeout'])"
    )
    result = run_python(script, env_extra={"GUNICORN_THREADS": "8"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["gthread", "8", "30"]


def test_the_readme_starts_gunicorn_as_the_procfile_does_and_states_its_timeout():
    readme = (ROOT / "README.md").read_text()
    line = next(x for x in readme.splitlines() if "gunicorn -c config/gunicorn.py config.wsgi" in x)
    assert "gthread" in line and "30 s timeout" in line


def test_the_export_and_preview_tasks_end_before_the_broker_hands_them_out_again():
    from django.conf import settings

    from billing.tasks import member_export_task
    from membership.tasks import dues_impact_task

    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    for task in (member_export_task, dues_impact_task):
        assert task.soft_time_limit < task.time_limit < visibility
        assert settings.CELERY_TASK_ROUTES[task.name]["queue"] == "bulk"
