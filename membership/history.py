"""Who and what caused a change, attached to the history rows PostgreSQL triggers write.

django-pghistory's triggers snapshot invoices, payments, refunds, terms and memberships on
every insert, update and delete, bulk `QuerySet.update()` included. The context set here
(the acting user's id, the request path and URL name, or a job's `source`) is stored once per
request or job and linked from each of those rows.

Context is only ever ids, paths and labels: never an e-mail address, a salary or other
personal data. On a database other than PostgreSQL (the SQLite demo) there are no triggers,
so these helpers do nothing and the history stays empty.
"""

import contextlib

import pghistory
from django.db import connection
from django.utils.translation import gettext_lazy as _
from pghistory.middleware import HistoryMiddleware

# The `source` label of each job that changes tracked rows, and how staff pages name it.
SOURCE_MEMBERSHIP_DAILY = "membership_daily"
SOURCE_STRIPE_EVENT = "stripe_event"
SOURCE_SAVED_CARD_CHARGE = "saved_card_charge"
SOURCE_STRIPE_RECONCILE = "stripe_reconcile"
SOURCE_ACCOUNT_CLOSURE = "account_closure"
SOURCE_RETENTION_PURGE = "retention_purge"
SOURCE_MEMBER_IMPORT = "member_import"
SOURCE_LABELS = {
    SOURCE_MEMBERSHIP_DAILY: _("daily job"),
    SOURCE_STRIPE_EVENT: _("Stripe event"),
    SOURCE_SAVED_CARD_CHARGE: _("saved-card charge"),
    SOURCE_STRIPE_RECONCILE: _("Stripe reconciliation"),
    SOURCE_ACCOUNT_CLOSURE: _("account closure"),
    SOURCE_RETENTION_PURGE: _("retention purge"),
    SOURCE_MEMBER_IMPORT: _("member import"),
}


def history_is_recorded() -> bool:
    """True where the triggers exist; pgtrigger installs none on other databases."""
    return connection.vendor == "postgresql"


class history_context(contextlib.ContextDecorator):  # noqa: N801 (used like a function)
    """`with history_context(source="..."):` or as a decorator: label every tracked change
    made inside. Nested uses add their keys to the outermost context."""

    def __init__(self, **metadata):
        self.metadata = metadata
        self._inner = None

    def _recreate_cm(self):
        # A fresh instance per decorated call, so concurrent calls never share state.
        return type(self)(**self.metadata)

    def __enter__(self):
        if not history_is_recorded():
            return None
        self._inner = pghistory.context(**self.metadata)
        return self._inner.__enter__()

    def __exit__(self, *exc):
        if self._inner is not None:
            inner, self._inner = self._inner, None
            return inner.__exit__(*exc)
        return False


class HistoryContextMiddleware(HistoryMiddleware):
    """pghistory's middleware (user id and path) plus the resolved URL name, and nothing at
    all on databases without triggers (its SQL prefix is PostgreSQL's)."""

    def __call__(self, request):
        if not history_is_recorded():
            return self.get_response(request)
        return super().__call__(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = getattr(request, "resolver_match", None)
        if match is not None and history_is_recorded():
            # Called as a function, pghistory.context adds to the context already entered.
            pghistory.context(url_name=match.view_name)
        return None
