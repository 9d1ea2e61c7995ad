"""A member's own pages (home, dashboard, own profile, profile form) served from the cache while
nothing they show has changed.

What "changed" means is kept by the database: PostgreSQL triggers (migration 0021) add a
`PageStamp` row for the member on every committed statement that writes a table those pages
read, and a row for member 0 when shared data changes (the rules, the categories, the consent
text, group names), and once for member 0 when one statement writes more than a thousand rows
(a bulk job). A page is cached under the member's count of rows and member 0's, the
language, the day and the URL: a committed write makes a new key, in whatever order
transactions commit, so a stale page is never served; the timeout only bounds what changes
with the clock alone (a notice shown for some days). `tests/membership/test_page_cache.py`
checks that every table the pages read is stamped.

A cached page is the page as rendered, with the CSRF token left as a placeholder: each response
gets the requester's own token. Not cached: anything but GET, staff (their navigation depends on
the two-factor step), a request with messages to show, a response other than a 200 page, and a
render that changed the session. Only on PostgreSQL (SQLite has no triggers)."""

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from functools import wraps

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone, translation

logger = logging.getLogger(__name__)

# What `{% csrf_token %}` writes while a cacheable page renders; replaced on every response.
CSRF_PLACEHOLDER = "page-cache-csrf-placeholder-5f0c2a9e"
_RENDERING = "_page_cache_rendering"

# A member's stamps: the rows not yet folded away and the tally of those that were, read in
# one statement (one snapshot), so folding never changes the sum.
STAMPS_SQL = """
SELECT m.id,
       (SELECT count(*) FROM membership_pagestamp s WHERE s.member_id = m.id)
       + COALESCE((SELECT t.stamps FROM membership_pagestamptally t WHERE t.member_id = m.id), 0),
       (SELECT count(*) FROM membership_pagestamp s WHERE s.member_id = 0)
       + COALESCE((SELECT t.stamps FROM membership_pagestamptally t WHERE t.member_id = 0), 0),
       EXISTS (SELECT 1 FROM auth_user_groups g WHERE g.user_id = m.user_id)
FROM membership_member m
WHERE m.user_id = %s
"""

# Folds the stamp rows committed so far into the tallies, in one statement: the rows go and
# each member's tally grows by as many, so every member's sum stays what it was.
FOLD_SQL = """
WITH folded AS (
    DELETE FROM membership_pagestamp WHERE id <= %s RETURNING member_id
), counted AS (
    SELECT member_id, count(*) AS stamps FROM folded GROUP BY member_id
)
INSERT INTO membership_pagestamptally (member_id, stamps)
SELECT member_id, stamps FROM counted ORDER BY member_id
ON CONFLICT (member_id)
DO UPDATE SET stamps = membership_pagestamptally.stamps + EXCLUDED.stamps
"""


def enabled() -> bool:
    return settings.MEMBER_PAGE_CACHE_SECONDS > 0 and connection.vendor == "postgresql"


def member_stamps(user) -> tuple[int, int, int] | None:
    """(member id, the member's stamp count, the shared stamp count) for a member who is not
    staff; None for staff and for users without a member. One query."""
    if user.is_staff or user.is_superuser:
        return None
    with connection.cursor() as cursor:
        cursor.execute(STAMPS_SQL, [user.pk])
        row = cursor.fetchone()
    if row is None or row[3]:
        return None
    # The same query said the user is in no group: the navigation need not ask again
    # (membership.permissions.user_group_names).
    user._portal_group_names = set()
    return row[0], row[1], row[2]


def page_key(request, stamps: tuple[int, int, int]) -> str:
    member_id, own, shared = stamps
    path = hashlib.sha1(request.get_full_path().encode(), usedforsecurity=False).hexdigest()
    day = timezone.localdate().isoformat()
    language = translation.get_language()
    return f"member-page:{member_id}:{own}:{shared}:{language}:{day}:{path}"


