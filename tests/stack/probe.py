"""What the stack's database says now (run with the stack's env): `python -m tests.stack.probe`
prints one JSON line with every Stripe event's state, and per member their active terms,
invoice and payments, and the refunds recorded."""

import json

import django


def main() -> dict:
    django.setup()
    from billing.models import Invoice, Payment, Refund, StripeEvent
    from membership.models import MembershipTerm, TermStatus

    members: dict[str, dict] = {}
    for invoice in Invoice.objects.all():
        members[str(invoice.member_id)] = {
            "invoice_status": invoice.status,
            "invoice_settled": invoice.paid_cents >= invoice.total_cents,
            "active_terms": MembershipTerm.objects.filter(
                membership__member_id=invoice.member_id, status=TermStatus.ACTIVE
            ).count(),
            "payments": sorted(
                Payment.objects.filter(invoice=invoice).values_list("state", flat=True)
            ),
        }
    return {
        "events": {
            e.stripe_id: {"state": e.state, "attempts": e.attempts, "error": e.error[:200]}
            for e in StripeEvent.objects.all()
        },
        "members": members,
        "refunds": sorted(
            Refund.objects.exclude(stripe_refund_id=None).values_list("stripe_refund_id", flat=True)
        ),
    }


if __name__ == "__main__":
    print(json.dumps(main()))
