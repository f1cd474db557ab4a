"""ASGI entry point: HTTP through Django on a thread pool, websockets through Channels."""

import asyncio
import os
import sys
import threading

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")

import django

django.setup()

from channels.routing import URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

from kefu.core.dispatch import dispatcher_start  # noqa: E402
from kefu.core.http_bridge import HttpBridge  # noqa: E402
from kefu.realtime.publisher import publisher_attach  # noqa: E402
from kefu.realtime.routing import websocket_urlpatterns  # noqa: E402

# Server threads mostly wait on the database, each wait releasing the GIL; taking it back
# waits for whichever thread holds it to reach the switch interval (5 ms by default), so a
# message making ten queries waited ~50 ms. A shorter interval hands the GIL back sooner.
sys.setswitchinterval(settings.GIL_SWITCH_INTERVAL_MS / 1000)

http_application = HttpBridge(get_wsgi_application(), threads=settings.HTTP_THREADS)
websocket_application = URLRouter(websocket_urlpatterns)


_started = False


def _start() -> None:
    """Once per server process, on its first connection."""
    global _started
    _started = True
    dispatcher_start()
    if settings.WARM_UP:
        from kefu.intelligence.enrichment import enrichment_warm_up

        threading.Thread(target=enrichment_warm_up, name="kefu-warm-up", daemon=True).start()


async def application(scope, receive, send):
    publisher_attach(asyncio.get_running_loop())
    if not _started:
        _start()
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
