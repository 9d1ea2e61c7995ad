"""Staff pages next to the schedules: the audit history and category texts."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from membership.dues_forms import CategoryForm
from membership.models import AuditEntry, MembershipCategory
from membership.permissions import membership_staff_required
from membership.services.dues_schedules import category_update

PAGE_SIZE = 50
DUES_OBJECT_TYPES = {
    "membership.duesschedule": gettext_lazy("Schedules"),
    "membership.duesrate": gettext_lazy("Rates"),
    "membership.duesdiscount": gettext_lazy("Discounts"),
    "membership.membershipcategory": gettext_lazy("Categories"),
}


@membership_staff_required
def audit_history(request):
    kind = request.GET.get("type", "")
    entries = AuditEntry.objects.filter(object_type__in=DUES_OBJECT_TYPES)
    if kind in DUES_OBJECT_TYPES:
        entries = entries.filter(object_type=kind)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "membership/dues/staff/history.html",
        {"page": page, "kind": kind, "types": DUES_OBJECT_TYPES.items()},
    )


@membership_staff_required
def category_list(request):
    return render(
        request,
        "membership/dues/staff/category_list.html",
        {"categories": MembershipCategory.objects.all()},
    )


@membership_staff_required
@require_http_methods(["GET", "POST"])
def category_edit(request, pk: int):
    category = get_object_or_404(MembershipCategory, pk=pk)
    form = CategoryForm(request.POST or None, instance=category)
    if request.method == "POST":
        if form.is_valid():
            category_update(
                category_id=category.pk,
                actor=request.user,
                **{name: form.cleaned_data[name] for name in CategoryForm.Meta.fields},
            )
            messages.success(request, _("“%(name)s” was saved.") % {"name": category.name})
            return redirect("dues:staff_categories")
        messages.error(request, _("Some fields need your attention; nothing was saved yet."))
    return render(
        request, "membership/dues/staff/category_edit.html", {"form": form, "category": category}
    )
