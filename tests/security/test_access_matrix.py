"""Who sees member A's data: every URL pattern of the project, every role, GET and POST.

Each pattern has one row in ACCESS saying which roles may see A's data there. A page that
shows something only A has (A's e-mail, name, salary as the page formats it, member number,
invoice number, CV) to any other role fails the test, and so does a pattern without a row:
a new URL cannot ship without someone deciding who may open it.

Runs on SQLite and PostgreSQL alike: no history triggers or database-specific SQL is needed.
"""

import io
import subprocess
import zipfile
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from billing.models import (
    Credit,
    CreditNote,
    EventState,
    MemberExport,
    Payment,
    PaymentState,
    Refund,
    RefundState,
    StripeEvent,
)
from billing.services.employer import group_invoice_issue
from billing.services.member_exports import member_export_run
from communications.models import MessageState, OutgoingMessage
from communications.services.suppressions import unsubscribe_token
from experts.models import DossierExport, ExpertProfile
from experts.services.requests import (
    dossier_export_record,
    engagement_invite,
    engagement_recommend,
    engagement_respond,
    engagement_shortlist,
)
from membership.imports.services import member_import_upload
from membership.models import DuesImpactRun, DuesSchedule, MembershipCategory
from membership.money import format_cents
from membership.services.lifecycle import waiver_request
from tests.experts.factories import make_expert, make_request, pdf_upload, small_pdf
from tests.factories import MemberFactory, UserFactory, issue_invoice, pay_invoice, staff_user
from tests.pdf_support import pdf_text

pytestmark = pytest.mark.django_db

A_EMAIL = "avery.quillfeather@example.org"
A_NAME = "Avery Quillfeather"
A_SALARY_CENTS = 187_654_32
A_CV_MARKER = "cv-of-avery-quillfeather-7f3a"
# A real PDF (CVs are checked by structure) whose page shows A's marker.
A_CV = small_pdf(A_CV_MARKER)

ANONYMOUS = "anonymous"
MEMBER_A = "member A"
MEMBER_B = "member B"
MEMBERSHIP_STAFF = "membership staff"
INTERNATIONAL_STAFF = "international programs staff"
SUPERUSER = "superuser"
MEMBERSHIP_STAFF_NO_TOTP = "membership staff without TOTP"
ROLES = (
    ANONYMOUS,
    MEMBER_A,
    MEMBER_B,
    MEMBERSHIP_STAFF,
    INTERNATIONAL_STAFF,
    SUPERUSER,
    MEMBERSHIP_STAFF_NO_TOTP,
)

NOBODY = frozenset()
OWNER = frozenset({MEMBER_A})
MEMBERSHIP = frozenset({MEMBERSHIP_STAFF, SUPERUSER})
OWNER_OR_MEMBERSHIP = OWNER | MEMBERSHIP
INTERNATIONAL = frozenset({INTERNATIONAL_STAFF, SUPERUSER})


@dataclass(frozen=True)
class Access:
    """`allowed`: the roles that may see A's data on this page. `kwargs`: the URL's arguments,
    taken from A's objects. `shows`: the page, opened with GET by an allowed role, does show
    A's data (a check that the arguments really point at A)."""

    allowed: frozenset
    kwargs: object = field(default=lambda w: {})
    shows: bool = False


def member_number(w):
    return {"member_number": w.a.member_number}


def invoice_number(w):
    return {"number": w.invoice.number}


def group_number(w):
    return {"number": w.group.number}


def credit_note_number(w):
    return {"number": w.credit_note.number}


def import_pk(w):
    return {"pk": w.member_import.pk}


def request_pk(w):
    return {"pk": w.assistance.pk}


