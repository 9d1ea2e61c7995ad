"""Demo accounts for `make run`. Safe to run again: it updates rather than duplicates."""

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from membership.permissions import INTERNATIONAL_STAFF_GROUP, MEMBERSHIP_STAFF_GROUP
from membership.services.members import member_update_profile

DEMO_STAFF = {
    "email": "staff@demo.icma.org",
    "password": "demo-staff-2026",
    "profile": {
        "full_name": "Dana Staffer",
        "position": "non_local_government",
        "job_title": "Membership services manager",
        "employer": "ICMA",
        "country": "US",
        "state_province": "DC",
    },
}
DEMO_MEMBER = {
    "email": "member@demo.icma.org",
    "password": "demo-member-2026",
    "profile": {
        "full_name": "Jordan Rivera",
        "position": "cao",
        "job_title": "City Manager",
        "employer": "City of Riverton",
        "country": "US",
        "state_province": "VA",
        "population": 52_000,
        "general_fund_budget_cents": 61_500_000_00,
        "annual_salary_cents": 150_000_00,
    },
}


class Command(BaseCommand):
    help = "Create or refresh the demo staff user and member (passwords are printed)."

    @transaction.atomic
    def handle(self, *args, **options):
        User = get_user_model()
        created = []
        for spec, is_staff in ((DEMO_STAFF, True), (DEMO_MEMBER, False)):
            user = User.objects.filter(email__iexact=spec["email"]).first()
            if user is None:
                user = User(username=spec["email"], email=spec["email"])
            user.is_staff = is_staff
            user.set_password(spec["password"])
            user.save()
            EmailAddress.objects.update_or_create(
                user=user, email=spec["email"], defaults={"verified": True, "primary": True}
            )
            member_update_profile(member=user.member, **spec["profile"])
            if is_staff:
                user.groups.add(
                    *Group.objects.filter(
                        name__in=[MEMBERSHIP_STAFF_GROUP, INTERNATIONAL_STAFF_GROUP]
                    )
                )
            created.append((spec, is_staff))
        self.stdout.write(self.style.SUCCESS("Demo accounts are ready:"))
        for spec, is_staff in created:
            role = "staff (membership + international programs)" if is_staff else "member"
            self.stdout.write(f"  {role:45} {spec['email']:24} password: {spec['password']}")
