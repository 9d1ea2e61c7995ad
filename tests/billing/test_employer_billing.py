"""Consolidated invoices (billing/services/employer.py): one employer, several members, one
total; paying it extends each member's term exactly once."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from billing.gateways import PaymentError
from billing.models import (
    Credit,
    GroupInvoice,
    GroupPayment,
    Invoice,
    InvoiceStatus,
    Payment,
)
from billing.services.employer import group_invoice_issue, group_payment_record, section_facts
from billing.services.invoices import quote_for
from membership.dates import add_months
from membership.models import Membership, MembershipCategory, MembershipTerm, TermStatus
from membership.models.member import Position
from tests.billing.test_concurrency import run_at_once
from tests.conftest import service_missing
from tests.factories import MemberFactory, activate_membership, issue_invoice, pay_invoice

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()
CITY = "City of Riverbend"


def city_staff():
    """The city's manager (a renewing member) and two assistants joining."""
    manager = MemberFactory(full_name="Maria Garcia", employer=CITY, annual_salary_cents=180_000_00)
    end_on = TODAY + dt.timedelta(days=30)
    activate_membership(manager, end_on=end_on)
    first = MemberFactory(
        full_name="Sam Okafor",
        employer=CITY,
        position=Position.ACAO,
        annual_salary_cents=120_000_00,
    )
    second = MemberFactory(
        full_name="Lee Chen", employer=CITY, position=Position.ACAO, annual_salary_cents=110_000_00
    )
    return manager, first, second, end_on


def issue(members, **kwargs):
    return group_invoice_issue(
        members=members,
        bill_to_organisation=CITY,
        bill_to_address="1 Main Street\nRiverbend, VA 22000",
        bill_to_email="ap@riverbend.example.gov",
        purchase_order_number=kwargs.pop("po", ""),
        on=TODAY,
        issued_by=None,
        **kwargs,
    )


def transfer(group, amount_cents, reference="WIRE-881", **kwargs):
    return group_payment_record(
        group=group,
        amount_cents=amount_cents,
        method="bank_transfer",
        reference=reference,
        received_on=TODAY,
        recorded_by=None,
        **kwargs,
    )


def test_each_section_carries_the_members_own_quote_and_the_total_is_their_sum():
    members = city_staff()[:3]
    group = issue(list(members))
    sections = list(group.sections.order_by("member__full_name"))
    assert len(sections) == 3
    for section in sections:
        member = section.member
        category = MembershipCategory.objects.get(name=section.category_name)
        quote = quote_for(category=category, facts=section_facts(member=member), on=TODAY)
        assert section.total_cents == quote.total_cents
        labels = list(section.lines.values_list("label", flat=True))
        assert labels == [line.label for line in quote.lines]
        assert section.bill_to_organisation == CITY
    assert group.total_cents == sum(s.total_cents for s in sections)
    assert group.number.startswith(f"INV-{TODAY.year}-")
    assert group.number not in {s.number for s in sections}
    manager_section = next(s for s in sections if s.member == members[0])
    assert manager_section.kind == "renewal"


def test_paying_the_total_extends_each_members_term_exactly_once():
    manager, first, second, end_on = city_staff()
    group = issue([manager, first, second])
    transfer(group, group.total_cents)
    group.refresh_from_db()
    assert group.status == "paid" and group.balance_cents == 0
    for member in (manager, first, second):
        terms = MembershipTerm.objects.filter(membership__member=member, status=TermStatus.ACTIVE)
        section = Invoice.objects.get(group=group, member=member)
        assert section.status == InvoiceStatus.PAID
        assert section.term.status == TermStatus.ACTIVE
        assert terms.filter(invoices=section).count() == 1
    manager_membership = Membership.objects.get(member=manager)
    # The renewal continues from the old end date: no gap, no double extension.
    assert manager_membership.paid_through_on == add_months(end_on, 12)


def test_a_partial_payment_leaves_the_balance_due_and_activates_no_term():
    manager, first, second, _ = city_staff()
    group = issue([manager, first, second])
    before = Membership.objects.get(member=manager).paid_through_on
    transfer(group, 500_00)
    group.refresh_from_db()
    assert group.status == "open"
    assert group.balance_cents == group.total_cents - 500_00
    assert not Payment.objects.filter(invoice__group=group).exists()
    for section in group.sections.all():
        assert section.status == InvoiceStatus.OPEN
        assert section.term.status == TermStatus.PENDING
    assert Membership.objects.get(member=manager).paid_through_on == before
    # The rest arrives: now every term starts, once.
    transfer(group, group.balance_cents, reference="WIRE-882")
    group.refresh_from_db()
    assert group.status == "paid"
    assert all(s.term.status == TermStatus.ACTIVE for s in group.sections.all())


