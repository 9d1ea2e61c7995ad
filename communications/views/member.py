"""A member's own message history."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from communications.models import OutgoingMessage
from communications.services.suppressions import suppression_for

PER_PAGE = 25


@login_required
@require_GET
def my_messages(request):
    """What was sent to the signed-in account, when, and its state: only their own rows."""
    rows = (
        OutgoingMessage.objects.filter(user_id=request.user.pk)
        .only("subject", "state", "created_at", "sent_at")
        .order_by("-created_at", "-id")
    )
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "suppression": suppression_for(user=request.user)}
    return render(request, "communications/member/my_messages.html", context)
