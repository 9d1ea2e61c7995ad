import datetime as dt

from django.utils import timezone

from billing.models import Invoice
from billing.services.invoices import DuesFacts, membership_invoice_issue
from billing.services.payments import payment_record_offline
from membership.models import MembershipCategory


def demo_membership_paid(*, member, staff_user) -> str:
    """The demo member joined (ten months ago, or when the current dues schedule began) and
    paid by cheque, so the dashboard has something to show. Does nothing the second time."""
    if Invoice.objects.filter(member=member).exists():
        return ""
    joined_on = max(timezone.localdate() - dt.timedelta(days=300), dt.date(2026, 7, 1))
    invoice = membership_invoice_issue(
        member=member,
        category=MembershipCategory.objects.get(code="full"),
        facts=DuesFacts(
            position=member.position,
            salary_cents=member.annual_salary_cents,
            population=member.population,
            budget_cents=member.general_fund_budget_cents,
            small_community_attested=True,
        ),
        kind="join",
        on=joined_on,
    )
    payment_record_offline(
        invoice=invoice,
        amount_cents=invoice.total_cents,
        reference="DEMO-0001",
        received_on=joined_on,
        recorded_by=staff_user,
    )
    return f"demo member joined on {joined_on:%B %d, %Y} and paid invoice {invoice.number}"
