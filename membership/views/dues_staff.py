"""Staff dues management: schedules, their rates and discounts, preview, publish, history."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.forms import formset_factory
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from membership.dues_chart import change_histogram
from membership.dues_forms import DiscountForm, PublishForm, RateForm, ScheduleNameForm
from membership.dues_selectors import (
    dues_discounts_of,
    dues_rates_of,
    dues_schedule_in_effect,
    dues_schedules,
)
from membership.dues_text import (
    discount_conditions_text,
    discount_effect_text,
    rate_positions_text,
    rate_text,
)
from membership.models import DuesImpactRun, Member, MembershipCategory
from membership.models.member import format_member_number
from membership.permissions import membership_staff_required
from membership.services.dues_preview_runs import (
    impact_run_for_page,
    impact_run_preview,
    impact_run_progress,
    impact_run_start,
)
from membership.services.dues_schedules import (
    DuesScheduleError,
    schedule_clone,
    schedule_delete_draft,
    schedule_problems,
    schedule_publish,
    schedule_save,
)

PAGE_SIZE = 25
RateFormSet = formset_factory(RateForm, extra=1, can_delete=True)
DiscountFormSet = formset_factory(DiscountForm, extra=1, can_delete=True)


def _schedule(pk):
    return get_object_or_404(dues_schedules(), pk=pk)


@membership_staff_required
def schedule_list(request):
    page = Paginator(dues_schedules(), PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    current = dues_schedule_in_effect(on=today)
    return render(
        request,
        "membership/dues/staff/schedule_list.html",
        {"page": page, "current": current, "today": today},
    )


def _rate_rows(schedule):
    rates = list(dues_rates_of(schedule=schedule))
    priced = {(r.category.code, p) for r in rates for p in r.positions}
    return [
        {
            "category": r.category.name,
            "positions": rate_positions_text(
                positions=r.positions,
                category_code=r.category.code,
                category=r.category,
                priced=priced,
            ),
            "price": rate_text(r),
        }
        for r in rates
    ]


def _discount_rows(schedule):
    by_code = {c.code: c for c in MembershipCategory.objects.all()}
    return [
        {
            "label": d.label,
            "conditions": discount_conditions_text(d, by_code),
            "effect": discount_effect_text(d),
            "priority": d.priority,
        }
        for d in dues_discounts_of(schedule=schedule)
    ]


@membership_staff_required
def schedule_detail(request, pk: int):
    schedule = _schedule(pk)
    today = timezone.localdate()
    return render(
        request,
        "membership/dues/staff/schedule_detail.html",
        {
            "schedule": schedule,
            "rates": _rate_rows(schedule),
            "discounts": _discount_rows(schedule),
            "edit_refusal": schedule.edit_refusal(today=today),
            "in_effect": schedule.in_effect_on(today),
        },
    )


@membership_staff_required
@require_POST
def schedule_clone_view(request, pk: int):
    source = _schedule(pk)
    draft = schedule_clone(schedule_id=source.pk, actor=request.user)
    messages.success(
        request,
        _("“%(name)s” is a new draft copied from “%(source)s”. Change it, preview and publish.")
        % {"name": draft.name, "source": source.name},
    )
    return redirect("dues:staff_schedule_edit", pk=draft.pk)


def _terms_formsets(request, schedule):
    data = request.POST if request.method == "POST" else None
    rates = RateFormSet(
        data,
        prefix="rates",
        initial=[RateForm.initial_for(r) for r in dues_rates_of(schedule=schedule)],
    )
    discounts = DiscountFormSet(
        data,
        prefix="discounts",
        initial=[DiscountForm.initial_for(d) for d in dues_discounts_of(schedule=schedule)],
    )
    return rates, discounts


def _kept_rows(formset):
    """Rows from the filled-in forms; blank extra forms are skipped."""
    return [
        f.row()
        for f in formset.forms
        if f.cleaned_data and (f.has_changed() or f.cleaned_data.get("id"))
    ]


@membership_staff_required
@require_http_methods(["GET", "POST"])
def schedule_edit(request, pk: int):
    schedule = _schedule(pk)
    refusal = schedule.edit_refusal(today=timezone.localdate())
    if refusal:
        messages.error(request, refusal)
        return redirect("dues:staff_schedule", pk=schedule.pk)
    name_form = ScheduleNameForm(
        request.POST if request.method == "POST" else None, initial={"name": schedule.name}
    )
    rates, discounts = _terms_formsets(request, schedule)
    problems = []
    if request.method == "POST":
        if name_form.is_valid() and rates.is_valid() and discounts.is_valid():
            rate_rows = _kept_rows(rates)
            problems = schedule_problems(
                rates=[(r["category"].code, r["positions"]) for r in rate_rows if not r["delete"]],
                categories=MembershipCategory.objects.all(),
            )
            if not problems:
                try:
                    schedule_save(
                        schedule_id=schedule.pk,
                        actor=request.user,
                        name=name_form.cleaned_data["name"],
                        rates=rate_rows,
                        discounts=_kept_rows(discounts),
                    )
                except DuesScheduleError as error:
                    problems = error.messages
                else:
                    messages.success(request, _("The draft has been saved."))
                    return redirect("dues:staff_schedule", pk=schedule.pk)
        messages.error(request, _("Some fields need your attention; nothing was saved yet."))
    return render(
        request,
        "membership/dues/staff/schedule_edit.html",
        {
            "schedule": schedule,
            "name_form": name_form,
            "rates": rates,
            "discounts": discounts,
            "problems": problems,
        },
    )


@membership_staff_required
@require_http_methods(["GET", "POST"])
def schedule_preview(request, pk: int):
    """GET: the latest result for the schedule's current terms, computing it (here for a
    small population, by a worker otherwise, while the page polls). POST: compute again."""
    schedule = _schedule(pk)
    if request.method == "POST":
        impact_run_start(schedule=schedule, user=request.user)
        return redirect("dues:staff_schedule_preview", pk=schedule.pk)
    run = impact_run_for_page(schedule=schedule, user=request.user)
    preview = impact_run_preview(run)
    if preview is None:
        return render(
            request,
            "membership/dues/staff/schedule_preview_running.html",
            {"schedule": schedule, "run": run, "progress": impact_run_progress(run)},
        )
    names = dict(
        Member.objects.filter(pk__in=[c.member_id for c in preview.largest_changes]).values_list(
            "pk", "full_name"
        )
    )
    largest = [
        (change, names.get(change.member_id, ""), format_member_number(change.member_id))
        for change in preview.largest_changes
    ]
    return render(
        request,
        "membership/dues/staff/schedule_preview.html",
        {
            "schedule": schedule,
            "run": run,
            "preview": preview,
            "largest": largest,
            "chart": change_histogram(
                preview.changes_by_dollar,
                smallest_cents=preview.smallest_change_cents,
                largest_cents=preview.largest_change_cents,
            ),
        },
    )


@membership_staff_required
@require_GET
def schedule_preview_progress(request, pk: int, run_id: int):
    run = get_object_or_404(DuesImpactRun, pk=run_id, schedule_id=_schedule(pk).pk)
    return JsonResponse(impact_run_progress(run))


@membership_staff_required
@require_http_methods(["GET", "POST"])
def schedule_publish_view(request, pk: int):
    """Two steps: choose the date, then confirm what will happen on it."""
    schedule = _schedule(pk)
    today = timezone.localdate()
    if schedule.is_published:
        messages.error(request, _("This schedule is already published; clone it to change it."))
        return redirect("dues:staff_schedule", pk=schedule.pk)
    if request.method == "POST":
        form = PublishForm(request.POST)
    else:
        form = PublishForm(initial={"effective_from": max(schedule.effective_from, today)})
    confirming = False
    current = None
    if request.method == "POST" and form.is_valid():
        effective_from = form.cleaned_data["effective_from"]
        if form.cleaned_data["confirmed"]:
            try:
                schedule_publish(
                    schedule_id=schedule.pk,
                    actor=request.user,
                    effective_from=effective_from,
                    notify_members=form.cleaned_data["notify_members"],
                )
            except DuesScheduleError as error:
                for message in error.messages:
                    form.add_error("effective_from", message)
            else:
                messages.success(
                    request,
                    _("“%(name)s” is published; it applies from %(day)s.")
                    % {"name": schedule.name, "day": effective_from.isoformat()},
                )
                return redirect("dues:staff_schedule", pk=schedule.pk)
        elif effective_from <= today:
            form.add_error("effective_from", _("Choose a date after today."))
        else:
            confirming = True
            current = dues_schedule_in_effect(on=effective_from)
            form = PublishForm(
                initial={
                    "effective_from": effective_from,
                    "confirmed": True,
                    "notify_members": form.cleaned_data["notify_members"],
                }
            )
    return render(
        request,
        "membership/dues/staff/schedule_publish.html",
        {"schedule": schedule, "form": form, "confirming": confirming, "current": current},
    )


@membership_staff_required
@require_http_methods(["GET", "POST"])
def schedule_delete(request, pk: int):
    schedule = _schedule(pk)
    if schedule.is_published:
        messages.error(
            request, _("Published schedules are kept for the record; only drafts can be deleted.")
        )
        return redirect("dues:staff_schedule", pk=schedule.pk)
    if request.method == "POST":
        try:
            schedule_delete_draft(schedule_id=schedule.pk, actor=request.user)
        except DuesScheduleError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("dues:staff_schedule", pk=schedule.pk)
        messages.success(request, _("The draft “%(name)s” was deleted.") % {"name": schedule.name})
        return redirect("dues:staff_schedules")
    return render(request, "membership/dues/staff/schedule_delete.html", {"schedule": schedule})
