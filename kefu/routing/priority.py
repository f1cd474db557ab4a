"""The priority score: a pure function of what is known about a conversation.

Inputs are plain values so the scorer does not change when the NLP (kefu.intelligence) lands:
today topic and sentiment come from the conversation's `topic` field and the latest incoming
message's metadata (`topic`, `anger`, `sentiment`, `stolen_funds`) when present.

score = topic urgency + VIP + KYC + anger/sentiment + channel + manual priority
        + aging (points per waiting hour)
Weights are settings (KEFU_PRIORITY_WEIGHTS, JSON merged over DEFAULT_WEIGHTS).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings

TOPICS = ["deposits", "withdrawals", "account", "trading", "fees-vip", "security"]

DEFAULT_WEIGHTS: dict[str, Any] = {
    # Security and stolen funds first, then funds in transit, account access, then the rest.
    "topic": {
        "security": 60,
        "withdrawals": 35,
        "deposits": 30,
        "account": 25,
        "trading": 10,
        "fees-vip": 5,
    },
    "stolen_funds": 50,  # on top of security when the customer reports funds gone
    "vip_per_tier": 5,  # VIP 7 -> 35
    "kyc_per_level": 2,
    "anger": 25,  # anger >= anger_threshold
    "anger_threshold": 0.6,
    "negative_sentiment": 10,  # sentiment <= -0.5
    "channel": {"web_widget": 10, "api": 10, "voice": 15, "telegram": 5, "email": 0},
    "manual_priority": {"urgent": 40, "high": 20, "normal": 0, "low": -10},
    "per_waiting_hour": 6,  # aging, so nothing starves
    # Score bands shown as the conversation's priority level.
    "bands": {"urgent": 90, "high": 55, "normal": 20},
}

_TOPIC_ALIASES = [
    # Legacy/free-form topic values (triage output, agents' picks) -> help-center slugs.
    (("security", "account_compromised", "hacked", "phishing", "stolen", "scam"), "security"),
    (("withdraw",), "withdrawals"),
    (("deposit",), "deposits"),
    (("account", "kyc", "2fa", "login", "verification"), "account"),
    (("trad", "api", "futures", "p2p", "order"), "trading"),
    (("fee", "vip"), "fees-vip"),
]
_TOPIC_LABEL = {
    "security": "security",
    "withdrawals": "withdrawal",
    "deposits": "deposit",
    "account": "account access",
    "trading": "trading",
    "fees-vip": "fees",
}


def weights() -> dict[str, Any]:
    merged = {**DEFAULT_WEIGHTS}
    for key, value in (getattr(settings, "PRIORITY_WEIGHTS", None) or {}).items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def topic_slug(topic: str) -> str:
    """The help-center slug for a topic value, or "" when it maps to none."""
    t = (topic or "").strip().lower()
    if t in TOPICS:
        return t
    for needles, slug in _TOPIC_ALIASES:
        if any(n in t for n in needles):
            return slug
    return ""


@dataclass(frozen=True)
class PriorityInput:
    topic: str = ""
    vip_tier: int = 0
    kyc_level: int = 0
    anger: float | None = None  # 0..1
    sentiment: float | None = None  # -1..1
    stolen_funds: bool = False
    channel: str = ""
    manual_priority: str = "normal"
    waiting_since: datetime | None = None


@dataclass
class PriorityScore:
    base: float
    per_hour: float
    reasons: list[dict[str, Any]] = field(default_factory=list)  # base reasons only

    def at(self, moment: datetime, waiting_since: datetime | None) -> float:
        return self.base + self.per_hour * _hours(moment, waiting_since)


def _hours(moment: datetime, since: datetime | None) -> float:
    if since is None:
        return 0.0
    return max(0.0, (moment - since).total_seconds() / 3600)


def priority_score(inp: PriorityInput, *, w: dict[str, Any] | None = None) -> PriorityScore:
    w = w or weights()
    reasons: list[dict[str, Any]] = []

    def add(label: str, points: float) -> None:
        if points:
            reasons.append({"label": label, "points": points, "kind": "static"})

    if inp.vip_tier > 0:
        add(f"VIP {inp.vip_tier}", inp.vip_tier * w["vip_per_tier"])
    if inp.anger is not None and inp.anger >= w["anger_threshold"]:
        add("anger", w["anger"])
    elif inp.sentiment is not None and inp.sentiment <= -0.5:
        add("upset", w["negative_sentiment"])
    slug = topic_slug(inp.topic)
    if slug:
        add(_TOPIC_LABEL[slug], w["topic"].get(slug, 0))
    if inp.stolen_funds:
        add("funds reported stolen", w["stolen_funds"])
    if inp.kyc_level > 0:
        add(f"KYC {inp.kyc_level}", inp.kyc_level * w["kyc_per_level"])
    add(f"{inp.channel} channel", w["channel"].get(inp.channel, 0))
    manual = w["manual_priority"].get(inp.manual_priority, 0)
    add(f"set {inp.manual_priority}", manual)
    return PriorityScore(
        base=float(sum(r["points"] for r in reasons)),
        per_hour=float(w["per_waiting_hour"]),
        reasons=reasons,
    )


def _duration(hours: float) -> str:
    if hours < 1:
        return f"{max(1, round(hours * 60))} min"
    if hours < 48:
        return f"{hours:.0f} h"
    return f"{hours / 24:.0f} d"


def priority_explain(
    reasons: list[dict[str, Any]],
    *,
    topic: str,
    waiting_since: datetime | None,
    moment: datetime,
    per_hour: float | None = None,
) -> str:
    """A human line: "VIP 7, anger, withdrawal stuck 3 h"."""
    hours = _hours(moment, waiting_since)
    slug = topic_slug(topic)
    parts = []
    stuck_done = False
    for r in reasons:  # in the scorer's order: who, how they feel, what about
        if r["points"] <= 0 or r["label"].endswith(" channel"):
            continue
        label = r["label"]
        if slug in ("withdrawals", "deposits") and label == _TOPIC_LABEL[slug] and hours >= 0.5:
            label = f"{label} stuck {_duration(hours)}"
            stuck_done = True
        parts.append(label)
    if not stuck_done and hours >= 0.25:
        parts.append(f"waiting {_duration(hours)}")
    return ", ".join(parts) or "no urgency signals"


def priority_band(score: float, *, w: dict[str, Any] | None = None) -> str:
    bands = (w or weights())["bands"]
    for level in ("urgent", "high", "normal"):
        if score >= bands[level]:
            return level
    return "low"
