from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running the portal: health and readiness probes, structured logs, error reports and
    Prometheus metrics. No models."""

    name = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        from django.conf import settings

        from ops.logs import configure_structlog, connect_signals
        from ops.sentry import sentry_init

        configure_structlog()
        connect_signals()
        sentry_init(
            getattr(settings, "SENTRY_DSN", ""),
            environment=getattr(settings, "SENTRY_ENVIRONMENT", "") or None,
            traces_sample_rate=getattr(settings, "SENTRY_TRACES_SAMPLE_RATE", 0.0),
        )
