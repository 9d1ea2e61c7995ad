"""Benchmark: a bulk send's messages per second, against the one-by-one outbox path.

    .venv/bin/python bench/bulk_mail.py [--members 5000]

Starts a throw-away PostgreSQL (as `make test` does) and a loopback SMTP server (aiosmtpd,
tests/stack/smtp.py), seeds members in bulk, then sends a campaign to all of them through the
campaign steps a worker runs (chunks over one SMTP connection) and prints messages per second.
The baseline beside it is the same number of ordinary outbox messages sent with
`message_send` one by one (one SMTP conversation each), as a receipt or a reminder is.
Not part of `make test`.
"""

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support import bench_django  # noqa: E402


def seed(count: int) -> list:
    from django.contrib.auth import get_user_model

    from membership.models import Member

    User = get_user_model()
    users = User.objects.bulk_create(
        [
            User(username=f"bench{n}@example.org", email=f"bench{n}@example.org", password="!")
            for n in range(count)
        ],
        batch_size=5000,
    )
    Member.objects.bulk_create(
        [
            Member(user=u, full_name=f"Bench Member {n}", employer="Bench City")
            for n, u in enumerate(users)
        ],
        batch_size=5000,
    )
    return users


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=5000)
    args = parser.parse_args()
    from tests.stack.smtp import SmtpServer

    with SmtpServer() as smtp, bench_django(environ={"EMAIL_URL": smtp.url}):
        from django.conf import settings
        from django.utils import timezone

        from billing.staff_selectors import MemberFilters
        from communications.models import OutgoingMessage
        from communications.services.campaigns import campaign_start, campaign_step
        from communications.services.outbox import message_send
        from config.celery import app

        # Measure the steps alone: the campaign's first task goes to an in-memory broker
        # instead of running inside campaign_start.
        app.conf.update(CELERY_TASK_ALWAYS_EAGER=False, task_always_eager=False)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        users = seed(args.members)
        campaign = campaign_start(
            filters=MemberFilters(employer="Bench City"),
            subject="Annual conference",
            body_text="Dear {{ member.display_name }},\n\nRegistration is open.",
            rate_per_minute=100_000,
        )
        started = time.perf_counter()
        while campaign_step(campaign_id=campaign.pk) is not None:
            pass
        elapsed = time.perf_counter() - started
        sent = OutgoingMessage.objects.filter(campaign=campaign, state="sent").count()
        assert sent == len(smtp.messages) == args.members, (sent, len(smtp.messages))

        baseline_count = max(args.members // 5, 1)
        rows = OutgoingMessage.objects.bulk_create(
            [
                OutgoingMessage(
                    template="membership/email/welcome",
                    to=u.email,
                    user=u,
                    subject="Welcome",
                    body_text="Hello",
                    next_attempt_at=timezone.now(),
                )
                for u in users[:baseline_count]
            ]
        )
        base_started = time.perf_counter()
        for row in rows:
            message_send(message_id=row.pk)
        base_elapsed = time.perf_counter() - base_started
        rate, base_rate = sent / elapsed, baseline_count / base_elapsed
        print(
            f"bulk send, {sent:,} members: {elapsed:6.2f} s, {rate:7.0f} messages/s   "
            f"baseline (message_send one by one, {baseline_count:,}): {base_rate:7.0f} messages/s "
            f"(x{rate / base_rate:.1f})",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
