"""Staff dues management: clone, edit with validation, refusal to edit in place, publish."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from membership.models import AuditEntry, DuesDiscount, DuesSchedule
from membership.services.dues import dues_quote, schedule_mark_used
from membership.services.dues_schedules import (
    DuesScheduleError,
    schedule_problems,
    schedule_publish,
    schedule_save,
)
from tests.membership.dues_helpers import (
    current_schedule,
    draft_from_current,
    edit_form_data,
    rate_index,
)

pytestmark = pytest.mark.django_db


def edit_url(schedule):
    return reverse("dues:staff_schedule_edit", args=[schedule.pk])


def small_community(schedule):
    return DuesDiscount.objects.get(schedule=schedule, label="Small community discount")


def small_cao_quote(on, salary=200_000_00):
    return dues_quote(
        category="full",
        position="cao",
        salary_cents=salary,
        population=3_000,
        budget_cents=2_000_000_00,
        on=on,
    )


def test_cloning_copies_every_rate_and_discount_into_a_draft(staff_client):
    source = current_schedule()
    response = staff_client.post(reverse("dues:staff_schedule_clone", args=[source.pk]))
    draft = DuesSchedule.objects.exclude(pk=source.pk).get()
    assert response["Location"] == edit_url(draft)
    assert draft.status == DuesSchedule.Status.DRAFT
    assert draft.rates.count() == source.rates.count() == 7
    assert small_community(draft).replacement_cap_cents == 940_00


def test_changing_the_small_community_cap_saves_and_audits_it(staff_client, membership_staff):
    draft = draft_from_current(actor=membership_staff)
    response = staff_client.post(
        edit_url(draft), edit_form_data(draft, discounts={0: {"replacement_cap": "900"}})
    )
    assert response.status_code == 302
    assert small_community(draft).replacement_cap_cents == 900_00
    entry = AuditEntry.objects.get(object_type="membership.duesdiscount", action="update")
    assert entry.changes == {"replacement_cap_cents": [940_00, 900_00]}
    assert entry.actor == membership_staff


def test_saving_without_changes_records_nothing(staff_client):
    draft = draft_from_current()
    staff_client.post(edit_url(draft), edit_form_data(draft))
    assert not AuditEntry.objects.filter(action="update").exists()


def test_a_percent_above_100_is_refused_with_a_message(staff_client):
    draft = draft_from_current()
    index = rate_index(draft, "full")
    response = staff_client.post(
        edit_url(draft), edit_form_data(draft, rates={index: {"percent": "150"}})
    )
    assert response.status_code == 200
    assert "A percent cannot be above 100." in response.content.decode()
    assert draft.rates.get(category__code="full").percent_bp == 65


def test_a_cap_below_the_minimum_is_refused(staff_client):
    draft = draft_from_current()
    index = rate_index(draft, "full")
    response = staff_client.post(
        edit_url(draft), edit_form_data(draft, rates={index: {"minimum": "500", "cap": "400"}})
    )
    assert "The cap must be at least the minimum." in response.content.decode()


def test_a_discount_without_an_effect_is_refused(staff_client):
    draft = draft_from_current()
    response = staff_client.post(
        edit_url(draft),
        edit_form_data(draft, discounts={0: {"percent_off": "", "replacement_cap": ""}}),
    )
    assert "A discount needs a percent off, a replacement cap, or both." in (
        response.content.decode()
    )


def test_a_draft_missing_a_selectable_category_cannot_be_saved(staff_client):
    draft = draft_from_current()
    index = rate_index(draft, "student")
    response = staff_client.post(
        edit_url(draft), edit_form_data(draft, rates={index: {"DELETE": "on"}})
    )
    assert "Student member has no rate for Student; add a rate for them." in (
        response.content.decode()
    )
    assert draft.rates.filter(category__code="student").exists()


def test_a_new_rate_can_be_added_from_the_empty_row(staff_client):
    draft = draft_from_current()
    extra = {"category": str(draft.rates.get(category__code="retired").category_id)}
    extra.update({"positions": [], "method": "flat", "amount": "90"})
    index = rate_index(draft, "retired")
    staff_client.post(
        edit_url(draft), edit_form_data(draft, rates={index: {"DELETE": "on"}}, extra_rate=extra)
    )
    assert draft.rates.get(category__code="retired").amount_cents == 90_00


def test_two_rates_for_every_position_of_a_category_are_a_problem():
    from membership.models import MembershipCategory

    rates = [("student", []), ("student", [])]
    problems = schedule_problems(rates=rates, categories=MembershipCategory.objects.all())
    assert any("Student member has 2 rates for every position" in p for p in problems)


def test_a_full_rate_must_cover_every_full_position():
    from membership.models import MembershipCategory

    rates = [("full", ["cao"])]
    problems = schedule_problems(
        rates=rates, categories=MembershipCategory.objects.filter(code="full")
    )
    assert problems == [
        "Full member has no rate for Assistant or deputy CAO, Senior staff reporting to a CAO; "
        "add a rate for them."
    ]


def test_the_schedule_in_effect_cannot_be_edited_in_place(staff_client):
    schedule = current_schedule()
    response = staff_client.get(edit_url(schedule), follow=True)
    assert "Clone it into a draft" in response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("dues:staff_schedule", args=[schedule.pk])


def test_posting_to_the_schedule_in_effect_changes_nothing(staff_client):
    schedule = current_schedule()
    staff_client.post(
        edit_url(schedule), edit_form_data(schedule, discounts={0: {"replacement_cap": "1"}})
    )
    assert small_community(schedule).replacement_cap_cents == 940_00


def test_a_schedule_used_by_an_invoice_cannot_be_edited_even_before_it_starts(membership_staff):
    draft = draft_from_current()
    tomorrow = timezone.localdate() + timedelta(days=1)
    schedule_publish(schedule_id=draft.pk, actor=membership_staff, effective_from=tomorrow)
    schedule_mark_used(schedule_id=draft.pk)
    with pytest.raises(DuesScheduleError) as refused:
        schedule_save(
            schedule_id=draft.pk, actor=membership_staff, name="x", rates=[], discounts=[]
        )
    assert "Invoices have already been issued" in refused.value.messages[0]


def test_publishing_asks_for_confirmation_first(staff_client):
    draft = draft_from_current()
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    url = reverse("dues:staff_schedule_publish", args=[draft.pk])
    response = staff_client.post(url, {"effective_from": tomorrow})
    assert "Yes, publish it" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == DuesSchedule.Status.DRAFT


def test_publishing_tomorrow_leaves_today_alone_and_changes_tomorrow(staff_client):
    draft = draft_from_current()
    staff_client.post(
        edit_url(draft), edit_form_data(draft, discounts={0: {"replacement_cap": "800"}})
    )
    today = timezone.localdate()
    tomorrow = today + timedelta(days=1)
    staff_client.post(
        reverse("dues:staff_schedule_publish", args=[draft.pk]),
        {"effective_from": tomorrow.isoformat(), "confirmed": "True"},
    )
    assert small_cao_quote(today).total_cents == 940_00
    assert small_cao_quote(tomorrow).total_cents == 800_00
    assert small_cao_quote(tomorrow).schedule_id == draft.pk


def test_publishing_ends_the_schedule_in_effect_the_day_before(membership_staff):
    current = current_schedule()
    draft = draft_from_current()
    start = timezone.localdate() + timedelta(days=10)
    schedule_publish(schedule_id=draft.pk, actor=membership_staff, effective_from=start)
    current.refresh_from_db()
    assert current.effective_to == start
    assert AuditEntry.objects.filter(action="supersede", object_id=str(current.pk)).exists()


def test_publishing_today_is_refused(membership_staff):
    draft = draft_from_current()
    with pytest.raises(DuesScheduleError) as refused:
        schedule_publish(
            schedule_id=draft.pk, actor=membership_staff, effective_from=timezone.localdate()
        )
    assert "Choose a date after today" in refused.value.messages[0]


def test_two_schedules_cannot_start_on_the_same_day(membership_staff):
    start = timezone.localdate() + timedelta(days=5)
    first, second = draft_from_current(), draft_from_current()
    schedule_publish(schedule_id=first.pk, actor=membership_staff, effective_from=start)
    with pytest.raises(DuesScheduleError) as refused:
        schedule_publish(schedule_id=second.pk, actor=membership_staff, effective_from=start)
    assert "already starts on" in refused.value.messages[0]


def test_a_schedule_published_between_two_ends_where_the_next_begins(membership_staff):
    today = timezone.localdate()
    later, between = draft_from_current(), draft_from_current()
    schedule_publish(
        schedule_id=later.pk, actor=membership_staff, effective_from=today + timedelta(days=20)
    )
    schedule_publish(
        schedule_id=between.pk, actor=membership_staff, effective_from=today + timedelta(days=5)
    )
    between.refresh_from_db()
    assert between.effective_to == today + timedelta(days=20)
    on = today + timedelta(days=25)
    assert small_cao_quote(on).schedule_id == later.pk


def test_deleting_a_draft_asks_first_then_deletes(staff_client):
    draft = draft_from_current()
    url = reverse("dues:staff_schedule_delete", args=[draft.pk])
    assert "Delete the draft" in staff_client.get(url).content.decode()
    assert DuesSchedule.objects.filter(pk=draft.pk).exists()
    staff_client.post(url)
    assert not DuesSchedule.objects.filter(pk=draft.pk).exists()


def test_a_published_schedule_cannot_be_deleted(staff_client):
    schedule = current_schedule()
    staff_client.post(reverse("dues:staff_schedule_delete", args=[schedule.pk]))
    assert DuesSchedule.objects.filter(pk=schedule.pk).exists()


def test_history_shows_the_change_and_who_made_it(staff_client, membership_staff):
    draft = draft_from_current(actor=membership_staff)
    staff_client.post(
        edit_url(draft), edit_form_data(draft, discounts={0: {"replacement_cap": "900"}})
    )
    page = staff_client.get(reverse("dues:staff_history")).content.decode()
    assert membership_staff.email in page
    assert "replacement_cap_cents" in page
    assert "94000" in page and "90000" in page


def test_editing_a_category_text_is_audited(staff_client, membership_staff):
    from membership.models import MembershipCategory

    category = MembershipCategory.objects.get(code="student")
    staff_client.post(
        reverse("dues:staff_category_edit", args=[category.pk]),
        {
            "name": "Student member",
            "description": "Full-time students.",
            "eligible_positions": ["student"],
            "member_selectable": "on",
            "voting": "No",
        },
    )
    entry = AuditEntry.objects.get(object_type="membership.membershipcategory")
    assert entry.changes == {"description": ["Students.", "Full-time students."]}
    assert entry.actor == membership_staff


def test_the_navigation_shows_dues_schedules_to_membership_staff(staff_client):
    assert reverse("dues:staff_schedules") in staff_client.get("/").content.decode()


def test_the_navigation_hides_dues_schedules_from_members(member_client):
    assert reverse("dues:staff_schedules") not in member_client.get("/").content.decode()
