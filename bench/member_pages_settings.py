"""Production settings for bench/member_pages.py, with the benchmark's own URLconf (three
reference views beside the portal's URLs). The cache is production's (Redis, at the REDIS_URL
the benchmark starts). Never used by the portal itself."""

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.member_pages_urls"
# The seeding (an invoice issued and paid) runs its tasks in-process; the pages send none.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