ACCESS = {
    "home": Access(OWNER),
    # The language switch only sets a cookie and redirects: no one's data.
    "set_language": Access(NOBODY),
    # Probes and metrics carry no member's data for anyone.
    "ops:healthz": Access(NOBODY),
    "ops:readyz": Access(NOBODY),
    "ops:metrics": Access(NOBODY),
    # Reports show counts and sums; the renewals list names members (membership staff only).
    "reports:staff_home": Access(NOBODY),
    "reports:membership": Access(NOBODY),
    "reports:revenue": Access(NOBODY),
    "reports:aging": Access(NOBODY),
    "reports:waivers": Access(NOBODY),
    "reports:forecast": Access(NOBODY),
    "reports:renewals_due": Access(MEMBERSHIP),
    "reports:experts": Access(NOBODY),
    "reports:refresh": Access(NOBODY),
    # The admin index only; see `project_patterns` for the admin's own pages.
    "admin:index": Access(NOBODY),
    "communications_staff:template_list": Access(NOBODY),
    # Only the signed-in account's own messages; A's message subjects name A's invoice.
    "communications:my_messages": Access(OWNER),
    "communications_staff:template_edit": Access(NOBODY, lambda w: {"key": "welcome"}),
    "communications_staff:template_revert": Access(
        NOBODY, lambda w: {"key": "welcome", "version_id": 1}
    ),
    # Bulk mail: the compose page's sample names members (A among them); a campaign's own
    # pages show its message and counts, no member's data.
    "communications_staff:campaign_list": Access(NOBODY),
    "communications_staff:campaign_new": Access(MEMBERSHIP),
    "communications_staff:campaign_detail": Access(NOBODY, lambda w: {"campaign_id": 1}),
    "communications_staff:campaign_progress": Access(NOBODY, lambda w: {"campaign_id": 1}),
    "communications_staff:campaign_stop": Access(NOBODY, lambda w: {"campaign_id": 1}),
    # A's signed unsubscribe link is the credential (like a mailed reset link): whoever holds
    # it sees A's address on the confirm page, signed in as anyone or not at all.
    "communications:unsubscribe": Access(
        frozenset(ROLES), lambda w: {"token": unsubscribe_token(w.a.user_id)}, shows=True
    ),
    "communications:resubscribe": Access(NOBODY),
    "billing_staff:member_list": Access(MEMBERSHIP, shows=True),
    # The export: starting one (POST) and its page, poll and stop show no member's data; the
    # file names A, and only the staff member who started it may download it.
    "billing_staff:member_export": Access(NOBODY),
    "billing_staff:member_export_detail": Access(NOBODY, lambda w: {"pk": w.member_export.pk}),
    "billing_staff:member_export_progress": Access(NOBODY, lambda w: {"pk": w.member_export.pk}),
    "billing_staff:member_export_stop": Access(NOBODY, lambda w: {"pk": w.member_export.pk}),
    "billing_staff:member_export_download": Access(
        frozenset({MEMBERSHIP_STAFF}), lambda w: {"pk": w.member_export.pk}, shows=True
    ),
    "billing_staff:member_detail": Access(MEMBERSHIP, member_number, shows=True),
    "billing_staff:member_life": Access(MEMBERSHIP, member_number, shows=True),
    # Staff doing a member's work: the new-member form shows nobody's data; the others are A's.
    "billing_staff:member_new": Access(NOBODY),
    "billing_staff:member_edit": Access(MEMBERSHIP, member_number, shows=True),
    "billing_staff:member_claim": Access(MEMBERSHIP, member_number),
    "billing_staff:member_invoice": Access(MEMBERSHIP, member_number, shows=True),
    "billing_staff:term_dates": Access(
        MEMBERSHIP, lambda w: {**member_number(w), "term_id": w.invoice.term_id}, shows=True
    ),
    "billing_staff:member_message_resend": Access(
        MEMBERSHIP, lambda w: {**member_number(w), "message_id": w.message.pk}
    ),
    "billing_staff:invoice_detail": Access(MEMBERSHIP, invoice_number, shows=True),
    "billing_staff:invoice_record_payment": Access(MEMBERSHIP, invoice_number, shows=True),
    "billing_staff:payment_refund": Access(
        MEMBERSHIP,
        lambda w: {"pk": w.invoice.payments.get(gateway="offline", reference="CHQ-A").pk},
        shows=True,
    ),
    "billing_staff:invoice_cancel": Access(MEMBERSHIP, invoice_number, shows=True),
    "billing_staff:invoice_purchase_order": Access(MEMBERSHIP, invoice_number, shows=True),
    "billing_staff:invoice_credit_note": Access(MEMBERSHIP, invoice_number, shows=True),
    # Employer billing: a consolidated invoice names every member it bills (A among them).
    "billing_staff:group_list": Access(MEMBERSHIP),
    "billing_staff:group_new": Access(MEMBERSHIP),
    "billing_staff:group_detail": Access(MEMBERSHIP, group_number, shows=True),
    "billing_staff:group_pdf": Access(MEMBERSHIP, group_number, shows=True),
    "billing_staff:group_record_payment": Access(MEMBERSHIP, group_number),
    "billing_staff:group_purchase_order": Access(MEMBERSHIP, group_number),
    "billing_staff:group_send": Access(MEMBERSHIP, group_number),
    "billing_staff:credit_list": Access(MEMBERSHIP, shows=True),
    "billing_staff:credit_detail": Access(MEMBERSHIP, lambda w: {"pk": w.credit.pk}, shows=True),
    "billing_staff:waiver_list": Access(MEMBERSHIP, shows=True),
    "billing_staff:waiver_decide": Access(MEMBERSHIP, lambda w: {"pk": w.waiver.pk}),
    "membership:profile": Access(OWNER, shows=True),
    "membership:member_detail": Access(OWNER_OR_MEMBERSHIP, member_number, shows=True),
    "membership:staff_rules": Access(MEMBERSHIP),
    # The import screens: the refused rows name the e-mail address in the old system's file.
    "membership:staff_import_list": Access(MEMBERSHIP),
    "membership:staff_import_detail": Access(MEMBERSHIP, import_pk, shows=True),
    # The column-mapping step (a checked import redirects to its report).
    "membership:staff_import_columns": Access(MEMBERSHIP, import_pk),
    "membership:staff_import_progress": Access(MEMBERSHIP, import_pk),
    "membership:staff_import_commit": Access(MEMBERSHIP, import_pk),
    "membership:staff_import_claims": Access(MEMBERSHIP, import_pk),
    "billing:dashboard": Access(OWNER),
    "billing:join": Access(OWNER),
    "billing:renew": Access(OWNER),
    "billing:waiver": Access(OWNER),
    "billing:invoice": Access(OWNER_OR_MEMBERSHIP, invoice_number, shows=True),
    "billing:receipt": Access(OWNER_OR_MEMBERSHIP, invoice_number, shows=True),
    "billing:receipt_pdf": Access(OWNER_OR_MEMBERSHIP, invoice_number, shows=True),
    "billing:invoice_pdf": Access(OWNER_OR_MEMBERSHIP, invoice_number, shows=True),
    # POST only (GET is refused); it sends A's invoice to the bill-to e-mail, no page.
    "billing:invoice_send": Access(OWNER_OR_MEMBERSHIP, invoice_number),
    "billing:credit_note": Access(OWNER_OR_MEMBERSHIP, credit_note_number, shows=True),
    "billing:credit_note_pdf": Access(OWNER_OR_MEMBERSHIP, credit_note_number, shows=True),
    "dues:calculator": Access(OWNER),
    "dues:quote_api": Access(OWNER),
    "dues:staff_schedules": Access(MEMBERSHIP),
    "dues:staff_history": Access(MEMBERSHIP),
    "dues:staff_categories": Access(MEMBERSHIP),
    "dues:staff_category_edit": Access(MEMBERSHIP, lambda w: {"pk": w.category.pk}),
    "dues:staff_schedule": Access(MEMBERSHIP, lambda w: {"pk": w.schedule.pk}),
    "dues:staff_schedule_edit": Access(MEMBERSHIP, lambda w: {"pk": w.schedule.pk}),
    "dues:staff_schedule_clone": Access(MEMBERSHIP, lambda w: {"pk": w.schedule.pk}),
    "dues:staff_schedule_preview": Access(MEMBERSHIP, lambda w: {"pk": w.schedule.pk}),
    # The poll of a background preview: its progress counts only.
    "dues:staff_schedule_preview_progress": Access(
        NOBODY, lambda w: {"pk": w.schedule.pk, "run_id": w.impact_run.pk}
    ),
    "dues:staff_schedule_publish": Access(MEMBERSHIP, lambda w: {"pk": w.schedule.pk}),
    "dues:staff_schedule_delete": Access(MEMBERSHIP, lambda w: {"pk": w.schedule.pk}),
    "experts:mine": Access(OWNER),
    "experts:volunteer": Access(OWNER),
    "experts:consent": Access(OWNER),
    "experts:pause": Access(OWNER),
    "experts:resume": Access(OWNER),
    "experts:withdraw": Access(OWNER),
    "experts:cv": Access(OWNER, shows=True),
    "experts:invitation": Access(OWNER, lambda w: {"pk": w.engagement.pk}),
    "experts:staff_overview": Access(INTERNATIONAL),
    "experts:staff_search": Access(INTERNATIONAL, shows=True),
    "experts:staff_profile": Access(INTERNATIONAL, lambda w: {"pk": w.profile.pk}, shows=True),
    # The CV rule lets its owner download it from either address.
    "experts:staff_profile_cv": Access(
        OWNER | INTERNATIONAL, lambda w: {"pk": w.profile.pk}, shows=True
    ),
    "experts:staff_consent": Access(INTERNATIONAL),
    "experts:staff_exports": Access(INTERNATIONAL),
    "experts:staff_requests": Access(INTERNATIONAL),
    "experts:staff_request_new": Access(INTERNATIONAL),
    "experts:staff_request": Access(INTERNATIONAL, request_pk, shows=True),
    "experts:staff_request_edit": Access(INTERNATIONAL, request_pk),
    "experts:staff_request_matches": Access(INTERNATIONAL, request_pk, shows=True),
    "experts:staff_shortlist": Access(INTERNATIONAL, request_pk),
    "experts:staff_engagement_action": Access(
        INTERNATIONAL,
        lambda w: {"pk": w.assistance.pk, "engagement_pk": w.engagement.pk, "action": "invite"},
    ),
    "experts:staff_dossier_csv": Access(INTERNATIONAL, request_pk, shows=True),
    "experts:staff_dossier_print": Access(INTERNATIONAL, request_pk, shows=True),
    "experts:staff_dossier_pdf": Access(INTERNATIONAL, request_pk),
    # Data rights (POST {} never closes an account: it lacks the confirmation).
    "privacy:home": Access(OWNER),
    "privacy:download": Access(OWNER, shows=True),
    "privacy:close": Access(OWNER, shows=True),
    "privacy:closed": Access(NOBODY),
    "privacy:staff_member": Access(MEMBERSHIP, member_number, shows=True),
    "privacy:staff_download": Access(MEMBERSHIP, member_number),
    "privacy:staff_close": Access(MEMBERSHIP, member_number),
    "stripe:webhook": Access(NOBODY),
    "stripe:success": Access(OWNER),
    "stripe:cancel": Access(OWNER_OR_MEMBERSHIP, invoice_number, shows=True),
    "stripe:pay": Access(OWNER_OR_MEMBERSHIP, invoice_number),
    "stripe:auto_renew": Access(OWNER),
    "stripe:staff_payment": Access(MEMBERSHIP, lambda w: {"pk": w.card.pk}, shows=True),
    "stripe:staff_refund_retry": Access(MEMBERSHIP, lambda w: {"pk": w.refund.pk}),
    "stripe:staff_flagged": Access(MEMBERSHIP, shows=True),
    "stripe:staff_event": Access(MEMBERSHIP, lambda w: {"pk": w.event.pk}, shows=True),
    "stripe:staff_resolve": Access(MEMBERSHIP, lambda w: {"pk": w.event.pk}),
}


