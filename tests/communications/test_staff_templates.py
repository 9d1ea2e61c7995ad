"""The staff template editor: list, refuse with a message, preview for a member, save, revert."""

import pytest
from django.core import mail
from django.urls import reverse

from communications.models import TemplateVersion
from communications.services.templates import template_version_save
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def edit_url(key="reminder-30"):
    return reverse("communications_staff:template_edit", args=[key])


def test_the_list_names_every_template_and_which_version_is_in_use(staff_client):
    template_version_save(key="receipt", subject="Thanks", body_text="Thanks.")
    page = staff_client.get(reverse("communications_staff:template_list")).content.decode()
    assert "Renewal reminder, 30 days before" in page and "Claim your account" in page
    assert "Version" in page and "Default" in page


def test_the_editor_starts_from_the_default_and_lists_the_variables(staff_client):
    page = staff_client.get(edit_url()).content.decode()
    assert "{{ term.end_on|date }}" in page
    assert "<code>member.display_name</code>" in page
    assert "<code>days_left</code>" in page


def test_saving_a_template_that_reads_the_password_is_refused_with_a_message(staff_client):
    response = staff_client.post(
        edit_url(),
        {"subject": "Hi", "body_text": "{{ member.user.password }}", "action": "save"},
    )
    assert response.status_code == 200
    assert "{{ member.user.password }} cannot be used in this template" in (
        response.content.decode().replace("&#x27;", "'")
    )
    assert not TemplateVersion.objects.exists()


def test_preview_renders_for_the_chosen_member_without_saving(staff_client):
    member = MemberFactory(full_name="Quentin Marlowe")
    MemberFactory(full_name="Someone Else")
    response = staff_client.post(
        edit_url(),
        {
            "subject": "For {{ member.display_name }}",
            "body_text": "Number {{ member.member_number }}, {{ days_left }} days",
            "member_number": member.member_number,
            "action": "preview",
        },
    )
    page = response.content.decode()
    assert "For Quentin Marlowe" in page
    assert f"Number {member.member_number}, 30 days" in page
    assert "Someone Else" not in page
    assert not TemplateVersion.objects.exists()


def test_an_unknown_member_number_says_so(staff_client):
    response = staff_client.post(
        edit_url(), {"subject": "x", "body_text": "y", "member_number": "M-999999"}
    )
    assert "No member has that number" in response.content.decode()


def test_test_send_goes_to_the_signed_in_staff_address(
    staff_client, membership_staff, django_capture_on_commit_callbacks
):
    MemberFactory()
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(edit_url(), {"subject": "Hello", "body_text": "Body", "action": "test"})
    (sent,) = mail.outbox
    assert sent.to == [membership_staff.email] and sent.subject == "[Test] Hello"


def test_save_then_revert_from_the_history(staff_client, membership_staff):
    staff_client.post(edit_url(), {"subject": "One", "body_text": "1", "action": "save"})
    staff_client.post(edit_url(), {"subject": "Two", "body_text": "2", "action": "save"})
    first = TemplateVersion.objects.get(subject="One")
    page = staff_client.get(edit_url()).content.decode()
    assert membership_staff.email in page and "Use this version again" in page
    revert = reverse("communications_staff:template_revert", args=["reminder-30", first.pk])
    staff_client.post(revert)
    active = TemplateVersion.objects.get(key="reminder-30", active=True)
    assert active.subject == "One" and active.pk != first.pk
    assert active.created_by == membership_staff


def test_members_cannot_open_the_editor(member_client):
    assert member_client.get(edit_url()).status_code == 403
