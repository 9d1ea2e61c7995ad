"""Input the pages must refuse politely: what fuzzing found gave a 500 or stored bad data."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import Invoice
from experts.models import Engagement, ExpertiseArea
from membership.models import Membership
from membership.services.lifecycle import waiver_request
from tests.experts.factories import make_expert, make_request
from tests.factories import MemberFactory, issue_invoice, pay_invoice
from tests.membership.dues_helpers import draft_from_current, edit_form_data, rate_index

pytestmark = pytest.mark.django_db

NOT_PATHS = ["billing_staff:waiver_list", "foo", "javascript:alert(1)", "\x00", "..", "%00"]


@pytest.fixture
def waiver():
    member = MemberFactory()
    pay_invoice(issue_invoice(member))
    return waiver_request(member=member, reason="My town merged with the county.")


@pytest.mark.parametrize("target", NOT_PATHS)
def test_a_waiver_decision_with_a_next_that_is_not_a_path_returns_to_the_queue(
    staff_client, waiver, target
):
    url = reverse("billing_staff:waiver_decide", args=[waiver.pk])
    response = staff_client.post(url, {"decision": "approve", "next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("billing_staff:waiver_list")


@pytest.mark.parametrize("target", NOT_PATHS)
def test_a_shortlist_with_a_next_that_is_not_a_path_returns_to_the_request(intl_client, target):
    assistance = make_request()
    profile = make_expert()
    url = reverse("experts:staff_shortlist", args=[assistance.pk])
    response = intl_client.post(url, {"profile": str(profile.pk), "next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("experts:staff_request", args=[assistance.pk])
    assert Engagement.objects.filter(request=assistance, profile=profile).exists()


def test_a_next_path_on_the_site_is_still_followed(intl_client):
    assistance = make_request()
    profile = make_expert()
    back = reverse("experts:staff_request_matches", args=[assistance.pk]) + "?page=2"
    response = intl_client.post(
        reverse("experts:staff_shortlist", args=[assistance.pk]),
        {"profile": str(profile.pk), "next": back},
    )
    assert response["Location"] == back


@pytest.fixture
def renewing_member(member):
    pay_invoice(issue_invoice(member, on=dt.date(2026, 7, 15)), on=dt.date(2026, 7, 15))
    Membership.objects.filter(member=member).update(
        paid_through_on=timezone.localdate() + dt.timedelta(days=30)
    )
    return member


def renew_data(member, **overrides):
    from membership.models import MembershipCategory

    data = {
        "category": str(MembershipCategory.objects.get(code="full").pk),
        "position": member.position,
        "annual_salary": "150000",
        "population": "250000",
        "general_fund_budget": "300000000",
        "payment_method": "offline",
        "action": "confirm",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize("installments", ["", None])
def test_renewing_with_installments_empty_or_missing_means_one_payment(
    member_client, renewing_member, installments
):
    before = Invoice.objects.filter(member=renewing_member).count()
    response = member_client.post(
        reverse("billing:renew"), renew_data(renewing_member, installments=installments)
    )
    assert response.status_code == 302
    invoice = Invoice.objects.filter(member=renewing_member).latest("pk")
    assert Invoice.objects.filter(member=renewing_member).count() == before + 1
    assert invoice.installment_count == 1


@pytest.mark.parametrize("value", ["sNaN", "NaN", "-sNaN", "Infinity", "-inf"])
@pytest.mark.parametrize("field", ["percent", "minimum", "cap"])
def test_a_dues_rate_that_is_not_a_number_is_refused_with_a_field_error(staff_client, field, value):
    draft = draft_from_current()
    index = rate_index(draft, "full")
    before = draft.rates.get(category__code="full")
    response = staff_client.post(
        reverse("dues:staff_schedule_edit", args=[draft.pk]),
        edit_form_data(draft, rates={index: {field: value}}),
    )
    assert response.status_code == 200
    assert response.context["rates"].forms[index].errors[field]
    after = draft.rates.get(category__code="full")
    assert (after.percent_bp, after.minimum_cents, after.cap_cents) == (
        before.percent_bp,
        before.minimum_cents,
        before.cap_cents,
    )


@pytest.mark.parametrize("page", ["99999999999999999999", str(2**63), "-99999999999999999999"])
def test_a_matching_page_number_past_bigint_shows_a_page(intl_client, page):
    assistance = make_request()
    make_expert()
    url = reverse("experts:staff_request_matches", args=[assistance.pk])
    response = intl_client.get(url, {"page": page})
    assert response.status_code == 200


@pytest.mark.parametrize("session_id", ["cs_\x00", "\x00", "cs_test\x00' OR 1=1"])
def test_a_card_success_session_id_with_nul_is_refused(member_client, session_id):
    response = member_client.get(reverse("stripe:success"), {"session_id": session_id})
    assert response.status_code == 404


# --- Header-safe text: what becomes an e-mail subject or header is one line ---------------

LINE_BREAKS = ["Line\r\nBcc: x@example.org", "one\ntwo", "cr\ronly", "nul\x00", "sep\u2028x"]


@pytest.mark.parametrize("text", LINE_BREAKS)
def test_header_safe_text_refuses_line_breaks_and_nul_with_what_to_do(text):
    from django.core.exceptions import ValidationError

    from membership.validators import header_safe

    with pytest.raises(ValidationError, match="Keep this on one line"):
        header_safe(text)


@pytest.mark.parametrize("text", ["Zhang Wei 张伟", "Ó Súilleabháin, Ciarán", "Tab\tinside"])
def test_header_safe_text_allows_ordinary_unicode_on_one_line(text):
    from membership.validators import header_safe

    header_safe(text)


@pytest.mark.parametrize("text", LINE_BREAKS[:3])
def test_an_assistance_request_title_with_a_line_break_is_refused_and_not_stored(intl_client, text):
    from experts.models import AssistanceRequest, PartnerOrganization

    partner = PartnerOrganization.objects.get(name="Yangzhou training base")
    response = intl_client.post(
        reverse("experts:staff_request_new"),
        {
            "partner": partner.pk,
            "title": text,
            "topics": [ExpertiseArea.objects.filter(is_active=True).first().pk],
            "engagement_type": "study_tour",
            "experts_wanted": "2",
            "status": "open",
        },
    )
    assert response.status_code == 200
    assert "Keep this on one line" in response.context["form"].errors["title"][0]
    assert not AssistanceRequest.objects.exists()


@pytest.mark.parametrize("field", ["full_name", "employer", "job_title"])
def test_a_profile_name_employer_or_job_title_with_a_line_break_is_refused(
    member_client, member, field
):
    data = {
        "full_name": "Jordan Rivera",
        "position": member.position,
        "job_title": "City Manager",
        "employer": "City of Example",
        "country": "US",
        "state_province": "VA",
        field: "First line\r\nSecond line",
    }
    before = getattr(member, field)
    response = member_client.post(reverse("membership:profile"), data)
    assert response.status_code == 200
    assert "Keep this on one line" in response.context["form"].errors[field][0]
    member.refresh_from_db()
    assert getattr(member, field) == before


@pytest.mark.parametrize("field", ["full_name", "employer"])
def test_a_sign_up_name_or_employer_with_a_line_break_is_refused(field):
    from membership.forms import SignupProfileForm

    data = {"full_name": "Jordan Rivera", "position": "cao", "country": "US", "employer": "City"}
    data[field] = "Jordan\nRivera"
    form = SignupProfileForm(data)
    assert not form.is_valid()
    assert "Keep this on one line" in form.errors[field][0]


@pytest.mark.parametrize(
    ("model_path", "field"),
    [
        ("experts.models.PartnerOrganization", "name"),
        ("membership.models.Member", "full_name"),
        ("membership.models.Member", "employer"),
        ("membership.models.Member", "job_title"),
    ],
)
def test_the_admin_refuses_a_line_break_in_names_and_titles(rf, model_path, field):
    from django.contrib import admin
    from django.utils.module_loading import import_string

    model = import_string(model_path)
    form_class = admin.site._registry[model].get_form(rf.get("/"))
    form = form_class({field: "Name\r\nBcc: x@example.org"})
    form.is_valid()
    assert "Keep this on one line" in form.errors[field][0]


# --- Uploads: size refused before the body is read; CVs are PDFs by structure -------------

THIRTY_MB = 30 * 1024 * 1024


class UnreadableBody:
    """A request body that records whether anyone read it."""

    def __init__(self):
        self.bytes_read = 0

    def read(self, size=-1):
        self.bytes_read += 1
        return b""

    def readline(self, size=-1):
        return self.read(size)


def test_the_upload_limit_is_a_bit_over_the_cv_limit(settings):
    from experts.services.cv import CV_MAX_BYTES

    assert CV_MAX_BYTES < settings.MAX_UPLOAD_BYTES <= CV_MAX_BYTES + 1024 * 1024
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= settings.MAX_UPLOAD_BYTES
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= settings.MAX_UPLOAD_BYTES


def test_a_30_mb_cv_upload_is_refused_with_413_without_reading_the_body(client):
    from tests.factories import activate_membership

    member = activate_membership(MemberFactory())
    client.force_login(member.user)
    body = UnreadableBody()
    response = client.post(
        reverse("experts:volunteer"),
        data=b"",
        content_type="multipart/form-data; boundary=BoUnDaRy",
        CONTENT_LENGTH=str(THIRTY_MB),
        **{"wsgi.input": body},
    )
    assert response.status_code == 413
    assert "too large" in response.content.decode()
    assert "5 MB" in response.content.decode()
    assert body.bytes_read == 0
    from experts.models import ExpertProfile

    assert not ExpertProfile.objects.filter(member=member).exists()


def test_any_request_over_the_limit_is_refused_with_413(client, settings):
    response = client.post(
        reverse("account_login"),
        data=b"",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(settings.MAX_UPLOAD_BYTES + 1),
        **{"wsgi.input": UnreadableBody()},
    )
    assert response.status_code == 413


class CountingStream:
    def __init__(self, data: bytes):
        from io import BytesIO

        self._data = BytesIO(data)
        self.bytes_read = 0

    def read(self, size=-1):
        chunk = self._data.read(size)
        self.bytes_read += len(chunk)
        return chunk

    def readline(self, size=-1):
        line = self._data.readline(size)
        self.bytes_read += len(line)
        return line


def multipart_with_file(size: int) -> tuple[bytes, str]:
    boundary = "BoUnDaRy"
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="cv"; filename="cv.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + b"%PDF-"
        + b"0" * size
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def test_the_upload_handler_stops_reading_past_the_limit_whatever_the_header_says(rf, settings):
    from django.http.multipartparser import MultiPartParser

    from membership.uploads import UploadTooLarge

    body, content_type = multipart_with_file(THIRTY_MB)
    stream = CountingStream(body)
    request = rf.post("/")
    # A body longer than its header says (or one sent in chunks, without a length).
    meta = {"CONTENT_TYPE": content_type, "CONTENT_LENGTH": "1024"}
    handlers = [import_handler(path, request) for path in settings.FILE_UPLOAD_HANDLERS]
    with pytest.raises(UploadTooLarge):
        MultiPartParser(meta, stream, handlers).parse()
    assert stream.bytes_read < settings.MAX_UPLOAD_BYTES + 1024 * 1024
    assert stream.bytes_read < THIRTY_MB


def import_handler(path, request):
    from django.core.files.uploadhandler import load_handler

    return load_handler(path, request)


def test_an_upload_over_the_limit_met_while_parsing_is_a_413_page(rf, settings):
    from django.core.handlers.exception import convert_exception_to_response
    from django.core.handlers.wsgi import LimitedStream

    from membership.uploads import UploadLimitMiddleware

    body, content_type = multipart_with_file(2 * 1024 * 1024)
    settings.MAX_UPLOAD_BYTES = 1024 * 1024
    request = rf.generic("POST", "/experts/volunteer/", body, content_type=content_type)
    request.META["CONTENT_LENGTH"] = "1000"  # the header understates the body
    request._stream = LimitedStream(CountingStream(body), len(body))

    def view(request):
        request.POST  # noqa: B018 (as CSRF checking does, before any view runs)
        pytest.fail("the upload must not reach the view")

    response = UploadLimitMiddleware(convert_exception_to_response(view))(request)
    assert response.status_code == 413
    assert "too large" in response.content.decode()


def test_a_webhook_still_reads_its_raw_body(client, settings):
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test"
    response = client.post(
        reverse("stripe:webhook"), data={"id": "evt_1"}, HTTP_STRIPE_SIGNATURE="t=1,v1=0"
    )
    assert response.status_code == 400


def cv_form(content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from experts.forms import ExpertProfileForm

    data = {
        "areas": [ExpertiseArea.objects.filter(is_active=True).first().pk],
        "years_in_local_government": "12",
        "summary": "Finance director.",
        "engagement_types": ["workshop"],
        "consent": "on",
    }
    upload = SimpleUploadedFile("cv.pdf", content, content_type="application/pdf")
    return ExpertProfileForm(data, {"cv": upload}, needs_consent=True)


def test_a_real_small_pdf_is_accepted():
    from tests.experts.factories import small_pdf

    form = cv_form(small_pdf("Jordan Rivera, City Manager"))
    assert form.is_valid(), form.errors


POLYGLOTS = {
    "html after the header": lambda pdf: (
        pdf[:9] + b"%<html><body><script>alert(document.domain)</script></body></html>\n" + pdf[9:]
    ),
    "html before the header": lambda pdf: b"<html><script>alert(1)</script>\n" + pdf,
    "svg after the header": lambda pdf: pdf[:9] + b"%<svg onload=alert(1)>\n" + pdf[9:],
    "doctype after the header": lambda pdf: pdf[:9] + b"%<!DOCTYPE html>\n" + pdf[9:],
}


@pytest.mark.parametrize("kind", POLYGLOTS)
def test_a_pdf_html_polyglot_is_refused(kind):
    from tests.experts.factories import small_pdf

    form = cv_form(POLYGLOTS[kind](small_pdf()))
    assert not form.is_valid()
    assert "PDF" in form.errors["cv"][0]


def test_a_file_with_the_pdf_header_that_does_not_parse_is_refused():
    form = cv_form(b"%PDF-1.7\nthis is not a PDF at all, only its first five bytes\n")
    assert not form.is_valid()
    assert "could not be read as a PDF" in form.errors["cv"][0]


def test_a_pdf_without_pages_is_refused():
    from io import BytesIO

    from pypdf import PdfWriter

    empty = BytesIO()
    PdfWriter().write(empty)
    form = cv_form(empty.getvalue())
    assert not form.is_valid()
    assert "has no pages" in form.errors["cv"][0]
