"""ASGI entry point: HTTP through Django on a thread pool, websockets through Channels."""

import asyncio
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")

import django

django.setup()

from channels.routing import URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

from kefu.core.http_bridge import HttpBridge  # noqa: E402
from kefu.realtime.publisher import publisher_attach  # noqa: E402
from kefu.realtime.routing import websocket_urlpatterns  # noqa: E402

http_application = HttpBridge(get_wsgi_application(), threads=settings.HTTP_THREADS)
websocket_application = URLRouter(websocket_urlpatterns)


async def application(scope, receive, send):
    publisher_attach(asyncio.get_running_loop())
    if scope["type"] == "http":
        return await http_application(scope, receive, send)
    if scope["type"] == "websocket":
        return await websocket_application(scope, receive, send)
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return None
    raise ValueError(f"unsupported ASGI scope type {scope['type']!r}")
