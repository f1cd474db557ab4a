"""Service metrics, read from what the events recorded.

First response and resolution times come from the conversation's timestamps, which the
`message.created` (first agent reply) and `conversation.status_changed` (resolved) actions
write in the same transaction as their events; SLA attainment comes from the clocks that
`sla.*` handling stops, warns and breaches. Reads only; permission checked by the API.
"""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q

from kefu.conversations.models import Conversation, Status
from kefu.core.clock import now
from kefu.sla.models import ClockState, SlaClock

GROUPS = {
    "policy": "policy__name",
    "team": "conversation__team__name",
    "agent": "conversation__assignee__display_name",
    "channel": "conversation__inbox__channel_type",
}
_CONV_GROUPS = {
    "team": "team__name",
    "agent": "assignee__display_name",
    "channel": "inbox__channel_type",
}


def _stats(values: list[float]) -> dict[str, float | int | None]:
    if not values:
        return {"count": 0, "mean": None, "p50": None, "p90": None}
    values = sorted(values)
    return {
        "count": len(values),
        "mean": round(statistics.fmean(values), 1),
        "p50": round(values[len(values) // 2], 1),
        "p90": round(values[min(len(values) - 1, int(len(values) * 0.9))], 1),
    }


def response_times(
    *, since: datetime, until: datetime | None = None, group_by: str | None = None
) -> list[dict[str, Any]]:
    """First response and resolution times (seconds) of conversations opened in the window."""
    until = until or now()
    qs = Conversation.objects.filter(created_at__gte=since, created_at__lt=until)
    key = _CONV_GROUPS.get(group_by or "")
    rows = qs.values(
        "created_at", "first_response_at", "resolved_at", *([key] if key else [])
    ).order_by()
    groups: dict[Any, dict[str, list[float]]] = {}
    for r in rows[:200_000]:
        g = groups.setdefault(r[key] if key else "all", {"first_response": [], "resolution": []})
        if r["first_response_at"]:
            g["first_response"].append((r["first_response_at"] - r["created_at"]).total_seconds())
        if r["resolved_at"]:
            g["resolution"].append((r["resolved_at"] - r["created_at"]).total_seconds())
    return [
        {
            "group": name,
            "first_response": _stats(v["first_response"]),
            "resolution": _stats(v["resolution"]),
        }
        for name, v in sorted(groups.items(), key=lambda kv: str(kv[0]))
    ]


def sla_attainment(
    *, since: datetime, until: datetime | None = None, group_by: str = "policy"
) -> list[dict[str, Any]]:
    """Share of finished clocks met, per policy / team / agent / channel and clock kind."""
    until = until or now()
    key = GROUPS[group_by]
    finished = SlaClock.objects.filter(
        stopped_at__gte=since,
        stopped_at__lt=until,
        state__in=[ClockState.MET, ClockState.BREACHED_STOPPED],
    )
    counts: dict[tuple[Any, str], dict[str, int]] = {}
    for row in finished.values(key, "kind", "state").order_by():
        c = counts.setdefault((row[key], row["kind"]), {"met": 0, "breached": 0})
        c["met" if row["state"] == ClockState.MET else "breached"] += 1
    running_breached = SlaClock.objects.filter(
        state=ClockState.RUNNING, breached_at__gte=since, breached_at__lt=until
    )
    for row in running_breached.values(key, "kind").order_by():
        c = counts.setdefault((row[key], row["kind"]), {"met": 0, "breached": 0})
        c["breached"] += 1  # overdue and still open: already a miss
    out = []
    for (group, kind), c in sorted(counts.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])):
        total = c["met"] + c["breached"]
        out.append(
            {
                "group": group,
                "kind": kind,
                "met": c["met"],
                "breached": c["breached"],
                "attainment": round(c["met"] / total, 4) if total else None,
            }
        )
    return out


AGE_BUCKETS = [
    ("< 1 h", timedelta(hours=1)),
    ("1–4 h", timedelta(hours=4)),
    ("4–24 h", timedelta(hours=24)),
    ("1–3 d", timedelta(days=3)),
    ("> 3 d", None),
]


def backlog(*, moment: datetime | None = None, group_by: str | None = None) -> dict[str, Any]:
    """Open work now: counts by status and by age since the customer started waiting."""
    moment = moment or now()
    live = Conversation.objects.filter(status__in=[Status.OPEN, Status.PENDING, Status.SNOOZED])
    by_status = dict.fromkeys((Status.OPEN, Status.PENDING, Status.SNOOZED), 0)
    for row in live.values("status").annotate(n=Count("id")).order_by():
        by_status[row["status"]] = row["n"]
    ages = {label: 0 for label, _ in AGE_BUCKETS}
    waiting = live.filter(status=Status.OPEN, waiting_since__isnull=False)
    oldest = None
    for since in waiting.values_list("waiting_since", flat=True)[:200_000]:
        age = moment - since
        oldest = max(oldest or age, age)
        for label, limit in AGE_BUCKETS:
            if limit is None or age < limit:
                ages[label] += 1
                break
    unassigned = live.filter(status=Status.OPEN, assignee__isnull=True).count()
    groups: dict[str, int] = {}
    key = _CONV_GROUPS.get(group_by or "")
    if key:
        for row in live.values(key).annotate(n=Count("id")).order_by():
            groups[str(row[key])] = row["n"]
    return {
        "by_status": by_status,
        "waiting_by_age": ages,
        "unassigned": unassigned,
        "oldest_waiting_seconds": oldest.total_seconds() if oldest else None,
        "breached_open": SlaClock.objects.filter(
            Q(state=ClockState.RUNNING) | Q(state=ClockState.PAUSED), breached_at__isnull=False
        ).count(),
        "groups": groups,
    }
