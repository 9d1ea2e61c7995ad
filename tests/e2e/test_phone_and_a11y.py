"""Every member and staff page, on a phone (390x844) and a desktop (1280x800), in Chromium.

The pages come from the URL resolver: a pattern is either walked (with the role that opens it
and its arguments) or skipped with a reason (not an HTML page, POST only, Django's admin). A
new pattern that is neither fails `test_every_page_is_walked_or_skipped_with_a_reason`, so a
page added later is walked as soon as someone says who opens it.

On each page: the document is no wider than the viewport; every link and button in a table
cell is on screen, or inside a scrolling container that is itself on screen; axe-core finds no
WCAG 2 A/AA violation.
"""

import re
from dataclasses import dataclass

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import generate_totp_secret
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from billing.models import Credit, EventState, Payment, PaymentState, StripeEvent
from billing.services.credits import credit_note_issue
from billing.services.employer import group_invoice_issue
from communications.models import Campaign, MessageState, OutgoingMessage
from communications.services.suppressions import unsubscribe_token
from experts.services.requests import engagement_invite, engagement_shortlist
from membership.models import DuesSchedule, MembershipCategory
from membership.services.dues_schedules import schedule_clone
from membership.services.lifecycle import waiver_request
from tests.conftest import SCREENSHOT_DIR
from tests.experts.factories import make_expert, make_request
from tests.factories import PASSWORD, MemberFactory, issue_invoice, pay_invoice, staff_user
from tests.totp import fresh_totp_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PUBLIC, MEMBER, STAFF = "public", "member", "staff"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@dataclass(frozen=True)
class Walk:
    who: str
    kwargs: object = None  # a function of the World giving the URL's arguments
    query: str = ""


def _pk(attr):
    return lambda w: {"pk": getattr(w, attr).pk}


def _member_number(w):
    return {"member_number": w.member.member_number}


def _open_invoice(w):
    return {"number": w.open_invoice.number}


def _paid_invoice(w):
    return {"number": w.paid_invoice.number}


def _group_number(w):
    return {"number": w.group.number}


