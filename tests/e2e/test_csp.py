"""Acceptance 4: every page a member or a staff user can open loads in Chromium with the
Content-Security-Policy on and without a single violation."""

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from billing.models import Payment
from billing.services.stripe_checkout import card_checkout_start, checkout_fulfil
from billing.services.stripe_events import stripe_event_record
from experts.services.requests import engagement_invite, engagement_shortlist
from membership.models import DuesSchedule, MembershipCategory
from membership.services.dues_schedules import schedule_clone
from membership.services.lifecycle import waiver_request
from tests.billing.stripe_support import event_for, paid_session
from tests.experts.factories import make_expert, make_request, pdf_upload
from tests.factories import (
    MemberFactory,
    activate_membership,
    issue_invoice,
    pay_invoice,
    staff_user,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Collects violations the page itself sees, before any of its own scripts run.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(
    event.violatedDirective + " blocked " + (event.blockedURI || "inline") +
    " at " + event.sourceFile + ":" + event.lineNumber + " " + (event.sample || "")
  );
});
"""


class ViolationRecorder:
    def __init__(self, page):
        self.page = page
        self.found: list[str] = []
        self.console: list[str] = []
        page.context.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._console)

    def _console(self, message):
        if "Content Security Policy" in message.text:
            self.console.append(f"{self.page.url}: {message.text}")

    def visit(self, url: str) -> None:
        response = self.page.goto(url)
        assert response is not None and response.status < 400, (url, response and response.status)
        assert "default-src 'self'" in (response.headers.get("content-security-policy") or ""), url
        self.page.wait_for_load_state("networkidle")
        self.collect()

    def collect(self) -> None:
        for violation in self.page.evaluate("window.__cspViolations || []"):
            self.found.append(f"{self.page.url}: {violation}")

    @property
    def all(self) -> list[str]:
        return self.found + self.console


def sign_in(page, live_server, user) -> None:
    """Reuse a Django session in the browser (the login form is covered in its own tests)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def test_public_and_member_pages_have_no_csp_violation(page, live_server, screenshot):
    recorder = ViolationRecorder(page)
    for url in [
        reverse("home"),
        reverse("account_login"),
        reverse("account_signup"),
        reverse("account_reset_password"),
    ]:
        recorder.visit(url)

    # The calculator's script runs under the policy and updates the quote.
    recorder.visit(reverse("dues:calculator"))
    page.get_by_label("Membership category").select_option("full")
    page.get_by_label("Your position").select_option("acao")
    page.get_by_label("Annual salary (USD)").fill("120000")
    page.get_by_label("Jurisdiction population").fill("5000")
    page.get_by_label("General fund budget (USD)").fill("5000000")
    # Not wait_for_function: it evaluates a string, which the policy (rightly) refuses.
    expect(page.locator("[data-quote-total]")).to_have_text("$624.00", timeout=15_000)
    recorder.collect()

    member = activate_membership(MemberFactory(full_name="Robin Policy"))
    paid = issue_invoice(member, kind="renewal")
    pay_invoice(paid)
    open_invoice = issue_invoice(member, kind="renewal")
    expert = make_expert(member=member, cv=pdf_upload())
    staff = staff_user(groups=["International programs staff"])
    engagement = engagement_shortlist(request=make_request(), profile=expert, by=staff)
    engagement_invite(engagement=engagement, by=staff)
    # A pending change of address shows allauth's hidden form on the e-mail page.
    EmailAddress.objects.create(user=member.user, email="robin.new@example.org", verified=False)
    newcomer = MemberFactory()

    sign_in(page, live_server, member.user)
    for url in [
        reverse("home"),
        reverse("billing:dashboard"),
        reverse("membership:profile"),
        reverse("billing:invoice", args=[open_invoice.number]),
        reverse("billing:invoice", args=[paid.number]),
        reverse("billing:receipt", args=[paid.number]),
        reverse("billing:renew"),
        reverse("billing:waiver"),
        reverse("experts:mine"),
        reverse("experts:volunteer"),
        reverse("experts:consent"),
        reverse("experts:withdraw"),
        reverse("experts:invitation", args=[engagement.pk]),
        reverse("account_email"),
        reverse("account_change_password"),
        reverse("mfa_index"),
        reverse("mfa_activate_totp"),
    ]:
        recorder.visit(url)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(reverse("billing:receipt", args=[paid.number]))
    screenshot("csp-receipt-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(reverse("billing:receipt", args=[paid.number]))
    screenshot("csp-receipt-390")
    recorder.collect()
    # The Print button works from the static script (it was an onclick="" attribute).
    page.evaluate("window.print = function () { window.__printed = true; }")
    page.get_by_role("button", name="Print").click()
    assert page.evaluate("window.__printed === true")

    page.context.clear_cookies()
    sign_in(page, live_server, newcomer.user)
    recorder.visit(reverse("billing:join"))

    assert recorder.all == []


def test_staff_pages_have_no_csp_violation(page, live_server, screenshot, fake_stripe):
    member = activate_membership(MemberFactory(full_name="Morgan Owing"))
    invoice = issue_invoice(member, kind="renewal")
    waiver_request(member=MemberFactory(), reason="The council eliminated the post.")
    card_checkout_start(invoice=issue_invoice(MemberFactory()))
    payment = Payment.objects.latest("pk")
    fake_stripe.pay(paid_session(payment))
    checkout_fulfil(session_id=payment.gateway_ids["checkout_session"])
    other = MemberFactory()
    card_checkout_start(invoice=issue_invoice(other))
    wrong = Payment.objects.get(invoice__member=other)
    session = paid_session(wrong, amount_cents=wrong.amount_cents - 5_000)
    fake_stripe.pay(session)
    flagged, _new = stripe_event_record(event=event_for("checkout.session.completed", session))

    staff = staff_user(groups=["Membership staff", "International programs staff"])
    published = DuesSchedule.objects.order_by("pk").first()
    draft = schedule_clone(schedule_id=published.pk, actor=staff)
    category = MembershipCategory.objects.order_by("pk").first()
    assistance = make_request(by=staff)
    expert = make_expert(cv=pdf_upload())
    engagement_shortlist(request=assistance, profile=expert, by=staff)

    recorder = ViolationRecorder(page)
    sign_in(page, live_server, staff)
    staff_pages = [
        reverse("billing_staff:member_list"),
        reverse("billing_staff:member_list") + "?q=Morgan",
        reverse("billing_staff:member_detail", args=[member.member_number]),
        reverse("billing_staff:member_life", args=[member.member_number]),
        reverse("billing_staff:invoice_detail", args=[invoice.number]),
        reverse("billing_staff:invoice_record_payment", args=[invoice.number]),
        reverse("billing_staff:invoice_cancel", args=[invoice.number]),
        reverse("billing_staff:waiver_list"),
        reverse("membership:staff_rules"),
        reverse("membership:member_detail", args=[member.member_number]),
        reverse("dues:staff_schedules"),
        reverse("dues:staff_schedule", args=[published.pk]),
        reverse("dues:staff_schedule", args=[draft.pk]),
        reverse("dues:staff_schedule_edit", args=[draft.pk]),
        reverse("dues:staff_schedule_preview", args=[draft.pk]),
        reverse("dues:staff_schedule_publish", args=[draft.pk]),
        reverse("dues:staff_history"),
        reverse("dues:staff_categories"),
        reverse("dues:staff_category_edit", args=[category.pk]),
        reverse("stripe:staff_flagged"),
        reverse("stripe:staff_event", args=[flagged.pk]),
        reverse("stripe:staff_payment", args=[payment.pk]),
        reverse("experts:staff_overview"),
        reverse("experts:staff_search"),
        reverse("experts:staff_profile", args=[expert.pk]),
        reverse("experts:staff_consent"),
        reverse("experts:staff_exports"),
        reverse("experts:staff_requests"),
        reverse("experts:staff_request_new"),
        reverse("experts:staff_request", args=[assistance.pk]),
        reverse("experts:staff_request_edit", args=[assistance.pk]),
        reverse("experts:staff_request_matches", args=[assistance.pk]),
        reverse("experts:staff_dossier_print", args=[assistance.pk]),
        reverse("mfa_index"),
        reverse("admin:index"),
    ]
    for url in staff_pages:
        recorder.visit(url)

    for name, url in [
        ("csp-staff-flagged", reverse("stripe:staff_flagged")),
        ("csp-staff-request", reverse("experts:staff_request", args=[assistance.pk])),
    ]:
        for width, height in [(1280, 900), (390, 844)]:
            page.set_viewport_size({"width": width, "height": height})
            page.goto(url)
            screenshot(f"{name}-{width}")
    recorder.collect()

    assert recorder.all == []
