"""Periodic jobs. `kefu serve` (or `kefu scheduler` on its own host) runs them.

Jobs must be safe to run twice at once (two hosts each running a scheduler): each is an
idempotent sweep, never a "do this once" side effect.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: float
    run: Callable[[], object]


def _prune_event_log() -> int:
    from kefu.core.clock import now
    from kefu.core.events import event_log_prune

    return event_log_prune(older_than=now() - timedelta(days=settings.EVENT_LOG_RETENTION_DAYS))


def _dispatch_recover() -> int:
    from kefu.core.dispatch import dispatch_recover

    return dispatch_recover()


# Tables whose statistics decide the list views' plans. SQLite has no autovacuum/autoanalyze:
# without statistics its planner picks by index shape alone and, at 100k conversations, sorted
# every conversation of an agent's inboxes for a 25-row page (200 ms instead of 10).
SQLITE_ANALYZED = ("conversations_conversation", "conversations_conversation_tags")


def sqlite_analyze() -> list[str]:
    """Refresh SQLite's planner statistics of the list views' tables (PostgreSQL's autovacuum
    does this itself). Runs when the scheduler starts and every six hours."""
    from django.db import connection

    if connection.vendor != "sqlite":
        return []
    with connection.cursor() as cur:
        for table in SQLITE_ANALYZED:
            cur.execute(f'ANALYZE "{table}"')
    return list(SQLITE_ANALYZED)


JOBS: list[Job] = [
    Job("event_log_prune", 3600, _prune_event_log),
    Job("dispatch_recover", 30, _dispatch_recover),
    Job("sqlite_analyze", 6 * 3600, sqlite_analyze),
]


def job_register(job: Job) -> None:
    if any(j.name == job.name for j in JOBS):
        raise ValueError(f"job {job.name} is registered twice")
    JOBS.append(job)


def schedule_run_due(last_run: dict[str, float], *, at: float | None = None) -> list[str]:
    """Run every job whose interval has passed; returns the names run."""
    moment = time.monotonic() if at is None else at
    ran = []
    for job in JOBS:
        if moment - last_run.get(job.name, float("-inf")) < job.every_seconds:
            continue
        last_run[job.name] = moment
        try:
            close_old_connections()
            job.run()
            ran.append(job.name)
        except Exception:
            log.exception("scheduled job %s failed", job.name)
        finally:
            close_old_connections()
    return ran


def scheduler_loop(stop: threading.Event, *, tick: float = 5.0) -> None:
    last_run: dict[str, float] = {}
    while not stop.is_set():
        schedule_run_due(last_run)
        stop.wait(tick)
