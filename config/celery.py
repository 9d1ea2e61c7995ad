"""Celery application. With REDIS_URL unset, tasks run eagerly in-process (see settings)."""

import os

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("icma_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def _logging_from_django_settings(**kwargs) -> None:
    """Workers and beat log like the web processes (Django's LOGGING), not Celery's format."""
    from ops.logs import celery_setup_logging

    celery_setup_logging(**kwargs)


def _structured_log_step():
    from ops.logs import worker_boot_step

    return worker_boot_step()


# Each task's lines carry the request_id of the request that queued it (django-structlog).
app.steps["worker"].add(_structured_log_step())


def transient_errors() -> tuple[type[BaseException], ...]:
    """Errors that a retry a little later can cure: the database, the broker or a mail server
    briefly away. Tasks list these in `autoretry_for`."""
    from django.db import InterfaceError, OperationalError
    from kombu.exceptions import OperationalError as BrokerError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return (
        OperationalError,
        InterfaceError,
        BrokerError,
        RedisConnectionError,
        RedisTimeoutError,
        OSError,
    )


# Retry settings shared by the tasks that list `transient_errors()`.
RETRY = {
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 10,
}