def _walk(resolver, route: str = "", namespace: str = ""):
    for entry in resolver.url_patterns:
        here = route + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, here, inner)
        elif isinstance(entry, URLPattern):
            yield (f"{namespace}{entry.name}" if entry.name else here), here


def project_patterns() -> dict[str, str]:
    """Every URL pattern of the project, by namespaced name, as resolved from the root URLconf.

    Left out, deliberately: allauth's own pages under `accounts/` (sign-in, sign-up, password
    and authenticator screens: they show only the signed-in user's account) and the Django
    admin's internal pages under `admin/` (model lists and forms, which Django's admin guards
    with its own model permissions and which the two-factor middleware puts behind TOTP). The
    admin index `admin/` itself is walked like any other page."""
    found = {}
    for name, route in _walk(get_resolver()):
        if route.startswith("accounts/"):
            continue
        if route.startswith("admin/") and route != "admin/":
            continue
        found[name] = route
    return found


PATTERNS = project_patterns()


def test_every_url_pattern_has_a_row_in_the_access_table():
    missing = sorted(set(PATTERNS) - set(ACCESS))
    assert not missing, f"URL patterns with no row in ACCESS (say who may see them): {missing}"


def test_the_access_table_names_only_patterns_that_exist():
    stale = sorted(set(ACCESS) - set(PATTERNS))
    assert not stale, f"ACCESS rows for patterns that no longer exist: {stale}"