WALK = {
    "home": Walk(MEMBER),
    "dues:calculator": Walk(PUBLIC),
    "account_login": Walk(PUBLIC),
    "account_signup": Walk(PUBLIC),
    "account_reset_password": Walk(PUBLIC),
    "account_reset_password_done": Walk(PUBLIC),
    "account_email_verification_sent": Walk(PUBLIC),
    "account_email": Walk(MEMBER),
    "account_change_password": Walk(MEMBER),
    "mfa_index": Walk(MEMBER),
    "mfa_activate_totp": Walk(MEMBER),
    "mfa_deactivate_totp": Walk(STAFF),
    "mfa_view_recovery_codes": Walk(STAFF),
    "mfa_generate_recovery_codes": Walk(STAFF),
    "billing:dashboard": Walk(MEMBER),
    "billing:join": Walk(MEMBER),
    "billing:renew": Walk(MEMBER),
    "billing:waiver": Walk(MEMBER),
    "billing:invoice": Walk(MEMBER, _open_invoice),
    "billing:receipt": Walk(MEMBER, _paid_invoice),
    "billing:credit_note": Walk(MEMBER, lambda w: {"number": w.credit_note.number}),
    "membership:profile": Walk(MEMBER),
    "membership:member_detail": Walk(MEMBER, _member_number),
    "experts:mine": Walk(MEMBER),
    "experts:volunteer": Walk(MEMBER),
    "experts:consent": Walk(MEMBER),
    "experts:withdraw": Walk(MEMBER),
    "experts:invitation": Walk(MEMBER, _pk("engagement")),
    "stripe:cancel": Walk(MEMBER, _open_invoice),
    "reports:staff_home": Walk(STAFF),
    "reports:renewals_due": Walk(STAFF),
    "reports:membership": Walk(STAFF),
    "reports:revenue": Walk(STAFF),
    "reports:aging": Walk(STAFF),
    "reports:waivers": Walk(STAFF),
    "reports:forecast": Walk(STAFF),
    "reports:experts": Walk(STAFF),
    "billing_staff:member_list": Walk(STAFF),
    "billing_staff:member_export_detail": Walk(STAFF, _pk("member_export")),
    "billing_staff:member_detail": Walk(STAFF, _member_number),
    "billing_staff:member_life": Walk(STAFF, _member_number),
    "billing_staff:member_new": Walk(STAFF),
    "billing_staff:member_edit": Walk(STAFF, _member_number),
    # A member who never joined: the join invoice form (Maria's own open invoice refuses one).
    "billing_staff:member_invoice": Walk(
        STAFF, lambda w: {"member_number": w.newcomer.member_number}
    ),
    "billing_staff:term_dates": Walk(
        STAFF, lambda w: {**_member_number(w), "term_id": w.paid_invoice.term_id}
    ),
    "billing_staff:invoice_detail": Walk(STAFF, _paid_invoice),
    "billing_staff:invoice_record_payment": Walk(STAFF, _open_invoice),
    "billing_staff:payment_refund": Walk(
        STAFF,
        lambda w: {"pk": w.paid_invoice.payments.get(reference="CHQ-1042").pk},
    ),
    "billing_staff:invoice_cancel": Walk(STAFF, _open_invoice),
    "billing_staff:waiver_list": Walk(STAFF),
    "billing_staff:invoice_purchase_order": Walk(STAFF, _open_invoice),
    "billing_staff:invoice_credit_note": Walk(STAFF, _open_invoice),
    "billing_staff:group_list": Walk(STAFF),
    "billing_staff:group_new": Walk(STAFF, query="?employer=Riverbend"),
    "billing_staff:group_detail": Walk(STAFF, _group_number),
    "billing_staff:group_record_payment": Walk(STAFF, _group_number),
    "billing_staff:group_purchase_order": Walk(STAFF, _group_number),
    "billing_staff:credit_list": Walk(STAFF),
    "billing_staff:credit_detail": Walk(STAFF, _pk("credit")),
    "membership:staff_rules": Walk(STAFF),
    "membership:staff_import_list": Walk(STAFF),
    "membership:staff_import_detail": Walk(STAFF, _pk("member_import")),
    "membership:staff_import_columns": Walk(STAFF, _pk("import_to_map")),
    "dues:staff_schedules": Walk(STAFF),
    "dues:staff_history": Walk(STAFF),
    "dues:staff_categories": Walk(STAFF),
    "dues:staff_category_edit": Walk(STAFF, _pk("category")),
    "dues:staff_schedule": Walk(STAFF, _pk("schedule")),
    "dues:staff_schedule_edit": Walk(STAFF, _pk("draft")),
    "dues:staff_schedule_preview": Walk(STAFF, _pk("draft")),
    "dues:staff_schedule_publish": Walk(STAFF, _pk("draft")),
    "dues:staff_schedule_delete": Walk(STAFF, _pk("draft")),
    "experts:staff_overview": Walk(STAFF),
    "experts:staff_search": Walk(STAFF),
    "experts:staff_profile": Walk(STAFF, _pk("profile")),
    "experts:staff_consent": Walk(STAFF),
    "experts:staff_exports": Walk(STAFF),
    "experts:staff_requests": Walk(STAFF),
    "experts:staff_request_new": Walk(STAFF),
    "experts:staff_request": Walk(STAFF, _pk("assistance")),
    "experts:staff_request_edit": Walk(STAFF, _pk("assistance")),
    "experts:staff_request_matches": Walk(STAFF, _pk("assistance")),
    "experts:staff_dossier_print": Walk(STAFF, _pk("assistance")),
    "stripe:staff_payment": Walk(STAFF, _pk("card")),
    "stripe:staff_flagged": Walk(STAFF),
    "stripe:staff_event": Walk(STAFF, _pk("event")),
    "privacy:home": Walk(MEMBER),
    "privacy:close": Walk(MEMBER),
    "privacy:staff_member": Walk(STAFF, _member_number),
    "communications:my_messages": Walk(MEMBER),
    "communications_staff:template_list": Walk(STAFF),
    "communications_staff:template_edit": Walk(STAFF, lambda w: {"key": "invoice"}),
    "communications_staff:campaign_list": Walk(STAFF),
    "communications_staff:campaign_new": Walk(STAFF, query="?country=US"),
    "communications_staff:campaign_detail": Walk(STAFF, lambda w: {"campaign_id": w.campaign.pk}),
    "communications:unsubscribe": Walk(
        PUBLIC, lambda w: {"token": unsubscribe_token(w.member.user_id)}
    ),
}

