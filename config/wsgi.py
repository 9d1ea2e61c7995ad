import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

pages = get_wsgi_application()

from config.lean import with_lean_paths  # noqa: E402 - needs the settings configured above

application = with_lean_paths(pages)
