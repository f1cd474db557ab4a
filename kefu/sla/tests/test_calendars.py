"""Business-time arithmetic: fixed cases, then properties across DST changes and holidays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.core.errors import ValidationFailed
from kefu.sla.calendars import Hours, business_add, business_seconds, hours_check, is_open

WEEKDAYS_9_18 = {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
NEW_YORK = hours_check(
    timezone="America/New_York",
    always_open=False,
    weekly_hours=WEEKDAYS_9_18,
    holiday_country="US",
)
# Open through the night across the DST hour: 00:00–03:00 and 22:00–24:00 every day.
BERLIN_NIGHTS = hours_check(
    timezone="Europe/Berlin",
    always_open=False,
    weekly_hours={
        d: [["00:00", "03:00"], ["22:00", "24:00"]]
        for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    },
    holiday_country="DE",
    extra_holidays=["2026-03-30"],
)
ALWAYS = Hours()


def utc(*a: int) -> datetime:
    return datetime(*a, tzinfo=UTC)


def test_friday_evening_plus_two_business_hours_is_monday_eleven_local():
    # Fri 2026-11-20 17:00 EST (22:00 UTC) + 2 h: one hour Friday, one hour Monday.
    assert business_add(NEW_YORK, utc(2026, 11, 20, 22), 2 * 3600) == utc(2026, 11, 23, 15)


def test_thanksgiving_is_skipped():
    # Wed 2026-11-25 17:30 EST + 1 h: Thursday 26th is Thanksgiving, so Friday 09:30 EST.
    assert business_add(NEW_YORK, utc(2026, 11, 25, 22, 30), 3600) == utc(2026, 11, 27, 14, 30)


def test_the_spring_forward_night_is_an_hour_shorter():
    # Berlin 2026-03-29: 02:00 jumps to 03:00, so 00:00–03:00 local holds only 2 hours.
    night = business_seconds(BERLIN_NIGHTS, utc(2026, 3, 28, 23), utc(2026, 3, 29, 3))
    assert night == 2 * 3600


def test_the_fall_back_night_is_an_hour_longer():
    # Berlin 2026-10-25: 03:00 falls back to 02:00, so 00:00–03:00 local holds 4 hours.
    night = business_seconds(BERLIN_NIGHTS, utc(2026, 10, 24, 22), utc(2026, 10, 25, 3))
    assert night == 4 * 3600


def test_an_extra_holiday_closes_the_day():
    assert not is_open(BERLIN_NIGHTS, utc(2026, 3, 29, 23))  # 01:00 local on 30 March
    assert is_open(BERLIN_NIGHTS, utc(2026, 3, 31, 23))


def test_twenty_four_seven_is_wall_time():
    start = utc(2026, 3, 29, 0, 30)
    assert business_add(ALWAYS, start, 5400) == start + timedelta(seconds=5400)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"weekly_hours": {"mon": [["18:00", "09:00"]]}}, "weekly_hours"),
        ({"weekly_hours": {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}}, "weekly_hours"),
        ({"weekly_hours": {"funday": [["09:00", "12:00"]]}}, "weekly_hours"),
        ({"weekly_hours": {"mon": [["9am", "12:00"]]}}, "weekly_hours"),
        ({"weekly_hours": {}}, "weekly_hours"),
        ({"holiday_country": "ZZ"}, "holiday_country"),
        ({"extra_holidays": ["next tuesday"]}, "extra_holidays"),
    ],
)
def test_bad_calendars_are_refused_with_the_field(kwargs, field):
    args = {"timezone": "UTC", "always_open": False, "weekly_hours": WEEKDAYS_9_18} | kwargs
    with pytest.raises(ValidationFailed) as exc:
        hours_check(**args)
    assert exc.value.field == field


# --- properties ------------------------------------------------------------------------------

# Moments around 2026's DST changes (US: Mar 8, Nov 1; EU: Mar 29, Oct 25) and US holidays.
moments = st.datetimes(
    min_value=datetime(2026, 2, 20), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
)
durations = st.floats(min_value=0, max_value=40 * 24 * 3600, allow_nan=False)
calendars = st.sampled_from([NEW_YORK, BERLIN_NIGHTS, ALWAYS])


@settings(max_examples=150, deadline=None)
@given(cal=calendars, start=moments, seconds=durations)
def test_adding_then_measuring_gives_the_duration_back(cal, start, seconds):
    end = business_add(cal, start, seconds)
    assert end >= start
    assert business_seconds(cal, start, end) == pytest.approx(seconds, abs=1e-3)


@settings(max_examples=100, deadline=None)
@given(cal=calendars, start=moments, a=durations, b=durations)
def test_adding_in_two_steps_equals_adding_once(cal, start, a, b):
    one = business_add(cal, start, a + b)
    two = business_add(cal, business_add(cal, start, a), b)
    assert (
        abs((one - two).total_seconds()) < 1e-3
        or business_seconds(cal, min(one, two), max(one, two)) < 1e-3
    )


@settings(max_examples=100, deadline=None)
@given(cal=calendars, start=moments, mid=durations, end=durations)
def test_measuring_is_additive_and_never_exceeds_wall_time(cal, start, mid, end):
    m = start + timedelta(seconds=mid)
    e = m + timedelta(seconds=end)
    total = business_seconds(cal, start, e)
    assert total == pytest.approx(
        business_seconds(cal, start, m) + business_seconds(cal, m, e), abs=1e-3
    )
    assert total <= (e - start).total_seconds() + 1e-6


@settings(max_examples=100, deadline=None)
@given(start=moments, seconds=st.floats(min_value=1, max_value=10 * 24 * 3600))
def test_a_deadline_in_business_hours_lands_on_an_open_weekday(start, seconds):
    end = business_add(NEW_YORK, start, seconds)
    local = end.astimezone(NEW_YORK.zone)
    # The deadline is inside (or at the close of) opening hours on a working day.
    assert local.weekday() < 5
    assert (9, 0) <= (local.hour, local.minute) <= (18, 0)
