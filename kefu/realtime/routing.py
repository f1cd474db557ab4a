from channels.auth import AuthMiddlewareStack
from channels.security.websocket import OriginValidator
from django.conf import settings
from django.urls import path

from kefu.realtime.consumers import ConsoleConsumer, WidgetConsumer


class ConsoleOriginValidator(OriginValidator):
    """Browsers always send Origin, so cross-site hijacking always shows one: check it against
    the allowed hosts. A client without Origin is not a browser and brings its own token."""

    def __init__(self, application):
        super().__init__(application, [f"{scheme}://{host}" for host in settings.ALLOWED_HOSTS for scheme in ("http", "https")])

    def valid_origin(self, parsed_origin):
        if parsed_origin is None:
            return True
        return self.validate_origin(parsed_origin)

    def match_allowed_origin(self, parsed_origin, pattern):
        # Compare host names, ignoring the port: kefu may serve on any port.
        from urllib.parse import urlparse

        allowed = urlparse(pattern)
        return parsed_origin.scheme == allowed.scheme and parsed_origin.hostname == allowed.hostname


websocket_urlpatterns = [
    # The widget lives on the exchange's pages (any origin) and proves itself with its signed
    # session token, never a cookie.
    path("ws/widget/", WidgetConsumer.as_asgi()),
    # The console authenticates by session cookie: refuse other origins (cross-site websocket
    # hijacking). API-token clients without an Origin header are still accepted.
    path("ws/console/", ConsoleOriginValidator(AuthMiddlewareStack(ConsoleConsumer.as_asgi()))),
]
