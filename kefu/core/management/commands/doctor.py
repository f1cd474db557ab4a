"""`kefu check`: configuration and services, each with a clear verdict."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from kefu.core.services import redis_ping


class Command(BaseCommand):
    help = "Check configuration and services (database, migrations, Redis)."

    def handle(self, *args: Any, **opts: Any) -> None:
        failures = 0
        call_command("check", verbosity=0)
        self.stdout.write("config     ok")
        try:
            with connection.cursor() as cur:
                cur.execute("SELECT 1")
            self.stdout.write(f"database   ok ({connection.vendor})")
            pending = MigrationExecutor(connection).migration_plan(
                MigrationExecutor(connection).loader.graph.leaf_nodes()
            )
            if pending:
                failures += 1
                self.stdout.write(f"migrations {len(pending)} pending: run `kefu migrate`")
            else:
                self.stdout.write("migrations ok")
        except Exception as exc:
            failures += 1
            self.stdout.write(f"database   FAILED: {exc}")
        if settings.REDIS_URL:
            verdict = redis_ping(settings.REDIS_URL)
            failures += verdict != "ok"
            self.stdout.write(f"redis      {verdict}")
        else:
            self.stdout.write(
                "redis      not configured (in-process realtime; set KEFU_REDIS_URL to run several processes)"
            )
        if failures:
            raise CommandError(f"{failures} check(s) failed")
