"""The one place kefu asks for the time, so tests (and SLA clocks) can control it."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()
