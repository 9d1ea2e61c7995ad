"""Seed the stack's database through the project's services (run with the stack's env):

    python -m tests.stack.seed PENDING PAID

makes PENDING members with an open join invoice and a pending Stripe Checkout payment, and PAID
members whose Checkout payment is already confirmed. Prints one JSON line describing them."""

import json
import sys

import django


def describe(payment) -> dict:
    return {
        "payment_id": payment.pk,
        "invoice_id": payment.invoice_id,
        "invoice_number": payment.invoice.number,
        "member_id": payment.invoice.member_id,
        "amount_cents": payment.amount_cents,
        "gateway_ids": payment.gateway_ids,
    }


def main(pending: int, paid: int) -> dict:
    django.setup()
    from django.conf import settings

    # Seeded members never sign in: a fast hasher keeps seeding quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    from billing.models import Payment
    from billing.services.stripe_checkout import card_checkout_start, card_payment_confirm
    from tests.factories import MemberFactory, issue_invoice

    def checkout():
        member = MemberFactory()
        invoice = issue_invoice(member)
        card_checkout_start(invoice=invoice)
        return Payment.objects.select_related("invoice").get(invoice=invoice)

    seeded = {"pending": [], "paid": []}
    for _ in range(pending):
        seeded["pending"].append(describe(checkout()))
    for _ in range(paid):
        payment = checkout()
        card_payment_confirm(
            payment_id=payment.pk,
            amount_cents=payment.amount_cents,
            currency="usd",
            payment_intent_id=f"pi_for_payment_{payment.pk}",
            charge_id=f"ch_for_payment_{payment.pk}",
            session_id=payment.gateway_ids["checkout_session"],
        )
        payment.refresh_from_db()
        seeded["paid"].append(describe(payment))
    return seeded


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]), int(sys.argv[2]))))
