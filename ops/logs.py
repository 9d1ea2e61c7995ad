"""Structured logs: one line per request and per task, JSON in production, readable in
development (LOG_FORMAT=json|console).

Every line written during a request carries its `request_id` and the signed-in `user_id`;
django-structlog copies them into the headers of the tasks the request queues, so the task's
lines carry the same `request_id`. Lines carry ids, never personal data: no e-mail addresses,
no client IPs, no query strings (a dues quote's query holds a salary), and keys that name
personal data are redacted before rendering.

This module is imported by the settings (`logging_config`), so it imports nothing of Django's
models.
"""

from typing import Any

import structlog

# Keys that must never reach a log line, whoever passes them.
REDACTED_KEYS = frozenset(
    {
        "email",
        "e_mail",
        "to",
        "recipient",
        "salary",
        "salary_usd",
        "password",
        "card",
        "card_number",
        "cvc",
        "ip",
        "user_email",
        "username",
    }
)
REDACTED = "[redacted]"


def redact_personal_data(logger, method_name, event_dict: dict) -> dict:
    for key in REDACTED_KEYS.intersection(event_dict):
        event_dict[key] = REDACTED
    request = event_dict.get("request")
    if request is not None and not isinstance(request, str):
        # Django's loggers pass the request object, whose repr holds the query string.
        event_dict["request"] = f"{getattr(request, 'method', '?')} {getattr(request, 'path', '?')}"
    return event_dict


def shared_processors() -> list:
    """What every line gets, from structlog or from the standard library's loggers."""
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.stdlib.ExtraAdder(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact_personal_data,
    ]


def renderer(fmt: str):
    if fmt == "console":
        return structlog.dev.ConsoleRenderer(colors=False)
    return structlog.processors.JSONRenderer()


def formatter(fmt: str) -> dict:
    """A logging `formatters` entry that renders structlog and standard-library records."""
    final = [structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer(fmt)]
    if fmt != "console":
        final.insert(1, structlog.processors.format_exc_info)
    return {
        "()": structlog.stdlib.ProcessorFormatter,
        "processors": final,
        "foreign_pre_chain": [
            *shared_processors(),
            structlog.stdlib.PositionalArgumentsFormatter(),
        ],
    }


def logging_config(fmt: str = "json", level: str = "INFO") -> dict:
    fmt = fmt if fmt in ("json", "console") else "json"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"structured": formatter(fmt)},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "structured"},
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's default handlers (console in DEBUG, mail_admins) are replaced by ours.
            "django": {"handlers": ["console"], "level": level, "propagate": False},
            # django-structlog writes the request line; Django's own would be a second one.
            "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
            "django.server": {"handlers": ["console"], "level": "WARNING", "propagate": False},
            # Celery's "Task ... succeeded in" line repeats django-structlog's task line.
            "celery.app.trace": {"level": "WARNING"},
            # "Task ... received" repeats the task line, with the task's arguments.
            "celery.worker.strategy": {"level": "WARNING"},
        },
    }


def configure_structlog() -> None:
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared_processors(),
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.UnicodeDecoder(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def _bind_task(sender, task, logger, **kwargs) -> None:
    structlog.contextvars.bind_contextvars(task=task.name)


def connect_signals() -> None:
    from django_structlog import signals
    from django_structlog.celery import signals as celery_signals

    from ops.middleware import bind_request_finished

    signals.bind_extra_request_finished_metadata.connect(
        bind_request_finished, dispatch_uid="ops.logs.finished"
    )
    celery_signals.bind_extra_task_metadata.connect(_bind_task, dispatch_uid="ops.logs.task")


# --- Celery workers ---

_worker_receiver: Any = None


def connect_worker_receivers() -> None:
    """Bind a task's request_id/user_id (from its headers) and log its outcome, in a worker.
    Connected once per process, by the worker boot step: the web process, where tasks may run
    eagerly inside a request, must not have its request context cleared by a task."""
    global _worker_receiver
    if _worker_receiver is not None:
        return
    from celery.signals import (
        task_failure,
        task_prerun,
        task_rejected,
        task_retry,
        task_revoked,
        task_success,
        task_unknown,
    )
    from django_structlog.celery.receivers import CeleryReceiver

    receiver = CeleryReceiver()
    # Publishing (before/after_task_publish) is connected by django-structlog's app config.
    task_prerun.connect(receiver.receiver_task_prerun, weak=False)
    task_retry.connect(receiver.receiver_task_retry, weak=False)
    task_success.connect(receiver.receiver_task_success, weak=False)
    task_failure.connect(receiver.receiver_task_failure, weak=False)
    task_revoked.connect(receiver.receiver_task_revoked, weak=False)
    task_unknown.connect(receiver.receiver_task_unknown, weak=False)
    task_rejected.connect(receiver.receiver_task_rejected, weak=False)
    _worker_receiver = receiver


def worker_boot_step():
    from celery import bootsteps

    class StructuredLogStep(bootsteps.Step):
        def __init__(self, parent, **kwargs):
            super().__init__(parent, **kwargs)
            connect_worker_receivers()

    return StructuredLogStep


def celery_setup_logging(loglevel=None, **kwargs) -> None:
    """Celery's `setup_logging` signal: keep Django's LOGGING (one format for web and
    workers) instead of Celery's own handlers. The level is still the command's `--loglevel`,
    as with Celery's own setup."""
    import logging
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(
            loglevel if isinstance(loglevel, int) else str(loglevel).upper()
        )
