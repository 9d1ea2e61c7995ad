from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Read-only: the staff home and the reports. It reads the other apps and changes nothing."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
