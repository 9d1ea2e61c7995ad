from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = "Member data rights"

    def ready(self):
        from membership.events import daily_part_register
        from privacy import sections  # noqa: F401 (registers the download's sections)
        from privacy.services.purge import retention_purge

        daily_part_register("retention_purge", retention_purge)
