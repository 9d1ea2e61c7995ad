"""Staff-editable e-mail templates: versions win over files, the sandbox refuses what it must."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import call_command

from communications.models import OutgoingMessage, TemplateVersion
from communications.services.templates import (
    default_sources,
    message_render,
    template_preview,
    template_revert,
    template_test_send,
    template_version_save,
)
from communications.templating.registry import SPECS
from communications.templating.sandbox import TemplateRefused, template_check
from membership.models import Member
from membership.services.daily import membership_daily
from tests.factories import MemberFactory, issue_invoice, pay_invoice

START = dt.date(2026, 8, 1)
END = dt.date(2027, 8, 1)


def member_facts(member) -> dict:
    return {"display_name": member.display_name, "member_number": member.member_number}


@pytest.fixture
def run_daily(django_capture_on_commit_callbacks):
    def run(*, on):
        with django_capture_on_commit_callbacks(execute=True):
            return membership_daily(on=on)

    return run


@pytest.mark.django_db
def test_staff_edit_of_the_30_day_reminder_changes_the_next_reminder_the_daily_job_sends(
    run_daily,
):
    member = MemberFactory(full_name="Ana O'Brien & Sons")
    pay_invoice(issue_invoice(member, on=START), on=START)
    template_version_save(
        key="reminder-30",
        subject="{{ member.display_name }}, {{ days_left }} days left",
        body_text="Hello {{ member.display_name }}, renew by {{ term.end_on|date:'j F Y' }}.",
        body_html="<p>Hello <b>{{ member.display_name }}</b></p>",
    )
    mail.outbox.clear()
    run_daily(on=END - dt.timedelta(days=30))
    (sent,) = [m for m in mail.outbox if m.to == [member.user.email]]
    assert sent.subject == "Ana O'Brien & Sons, 30 days left"
    assert sent.body == "Hello Ana O'Brien & Sons, renew by 1 August 2027."
    # One message, two renderings; the HTML escapes the member's name.
    ((html, mimetype),) = sent.alternatives
    assert mimetype == "text/html"
    assert html == "<p>Hello <b>Ana O&#x27;Brien &amp; Sons</b></p>"

    # The 7-day reminder still comes from its file template.
    mail.outbox.clear()
    run_daily(on=END - dt.timedelta(days=7))
    (seven,) = [m for m in mail.outbox if m.to == [member.user.email]]
    assert seven.subject == "Your ICMA membership ends in 7 days"
    assert seven.alternatives == []


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("{{ member.user.password }}", "member.user.password"),
        ("{{ member.user.email }}", "member.user.email"),
        ("{{ members.0.display_name }}", "members.0.display_name"),
        ("{{ other_member.display_name }}", "other_member.display_name"),
        ("{% if member.user.is_staff %}x{% endif %}", "member.user.is_staff"),
        ("{% for m in members %}{{ m.salary }}{% endfor %}", "members"),
        ("{{ member.display_name|default:member.salary_cents }}", "member.salary_cents"),
        ("{% with x=member.user %}{{ x.password }}{% endwith %}", "member.user"),
        ("{{ member }}", "member"),
    ],
)
def test_variables_outside_the_keys_declared_ones_are_refused_by_name(source, shown):
    spec = next(s for s in SPECS if s.key == "reminder-30")
    with pytest.raises(TemplateRefused) as refused:
        template_check(spec, source)
    assert "{{ " + shown + " }}" in str(refused.value)
    assert "variables listed beside the editor" in str(refused.value)


@pytest.mark.parametrize(
    ("source", "tag"),
    [
        ("{% load static %}", "load"),
        ('{% include "base.html" %}', "include"),
        ('{% extends "base.html" %}', "extends"),
        ("{% url 'admin:index' %}", "url"),
        ("{% csrf_token %}", "csrf_token"),
        ("{% debug %}", "debug"),
        ('{% now "Y" %}', "now"),
        ("{% autoescape off %}{{ member.display_name }}{% endautoescape %}", "autoescape"),
        ("{% blocktranslate %}x{% endblocktranslate %}", "blocktranslate"),
    ],
)
def test_tags_that_load_read_or_run_code_are_refused_with_their_name(source, tag):
    spec = next(s for s in SPECS if s.key == "receipt")
    with pytest.raises(TemplateRefused) as refused:
        template_check(spec, source)
    assert "{% " + tag + " %}" in str(refused.value)


def test_filters_outside_the_whitelist_are_refused():
    spec = next(s for s in SPECS if s.key == "receipt")
    with pytest.raises(TemplateRefused, match=r"\|safe is not allowed"):
        template_check(spec, "{{ member.display_name|safe }}")
    with pytest.raises(TemplateRefused, match="syntax error"):
        template_check(spec, "{{ member.__class__ }}")


@pytest.mark.django_db
def test_a_refused_template_saves_nothing_and_keeps_the_active_version():
    first = template_version_save(key="receipt", subject="Receipt", body_text="Thanks.")
    with pytest.raises(TemplateRefused):
        template_version_save(key="receipt", subject="x", body_text="{{ member.user.password }}")
    assert list(TemplateVersion.objects.values_list("pk", "active")) == [(first.pk, True)]


@pytest.mark.django_db
def test_the_render_context_holds_only_plain_declared_values():
    member = MemberFactory(full_name="Bea Chen")
    version = template_version_save(
        key="welcome", subject="Hi", body_text="{{ member.display_name }}"
    )
    subject, text, _html = message_render(
        "membership/email/welcome", {"member": member}, versions={"welcome": version}
    )
    assert (subject, text) == ("Hi", "Bea Chen")
    from communications.templating.registry import spec_get
    from communications.templating.sandbox import plain_context

    values = plain_context(spec_get("welcome"), {"member": member, "other": MemberFactory()})
    assert values["member"] == {"display_name": "Bea Chen", "member_number": member.member_number}
    assert set(values) == {"site_url", "member"}


@pytest.mark.django_db
def test_every_template_preview_renders_for_the_demo_member():
    call_command("load_demo", stdout=io.StringIO())
    demo = Member.objects.get(user__email="member@demo.icma.org")
    for spec in SPECS:
        subject, body = default_sources(spec)
        assert subject and body, spec.key
        rendered_subject, text, _html = template_preview(
            key=spec.key, member=member_facts(demo), subject=subject, body_text=body
        )
        assert rendered_subject.strip(), spec.key
        if "member.display_name" in body:
            assert demo.display_name in text, spec.key
        assert "{{" not in text and "{%" not in text, spec.key


@pytest.mark.django_db
def test_revert_makes_an_old_version_current_again_as_a_new_version():
    staff = MemberFactory().user
    first = template_version_save(key="invoice", subject="One", body_text="1", user=staff)
    template_version_save(key="invoice", subject="Two", body_text="2", user=staff)
    back = template_revert(version=first, user=staff)
    history = list(TemplateVersion.objects.filter(key="invoice").values_list("subject", "active"))
    assert history == [("One", True), ("Two", False), ("One", False)]
    assert back.created_by == staff and back.note == f"Revert to version {first.pk}"


@pytest.mark.django_db
def test_test_send_goes_to_the_staff_users_own_address_through_the_outbox(
    django_capture_on_commit_callbacks,
):
    staff = MemberFactory().user
    with django_capture_on_commit_callbacks(execute=True):
        template_test_send(
            key="welcome",
            user=staff,
            member={"display_name": "Demo Member", "member_number": "M-1"},
            subject="Welcome {{ member.display_name }}",
            body_text="Number {{ member.member_number }}",
            body_html="<p>{{ member.display_name }}</p>",
        )
    message = OutgoingMessage.objects.get(template="test:welcome")
    assert message.to == staff.email and message.state == "sent"
    (sent,) = mail.outbox
    assert sent.subject == "[Test] Welcome Demo Member"
    assert sent.alternatives[0][0] == "<p>Demo Member</p>"
