"""Seed many members fast and start a bulk send to them (run with the stack's env):

    python -m tests.stack.seed_bulk MEMBERS UNSUBSCRIBED RATE

makes MEMBERS accounts and members in bulk (no signals, no password hashing), unsubscribes
the first UNSUBSCRIBED of them, and starts a campaign to every member in the US through the
service staff use. Prints one JSON line."""

import json
import sys

import django


def main(count: int, unsubscribed: int, rate: int) -> dict:
    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from billing.staff_selectors import MemberFilters
    from communications.services.campaigns import campaign_start
    from communications.services.suppressions import unsubscribe
    from membership.models import Member

    User = get_user_model()
    users = User.objects.bulk_create(
        [
            User(username=f"bulk{n}@example.org", email=f"bulk{n}@example.org", password="!")
            for n in range(count)
        ],
        batch_size=5000,
    )
    Member.objects.bulk_create(
        [
            Member(user=user, full_name=f"Bulk Member {n}", employer="City of Bulk", country="US")
            for n, user in enumerate(users)
        ],
        batch_size=5000,
    )
    for user in users[:unsubscribed]:
        unsubscribe(user=user)
    with transaction.atomic():
        campaign = campaign_start(
            filters=MemberFilters(employer="City of Bulk"),
            subject="ICMA annual conference",
            body_text="Dear {{ member.display_name }},\n\nRegistration is open.",
            rate_per_minute=rate,
        )
    return {
        "campaign": campaign.pk,
        "total": campaign.total,
        "emails": [u.email for u in users],
        "unsubscribed": [u.email for u in users[:unsubscribed]],
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))))