@dataclass
class World:
    a: object
    b: object
    invoice: object
    card: object
    refund: object
    event: object
    waiver: object
    message: object
    profile: ExpertProfile
    assistance: object
    engagement: object
    schedule: object
    category: object
    member_import: object
    group: object
    section: object
    credit: object
    credit_note: object
    member_export: object
    impact_run: object
    users: dict

    @property
    def markers(self) -> dict[str, bytes]:
        return {
            "e-mail": A_EMAIL.encode(),
            "name": A_NAME.encode(),
            "salary": format_cents(A_SALARY_CENTS).encode(),
            "member number": self.a.member_number.encode(),
            "invoice number": self.invoice.number.encode(),
            "CV": A_CV_MARKER.encode(),
        }


@pytest.fixture
def world(settings, tmp_path) -> World:
    settings.STAFF_REQUIRE_2FA = True
    settings.DEBUG = False
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    a = MemberFactory(
        user=UserFactory(email=A_EMAIL), full_name=A_NAME, annual_salary_cents=A_SALARY_CENTS
    )
    b = MemberFactory(full_name="Blair Otherperson")
    intl = staff_user(groups=["International programs staff"])
    superuser = staff_user(groups=[])
    superuser.is_superuser = True
    superuser.save()

    invoice = issue_invoice(a)
    pay_invoice(invoice, reference="CHQ-A")
    card = Payment.objects.create(
        invoice=invoice,
        gateway="stripe",
        state=PaymentState.CONFIRMED,
        amount_cents=100_00,
        gateway_ids={"checkout_session": "cs_test_member_a", "payment_intent": "pi_test_a"},
        confirmed_at=timezone.now(),
    )
    refund = Refund.objects.create(
        payment=card, amount_cents=10_00, reason="Duplicate", state=RefundState.CREATED
    )
    event = StripeEvent.objects.create(
        stripe_id="evt_test_member_a",
        type="charge.dispute.created",
        payload={"id": "evt_test_member_a"},
        state=EventState.FLAGGED,
        payment=card,
    )
    waiver = waiver_request(member=a, reason="My position was eliminated in the budget.")
    message = OutgoingMessage.objects.create(
        to=A_EMAIL,
        user=a.user,
        template="membership/email/welcome",
        subject="Welcome",
        body_text="Hello",
        state=MessageState.FAILED,
        next_attempt_at=timezone.now(),
    )

    profile = make_expert(member=a, cv=pdf_upload("cv.pdf", A_CV))
    assistance = make_request(by=intl)
    engagement = engagement_shortlist(request=assistance, profile=profile, by=intl)
    engagement_invite(engagement=engagement, by=intl)
    engagement_respond(engagement=engagement, accept=True)
    engagement_recommend(engagement=engagement, by=intl)
    dossier_export_record(
        request=assistance, by=intl, format=DossierExport.Format.PRINT, experts=[profile]
    )
    # A and B on one consolidated invoice; A's second cheque is kept as A's credit.
    group = group_invoice_issue(
        members=[a, b],
        bill_to_organisation="City of Quillfeather",
        bill_to_address="",
        bill_to_email="ap@quillfeather.example.gov",
        on=timezone.localdate(),
        issued_by=None,
    )
    pay_invoice(invoice, reference="CHQ-A-AGAIN", amount_cents=5_00)
    credit = Credit.objects.get(member=a)
    credit_note = CreditNote.objects.create(
        number="CN-2026-000001",
        invoice=invoice,
        amount_cents=1_00,
        reason="Rounding",
        issued_at=timezone.now(),
        issued_on=timezone.localdate(),
    )
    assert Group.objects.filter(name="Membership staff").exists()
    membership_staff = staff_user(groups=["Membership staff"])
    # A finished export of every member (A among them), started by that staff member.
    member_export = MemberExport.objects.create(
        requested_by=membership_staff, as_of_on=timezone.localdate(), filters={}
    )
    member_export_run(export_id=member_export.pk)
    schedule = DuesSchedule.objects.order_by("pk").first()
    impact_run = DuesImpactRun.objects.create(schedule=schedule, terms_key="0" * 64)
    return World(
        a=a,
        b=b,
        invoice=invoice,
        card=card,
        refund=refund,
        event=event,
        waiver=waiver,
        message=message,
        profile=profile,
        assistance=assistance,
        engagement=engagement,
        schedule=schedule,
        category=MembershipCategory.objects.order_by("pk").first(),
        # An export whose one row is refused: its e-mail address is already A's account.
        member_import=member_import_upload(
            filename="old-system.csv",
            data=(
                "legacy_id,email,category,position,term_start,term_end\r\n"
                f"OLD1,{A_EMAIL},affiliate,department_head,2026-01-01,2027-01-01\r\n"
            ).encode(),
            user=None,
        ),
        group=group,
        section=group.sections.get(member=a),
        credit=credit,
        credit_note=credit_note,
        member_export=member_export,
        impact_run=impact_run,
        users={
            ANONYMOUS: None,
            MEMBER_A: a.user,
            MEMBER_B: b.user,
            MEMBERSHIP_STAFF: membership_staff,
            INTERNATIONAL_STAFF: intl,
            SUPERUSER: superuser,
            MEMBERSHIP_STAFF_NO_TOTP: staff_user(groups=["Membership staff"], with_totp=False),
        },
    )


