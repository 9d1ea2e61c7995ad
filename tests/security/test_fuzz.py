"""Every URL the resolver knows, fuzzed as each role that can reach it: no 500, and a refused
post changes no row.

The URL list comes from the resolver and the field names from the pages themselves, so a new
page or a new form field is fuzzed without touching this file. The Django admin is left out:
it is Django's own, and it is tested there.
"""

import datetime as dt
import os
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

# Examples per URL, kept small so the whole run stays well under a minute; FUZZ_SCALE=10
# runs ten times as many.
SCALE = int(os.environ.get("FUZZ_SCALE", "1"))
GET_EXAMPLES = 3 * SCALE
POST_EXAMPLES = 3 * SCALE  # for a URL that shows no form
FORM_EXAMPLES = 8 * SCALE  # for a URL whose page shows form fields
SKIPPED_PREFIXES = ("admin/",)
# What the world below gives each URL keyword; anything else gets a number or a word.
LOGIN_PATHS = ("/accounts/login/", "/accounts/2fa/", "/accounts/reauthenticate/")

HOSTILE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\r\n",
    "Subject\r\nBcc: someone@example.org",
    "\n",
    "NaN",
    "sNaN",
    "-sNaN",
    "Infinity",
    "-inf",
    "1e999999",
    "9" * 30,
    str(2**63),
    str(-(2**63) - 1),
    "-1",
    "0",
    "1",
    "2",
    "0.005",
    "1,000,000",
    "$12.50",
    "50%",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "../../../etc/passwd",
    "//evil.example/",
    "https://evil.example/",
    "javascript:alert(1)",
    "foo",
    "/",
    "%00",
    "\u202e\u0644\u0627",
    "😀" * 3,
    "x" * 3000,
    "on",
    "2026-02-30",
    "9999-12-31",
    "0001-01-01",
    "approve",
    "decline",
    "confirm",
    "review",
]
VALUES = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
ALWAYS_TRIED = ["next", "page", "action", "session_id", "status"]


class FormFields(HTMLParser):
    """The names and default values a browser would send from a page's forms."""

    def __init__(self):
        super().__init__()
        self.defaults: dict[str, list[str]] = {}
        self._select: str | None = None
        self._select_first: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                self.defaults.setdefault(name, [])
                if "checked" in a:
                    self.defaults[name].append(a.get("value") or "on")
            elif kind not in ("file", "submit", "button", "image"):
                self.defaults.setdefault(name, []).append(a.get("value") or "")
        elif tag == "select" and name:
            self._select, self._select_first = name, None
            self.defaults.setdefault(name, [])
        elif tag == "option" and self._select:
            value = a.get("value") or ""
            if self._select_first is None:
                self._select_first = value
            if "selected" in a:
                self.defaults[self._select].append(value)
        elif tag == "textarea" and name:
            self._textarea = name
            self.defaults.setdefault(name, []).append("")

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            if not self.defaults[self._select] and self._select_first is not None:
                self.defaults[self._select].append(self._select_first)
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.defaults[self._textarea][-1] += data


def form_defaults(html: str) -> dict[str, list[str]]:
    parser = FormFields()
    parser.feed(html)
    parser.defaults.pop("csrfmiddlewaretoken", None)
    return parser.defaults


