"""The site's URLs plus one page that queues a task, for the request-id propagation test."""

from django.http import HttpResponse

from config.urls import urlpatterns as site_urlpatterns
from ops.tasks import beat_heartbeat


def queue_heartbeat(request):
    beat_heartbeat.delay()
    return HttpResponse("queued", content_type="text/plain")


from django.urls import path  # noqa: E402

urlpatterns = [path("test-only/queue-heartbeat", queue_heartbeat), *site_urlpatterns]
