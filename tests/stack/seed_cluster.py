"""Accounts for the cluster test (run with the cluster's env):

    python -m tests.stack.seed_cluster

makes a member with a verified e-mail and no membership, and a membership staff user with TOTP
(tests.stack.test_two_web_processes.TOTP_SECRET), both with that module's PASSWORD, and one
member with a pending card payment (tests.stack.seed). Prints one JSON line: the e-mails, the
member's number and salary, the Full category's id and the pending payment."""

import json

import django


def main() -> dict:
    django.setup()
    from allauth.mfa.totp.internal.auth import TOTP

    from membership.models import MembershipCategory
    from tests.factories import MemberFactory, staff_user
    from tests.stack.test_two_web_processes import PASSWORD, TOTP_SECRET

    member = MemberFactory(full_name="Morgan Ellis", annual_salary_cents=123_456_00, position="cao")
    member.user.set_password(PASSWORD)
    member.user.save(update_fields=["password"])
    staff = staff_user(groups=["Membership staff"], with_totp=False)
    staff.set_password(PASSWORD)
    staff.save(update_fields=["password"])
    TOTP.activate(staff, TOTP_SECRET)
    from tests.stack import seed

    # In this process, so the factories' sequences do not repeat these accounts' e-mails.
    pending = seed.main(1, 0)["pending"][0]
    return {
        "pending": pending,
        "member_email": member.user.email,
        "member_number": member.member_number,
        "salary_cents": member.annual_salary_cents,
        "staff_email": staff.email,
        "full_category": MembershipCategory.objects.get(code="full").pk,
    }


if __name__ == "__main__":
    print(json.dumps(main()))
