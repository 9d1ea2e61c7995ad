"""Demo accounts for `make run`. Safe to run again: it updates rather than duplicates."""

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from membership.events import demo_loaded
from membership.models import Member
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

    def handle(self, *args, **options):
        with transaction.atomic():
            created = self._accounts()
        staff = next(user for _spec, is_staff, user in created if is_staff)
        member = next(user for _spec, is_staff, user in created if not is_staff).member
        # The demo's own invoice and receipt e-mails would only clutter the console.
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
            transaction.atomic(),
        ):
            notes = demo_loaded.send(sender=Member, member=member, staff_user=staff)
        self.stdout.write(self.style.SUCCESS("Demo accounts are ready:"))
        for _receiver, note in notes:
            if note:
                self.stdout.write(f"  {note}")
        for spec, is_staff, _user in created:
            role = "staff (membership + international programs)" if is_staff else "member"
            self.stdout.write(f"  {role:45} {spec['email']:24} password: {spec['password']}")

    def _accounts(self):
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
            created.append((spec, is_staff, user))
        return created