def url_patterns(resolvers=None, prefix="", namespace=""):
    """(name, route, converters) for every pattern, with include()s flattened."""
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(SKIPPED_PREFIXES):
            continue
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from url_patterns(entry.url_patterns, route, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            converters = getattr(entry.pattern, "converters", {})
            yield namespace + entry.name, route, converters


@dataclass
class World:
    users: dict[str, object]
    kwargs: dict[str, dict] = field(default_factory=dict)
    clients: dict[str, Client] = field(default_factory=dict)

    def client(self, role: str) -> Client:
        """A client signed in as `role` (again: a fuzzed post may have signed it out)."""
        client = self.clients.get(role)
        if client is None:
            client = self.clients[role] = Client(raise_request_exception=False)
        user = self.users.get(role)
        if user is not None and client.session.get("_auth_user_id") != str(user.pk):
            client.force_login(user)
        return client


def build_world() -> World:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import generate_totp_secret

    from experts.models import Engagement
    from experts.services.requests import engagement_invite, engagement_shortlist
    from membership.models import Membership, MembershipCategory
    from membership.services.lifecycle import waiver_request
    from tests.experts.factories import make_expert, make_request, pdf_upload
    from tests.factories import MemberFactory, issue_invoice, pay_invoice, staff_user
    from tests.membership.dues_helpers import draft_from_current

    intl = staff_user(groups=["International programs staff"])
    membership_staff = staff_user(groups=["Membership staff"])
    # A secret the TOTP forms can decode (the factory's placeholder is not base32).
    Authenticator.objects.filter(user__in=[intl, membership_staff]).update(
        data={"secret": generate_totp_secret()}
    )
    # A member whose renewal window is open, who is in the expert pool with a CV and has an
    # invitation to answer; one invoice paid, one open.
    member = MemberFactory()
    paid = issue_invoice(member, on=dt.date(2026, 7, 15))
    pay_invoice(paid, on=dt.date(2026, 7, 15))
    Membership.objects.filter(member=member).update(
        paid_through_on=timezone.localdate() + dt.timedelta(days=30)
    )
    profile = make_expert(member=member, cv=pdf_upload())
    assistance = make_request(by=intl)
    engagement = engagement_shortlist(request=assistance, profile=profile, by=intl)
    engagement_invite(engagement=engagement, by=intl)
    engagement = Engagement.objects.get(pk=engagement.pk)
    # Someone else's open invoice and pending waiver, for the staff screens.
    other = MemberFactory()
    pay_invoice(issue_invoice(other))
    waiver = waiver_request(member=other, reason="My town merged with the county.")
    open_invoice = issue_invoice(MemberFactory())
    draft = draft_from_current()
    message = member.user.outgoing_messages.first()

    users = {
        "anonymous": None,
        "member": member.user,
        "membership staff": membership_staff,
        "international staff": intl,
    }

    by_member_number = {"member_number": member.member_number}
    kwargs = {
        "billing:invoice": {"number": paid.number},
        "billing:receipt": {"number": paid.number},
        "billing:receipt_pdf": {"number": paid.number},
        "billing:invoice_pdf": {"number": paid.number},
        "stripe:cancel": {"number": paid.number},
        "stripe:pay": {"number": paid.number},
        "billing_staff:member_detail": by_member_number,
        "billing_staff:member_life": by_member_number,
        "membership:member_detail": by_member_number,
        "billing_staff:member_message_resend": {
            **by_member_number,
            "message_id": message.pk if message else 1,
        },
        "billing_staff:invoice_detail": {"number": open_invoice.number},
        "billing_staff:invoice_record_payment": {"number": open_invoice.number},
        "billing_staff:invoice_cancel": {"number": open_invoice.number},
        "billing_staff:waiver_decide": {"pk": waiver.pk},
        "experts:invitation": {"pk": engagement.pk},
        "experts:staff_profile": {"pk": profile.pk},
        "experts:staff_profile_cv": {"pk": profile.pk},
        "experts:staff_engagement_action": {
            "pk": assistance.pk,
            "engagement_pk": engagement.pk,
            "action": "recommend",
        },
        "dues:staff_category_edit": {"pk": MembershipCategory.objects.get(code="full").pk},
    }
    for name in ("request", "request_edit", "request_matches", "shortlist"):
        kwargs[f"experts:staff_{name}"] = {"pk": assistance.pk}
    for name in ("dossier_csv", "dossier_print"):
        kwargs[f"experts:staff_{name}"] = {"pk": assistance.pk}
    for name in ("schedule", "schedule_edit", "schedule_clone", "schedule_preview"):
        kwargs[f"dues:staff_{name}"] = {"pk": draft.pk}
    kwargs["dues:staff_schedule_publish"] = {"pk": draft.pk}
    kwargs["dues:staff_schedule_delete"] = {"pk": draft.pk}
    return World(users=users, kwargs=kwargs)


def resolve_path(world: World, name: str, converters: dict) -> str | None:
    if name in world.kwargs:
        return reverse(name, kwargs=world.kwargs[name])
    guessed = {}
    for key, converter in converters.items():
        guessed[key] = 1 if converter.regex.startswith("[0-9]") else "x1"
    try:
        return reverse(name, kwargs=guessed)
    except Exception:
        return None


def probe(world: World, path: str) -> tuple[list[str], dict[str, list[str]], bool]:
    """The roles whose GET is neither sent to sign in nor refused, the form fields their pages
    show, and whether the URL takes a POST at all."""
    roles, fields, takes_post = [], {}, False
    for role in world.users:
        client = world.client(role)
        response = client.get(path)
        location = response.get("Location", "")
        if response.status_code in (401, 403) or location.startswith(LOGIN_PATHS):
            continue
        roles.append(role)
        if response.status_code == 200 and "html" in response.get("Content-Type", ""):
            fields.update(form_defaults(response.content.decode()))
        if not takes_post:
            takes_post = client.post(path).status_code != 405
    return roles or ["anonymous"], fields, takes_post or not roles


MAIN_TABLES = [
    "auth.User",
    "membership.Member",
    "membership.Membership",
    "membership.MembershipTerm",
    "membership.WaiverRequest",
    "membership.DuesSchedule",
    "membership.DuesRate",
    "membership.DuesDiscount",
    "membership.MembershipCategory",
    "membership.MembershipRules",
    "billing.Invoice",
    "billing.Payment",
    "billing.Refund",
    "experts.ExpertProfile",
    "experts.AssistanceRequest",
    "experts.Engagement",
    "experts.PartnerOrganization",
    "experts.ConsentText",
    "communications.OutgoingMessage",
]


def row_counts() -> tuple[int, ...]:
    """The row count of each main table, in one query."""
    from django.db import connection

    tables = [apps.get_model(label)._meta.db_table for label in MAIN_TABLES]
    sql = "SELECT " + ", ".join(f'(SELECT COUNT(*) FROM "{t}")' for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(cursor.fetchone())


def endpoints(world: World):
    seen = set()
    for name, _route, converters in url_patterns():
        path = resolve_path(world, name, converters)
        if path is None or path in seen:
            continue
        seen.add(path)
        yield name, path, *probe(world, path)


def hostile_data(draw, fields: dict[str, list[str]]) -> dict[str, list[str]]:
    names = sorted(set(fields) | set(ALWAYS_TRIED))
    data = {k: list(v) for k, v in fields.items()}
    for name in draw(st.lists(st.sampled_from(names), max_size=6, unique=True)):
        choice = draw(st.sampled_from(["replace", "drop", "several"]))
        if choice == "drop":
            data.pop(name, None)
        elif choice == "several":
            data[name] = draw(st.lists(VALUES, min_size=0, max_size=3))
        else:
            data[name] = [draw(VALUES)]
    return data


def fuzz_endpoint(world, name, path, roles, fields, method: str, examples: int) -> int:
    requests_made = []

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(role=st.sampled_from(roles), data=st.data())
    def run(role, data):
        client = world.client(role)
        payload = hostile_data(data.draw, fields)
        if method == "get":
            before = None
            response = client.get(path, payload)
        else:
            before = row_counts()
            response = client.post(path, payload)
        requests_made.append(1)
        where = f"{method.upper()} {path} ({name}) as {role} with {payload!r}"
        assert response.status_code < 500, f"{response.status_code} from {where}"
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
        if before is not None and (response.status_code == 200 or response.status_code >= 400):
            # A post answered with the form again, or refused, stored nothing.
            assert row_counts() == before, f"a refused post changed rows: {where}"

    run()
    return len(requests_made)


@pytest.fixture
def world(settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_PUBLISHABLE_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = "whsec_fuzz"
    return build_world()


def test_no_url_gives_a_500_and_refused_posts_change_nothing(world):
    total = 0
    fuzzed = []
    for name, path, roles, fields, takes_post in endpoints(world):
        total += fuzz_endpoint(world, name, path, roles, fields, "get", GET_EXAMPLES)
        if takes_post:
            examples = FORM_EXAMPLES if fields else POST_EXAMPLES
            total += fuzz_endpoint(world, name, path, roles, fields, "post", examples)
        fuzzed.append(name)
    # The six sites where fuzzing once found a 500 are among those fuzzed.
    for name in (
        "billing_staff:waiver_decide",
        "experts:staff_shortlist",
        "billing:renew",
        "dues:staff_schedule_edit",
        "experts:staff_request_matches",
        "stripe:success",
    ):
        assert name in fuzzed
    assert total >= len(fuzzed) * GET_EXAMPLES
    print(f"fuzzed {len(fuzzed)} URLs with {total} requests")
