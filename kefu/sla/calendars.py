"""Business-time arithmetic over a Calendar: pure functions, no database.

A calendar is turned into open intervals in UTC, one local day at a time: each day's local
opening hours are placed on that date in the calendar's zone and converted to UTC, so a DST
change shortens or lengthens the day it falls on exactly as a wall clock would. Holidays come
from the `holidays` package (country + subdivision) plus the calendar's own extra dates.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib

from kefu.core.errors import ValidationFailed

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")
# Searching further than this for open time means the calendar is (practically) never open.
_MAX_DAYS = 3 * 366


@dataclass(frozen=True)
class Hours:
    """A calendar's rules, detached from the model so they can be cached and tested alone."""

    timezone: str = "UTC"
    always_open: bool = True
    weekly: tuple[tuple[tuple[int, int], ...], ...] = ((),) * 7  # minutes from midnight, per day
    holiday_country: str = ""
    holiday_subdivision: str = ""
    extra_holidays: frozenset[date] = frozenset()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _minutes(hhmm: str) -> int:
    if not isinstance(hhmm, str) or not _HHMM.match(hhmm):
        raise ValidationFailed(f"{hhmm!r} is not a time HH:MM", field="weekly_hours")
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def hours_check(
    *,
    timezone: str,
    always_open: bool,
    weekly_hours: dict[str, list[list[str]]] | None,
    holiday_country: str = "",
    holiday_subdivision: str = "",
    extra_holidays: list[str] | None = None,
) -> Hours:
    """Validate a calendar's settings; returns the Hours they describe."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(f"unknown time zone {timezone!r}", field="timezone") from None
    weekly_hours = weekly_hours or {}
    if not isinstance(weekly_hours, dict) or set(weekly_hours) - set(DAYS):
        raise ValidationFailed(
            f"weekly_hours keys are days: {', '.join(DAYS)}", field="weekly_hours"
        )
    weekly: list[tuple[tuple[int, int], ...]] = []
    for day in DAYS:
        spans = []
        for span in weekly_hours.get(day, []):
            if not isinstance(span, list | tuple) or len(span) != 2:
                raise ValidationFailed(f"{day}: each span is [open, close]", field="weekly_hours")
            start, end = _minutes(span[0]), _minutes(span[1])
            if end <= start:
                raise ValidationFailed(
                    f"{day}: {span[0]}–{span[1]} closes before it opens", field="weekly_hours"
                )
            spans.append((start, end))
        spans.sort()
        for (_, e1), (s2, _) in itertools.pairwise(spans):
            if s2 < e1:
                raise ValidationFailed(f"{day}: opening hours overlap", field="weekly_hours")
        weekly.append(tuple(spans))
    if not always_open and not any(weekly):
        raise ValidationFailed(
            "a business-hours calendar needs opening hours on at least one day",
            field="weekly_hours",
        )
    if holiday_country:
        try:
            holidays_lib.country_holidays(
                holiday_country, subdiv=holiday_subdivision or None, years=2026
            )
        except NotImplementedError:
            raise ValidationFailed(
                f"no holiday data for {holiday_country}/{holiday_subdivision or '-'}",
                field="holiday_country",
            ) from None
    extra = set()
    for d in extra_holidays or []:
        try:
            extra.add(date.fromisoformat(d))
        except (TypeError, ValueError):
            raise ValidationFailed(
                f"{d!r} is not a date YYYY-MM-DD", field="extra_holidays"
            ) from None
    return Hours(
        timezone=timezone,
        always_open=always_open,
        weekly=tuple(weekly),
        holiday_country=holiday_country,
        holiday_subdivision=holiday_subdivision,
        extra_holidays=frozenset(extra),
    )


@lru_cache(maxsize=256)
def _holiday_set(country: str, subdivision: str, year: int) -> frozenset[date]:
    return frozenset(
        holidays_lib.country_holidays(country, subdiv=subdivision or None, years=year).keys()
    )


def is_holiday(hours: Hours, day: date) -> bool:
    if day in hours.extra_holidays:
        return True
    if hours.holiday_country:
        return day in _holiday_set(hours.holiday_country, hours.holiday_subdivision, day.year)
    return False


def _local(day: date, minute: int, zone: ZoneInfo) -> datetime:
    if minute >= 24 * 60:
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)


def _day_intervals(hours: Hours, day: date) -> list[tuple[datetime, datetime]]:
    if is_holiday(hours, day):
        return []
    zone = hours.zone
    out = []
    for start, end in hours.weekly[day.weekday()]:
        a = _local(day, start, zone).astimezone(UTC)
        b = _local(day, end, zone).astimezone(UTC)
        if b > a:  # a span wholly inside a DST gap has no length
            out.append((a, b))
    return out


def open_intervals(hours: Hours, start: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Open intervals in UTC that end after `start`, in order, clipped to begin at `start`.

    Adjacent and overlapping spans (a day open until 24:00 and the next from 00:00, or a
    fall-back hour counted twice in local time) are merged, so intervals never overlap.
    """
    start = start.astimezone(UTC)
    if hours.always_open:
        yield start, datetime.max.replace(tzinfo=UTC)
        return
    day = start.astimezone(hours.zone).date() - timedelta(days=1)
    pending: tuple[datetime, datetime] | None = None
    for _ in range(_MAX_DAYS):
        for a, b in _day_intervals(hours, day):
            if b <= start:
                continue
            a = max(a, start)
            if pending is not None and a <= pending[1]:
                pending = (pending[0], max(pending[1], b))
                continue
            if pending is not None:
                yield pending
            pending = (a, b)
        day += timedelta(days=1)
    if pending is not None:
        yield pending


