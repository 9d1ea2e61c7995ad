"""Benchmark: Stripe webhook ingestion and processing.

    .venv/bin/python bench/stripe_webhooks.py [--sessions 7000] [--duplicates 3000]

Starts a throw-away PostgreSQL (as `make test` does), seeds members each with an open join
invoice and a pending card payment whose Checkout Session Stripe reports as paid, then:

1. Ingestion: every event (one `checkout.session.completed` per session, plus the duplicates:
   other events about sessions already covered, and exact redeliveries) is POSTed to
   /billing/stripe/webhook/ through Django's test client, signed as Stripe signs it. Each
   request verifies the signature, stores the event once and enqueues its Celery task (on an
   in-memory broker). The baseline is the same number of requests whose signature is wrong
   (rejected before any database work). Target: at least 200 events per second.
2. Processing: every stored event (10,000 with the defaults, 30 % of them about a session
   that another event already paid) goes through `stripe_event_process`, in shuffled order.
   It must end with exactly one activation per paid session.

Stripe itself is faked only at the gateway's client (the session retrieve), as in the tests.
Not part of `make test`.
"""

import argparse
import datetime as dt
import json
import logging
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.run_tests import find_postgres_bin, postgres_cluster  # noqa: E402

TARGET_PER_SECOND = 200
BATCH = 1_000


def create_database(url: str) -> None:
    import psycopg

    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute("CREATE DATABASE icma_portal")


def seed(sessions: int, rng: random.Random, fake) -> list:
    """Members with a pending join term, an open invoice and a pending card payment each."""
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from billing.models import Invoice, InvoiceLine, Payment
    from membership.models import Member, Membership, MembershipCategory, MembershipTerm
    from tests.billing.stripe_support import paid_session

    with open(os.devnull, "w") as quiet:
        call_command("seed_members", count=sessions, seed=rng.randint(0, 10**6), stdout=quiet)
    full = MembershipCategory.objects.get(code="full")
    member_ids = list(Member.objects.values_list("pk", flat=True)[:sessions])
    today = timezone.localdate()
    payments = []
    for offset in range(0, len(member_ids), BATCH):
        chunk = member_ids[offset : offset + BATCH]
        with transaction.atomic():
            memberships = Membership.objects.bulk_create(
                Membership(member_id=pk, status="pending") for pk in chunk
            )
            terms = MembershipTerm.objects.bulk_create(
                MembershipTerm(membership=m, category=full, kind="join") for m in memberships
            )
            invoices = Invoice.objects.bulk_create(
                Invoice(
                    number=f"INV-BENCH-{term.pk:07d}",
                    member_id=term.membership.member_id,
                    term=term,
                    kind="join",
                    category_name=full.name,
                    schedule_id_used=0,
                    schedule_name="Benchmark",
                    schedule_effective_from=today,
                    total_cents=97_500,
                    issued_at=timezone.now(),
                    issued_on=today,
                    due_on=today + dt.timedelta(days=30),
                )
                for term in terms
            )
            InvoiceLine.objects.bulk_create(
                InvoiceLine(invoice=i, position=0, label="Dues", amount_cents=97_500)
                for i in invoices
            )
            batch = Payment.objects.bulk_create(
                Payment(
                    invoice=i,
                    gateway="stripe",
                    state="pending",
                    amount_cents=97_500,
                    gateway_ids={"checkout_session": f"cs_bench_{i.pk}", "customer": "cus_b"},
                )
                for i in invoices
            )
        for payment in batch:
            fake.pay(paid_session(payment))
        payments += batch
    return payments


