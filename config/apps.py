from django.apps import AppConfig


class PortalConfig(AppConfig):
    """Project-wide wiring that belongs to no single app."""

    name = "config"
    verbose_name = "Portal"

    def ready(self):
        # Django's signal, not allauth's: it fires for every sign-in (allauth's, after the
        # two-factor step, and any other path that calls `login()`).
        from django.contrib.auth.signals import user_logged_in

        from config.middleware import staff_session_shorten

        user_logged_in.connect(staff_session_shorten, dispatch_uid="staff_session_shorten")