def is_open(hours: Hours, at: datetime) -> bool:
    for a, _b in open_intervals(hours, at):
        return a <= at.astimezone(UTC)
    return False


def business_add(hours: Hours, start: datetime, seconds: float) -> datetime:
    """The moment `seconds` of open time after `start`."""
    if seconds < 0:
        raise ValueError("seconds must be >= 0")
    left = timedelta(seconds=seconds)
    for a, b in open_intervals(hours, start):
        if left <= b - a:
            return a + left
        left -= b - a
    raise ValidationFailed("the calendar has no open time in the next three years")


def business_seconds(hours: Hours, start: datetime, end: datetime) -> float:
    """Open time between two moments, in seconds (0 when end <= start)."""
    end = end.astimezone(UTC)
    if end <= start:
        return 0.0
    total = timedelta()
    for a, b in open_intervals(hours, start):
        if a >= end:
            break
        total += min(b, end) - a
    return total.total_seconds()


def hours_of(calendar: object | None) -> Hours:
    """The Hours of a Calendar model (None = 24/7). Cached per calendar version."""
    if calendar is None:
        return Hours()
    return _hours_cached(
        calendar.pk,  # type: ignore[attr-defined]
        calendar.updated_at,  # type: ignore[attr-defined]
        calendar,
    )


_HOURS_CACHE: dict[tuple[object, object], Hours] = {}


def _hours_cached(pk: object, version: object, calendar: object) -> Hours:
    key = (pk, version)
    found = _HOURS_CACHE.get(key)
    if found is None:
        found = hours_check(
            timezone=calendar.timezone,  # type: ignore[attr-defined]
            always_open=calendar.always_open,  # type: ignore[attr-defined]
            weekly_hours=calendar.weekly_hours,  # type: ignore[attr-defined]
            holiday_country=calendar.holiday_country,  # type: ignore[attr-defined]
            holiday_subdivision=calendar.holiday_subdivision,  # type: ignore[attr-defined]
            extra_holidays=calendar.extra_holidays,  # type: ignore[attr-defined]
        )
        if len(_HOURS_CACHE) > 1024:
            _HOURS_CACHE.clear()
        _HOURS_CACHE[key] = found
    return found