class _RecentPages:
    """The pages this process served lately, in front of the shared cache: a key names the
    database's state, so a copy here is exactly as fresh as the shared one, and a repeat view
    costs no round trip to Redis. Least recently used first out; the same timeout."""

    def __init__(self, size: int):
        self.size = size
        self.pages: OrderedDict[str, tuple[float, tuple[str, str]]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str):
        with self.lock:
            found = self.pages.get(key)
            if found is None:
                return None
            if found[0] < time.monotonic():
                del self.pages[key]
                return None
            self.pages.move_to_end(key)
            return found[1]

    def put(self, key: str, page: tuple[str, str], seconds: int) -> None:
        with self.lock:
            self.pages[key] = (time.monotonic() + seconds, page)
            self.pages.move_to_end(key)
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.pages.clear()


RECENT = _RecentPages(size=256)


def _cached_page(key: str):
    page = RECENT.get(key)
    if page is None:
        page = _cache_call(cache.get, key)
        if page is not None:
            RECENT.put(key, page, settings.MEMBER_PAGE_CACHE_SECONDS)
    return page


def _cache_page(key: str, page: tuple[str, str]) -> None:
    RECENT.put(key, page, settings.MEMBER_PAGE_CACHE_SECONDS)
    _cache_call(cache.set, key, page, settings.MEMBER_PAGE_CACHE_SECONDS)


def _cache_call(method, *args):
    """The cache is a shortcut: when it cannot be reached, the page is rendered as usual."""
    try:
        return method(*args)
    except Exception:  # noqa: BLE001 - any client error (connection, timeout) means the same
        logger.warning("The member page cache could not be reached.", exc_info=True)
        return None


def _answer(request, content: str, content_type: str) -> HttpResponse:
    return HttpResponse(content.replace(CSRF_PLACEHOLDER, get_token(request)), content_type)


def member_page(view=None, *, own_member=None):
    """Serve the view's page from the cache for the signed-in member while nothing it shows
    has changed. `own_member(stamps_member_id, **view_kwargs)` says whether the URL is the
    member's own page (a profile URL names a member); without it every URL is."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if (
                request.method != "GET"
                or not request.user.is_authenticated
                or not enabled()
                or len(get_messages(request))
            ):
                return view(request, *args, **kwargs)
            stamps = member_stamps(request.user)
            if stamps is None or (own_member is not None and not own_member(stamps[0], **kwargs)):
                return view(request, *args, **kwargs)
            key = page_key(request, stamps)
            cached = _cached_page(key)
            if cached is not None:
                return _answer(request, *cached)
            setattr(request, _RENDERING, True)
            try:
                response = view(request, *args, **kwargs)
            finally:
                setattr(request, _RENDERING, False)
            if (
                response.status_code != 200
                or response.streaming
                or response.cookies
                or request.session.modified
            ):
                return response
            content_type = response.get("Content-Type", "text/html; charset=utf-8")
            content = response.content.decode(response.charset)
            _cache_page(key, (content, content_type))
            response.content = content.replace(CSRF_PLACEHOLDER, get_token(request))
            return response

        return wrapped

    return decorate(view) if view is not None else decorate


def page_stamps_fold(*, on=None) -> dict[str, int]:
    """The daily job's part: fold the page stamps committed so far into the tallies, so the
    table holds about a day's writes. One statement; a no-op off PostgreSQL."""
    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM membership_pagestamp")
        (last,) = cursor.fetchone()
        if last is None:
            return {"page_stamp_members_folded": 0}
        cursor.execute(FOLD_SQL, [last])
        return {"page_stamp_members_folded": cursor.rowcount}


def csrf_placeholder(request):
    """Context processor: while a cacheable page renders, its CSRF token is the placeholder
    (the response gets the requester's token). Listed after Django's own CSRF processor."""
    if getattr(request, _RENDERING, False):
        return {"csrf_token": CSRF_PLACEHOLDER}
    return {}
