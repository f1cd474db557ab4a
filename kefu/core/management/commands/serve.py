"""`kefu serve`: web + websockets (uvicorn) and a background-task worker in one command."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve kefu: HTTP and websockets, plus a task worker (unless --no-worker)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("KEFU_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("KEFU_PORT", "8000")))
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("KEFU_WEB_WORKERS", "1")),
            help="web processes (each is single-threaded async)",
        )
        parser.add_argument("--no-worker", action="store_true", help="do not start the task worker")
        parser.add_argument(
            "--no-scheduler", action="store_true", help="do not run periodic jobs here"
        )
        parser.add_argument("--log-level", default="info")

    def handle(self, *args: Any, **opts: Any) -> None:
        import threading

        import uvicorn

        from kefu.core.schedule import scheduler_loop

        worker = None
        if not opts["no_worker"]:
            worker = subprocess.Popen(
                [sys.executable, "-m", "kefu.cli", "worker", "--interval", "0.5"]
            )
        stop = threading.Event()
        if not opts["no_scheduler"]:
            threading.Thread(
                target=scheduler_loop, args=(stop,), name="kefu-scheduler", daemon=True
            ).start()
        self.stdout.write(
            f"kefu serving on http://{opts['host']}:{opts['port']}/ (API docs at /api/v1/docs)"
        )
        try:
            uvicorn.run(
                "kefu.asgi:application",
                host=opts["host"],
                port=opts["port"],
                workers=opts["workers"],
                log_level=opts["log_level"],
                lifespan="off",
                access_log=False,
            )
        finally:
            stop.set()
            if worker is not None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
