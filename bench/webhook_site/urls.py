"""The portal's URLs plus the baselines: a view that answers without the database, and one
that makes one primary-key lookup."""

from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

ANSWER = b'{"received": true}'


@csrf_exempt
def bare(request):
    request.body  # noqa: B018 - read the body, as the webhook does
    return HttpResponse(ANSWER, content_type="application/json")


@csrf_exempt
def lookup(request):
    from billing.models import Payment

    request.body  # noqa: B018
    Payment.objects.filter(pk=1).values_list("pk", flat=True).first()
    return HttpResponse(ANSWER, content_type="application/json")


urlpatterns = [
    path("bench/bare/", bare),
    path("bench/bare-lean/", bare),
    path("bench/lookup/", lookup),
    path("", include("config.urls")),
]
