from __future__ import annotations

import threading
from typing import Any

from django.core.management.base import BaseCommand

from kefu.core.schedule import scheduler_loop


class Command(BaseCommand):
    help = "Run periodic jobs (event-log pruning, SLA sweeps) until stopped. `kefu serve` runs one itself."

    def handle(self, *args: Any, **opts: Any) -> None:
        stop = threading.Event()
        try:
            scheduler_loop(stop)
        except KeyboardInterrupt:
            stop.set()
