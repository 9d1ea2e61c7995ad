from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing.selectors import MembershipOverview
from billing.staff_forms import LifeConferForm, MemberSearchForm
from billing.staff_history import history_page_number, member_history
from billing.staff_selectors import (
    MemberFilters,
    grace_days_now,
    member_categories,
    member_file,
    member_for_staff,
    members_search,
    order_search_page,
    row_status,
    staff_changes,
)
from communications.models import MessageState
from communications.selectors import message_for_user, messages_for_user
from communications.services.outbox import message_resend
from membership.permissions import membership_staff_required
from membership.services.lifecycle import life_confer

MEMBERS_PER_PAGE = 50
# The member list counts at most this many matches (and one more, to know there are more):
# an exact count of a broad search reads every match, a second or more at 1,000,000 members.
MEMBERS_COUNTED = 1000


class CappedPaginator(Paginator):
    """Pages over the first `cap` rows; `count` is exact up to `cap`, and `more_than_cap`
    says the search found more (counted with `LIMIT cap + 1`, never over every match)."""

    def __init__(self, object_list, per_page, *, cap: int):
        super().__init__(object_list, per_page)
        self.cap = cap

    @cached_property
    def counted(self) -> int:
        return self.object_list.order_by()[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self.counted, self.cap)

    @property
    def more_than_cap(self) -> bool:
        return self.counted > self.cap


MESSAGES_SHOWN = 25
STAFF_CHANGES_SHOWN = 20


def _search_form(request) -> tuple[MemberSearchForm, MemberFilters]:
    form = MemberSearchForm(request.GET or None, categories=member_categories())
    return form, form.filters()


@membership_staff_required
@require_GET
def member_list(request):
    form, filters = _search_form(request)
    today = timezone.localdate()
    grace_days = grace_days_now()
    members = members_search(filters=filters, on=today, grace_days=grace_days)
    paginator = CappedPaginator(members, MEMBERS_PER_PAGE, cap=MEMBERS_COUNTED)
    by_number = False
    if filters.query.strip():
        by_number = paginator.more_than_cap
        paginator.object_list = order_search_page(members, more_than_cap=by_number)
    page = paginator.get_page(request.GET.get("page"))
    for member in page:
        member.status_now = row_status(
            stored_status=member.stored_status,
            paid_through_on=member.paid_through_on,
            on=today,
            grace_days=grace_days,
        )
    context = {
        "form": form,
        "page": page,
        "filtered": filters != MemberFilters(),
        "by_number": by_number,
    }
    return render(request, "billing/staff/member_list.html", context)


@membership_staff_required
@require_GET
def member_detail(request, member_number: str):
    file, rules = member_file(
        member_number=member_number, on=timezone.localdate(), user=request.user
    )
    history = member_history(
        member=file.member, page=history_page_number(request.GET.get("history"))
    )
    # The join and renewal rule, read from what the file holds already (no query).
    overview = MembershipOverview(
        member=file.member,
        membership=file.membership,
        status=file.status,
        on=timezone.localdate(),
        rules=rules,
        open_invoice=file.open_invoice,
    )
    context = {
        "file": file,
        "member": file.member,
        "rules": rules,
        "history": history,
        "invoice_kind": overview.invoice_kind,
        "staff_changes": staff_changes(member=file.member, limit=STAFF_CHANGES_SHOWN),
        "messages_sent": messages_for_user(user_id=file.member.user_id, limit=MESSAGES_SHOWN),
    }
    return render(request, "billing/staff/member_detail.html", context)


@membership_staff_required
@require_http_methods(["GET", "POST"])
def member_life(request, member_number: str):
    member = member_for_staff(member_number=member_number, user=request.user)
    form = LifeConferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            life_confer(
                member=member,
                conferred_by=request.user,
                on=timezone.localdate(),
                reason=form.cleaned_data["reason"].strip(),
            )
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            messages.success(
                request,
                _("%(name)s is now a Life member.") % {"name": member.display_name},
            )
            return redirect("billing_staff:member_detail", member.member_number)
    return render(request, "billing/staff/member_life.html", {"member": member, "form": form})


@membership_staff_required
@require_POST
def member_message_resend(request, member_number: str, message_id: int):
    """Send a failed message again. Only a message of this member's can be resent from here."""
    member = member_for_staff(member_number=member_number, user=request.user)
    message = message_for_user(user_id=member.user_id, message_id=message_id)
    if message is None:
        raise Http404
    if message.state != MessageState.FAILED:
        messages.info(request, _("That message has not failed, so there is nothing to resend."))
    else:
        message_resend(message=message)
        messages.success(
            request,
            _("“%(subject)s” is queued again for %(to)s.")
            % {"subject": message.subject, "to": message.to},
        )
    return redirect(
        reverse("billing_staff:member_detail", args=[member.member_number]) + "#messages-h"
    )