POST_ONLY = "POST only: an action behind a button on a walked page"
NOT_HTML = "not an HTML page"
SKIP = {
    "billing:invoice_pdf": NOT_HTML,
    "privacy:download": "a ZIP of the member's data, not an HTML page",
    "privacy:closed": "shown once, to a member who has just closed the account",
    "privacy:staff_download": POST_ONLY,
    "privacy:staff_close": POST_ONLY,
    "reports:refresh": POST_ONLY,
    "set_language": POST_ONLY,
    "communications_staff:template_revert": POST_ONLY,
    "communications_staff:campaign_stop": POST_ONLY,
    "communications_staff:campaign_progress": NOT_HTML + " (JSON the progress bar polls)",
    "communications:resubscribe": POST_ONLY,
    "account_logout": "the sign-out confirmation; the walk would end its own session",
    "account_inactive": "shown only to a deactivated account, which cannot sign in",
    "account_reauthenticate": "shown only when a session is older than the reauthentication window",
    "account_request_reauthentication_code": "login by code is off",
    "account_confirm_reauthentication_code": "login by code is off",
    "account_set_password": "for signed-in accounts without a password; imported accounts "
    "set theirs through the claim link before they can sign in",
    "account_confirm_login_code": "login by code is off",
    "account_confirm_email": "needs a mailed key; the verification journey opens it",
    "account_reset_password_from_key": "needs a mailed key; the signup journey opens it",
    "account_reset_password_from_key_done": "reached only after a reset by mailed key",
    "mfa_authenticate": "the second sign-in step; every staff walk passes through it",
    "mfa_reauthenticate": "shown only when a session is older than the reauthentication window",
    "mfa_download_recovery_codes": NOT_HTML + " (a text file)",
    "billing_staff:member_export": POST_ONLY,
    "billing_staff:member_export_stop": POST_ONLY,
    "billing_staff:member_export_progress": NOT_HTML + " (JSON the progress bar polls)",
    "billing_staff:member_export_download": NOT_HTML + " (CSV)",
    "dues:staff_schedule_preview_progress": NOT_HTML + " (JSON the progress bar polls)",
    "membership:staff_import_progress": NOT_HTML + " (JSON)",
    "membership:staff_import_commit": POST_ONLY,
    "membership:staff_import_claims": POST_ONLY,
    "billing_staff:member_message_resend": POST_ONLY,
    "billing_staff:member_claim": POST_ONLY,
    "billing_staff:waiver_decide": POST_ONLY,
    "billing:receipt_pdf": NOT_HTML + " (PDF)",
    "billing:credit_note_pdf": NOT_HTML + " (PDF)",
    "billing:invoice_send": POST_ONLY,
    "billing_staff:group_pdf": NOT_HTML + " (PDF)",
    "billing_staff:group_send": POST_ONLY,
    "dues:quote_api": NOT_HTML + " (JSON)",
    "dues:staff_schedule_clone": POST_ONLY,
    "experts:pause": POST_ONLY,
    "experts:resume": POST_ONLY,
    "experts:cv": NOT_HTML + " (the member's CV file)",
    "experts:staff_profile_cv": NOT_HTML + " (the expert's CV file)",
    "experts:staff_shortlist": POST_ONLY,
    "experts:staff_engagement_action": POST_ONLY,
    "experts:staff_dossier_csv": NOT_HTML + " (CSV)",
    "experts:staff_dossier_pdf": NOT_HTML + " (PDF)",
    "stripe:webhook": NOT_HTML + " (Stripe's webhook endpoint)",
    "stripe:success": "Stripe Checkout's return address; needs a Checkout session id",
    "stripe:pay": "starts a Stripe Checkout session (card payments are off without keys)",
    "stripe:auto_renew": POST_ONLY,
    "stripe:staff_refund_retry": POST_ONLY,
    "stripe:staff_resolve": POST_ONLY,
    "ops:healthz": NOT_HTML + " (probe)",
    "ops:readyz": NOT_HTML + " (probe)",
    "ops:metrics": NOT_HTML + " (Prometheus text)",
}
SKIP_PREFIXES = {"admin:": "Django's own admin pages, in Django's own style"}


