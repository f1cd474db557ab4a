"""ASGI entry point: HTTP through Django on a thread pool; websockets join with realtime."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

from kefu.core.http_bridge import HttpBridge  # noqa: E402

http_application = HttpBridge(get_wsgi_application(), threads=settings.HTTP_THREADS)


async def application(scope, receive, send):
    if scope["type"] == "http":
        return await http_application(scope, receive, send)
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return None
    raise ValueError(f"unsupported ASGI scope type {scope['type']!r}")
