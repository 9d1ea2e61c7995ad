"""Join and renew quote what the public calculator quotes; nothing is withheld silently, the
community confirmation is remembered, and "Change something" keeps what was typed."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import Invoice
from membership.models import Membership, MembershipCategory
from tests.factories import issue_invoice, pay_invoice

pytestmark = pytest.mark.django_db

FACTS = {"position": "cao", "salary": "150000", "population": "5000", "budget": "5000000"}


def checkout_data(**overrides):
    data = {
        "category": str(MembershipCategory.objects.get(code="full").pk),
        "position": FACTS["position"],
        "annual_salary": FACTS["salary"],
        "population": FACTS["population"],
        "general_fund_budget": FACTS["budget"],
        "small_community_attested": "on",
        "payment_method": "offline",
        "action": "review",
    }
    data.update(overrides)
    return data


def shown_total(body: str) -> str:
    return re.search(r'data-testid="quote-total">([^<]+)<', body).group(1)


def test_join_review_equals_the_public_api_quote(client, member_client):
    api = client.get(reverse("dues:quote_api"), {"category": "full", **FACTS}).json()
    assert api["total_cents"] == 780_00
    body = member_client.post(reverse("billing:join"), checkout_data()).content.decode()
    assert shown_total(body) == "$780.00"
    assert 'data-testid="withheld"' not in body


def test_unconfirmed_figures_say_the_discount_is_withheld_why_and_how(member_client):
    body = member_client.post(
        reverse("billing:join"), checkout_data(small_community_attested="")
    ).content.decode()
    assert shown_total(body) == "$975.00"
    notice = re.search(r'data-testid="withheld">(.*?)</div>', body, re.S).group(1)
    assert "A discount of $195.00 is withheld" in notice
    assert "Small community discount" in notice
    assert "did not confirm" in notice
    assert "would be $780.00" in notice


def test_confirmed_figures_are_remembered_with_their_date_and_ticked_at_renewal(
    member_client, member
):
    member_client.post(reverse("billing:join"), checkout_data(action="confirm"))
    member.refresh_from_db()
    assert member.small_community_attested_on == timezone.localdate()
    invoice = Invoice.objects.get(member=member)
    assert invoice.total_cents == 780_00
    pay_invoice(invoice)
    Membership.objects.filter(member=member).update(
        paid_through_on=timezone.localdate() + dt.timedelta(days=30)
    )
    body = member_client.get(reverse("billing:renew")).content.decode()
    box = re.search(r'<input[^>]*name="small_community_attested"[^>]*>', body).group(0)
    assert "checked" in box
    assert "You confirmed these figures on" in body


def test_withdrawn_confirmation_is_forgotten(member_client, member):
    member.small_community_attested_on = dt.date(2026, 1, 5)
    member.save()
    member_client.post(
        reverse("billing:join"), checkout_data(action="confirm", small_community_attested="")
    )
    member.refresh_from_db()
    assert member.small_community_attested_on is None
    assert Invoice.objects.get(member=member).total_cents == 975_00


def test_change_something_returns_to_the_form_with_everything_kept(member_client):
    body = member_client.post(
        reverse("billing:join"), checkout_data(action="edit", annual_salary="150,000")
    ).content.decode()
    assert 'data-testid="quote-total"' not in body
    assert "Review my dues" in body
    assert re.search(r'name="annual_salary"[^>]*value="150,000', body)
    assert re.search(r'name="population"[^>]*value="5000"', body)
    assert re.search(r'<li aria-current="step">1\. Your facts', body)


def test_review_step_is_marked_current(member_client):
    body = member_client.post(reverse("billing:join"), checkout_data()).content.decode()
    assert re.search(r'<li aria-current="step">2\. Review your dues', body)


def test_renewal_in_three_installments_is_three_equal_parts(member_client, member):
    invoice = issue_invoice(member, on=dt.date(2026, 7, 15))
    pay_invoice(invoice, on=dt.date(2026, 7, 15))
    Membership.objects.filter(member=member).update(
        paid_through_on=timezone.localdate() + dt.timedelta(days=30)
    )
    member_client.post(reverse("billing:renew"), checkout_data(action="confirm", installments="3"))
    renewal = Invoice.objects.filter(member=member, kind="renewal").get()
    assert renewal.total_cents == 780_00
    parts = renewal.installments.order_by("number").values_list("amount_cents", flat=True)
    assert list(parts) == [260_00] * 3


def test_the_review_shows_the_installment_plan_the_invoice_will_carry(member_client, member):
    invoice = issue_invoice(member, on=dt.date(2026, 7, 15))
    pay_invoice(invoice, on=dt.date(2026, 7, 15))
    Membership.objects.filter(member=member).update(
        paid_through_on=timezone.localdate() + dt.timedelta(days=30)
    )
    review = member_client.post(reverse("billing:renew"), checkout_data(installments="3"))
    body = review.content.decode()
    plan = body[body.index('data-testid="installment-plan"') :]
    plan = plan[: plan.index("</table>")]
    member_client.post(reverse("billing:renew"), checkout_data(action="confirm", installments="3"))
    renewal = Invoice.objects.get(member=member, kind="renewal")
    for part in renewal.installments.order_by("number"):
        assert f"{part.due_on:%B} {part.due_on.day}, {part.due_on.year}" in plan
        assert "$260.00" in plan
    assert plan.count("$260.00") == 3
    assert "Now" in plan