def _walk_patterns(resolver, namespace: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk_patterns(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


def project_page_names() -> set[str]:
    return {
        name
        for name in _walk_patterns(get_resolver())
        if not any(name.startswith(prefix) for prefix in SKIP_PREFIXES)
    }


def test_every_page_is_walked_or_skipped_with_a_reason():
    names = project_page_names()
    neither = sorted(names - set(WALK) - set(SKIP))
    assert not neither, f"Say whether these pages are walked (WALK) or why not (SKIP): {neither}"
    both = sorted(set(WALK) & set(SKIP))
    assert not both, f"Walked and skipped at once: {both}"
    stale = sorted((set(WALK) | set(SKIP)) - names)
    assert not stale, f"WALK/SKIP name patterns that no longer exist: {stale}"
    assert all(reason.strip() for reason in SKIP.values())


@dataclass
class World:
    member: object
    open_invoice: object
    paid_invoice: object
    profile: object
    engagement: object
    assistance: object
    card: object
    event: object
    schedule: object
    draft: object
    category: object
    member_import: object
    import_to_map: object
    campaign: object
    newcomer: object
    group: object
    credit: object
    credit_note: object
    member_export: object


def _build_world(staff) -> World:
    member = MemberFactory(
        full_name="Maria Garcia",
        employer="City of Riverbend",
        population=48_000,
        general_fund_budget_cents=61_000_000_00,
        annual_salary_cents=148_500_00,
    )
    paid = issue_invoice(member)
    pay_invoice(paid, reference="CHQ-1042")
    card = Payment.objects.create(
        invoice=paid,
        gateway="stripe",
        state=PaymentState.CONFIRMED,
        amount_cents=paid.total_cents,
        gateway_ids={"checkout_session": "cs_test_walk", "payment_intent": "pi_test_walk"},
        confirmed_at=timezone.now(),
    )
    event = StripeEvent.objects.create(
        stripe_id="evt_test_walk",
        type="charge.dispute.created",
        payload={"id": "evt_test_walk"},
        state=EventState.FLAGGED,
        payment=card,
    )
    owing = MemberFactory(full_name="Harper Owing", employer="Town of Elsewhere")
    open_invoice = issue_invoice(owing)
    # The member's own open invoice: a second member's would 404 for her.
    open_invoice.member = member
    open_invoice.save(update_fields=["member"])
    waiver_request(member=owing, reason="The council eliminated the assistant manager post.")
    OutgoingMessage.objects.create(
        to=member.user.email,
        user=member.user,
        template="membership/email/welcome",
        subject="Welcome to ICMA",
        body_text="Hello",
        state=MessageState.FAILED,
        next_attempt_at=timezone.now(),
    )
    profile = make_expert(member=member)
    assistance = make_request(by=staff)
    engagement = engagement_shortlist(request=assistance, profile=profile, by=staff)
    engagement_invite(engagement=engagement, by=staff)
    # The member's second cheque for her paid invoice: kept as her credit.
    pay_invoice(paid, reference="CHQ-1043", amount_cents=25_00)
    note = credit_note_issue(
        invoice=open_invoice, amount_cents=10_00, reason="Salary corrected", by=staff
    )
    group = group_invoice_issue(
        members=[
            MemberFactory(full_name=name, employer="City of Riverbend", position=position)
            for name, position in (("Dana Whitfield", "cao"), ("Rafael Ortiz", "acao"))
        ],
        bill_to_organisation="City of Riverbend",
        bill_to_address="1 Main Street\nRiverbend, VA 22000",
        bill_to_email="ap@riverbend.example.gov",
        purchase_order_number="4471",
        on=timezone.localdate(),
        issued_by=staff,
    )
    schedule = DuesSchedule.objects.filter(status="published").order_by("pk").first()
    draft = schedule_clone(schedule_id=schedule.pk, actor=staff)
    return World(
        member=member,
        open_invoice=open_invoice,
        paid_invoice=paid,
        profile=profile,
        engagement=engagement,
        assistance=assistance,
        card=card,
        event=event,
        schedule=schedule,
        draft=draft,
        category=MembershipCategory.objects.order_by("pk").first(),
        member_import=_member_import(),
        import_to_map=_member_import_to_map(),
        campaign=Campaign.objects.create(
            subject="Annual conference: registration is open",
            body_text="Dear {{ member.display_name }},\n\nRegistration is open.",
            filters={"country": "US"},
            rate_per_minute=600,
            total=2,
        ),
        newcomer=MemberFactory(full_name="Rowan Newcomer", employer="Village of Alder"),
        group=group,
        credit=Credit.objects.get(member=member),
        credit_note=note,
        member_export=_member_export(staff),
    )


def _member_export(staff):
    """A finished export of every member, started by the walking staff member."""
    from billing.models import MemberExport
    from billing.services.member_exports import member_export_run

    export = MemberExport.objects.create(
        requested_by=staff, as_of_on=timezone.localdate(), filters={"country": "US"}
    )
    member_export_run(export_id=export.pk)
    return export


def _member_import():
    """A checked export with good and refused rows, for the import report page."""
    from membership.imports.services import member_import_upload
    from tests.membership.import_export import export_build

    data, _ = export_build(60, today=timezone.localdate(), encoding="cp1252")
    return member_import_upload(filename="old-system-export.csv", data=data, user=None)


def _member_import_to_map():
    """An export whose headers are another system's names: it waits on the mapping page."""
    from membership.imports.services import member_import_upload
    from tests.membership.import_export import export_build, headers_renamed

    data, _ = export_build(10, today=timezone.localdate())
    return member_import_upload(
        filename="imis-export.csv", data=headers_renamed(data), user=None, source_name="iMIS"
    )


def _sign_in(page, email, secret=None):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    if secret:
        page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
        code = fresh_totp_code(secret)
        page.get_by_label("Code").fill(code)
        page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(re.compile(r"://[^/]+/(staff/)?$"))


# Links and buttons in table cells that are neither on screen nor inside an on-screen
# scrolling container; and the widths of the document and the body.
LAYOUT_JS = """() => {
  const vw = window.innerWidth;
  const inside = (r) => r.left >= -1 && r.right <= vw + 1;
  const scroller = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const s = getComputedStyle(p);
      if ((s.overflowX === "auto" || s.overflowX === "scroll") && p.scrollWidth > p.clientWidth)
        return p;
    }
    return null;
  };
  const off = [];
  for (const el of document.querySelectorAll("td a, td button, th a, th button")) {
    const r = el.getBoundingClientRect();
    const text = (el.innerText || el.getAttribute("aria-label") || "").trim().slice(0, 40);
    if (r.width === 0 || r.height === 0) { off.push("hidden: " + text); continue; }
    if (inside(r)) continue;
    const box = scroller(el);
    if (box && inside(box.getBoundingClientRect())) continue;
    off.push("off-screen: " + text);
  }
  // A secondary action looks secondary: not the primary button's filled brand colour.
  const primary = getComputedStyle(document.documentElement).getPropertyValue("--brand").trim();
  const probe = document.createElement("span");
  probe.style.color = primary;
  document.body.appendChild(probe);
  const primaryRgb = getComputedStyle(probe).color;
  probe.remove();
  for (const el of document.querySelectorAll(".button-secondary")) {
    if (getComputedStyle(el).backgroundColor === primaryRgb)
      off.push("secondary styled as primary: " + (el.innerText || "").trim().slice(0, 40));
  }
  // Options in a fieldset (checkbox and radio "pills") never overlap one another.
  for (const set of document.querySelectorAll("fieldset")) {
    const boxes = [...set.querySelectorAll("label")].map((l) => [l, l.getBoundingClientRect()])
      .filter(([, r]) => r.width > 0 && r.height > 0);
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
      const [a, ra] = boxes[i], [b, rb] = boxes[j];
      if (a.contains(b) || b.contains(a)) continue;
      const x = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
      const y = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
      if (x > 1 && y > 1)
        off.push("overlapping options: " + a.innerText.trim().slice(0, 30) +
                 " / " + b.innerText.trim().slice(0, 30));
    }
  }
  // What sticks out, to say where to look when the page is too wide.
  const wide = [];
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.right > vw + 1 && !scroller(el) && wide.length < 6)
      wide.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
                (el.className && el.className.baseVal === undefined ? "." + el.className : "") +
                " to " + Math.round(r.right) + " px");
  }
  return {
    wide: wide,
    doc: document.documentElement.scrollWidth,
    body: document.body.scrollWidth,
    off: off,
  };
}"""


def _axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def _check_page(page, axe, url, label, viewport) -> list[str]:
    response = page.goto(url)
    if response is None or response.status >= 400:
        return [f"{label} {url}: HTTP {response.status if response else '?'}"]
    page.wait_for_load_state("load")
    if "reauthenticate/" not in page.url:
        return _check_current(page, axe, url, label, viewport)
    # Account and two-factor pages ask for the password again first: walk that page too.
    problems = _check_current(page, axe, page.url, label + "-reauthenticate", viewport)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_load_state("load")
    if "reauthenticate/" in page.url:
        return [*problems, f"{label} {url}: reauthentication did not lead to the page"]
    return problems + _check_current(page, axe, url, label, viewport)


def _check_current(page, axe, url, label, viewport) -> list[str]:
    problems = []
    width = viewport["width"]
    layout = page.evaluate(LAYOUT_JS)
    if layout["doc"] > width or layout["body"] > width:
        problems.append(
            f"{label} {url}: document {layout['doc']} px / body {layout['body']} px wide "
            f"in a {width} px viewport; sticking out: {layout['wide']}"
        )
    for what in layout["off"]:
        problems.append(f"{label} {url}: action {what}")
    results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG}})
    for violation in results.response["violations"]:
        targets = [", ".join(node["target"]) for node in violation["nodes"]][:4]
        problems.append(f"{label} {url}: axe {violation['id']} ({violation['help']}) at {targets}")
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / f"walk-{width}-{label}.png"), full_page=True)
    return problems


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone-390", "desktop-1280"])
def test_every_page_fits_the_viewport_and_passes_axe(browser, live_server, settings, viewport):
    # Once reauthenticated, the account pages stay open for the rest of a slow walk.
    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 3600
    staff = staff_user(groups=["Membership staff", "International programs staff"], with_totp=False)
    secret = generate_totp_secret()
    Authenticator.objects.create(user=staff, type=Authenticator.Type.TOTP, data={"secret": secret})
    RecoveryCodes.activate(staff)
    world = _build_world(staff)
    axe = _axe()
    problems = []
    walked = 0
    for who in (PUBLIC, MEMBER, STAFF):
        context = browser.new_context(base_url=live_server.url, viewport=viewport)
        context.set_default_timeout(20_000)
        page = context.new_page()
        if who == MEMBER:
            _sign_in(page, world.member.user.email)
        elif who == STAFF:
            _sign_in(page, staff.email, secret=secret)
        for name, walk in WALK.items():
            if walk.who != who:
                continue
            kwargs = walk.kwargs(world) if walk.kwargs else {}
            url = reverse(name, kwargs=kwargs) + walk.query
            label = name.replace(":", "-")
            problems += _check_page(page, axe, url, label, viewport)
            walked += 1
        if who == MEMBER:
            # The paid invoice too: its Receipt action must stay on screen.
            url = reverse("billing:invoice", kwargs=_paid_invoice(world))
            problems += _check_page(page, axe, url, "billing-invoice-paid", viewport)
        context.close()
    assert walked == len(WALK)
    assert not problems, "\n".join(problems)
