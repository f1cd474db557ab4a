"""Priority scoring: the order of urgency the issue asks for, the explanation, the weights."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kefu.routing.priority import (
    PriorityInput,
    priority_band,
    priority_explain,
    priority_score,
    topic_slug,
)

T0 = datetime(2026, 11, 23, 12, tzinfo=UTC)


def score(**kw):
    return priority_score(PriorityInput(**kw)).base


def test_topics_rank_security_then_funds_in_transit_then_account_then_the_rest():
    ranks = [score(topic=t) for t in ("security", "withdrawals", "deposits", "account", "trading")]
    assert ranks == sorted(ranks, reverse=True)
    assert ranks[0] > ranks[1] > ranks[3] > ranks[4]


def test_stolen_funds_come_first_of_all():
    assert score(topic="security", stolen_funds=True) > score(topic="security", vip_tier=9)


def test_vip_and_anger_raise_the_score():
    base = score(topic="deposits")
    assert score(topic="deposits", vip_tier=7) == base + 35
    assert score(topic="deposits", anger=0.9) > base
    assert score(topic="deposits", anger=0.2) == base  # below the threshold


def test_waiting_time_ages_a_conversation_so_nothing_starves():
    low = priority_score(PriorityInput(topic="fees-vip"))
    vip = priority_score(PriorityInput(topic="fees-vip", vip_tier=5))
    old = T0 - timedelta(hours=5)
    assert low.at(T0, old) > vip.at(T0, T0)


def test_the_explanation_reads_like_a_person_wrote_it():
    s = priority_score(PriorityInput(topic="withdrawals", vip_tier=7, anger=0.8, channel="email"))
    text = priority_explain(
        s.reasons, topic="withdrawal_pending", waiting_since=T0 - timedelta(hours=3), moment=T0
    )
    assert text == "VIP 7, anger, withdrawal stuck 3 h"


def test_legacy_topic_values_map_to_help_center_slugs():
    assert topic_slug("withdrawal_pending") == "withdrawals"
    assert topic_slug("account_compromised") == "security"
    assert topic_slug("phishing_report") == "security"
    assert topic_slug("deposit_not_credited") == "deposits"
    assert topic_slug("api_trading") == "trading"
    assert topic_slug("weather") == ""


def test_weights_are_settings(settings):
    settings.PRIORITY_WEIGHTS = {"vip_per_tier": 10, "topic": {"trading": 99}}
    assert score(vip_tier=3) == 30
    assert score(topic="trading") == 99
    assert score(topic="security") == 60  # the rest of the nested weights kept


@pytest.mark.parametrize(
    ("points", "band"), [(0, "low"), (20, "normal"), (60, "high"), (120, "urgent")]
)
def test_bands(points, band):
    assert priority_band(points) == band
