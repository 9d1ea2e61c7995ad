from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from membership.forms import ProfileForm
from membership.models.member import format_member_number
from membership.page_cache import member_page
from membership.selectors import member_for_user, member_visible_to, staff_change_last


@member_page
def home(request):
    from django.utils import timezone

    from billing.selectors import membership_overview

    member = step = None
    if request.user.is_authenticated:
        member = member_for_user(user=request.user, with_membership=True)
        step = membership_overview(member=member, on=timezone.localdate(), detail=False).next_step
    return render(request, "membership/home.html", {"member": member, "step": step})


@login_required
@require_http_methods(["GET", "POST"])
@member_page
def profile_edit(request):
    member = member_for_user(user=request.user)
    form = ProfileForm(request.POST or None, instance=member)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, _("Your profile has been saved."))
            return redirect("membership:profile")
        messages.error(request, _("Some fields need your attention; nothing was saved yet."))
    context = {"form": form, "member": member, "staff_change": staff_change_last(member=member)}
    return render(request, "membership/profile_form.html", context)


def _own_profile(member_id: int, member_number: str) -> bool:
    return format_member_number(member_id) == member_number


@login_required
@member_page(own_member=_own_profile)
def member_detail(request, member_number: str):
    member = member_visible_to(user=request.user, member_number=member_number)
    return render(request, "membership/member_detail.html", {"member": member})