def _pdf_text(pdf: bytes) -> bytes:
    """The text a PDF shows (the WeasyPrint invoices and receipts, uploaded CVs)."""
    try:
        return pdf_text(pdf).encode()
    except subprocess.CalledProcessError:
        return b""


def _body(response) -> bytes:
    # Reading a streamed body to its end closes it, as a WSGI server would.
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content.startswith(b"%PDF"):
        content += b"\n" + _pdf_text(content)
    if content.startswith(b"PK\x03\x04"):  # a ZIP (the data download): what is inside counts
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            content += b"\n".join(archive.read(name) for name in archive.namelist())
    # Headers count too: a file name or a redirect must not carry A's data either
    # (the sign-in redirect's `next=` names the URL asked for, which is not data shown).
    headers = b"\n".join(
        f"{k}: {v}".encode() for k, v in response.headers.items() if k.lower() != "location"
    )
    return content + b"\n" + headers


def _open(client: Client, method: str, url: str):
    """One request, whose database changes are rolled back, so every role meets the same A."""
    with transaction.atomic():
        response = client.get(url) if method == "GET" else client.post(url, {})
        body = _body(response)
        transaction.set_rollback(True)
    return response, body


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_only_the_roles_in_the_table_see_member_a_data(world, name):
    access = ACCESS.get(name)
    assert access is not None, f"{name} ({PATTERNS[name]}) has no row in ACCESS"
    url = reverse(name, kwargs=access.kwargs(world))
    leaks, unseen = [], []
    for role in ROLES:
        client = Client(raise_request_exception=False)
        user = world.users[role]
        if user is not None:
            client.force_login(user)
        for method in ("GET", "POST"):
            response, body = _open(client, method, url)
            assert response.status_code < 500, f"{method} {url} as {role}: server error"
            found = [what for what, marker in world.markers.items() if marker in body]
            if role not in access.allowed and found:
                leaks.append(f"{method} {url} as {role} ({response.status_code}) shows {found}")
            if (
                role in access.allowed
                and access.shows
                and method == "GET"
                and response.status_code == 200
                and not found
            ):
                unseen.append(f"{method} {url} as {role}")
            elif role in access.allowed and access.shows and method == "GET":
                assert response.status_code == 200, f"GET {url} as {role}: {response.status_code}"
    assert not leaks, "Member A's data shown to a role that may not see it:\n" + "\n".join(leaks)
    assert not unseen, "Pages that should show A's data did not (wrong arguments?): " + str(unseen)


