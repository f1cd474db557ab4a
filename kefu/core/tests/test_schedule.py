from __future__ import annotations

import pytest
from django.db import connection

from kefu.core.schedule import SQLITE_ANALYZED, schedule_run_due, sqlite_analyze

pytestmark = pytest.mark.django_db


def test_sqlite_planner_statistics_are_refreshed_when_the_scheduler_starts(demo):
    assert "sqlite_analyze" in schedule_run_due({}, at=1000.0)
    if connection.vendor != "sqlite":
        assert sqlite_analyze() == []  # PostgreSQL's autovacuum keeps its own statistics
        return
    with connection.cursor() as cur:
        cur.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
        analyzed = {row[0] for row in cur.fetchall()}
    assert set(SQLITE_ANALYZED) <= analyzed
