"""Seed the stack's database for one day of membership work (run with the stack's env):

    python -m tests.stack.seed_daily DAY REMINDED

makes REMINDED members whose term ends 7 days after DAY (each due the 7-day reminder), a join
invoice unpaid for 40 days, a member whose second installment is due 21 days after DAY, and a
member with auto-renew and a saved card whose term ends on DAY. Prints one JSON line."""

import datetime as dt
import json
import sys

import django


def main(day: dt.date, reminded: int) -> dict:
    django.setup()
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    from billing.models import StripeCustomer
    from membership.dates import add_months
    from tests.factories import MemberFactory, issue_invoice, pay_invoice

    def paid(start: dt.date, **member):
        person = MemberFactory(**member)
        pay_invoice(issue_invoice(person, on=start), on=start)
        return person

    end = day + dt.timedelta(days=7)
    reminded_ids = [paid(add_months(end, -12)).pk for _ in range(reminded)]

    stale = issue_invoice(MemberFactory(), on=day - dt.timedelta(days=40))

    # Renewed 30 days before its end with 4 installments, every 3 months: the second is due
    # 21 days after DAY, so DAY is the day its notice goes out.
    renewal_on = add_months(day + dt.timedelta(days=21), -3)
    in_installments = paid(add_months(renewal_on + dt.timedelta(days=30), -12))
    renewal = issue_invoice(in_installments, kind="renewal", on=renewal_on, installments=4)
    pay_invoice(renewal, on=renewal_on)
    second = renewal.installments.get(number=2)
    assert second.due_on == day + dt.timedelta(days=21), second.due_on

    card_member = paid(add_months(day, -12))
    StripeCustomer.objects.create(
        member=card_member,
        customer_id="cus_stack_auto",
        payment_method_id="pm_stack_visa",
        card_label="visa •••• 4242",
        auto_renew=True,
    )
    return {
        "reminded": reminded_ids,
        "stale_invoice": stale.pk,
        "installment": second.pk,
        "card_member": card_member.pk,
    }


if __name__ == "__main__":
    print(json.dumps(main(dt.date.fromisoformat(sys.argv[1]), int(sys.argv[2]))))
