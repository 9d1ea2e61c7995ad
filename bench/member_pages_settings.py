"""Production settings for bench/member_pages.py, with the benchmark's own URLconf (three
reference views beside the portal's URLs) and a local cache: the pages measured read no cache,
and no Redis is needed. Never used by the portal itself."""

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.member_pages_urls"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The seeding (an invoice issued and paid) runs its tasks in-process; the pages send none.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
