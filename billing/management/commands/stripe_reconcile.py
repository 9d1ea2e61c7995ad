"""Fetch recent events from Stripe and process those that never arrived as webhooks."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from billing.gateways import PaymentError
from billing.gateways import stripe as gateway
from billing.models import EventState, StripeEvent
from billing.services.stripe_events import stripe_event_process, stripe_event_record
from membership.history import SOURCE_STRIPE_RECONCILE, history_context

FINISHED = (EventState.PROCESSED, EventState.IGNORED, EventState.FLAGGED)


class Command(BaseCommand):
    help = (
        "List Stripe events created since a date (Stripe keeps 30 days) and process any we have "
        "not stored, or stored but failed to process, through the webhook handlers."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", required=True, help="YYYY-MM-DD (UTC)")
        parser.add_argument(
            "--dry-run", action="store_true", help="Only print what would be processed."
        )

    @history_context(source=SOURCE_STRIPE_RECONCILE)
    def handle(self, *args, since: str, dry_run: bool, **options):
        try:
            start = dt.datetime.combine(dt.date.fromisoformat(since), dt.time(), tzinfo=dt.UTC)
        except ValueError as error:
            raise CommandError(f"--since must be a date like 2026-11-01: {error}") from error
        if not gateway.stripe_configured():
            raise CommandError("Stripe keys are not set (STRIPE_SECRET_KEY and the others).")
        counts = {"seen": 0, "already": 0, "stored": 0, "retried": 0}
        try:
            for event in gateway.events_since(since=start):
                counts["seen"] += 1
                known = StripeEvent.objects.filter(stripe_id=event["id"]).first()
                # Stored but not finished (received, processing, failed) is not done yet.
                if known is not None and known.state in FINISHED:
                    counts["already"] += 1
                    continue
                if dry_run:
                    self.stdout.write(f"would process {event['id']} {event['type']}")
                    continue
                if known is None:
                    # Stored without queueing twice: the on-commit task and this call both go
                    # through the event's row lock, so the event is processed once.
                    known, _created = stripe_event_record(event=event)
                    counts["stored"] += 1
                else:
                    counts["retried"] += 1
                state = stripe_event_process(event_id=known.pk, now_even_if_not_due=True)
                known.refresh_from_db()
                self.stdout.write(
                    f"{event['id']} {event['type']}: {known.state}"
                    + (f" ({known.error})" if known.error else "")
                    + ("" if state == known.state else f" [{state}]")
                )
        except PaymentError as error:
            raise CommandError(str(error)) from error
        summary = (
            "Stripe reconciliation since {since}: {seen} events at Stripe, {already} already "
            "processed, {stored} missing and now processed, {retried} failed and retried."
        ).format(since=since, **counts)
        self.stdout.write(self.style.SUCCESS(summary))
