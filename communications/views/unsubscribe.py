"""Unsubscribing from bulk mail with the signed link every bulk message carries.

The link works without signing in. GET shows a page with a confirm button (a link scanner
that follows links must not unsubscribe anyone); POST unsubscribes. The POST is exempt from
CSRF on purpose, and only here: RFC 8058 one-click unsubscribe has the recipient's mail client
POST `List-Unsubscribe=One-Click` to the link with no cookie and no form of ours, so there is no
CSRF token to send. The signed token in the URL is what authorises the request, and all it can
do is unsubscribe the one account it was signed for — forging the request gains nothing.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from communications.services.suppressions import resubscribe, unsubscribe, user_from_token


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request, token: str):
    user = user_from_token(token)
    if user is None:
        return render(request, "communications/unsubscribe_invalid.html", status=404)
    if request.method == "POST":
        unsubscribe(user=user)
        if request.POST.get("List-Unsubscribe") == "One-Click":
            # A mail client, not a person: a short answer is all it reads.
            return HttpResponse("Unsubscribed.", content_type="text/plain")
        return render(request, "communications/unsubscribe_done.html", {"email": user.email})
    return render(request, "communications/unsubscribe.html", {"email": user.email, "token": token})


@login_required
@require_POST
def resubscribe_view(request):
    resubscribe(user=request.user)
    messages.success(request, _("You will receive ICMA's news and announcements again."))
    return redirect("communications:my_messages")
