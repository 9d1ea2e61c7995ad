"""A placeholder liveness check for the load balancer: the process answers, nothing more.
The observability work brings the real /healthz (and /readyz); this one may be replaced."""

from django.http import HttpResponse


def healthz(request):
    return HttpResponse("ok\n", content_type="text/plain")