def build_events(payments: list, duplicates: int, rng: random.Random):
    """Stored events (one completed per session + `duplicates` others about covered sessions)
    and exact redeliveries (same ids again) that ingestion must acknowledge and drop."""
    from tests.billing.stripe_support import event_for

    sessions = {p.pk: json.loads(json.dumps(_session_of(p))) for p in payments}
    events = [event_for("checkout.session.completed", sessions[p.pk]) for p in payments]
    for n in range(duplicates):
        session = sessions[rng.choice(payments).pk]
        if n % 2:
            events.append(event_for("checkout.session.async_payment_succeeded", session))
        else:
            events.append(event_for("payment_intent.succeeded", session["payment_intent"]))
    redeliveries = [rng.choice(events) for _ in range(duplicates // 3)]
    return events, redeliveries


def _session_of(payment):
    from tests.billing.stripe_support import paid_session

    return paid_session(payment)


def post_all(client, bodies) -> float:
    started = time.perf_counter()
    for body, header in bodies:
        response = client.post(
            "/billing/stripe/webhook/",
            data=body,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=header,
        )
        if response.status_code not in (200, 400):
            raise SystemExit(f"Unexpected {response.status_code}: {response.content[:200]}")
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=7_000)
    parser.add_argument("--duplicates", type=int, default=3_000)
    args = parser.parse_args()
    bindir = find_postgres_bin()
    if bindir is None:
        print("This benchmark needs the PostgreSQL binaries.", file=sys.stderr)
        return 2
    with postgres_cluster(bindir) as url:
        create_database(url)
        os.environ.update(
            DATABASE_URL=url,
            DJANGO_SETTINGS_MODULE="config.settings.test",
            STRIPE_SECRET_KEY="sk_test_bench",
            STRIPE_PUBLISHABLE_KEY="pk_test_bench",
            STRIPE_WEBHOOK_SECRET="whsec_bench",
        )
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.test import Client
        from django.test.utils import setup_test_environment

        from billing.gateways import stripe as gateway
        from billing.models import EventState, Invoice, Payment, StripeEvent
        from billing.services.stripe_events import stripe_event_process
        from config.celery import app
        from membership.models import MembershipTerm
        from tests.billing.stripe_support import FakeStripeClient, signature_header

        setup_test_environment()
        settings.STRIPE_SECRET_KEY = "sk_test_bench"
        settings.STRIPE_PUBLISHABLE_KEY = "pk_test_bench"
        settings.STRIPE_WEBHOOK_SECRET = "whsec_bench"
        # Enqueue for real (in-memory broker) instead of running tasks inside the request.
        settings.CELERY_TASK_ALWAYS_EAGER = False  # the namespaced key wins over app.conf's
        app.conf.task_always_eager = False
        app.conf.broker_url = "memory://"
        logging.getLogger("billing.views.stripe").setLevel(logging.ERROR)
        fake = FakeStripeClient()
        gateway._client = lambda: fake
        call_command("migrate", verbosity=0)
        rng = random.Random(2026)

        print(f"Seeding {args.sessions:,} members with a card payment each...", flush=True)
        payments = seed(args.sessions, rng, fake)
        events, redeliveries = build_events(payments, args.duplicates, rng)
        posts = events + redeliveries
        rng.shuffle(posts)
        bodies = []
        for event in posts:
            body = json.dumps(event).encode()
            bodies.append((body, signature_header(body, secret="whsec_bench")))
        forged = [(body, signature_header(body, secret="whsec_wrong")) for body, _h in bodies]
        client = Client()

        baseline = post_all(client, forged[:2_000])
        baseline_rate = 2_000 / baseline
        elapsed = post_all(client, bodies)
        rate = len(bodies) / elapsed
        stored = StripeEvent.objects.count()
        print(
            f"Ingestion: {len(bodies):,} signed deliveries ({len(redeliveries):,} exact "
            f"redeliveries) in {elapsed:.1f} s = {rate:,.0f} events/s "
            f"(target {TARGET_PER_SECOND}/s: x{rate / TARGET_PER_SECOND:.1f}); "
            f"{stored:,} stored. Baseline, rejected signature without storing: "
            f"{baseline_rate:,.0f} requests/s (ingestion x{rate / baseline_rate:.2f} of it)",
            flush=True,
        )

        ids = list(StripeEvent.objects.values_list("pk", flat=True))
        rng.shuffle(ids)
        started = time.perf_counter()
        states = [stripe_event_process(event_id=pk) for pk in ids]
        processing = time.perf_counter() - started
        paid = Invoice.objects.filter(status="paid").count()
        active_terms = MembershipTerm.objects.filter(status="active").count()
        confirmed = Payment.objects.filter(state="confirmed").count()
        per_session_ok = (
            paid == active_terms == confirmed == len(payments)
            and not Invoice.objects.exclude(paid_cents=97_500).exists()
        )
        duplicates_share = 1 - len(payments) / len(ids)
        print(
            f"Processing: {len(ids):,} stored events ({duplicates_share:.0%} about a session "
            f"already paid by another event) in {processing:.1f} s = "
            f"{len(ids) / processing:,.0f} events/s; "
            f"{states.count(EventState.PROCESSED):,} processed, "
            f"{sum(s != EventState.PROCESSED for s in states)} other",
            flush=True,
        )
        print(
            f"Activations: {active_terms:,} active terms, {paid:,} paid invoices, "
            f"{confirmed:,} confirmed payments for {len(payments):,} paid sessions: "
            + ("exactly one per session" if per_session_ok else "MISMATCH"),
            flush=True,
        )
        return 0 if per_session_ok and rate >= TARGET_PER_SECOND else 1


if __name__ == "__main__":
    sys.exit(main())