# Member-facing pages that take an object id: the owner check answers 404 to everyone else
# who is not staff, the same answer as for an id that does not exist.
MEMBER_PAGES_WITH_IDS = (
    "membership:member_detail",
    "billing:invoice",
    "billing:receipt",
    "billing:receipt_pdf",
    "billing:invoice_pdf",
    "billing:credit_note",
    "billing:credit_note_pdf",
    "stripe:cancel",
    "stripe:pay",
    "experts:invitation",
    "experts:staff_profile_cv",
)


@pytest.mark.parametrize("name", MEMBER_PAGES_WITH_IDS)
def test_another_member_gets_404_for_member_a_objects(world, name):
    client = Client()
    client.force_login(world.users[MEMBER_B])
    url = reverse(name, kwargs=ACCESS[name].kwargs(world))
    for method in ("GET", "POST"):
        response, _body = _open(client, method, url)
        assert response.status_code == 404, f"{method} {url}: {response.status_code}"


@pytest.mark.parametrize("name", MEMBER_PAGES_WITH_IDS)
def test_staff_without_totp_are_sent_to_set_it_up_for_member_a_objects(world, name):
    client = Client()
    client.force_login(world.users[MEMBERSHIP_STAFF_NO_TOTP])
    url = reverse(name, kwargs=ACCESS[name].kwargs(world))
    response, _body = _open(client, "GET", url)
    if name == "experts:invitation":
        # Only ever the member's own invitation: refused like any other member.
        assert response.status_code == 404
    else:
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_activate_totp")


@pytest.mark.parametrize("name", ["billing:invoice", "billing:invoice_pdf"])
def test_another_member_on_the_same_consolidated_invoice_gets_404_for_a_section(world, name):
    """B is billed on the same consolidated invoice as A: B still never sees A's section."""
    assert world.section.group == world.group
    assert world.group.sections.filter(member=world.b).exists()
    client = Client()
    client.force_login(world.users[MEMBER_B])
    url = reverse(name, kwargs={"number": world.section.number})
    response, body = _open(client, "GET", url)
    assert response.status_code == 404
    assert A_NAME.encode() not in body
    own = Client()
    own.force_login(world.users[MEMBER_A])
    response, body = _open(own, "GET", url)
    assert response.status_code == 200
    assert world.a.member_number.encode() in body
    assert b"Blair Otherperson" not in body
