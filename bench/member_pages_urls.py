"""The portal's URLs plus three reference views for bench/member_pages.py: a bare view (no
session read), one that loads only the session and the signed-in user, and one primary-key
lookup. Mounted only by bench/member_pages_settings.py."""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as portal_urlpatterns
from membership.models import Member


def bare(request):
    return HttpResponse("ok", content_type="text/plain")


def session_user(request):
    # Reading request.user loads the session row and the user row, nothing else.
    return HttpResponse(str(request.user.pk), content_type="text/plain")


def pk_lookup(request):
    member = Member.objects.only("full_name").get(pk=int(request.GET.get("pk", "1")))
    return HttpResponse(member.full_name, content_type="text/plain")


urlpatterns = [
    path("bench/bare/", bare),
    path("bench/session-user/", session_user),
    path("bench/pk/", pk_lookup),
    *portal_urlpatterns,
]
