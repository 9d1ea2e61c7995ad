"""Acceptance 3 of the member import: an imported member whose term ends in 60 days is
reminded by the daily job, claims the account by the e-mailed link, sees the imported
payments and renews online (Stripe Checkout, faked at Stripe's boundary)."""

import datetime as dt
import re

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from billing.models import Payment
from communications.models import OutgoingMessage
from membership.dates import add_months
from membership.models import Member, MemberImport, Membership, Reminder
from membership.services.daily import membership_daily
from tests.billing.stripe_support import paid_session
from tests.billing.test_member_pages import review_data

pytestmark = pytest.mark.django_db
EMAIL = "renee.imported@example.org"
PASSWORD = "a-long-portal-passphrase-2026"


def test_imported_member_is_reminded_claims_the_account_and_renews_online(
    staff_client, fake_stripe, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    end = today + dt.timedelta(days=60)
    start = add_months(end, -12)
    csv = (
        "legacy_id,email,full_name,position,category,salary,population,budget,member_since,"
        "term_start,term_end,payments\r\n"
        f'OLD42,{EMAIL},Renée Müller,acao,full,"120,000",5000,5000000,2015-07-01,'
        f"{start.isoformat()},{end.isoformat()},"
        f"{start.isoformat()}|624.00|cheque|CHQ 8812|OLD-INV-77;2024-07-01|624.00|card||\r\n"
    ).encode("cp1252")
    staff_client.post(
        reverse("membership:staff_import_list"),
        {"file": SimpleUploadedFile("old.csv", csv, content_type="text/csv")},
    )
    member_import = MemberImport.objects.get()
    assert member_import.rows_new == 1, member_import.problems
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse("membership:staff_import_commit", args=[member_import.pk]))
    member = Member.objects.get(legacy_id="OLD42")
    assert not member.user.has_usable_password()

    # The daily job sends the 60-day reminder, as for a term paid on the portal.
    membership_daily(on=today)
    reminder = Reminder.objects.get(term__membership__member=member)
    assert reminder.key == "60"
    assert OutgoingMessage.objects.filter(pk=reminder.message_id, to=EMAIL).exists()

    # Staff send the claim e-mails; the link sets a password and verifies the address.
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(reverse("membership:staff_import_claims", args=[member_import.pk]))
    claim = OutgoingMessage.objects.get(key=f"claim-{member.pk}")
    assert claim.to == EMAIL
    link = re.search(re.escape(settings.SITE_URL) + r"(/accounts/\S+)", claim.body_text).group(1)
    visitor = Client()
    form_page = visitor.get(link, follow=True)
    assert form_page.status_code == 200
    assert b'name="password1"' in form_page.content
    done = visitor.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
        {"password1": PASSWORD, "password2": PASSWORD},
    )
    assert done.status_code == 302
    member.user.refresh_from_db()
    assert member.user.has_usable_password()
    assert EmailAddress.objects.get(user=member.user).verified

    # They sign in and see the imported term and payments.
    signed_in = visitor.post(reverse("account_login"), {"login": EMAIL, "password": PASSWORD})
    assert signed_in.status_code == 302
    assert "/accounts/confirm-email/" not in signed_in["Location"]
    page = visitor.get(reverse("billing:dashboard")).content.decode()
    assert "Payments before the portal" in page
    assert "OLD-INV-77" in page and "$624.00" in page and "cheque" in page
    # Cheque references stay on staff pages, as for payments made on the portal.
    assert "CHQ 8812" not in page
    assert "Renew my membership" in page

    # And renew online: the new term continues from the imported end date.
    response = visitor.post(
        reverse("billing:renew"),
        review_data(action="confirm", payment_method="stripe", position="acao"),
    )
    assert response.status_code == 302
    payment = Payment.objects.get(invoice__member=member)
    fake_stripe.pay(paid_session(payment))
    session_id = payment.gateway_ids["checkout_session"]
    visitor.get(reverse("stripe:success") + f"?session_id={session_id}")
    membership = Membership.objects.get(member=member)
    assert membership.paid_through_on == add_months(end, 12)
    assert membership.status == "active"
