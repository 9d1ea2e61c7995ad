"""The staff home: the work waiting for this person's groups, each a count that links to it."""

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from membership.permissions import (
    membership_staff_required,
    user_is_international_staff,
    user_is_membership_staff,
)
from reports.selectors.home import RENEWAL_WINDOWS, expert_work, membership_work, renewals_due
from reports.selectors.revenue import AGE_BUCKETS
from reports.views.common import rules_and_today


@require_GET
def staff_home(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    membership_staff = user_is_membership_staff(request.user)
    international_staff = user_is_international_staff(request.user)
    if not (membership_staff or international_staff):
        raise PermissionDenied
    context = {"membership_staff": membership_staff, "international_staff": international_staff}
    if membership_staff:
        rules, today = rules_and_today()
        work = membership_work(today=today, grace_days=rules.grace_days)
        context["work"] = work
        context["invoice_ages"] = list(zip(AGE_BUCKETS, work["invoices_by_age"], strict=True))
        context["open_invoices"] = sum(work["invoices_by_age"])
    if international_staff:
        context["expert_work"] = expert_work()
    return render(request, "reports/staff_home.html", context)


@membership_staff_required
@require_GET
def renewals_due_list(request):
    _rules, today = rules_and_today()
    try:
        days = int(request.GET.get("days", "30"))
    except ValueError:
        days = 30
    days = days if days in RENEWAL_WINDOWS else 30
    page = Paginator(renewals_due(today=today, days=days), 50).get_page(request.GET.get("page"))
    context = {"page": page, "days": days, "windows": RENEWAL_WINDOWS, "today": today}
    return render(request, "reports/renewals_due.html", context)
