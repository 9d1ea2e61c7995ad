"""Small cross-cutting middleware of the deployment."""

from django.conf import settings


class ServedByMiddleware:
    """Names the web node that answered in `X-Served-By` (NODE_NAME), so a load balancer's
    spread of requests can be seen and tested. Without NODE_NAME it does nothing."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.node = settings.NODE_NAME

    def __call__(self, request):
        response = self.get_response(request)
        if self.node:
            response["X-Served-By"] = self.node
        return response
