"""Benchmark: processing paid Checkout Session events, then sending the receipts they queue.

    .venv/bin/python bench/receipt_at_send.py [--sessions 50]

Starts a throw-away PostgreSQL (PostgreSQL's default durability, fsync on), seeds members each
with an open join invoice and a pending card payment whose Checkout Session Stripe reports as
paid (bench/stripe_webhooks.py's seed), stores one `checkout.session.completed` event per
session and then:

1. Activation: every event goes through `stripe_event_process` (the webhook drain), timed, with
   the WeasyPrint renders counted.
2. Sending: every queued outbox message goes through `message_send` (the mail worker) to
   Django's in-memory mail backend, timed, with the WeasyPrint renders counted; each receipt
   must carry its PDF.

Baseline: the same events processed again (duplicates, acknowledged without activation work),
for the cost of the drain itself. Stripe is faked only at the gateway's client. Not part of
`make test`.
"""

import argparse
import json
import logging
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support import bench_django  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=50)
    args = parser.parse_args()
    environ = {
        "STRIPE_SECRET_KEY": "sk_test_bench",
        "STRIPE_PUBLISHABLE_KEY": "pk_test_bench",
        "STRIPE_WEBHOOK_SECRET": "whsec_bench",
    }
    with bench_django(environ=environ):
        from django.conf import settings
        from django.core import mail
        from django.db import connection
        from django.test.utils import CaptureQueriesContext, setup_test_environment
        from weasyprint import HTML

        from bench.stripe_webhooks import seed
        from billing.gateways import stripe as gateway
        from billing.models import EventState, StripeEvent
        from billing.services.stripe_events import stripe_event_process, stripe_event_store
        from communications.models import OutgoingMessage
        from communications.services.outbox import message_send
        from config.celery import app
        from tests.billing.stripe_support import FakeStripeClient, event_for, paid_session

        setup_test_environment()  # locmem mail backend
        settings.STRIPE_SECRET_KEY = "sk_test_bench"
        settings.STRIPE_WEBHOOK_SECRET = "whsec_bench"
        settings.CELERY_TASK_ALWAYS_EAGER = False
        app.conf.task_always_eager = False
        app.conf.broker_url = "memory://"
        logging.getLogger("billing").setLevel(logging.ERROR)
        fake = FakeStripeClient()
        gateway._client = lambda: fake

        renders = {"n": 0, "seconds": 0.0}
        write_pdf = HTML.write_pdf

        def counted(self, *a, **kw):
            started = time.perf_counter()
            try:
                return write_pdf(self, *a, **kw)
            finally:
                renders["n"] += 1
                renders["seconds"] += time.perf_counter() - started

        HTML.write_pdf = counted

        rng = random.Random(2026)
        payments = seed(args.sessions, rng, fake)
        for payment in payments:
            event = event_for("checkout.session.completed", paid_session(payment))
            stripe_event_store(event=json.loads(json.dumps(event)))
        ids = list(StripeEvent.objects.values_list("pk", flat=True))

        # Warm up WeasyPrint's fonts and the template cache outside the timings.
        from billing.documents import receipt_pdf

        receipt_pdf(payments[0].invoice)
        renders.update(n=0, seconds=0.0)

        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            states = [stripe_event_process(event_id=pk, now_even_if_not_due=True) for pk in ids]
            activation = time.perf_counter() - started
        activation_renders = renders["n"]
        processed = states.count(EventState.PROCESSED)

        StripeEvent.objects.update(state=EventState.RECEIVED)
        started = time.perf_counter()
        for pk in ids:
            stripe_event_process(event_id=pk, now_even_if_not_due=True)
        baseline = time.perf_counter() - started

        renders.update(n=0, seconds=0.0)
        message_ids = list(OutgoingMessage.objects.values_list("pk", flat=True))
        started = time.perf_counter()
        sent = [message_send(message_id=pk) for pk in message_ids]
        sending = time.perf_counter() - started
        receipts = [m for m in mail.outbox if m.attachments]
        with_pdf = sum(1 for m in receipts if m.attachments[0][1].startswith(b"%PDF"))

        n = len(ids)
        print(f"N = {n} paid-session events, {processed} processed")
        print(
            f"Activation (webhook drain): {activation:.2f} s = {n / activation:.1f} events/s, "
            f"{activation / n * 1000:.0f} ms/event, {len(queries)} queries, "
            f"WeasyPrint renders inside: {activation_renders}"
        )
        print(
            f"Baseline, the same events again as duplicates: {baseline:.2f} s "
            f"(activation x{activation / baseline:.1f} of it)"
        )
        print(
            f"Sending (mail worker): {len(message_ids)} messages in {sending:.2f} s, "
            f"{sent.count('sent')} sent, {len(receipts)} with an attachment, {with_pdf} PDFs; "
            f"WeasyPrint renders: {renders['n']} ({renders['seconds']:.2f} s)"
        )
        print(f"Activation + sending: {activation + sending:.2f} s")
        return 0 if processed == n and with_pdf == n else 1


if __name__ == "__main__":
    sys.exit(main())
