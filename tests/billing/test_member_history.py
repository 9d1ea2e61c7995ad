"""The audit trail of money and lifecycle rows (django-pghistory) and the staff page's
History section. The triggers exist only on PostgreSQL, which `make test` provides."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.models import Invoice, InvoiceEvent, Payment, PaymentEvent
from billing.staff_history import HISTORY_PER_PAGE
from membership.models import Membership, MembershipEvent, Status
from membership.money import cents_to_dollars, format_cents
from tests.billing.test_staff_member_page import MEMBER_PAGE_BUDGET
from tests.factories import MemberFactory, activate_membership, issue_invoice

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="history triggers need PostgreSQL"
    ),
]


def page_of(member, **query) -> str:
    url = reverse("billing_staff:member_detail", args=[member.member_number])
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def record_cheque(client, invoice, reference="CHQ-7731"):
    response = client.post(
        reverse("billing_staff:invoice_record_payment", args=[invoice.number]),
        {
            "reference": reference,
            "received_on": dt.date.today().isoformat(),
            "amount": str(cents_to_dollars(invoice.total_cents)),
        },
    )
    assert response.status_code == 302
    return Payment.objects.get(invoice=invoice, reference=reference)


def history_section(body: str) -> str:
    start = body.index('id="history-h"')
    return body[start : body.index("</section>", start)]


def test_a_cheque_recorded_by_staff_leaves_history_naming_them(staff_client, membership_staff):
    member = MemberFactory()
    invoice = issue_invoice(member)
    payment = record_cheque(staff_client, invoice)

    payment_events = PaymentEvent.objects.filter(pgh_obj=payment)
    invoice_events = InvoiceEvent.objects.filter(pgh_obj=invoice, pgh_label="update")
    membership_events = MembershipEvent.objects.filter(
        pgh_obj=Membership.objects.get(member=member), pgh_label="update"
    )
    for events in (payment_events, invoice_events, membership_events):
        latest = events.select_related("pgh_context").latest("pgh_id")
        assert latest.pgh_context.metadata["user"] == membership_staff.pk
        assert latest.pgh_context.metadata["url_name"] == "billing_staff:invoice_record_payment"
    assert invoice_events.latest("pgh_id").status == "paid"
    assert membership_events.latest("pgh_id").status == Status.ACTIVE


def test_history_context_holds_no_email_or_salary(staff_client, membership_staff):
    member = MemberFactory(annual_salary_cents=154_321_00)
    record_cheque(staff_client, issue_invoice(member))
    event = PaymentEvent.objects.select_related("pgh_context").latest("pgh_id")
    stored = str(event.pgh_context.metadata)
    assert membership_staff.email not in stored
    assert "15432100" not in stored
    assert not hasattr(InvoiceEvent, "facts")  # the frozen quote facts hold the salary


def test_daily_job_moving_a_membership_to_grace_is_recorded_as_the_daily_job():
    member = activate_membership(MemberFactory(), end_on=dt.date(2026, 9, 1))
    membership = Membership.objects.get(member=member)
    call_command("membership_daily", on="2026-09-05", stdout=io.StringIO())

    membership.refresh_from_db()
    assert membership.status == Status.GRACE
    event = (
        MembershipEvent.objects.filter(pgh_obj=membership, pgh_label="update")
        .select_related("pgh_context")
        .latest("pgh_id")
    )
    assert event.status == Status.GRACE
    assert event.pgh_context.metadata == {"source": "membership_daily"}


def test_staff_member_page_lists_the_history_with_who_and_dollars(staff_client, membership_staff):
    member = MemberFactory()
    invoice = issue_invoice(member)
    record_cheque(staff_client, invoice, reference="CHQ-9001")

    section = history_section(staff_client.get(page_of(member)).content.decode())
    assert f"Invoice {invoice.number}" in section
    assert "<del>Open</del> → <ins>Paid</ins>" in section
    assert f"<del>$0.00</del> → <ins>{format_cents(invoice.total_cents)}</ins>" in section
    assert f"Payment {invoice.payments.get().pk} on {invoice.number}" in section
    assert "CHQ-9001" in section
    assert "<del>Pending payment</del> → <ins>Active</ins>" in section
    assert membership_staff.email in section
    # Newest first: the membership turned active after the invoice was created.
    assert section.index("Pending payment</del> → <ins>Active") < section.index("created")


def test_history_names_the_daily_job(staff_client):
    member = activate_membership(MemberFactory(), end_on=dt.date(2026, 9, 1))
    call_command("membership_daily", on="2026-09-05", stdout=io.StringIO())
    section = history_section(staff_client.get(page_of(member)).content.decode())
    assert "<del>Active</del> → <ins>In grace period</ins>" in section
    assert "daily job" in section


def test_members_cannot_see_a_member_file_or_its_history(member_client, member):
    record = MemberFactory()
    issue_invoice(record)
    assert member_client.get(page_of(record)).status_code == 403
    assert member_client.get(page_of(member)).status_code == 403


def test_history_shows_the_latest_page_and_links_to_older_changes(staff_client):
    member = activate_membership(MemberFactory(), end_on=dt.date(2026, 9, 1))
    membership = Membership.objects.filter(member=member)
    for n in range(HISTORY_PER_PAGE + 5):
        membership.update(waived_months=n + 1)

    first = history_section(staff_client.get(page_of(member)).content.decode())
    assert first.count("<tr>") == HISTORY_PER_PAGE + 1  # with the header row
    assert f"<ins>{HISTORY_PER_PAGE + 5}</ins>" in first
    assert "?history=2" in first

    second = history_section(staff_client.get(page_of(member, history=2)).content.decode())
    assert "<ins>1</ins>" in second
    assert "?history=2" not in second and "?history=1" in second


def test_a_page_number_that_is_not_a_number_shows_the_first_page(staff_client):
    member = MemberFactory()
    issue_invoice(member)
    response = staff_client.get(page_of(member, history="x"))
    assert response.context["history"].number == 1
    assert len(response.context["history"].entries) >= 1


def page_queries(client, member) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(page_of(member))
    assert response.status_code == 200
    return len(queries)


def test_member_page_query_count_does_not_grow_with_history(staff_client):
    few = MemberFactory()
    record_cheque(staff_client, issue_invoice(few), reference="CHQ-FEW")
    many = MemberFactory()
    invoice = issue_invoice(many)
    record_cheque(staff_client, invoice, reference="CHQ-MANY")
    for n in range(120):
        Invoice.objects.filter(pk=invoice.pk).update(close_reason=f"note {n}")
        Membership.objects.filter(member=many).update(waived_months=n % 7)

    page_queries(staff_client, few)  # warm the per-request caches the same way for both
    small = page_queries(staff_client, few)
    large = page_queries(staff_client, many)
    assert large == small
    assert large <= MEMBER_PAGE_BUDGET


def test_a_context_user_that_is_not_an_id_names_no_one_and_the_page_still_shows(staff_client):
    import pghistory

    member = MemberFactory()
    with pghistory.context(user="import-script"):
        invoice = issue_invoice(member)

    response = staff_client.get(page_of(member))

    assert response.status_code == 200
    assert f"Invoice {invoice.number}" in history_section(response.content.decode())
