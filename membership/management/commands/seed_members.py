"""Bulk realistic members for benchmarks and load tests: `seed_members --count 100000`."""

import datetime as dt
import random
import secrets
import time

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from membership.models import Member, Position

FIRST = [
    "Alex",
    "Jordan",
    "Maria",
    "Wei",
    "Priya",
    "Sam",
    "Chris",
    "Dana",
    "Lee",
    "Pat",
    "Morgan",
    "Taylor",
    "Jamie",
    "Robin",
    "Avery",
    "Casey",
    "Elena",
    "Omar",
    "Grace",
    "Hiro",
]
LAST = [
    "Smith",
    "Johnson",
    "Garcia",
    "Chen",
    "Patel",
    "Nguyen",
    "Brown",
    "Davis",
    "Lopez",
    "Wilson",
    "Kim",
    "Martin",
    "Clark",
    "Lewis",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Scott",
]
PLACES = [
    "Riverton",
    "Oak Grove",
    "Fairview",
    "Springfield",
    "Georgetown",
    "Clinton",
    "Salem",
    "Madison",
    "Franklin",
    "Greenville",
    "Bristol",
    "Dover",
    "Milton",
    "Ashland",
    "Newport",
]
KINDS = ["City of", "Town of", "County of", "Village of", "Borough of"]
STATES = ["VA", "TX", "CA", "NC", "FL", "OH", "MI", "CO", "AZ", "WA", "IL", "GA", "MN", "KS"]
OTHER_COUNTRIES = ["CA", "AU", "GB", "NZ", "IE", "NL", "ZA", "IN", "CN", "JP", "MX", "KR"]
# (position, weight, salary range in dollars or None)
POSITIONS = [
    (Position.CAO, 30, (70_000, 320_000)),
    (Position.ACAO, 20, (60_000, 240_000)),
    (Position.SENIOR_STAFF, 10, (55_000, 200_000)),
    (Position.DEPARTMENT_HEAD, 15, (50_000, 180_000)),
    (Position.OTHER_LOCAL_GOVERNMENT, 10, (35_000, 120_000)),
    (Position.NON_LOCAL_GOVERNMENT, 5, (40_000, 200_000)),
    (Position.FACULTY, 3, (50_000, 160_000)),
    (Position.STUDENT, 4, None),
    (Position.RETIRED, 3, None),
]
BATCH = 5_000


def fake_member_facts(rng: random.Random) -> dict:
    position, _, salary_range = rng.choices(POSITIONS, weights=[p[1] for p in POSITIONS])[0]
    # Most ICMA members serve small and mid-sized places: population is log-uniform.
    population = int(10 ** rng.uniform(2.7, 6.6))
    budget_cents = population * rng.randint(900, 1_800) * 100
    us = rng.random() < 0.95
    salary_cents = rng.randint(*salary_range) * 100 if salary_range else None
    return {
        "full_name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        "position": position,
        "job_title": Position(position).label,
        "employer": f"{rng.choice(KINDS)} {rng.choice(PLACES)}",
        "country": "US" if us else rng.choice(OTHER_COUNTRIES),
        "state_province": rng.choice(STATES) if us else "",
        "population": population if rng.random() < 0.9 else None,
        "general_fund_budget_cents": budget_cents if rng.random() < 0.85 else None,
        "annual_salary_cents": salary_cents,
    }


def add_memberships(members, rng: random.Random) -> None:
    """A paid term for each member, in the category their position fits, with end dates spread
    from 90 days ago to 300 days ahead (some in grace, some lapsed)."""
    from django.utils import timezone

    from membership.dates import add_months
    from membership.models import Membership, MembershipCategory, MembershipTerm
    from membership.selectors import category_codes_by_position

    by_position, any_position = category_codes_by_position()
    categories = {c.code: c for c in MembershipCategory.objects.all()}
    today = timezone.localdate()
    memberships = []
    for member in members:
        code = by_position.get(member.position, any_position) or "affiliate"
        end = today + dt.timedelta(days=rng.randrange(-90, 300))
        memberships.append(
            Membership(
                member=member,
                category=categories[code],
                paid_through_on=end,
                member_since_on=add_months(end, -12),
                status="active",
            )
        )
    Membership.objects.bulk_create(memberships)
    MembershipTerm.objects.bulk_create(
        MembershipTerm(
            membership=m,
            category=m.category,
            kind="join",
            status="active",
            start_on=m.member_since_on,
            end_on=m.paid_through_on,
        )
        for m in memberships
    )


class Command(BaseCommand):
    help = "Create N realistic members quickly with bulk inserts (password: seed-password)."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True)
        parser.add_argument(
            "--seed", type=int, default=None, help="random seed, for repeatable data"
        )
        parser.add_argument(
            "--with-memberships",
            action="store_true",
            help="give each member a paid term ending between 90 days ago and 300 days ahead",
        )

    def handle(self, *args, count: int, seed: int | None, with_memberships=False, **options):
        if count < 1 or count > 2_000_000:
            raise CommandError("--count must be between 1 and 2,000,000.")
        rng = random.Random(seed)
        run = secrets.token_hex(3)
        password = make_password("seed-password")
        User = get_user_model()
        started = time.perf_counter()
        for offset in range(0, count, BATCH):
            size = min(BATCH, count - offset)
            with transaction.atomic():
                users = User.objects.bulk_create(
                    User(
                        username=f"seed-{run}-{offset + i}",
                        email=f"seed-{run}-{offset + i}@example.org",
                        password=password,
                    )
                    for i in range(size)
                )
                EmailAddress.objects.bulk_create(
                    EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users
                )
                members = Member.objects.bulk_create(
                    Member(user=u, **fake_member_facts(rng)) for u in users
                )
                if with_memberships:
                    add_memberships(members, rng)
        elapsed = time.perf_counter() - started
        self.stdout.write(f"Created {count:,} members in {elapsed:.1f}s (run {run}).")