def test_a_second_identical_transfer_is_kept_as_a_credit_never_a_second_extension():
    manager, first, second, _ = city_staff()
    group = issue([manager, first, second])
    transfer(group, group.total_cents)
    paid_through = {
        m.pk: Membership.objects.get(member=m).paid_through_on for m in (manager, first, second)
    }
    again = transfer(group, group.total_cents)
    assert again.applied_cents == 0
    credit = Credit.objects.get(source_group_payment=again)
    assert credit.amount_cents == group.total_cents and credit.group == group
    for member in (manager, first, second):
        assert Membership.objects.get(member=member).paid_through_on == paid_through[member.pk]
    assert Payment.objects.filter(invoice__group=group).count() == 3


def test_more_than_the_total_pays_it_and_keeps_the_rest_as_a_credit():
    members = city_staff()[:3]
    group = issue(list(members))
    payment = transfer(group, group.total_cents + 25_00)
    assert payment.applied_cents == group.total_cents
    assert Credit.objects.get(source_group_payment=payment).amount_cents == 25_00


def test_the_same_form_posted_twice_records_one_transfer_and_issues_one_invoice():
    members = list(city_staff()[:3])
    group = issue(members, submission_key="form-1")
    assert issue(members, submission_key="form-1") == group
    transfer(group, group.total_cents, submission_key="pay-1")
    transfer(group, group.total_cents, submission_key="pay-1")
    assert GroupPayment.objects.filter(group=group).count() == 1
    assert not Credit.objects.exists()


def test_a_member_already_on_an_open_consolidated_invoice_is_refused():
    manager, first, second, _ = city_staff()
    issue([manager, first])
    with pytest.raises(ValidationError, match="already billed on consolidated invoice"):
        issue([first, second])


def test_a_member_with_an_open_invoice_of_their_own_is_billed_on_it():
    manager, first, second, _ = city_staff()
    own = issue_invoice(first)
    group = issue([manager, first, second])
    own.refresh_from_db()
    assert own.group == group
    assert Invoice.objects.filter(member=first).count() == 1


def test_a_section_takes_no_payment_of_its_own():
    members = city_staff()[:3]
    group = issue(list(members))
    section = group.sections.first()
    with pytest.raises(PaymentError, match="consolidated invoice"):
        pay_invoice(section)


@pytest.mark.django_db(transaction=True)
def test_two_identical_transfers_posted_at_once_extend_each_term_once():
    if connection.vendor != "postgresql":
        service_missing("PostgreSQL (this test needs real row locks)")
    manager, first, second, _ = city_staff()
    group = issue([manager, first, second])

    def post(key):
        return lambda: transfer(
            GroupInvoice.objects.get(pk=group.pk), group.total_cents, submission_key=key
        )

    results, errors = run_at_once(post("a"), post("b"))
    assert errors == []
    assert sorted(p.applied_cents for p in results) == [0, group.total_cents]
    assert Credit.objects.filter(group=group).count() == 1
    for member in (manager, first, second):
        active = MembershipTerm.objects.filter(
            membership__member=member, status=TermStatus.ACTIVE, invoices__group=group
        )
        assert active.count() == 1
    assert Payment.objects.filter(invoice__group=group).count() == 3


@pytest.mark.django_db(transaction=True)
def test_the_same_transfer_form_posted_twice_at_once_is_recorded_once():
    if connection.vendor != "postgresql":
        service_missing("PostgreSQL (this test needs real row locks)")
    members = city_staff()[:3]
    group = issue(list(members))

    def post():
        return transfer(
            GroupInvoice.objects.get(pk=group.pk), group.total_cents, submission_key="same-form"
        )

    results, errors = run_at_once(post, post)
    assert errors == []
    assert results[0].pk == results[1].pk
    assert GroupPayment.objects.filter(group=group).count() == 1
    assert not Credit.objects.exists()


def test_the_employers_credit_pays_a_later_invoice_of_a_member_it_paid_for():
    from billing.services.credits import credit_apply

    manager, first, second, _ = city_staff()
    group = issue([manager, first, second])
    transfer(group, group.total_cents)
    transfer(group, group.total_cents)
    credit = Credit.objects.get(group=group)
    stranger_invoice = issue_invoice(MemberFactory())
    with pytest.raises(ValidationError, match="not for a member this credit belongs to"):
        credit_apply(credit=credit, invoice=stranger_invoice, by=None)
    renewal = issue_invoice(first, kind="renewal")
    credit_apply(credit=credit, invoice=renewal, by=None)
    renewal.refresh_from_db()
    credit.refresh_from_db()
    assert renewal.status == InvoiceStatus.PAID
    assert credit.remaining_cents == group.total_cents - renewal.total_cents
