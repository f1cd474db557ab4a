"""Reads for the safety layer: official domains and guard rules as the checks want them, and
official-channel lookups for /verify/."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings

from kefu.accounts.models import Agent
from kefu.contacts.models import Contact
from kefu.safety.guard import GuardPattern, GuardRules
from kefu.safety.models import AntiPhishingCode, ChannelKind, GuardPatternRule, OfficialChannel
from kefu.safety.verify import (
    VerifyResult,
    channel_normalize,
    domain_lookalike,
    domain_official,
)

_cache: dict[str, tuple[float, Any]] = {}


def _cached(key: str, build: Callable[[], Any]) -> Any:
    """Registry reads every message and reply makes, kept for KEFU_SAFETY_CACHE_SECONDS.

    Saving or deleting a registry row clears this process's copy at once (signals in
    apps.py); other processes see the change within the TTL.
    """
    ttl = settings.SAFETY_CACHE_SECONDS
    if ttl <= 0:
        return build()
    hit = _cache.get(key)
    moment = time.monotonic()
    if hit is not None and moment - hit[0] < ttl:
        return hit[1]
    value = build()
    _cache[key] = (moment, value)
    return value


def safety_cache_clear(**_: Any) -> None:
    _cache.clear()


def official_domains() -> list[str]:
    """Registry website entries plus KEFU_OFFICIAL_DOMAINS (for installs without a registry),
    plus kefu's own host (KEFU_PUBLIC_URL): its help center and /verify/ are official."""
    return list(_cached("official_domains", _official_domains))


def _official_domains() -> list[str]:
    from urllib.parse import urlsplit

    rows = OfficialChannel.objects.filter(kind=ChannelKind.WEBSITE, active=True).values_list(
        "value", flat=True
    )
    own = urlsplit(settings.PUBLIC_URL).hostname
    return sorted({*rows, *settings.SAFETY_OFFICIAL_DOMAINS, *([own.lower()] if own else [])})


def brand_names() -> list[str]:
    return list(settings.SAFETY_BRAND_NAMES)


def guard_rules() -> GuardRules:
    off = set(settings.SAFETY_GUARD_RULES_OFF)
    extra = _cached(
        "guard_patterns",
        lambda: tuple(
            GuardPattern(name=r.name, pattern=r.pattern, message=r.message)
            for r in GuardPatternRule.objects.filter(active=True)
        ),
    )
    return GuardRules(
        ask_password="ask_password" not in off,
        ask_seed_phrase="ask_seed_phrase" not in off,
        ask_private_key="ask_private_key" not in off,
        ask_otp="ask_otp" not in off,
        remote_access="remote_access" not in off,
        foreign_link="foreign_link" not in off,
        wallet_address="wallet_address" not in off,
        brand_names=tuple(brand_names()),
        extra_patterns=extra,
    )


def anti_phishing_code_of(contact: Contact | None) -> str:
    if contact is None:
        return ""
    return (
        AntiPhishingCode.objects.filter(contact_id=contact.pk)
        .values_list("code", flat=True)
        .first()
        or ""
    )


def channel_verify(*, kind: str, value: str) -> VerifyResult:
    """Is this official? Raises ValidationFailed for input that is not a `kind` at all."""
    normalized = channel_normalize(kind, value)
    if kind == "agent":
        agent = Agent.objects.filter(support_id=normalized, is_active=True).first()
        if agent is None:
            return VerifyResult(kind, normalized, official=False)
        return VerifyResult(kind, normalized, official=True, label=agent.display_name)
    domains = official_domains()
    if kind == "website":
        match = domain_official(normalized, domains)
        if match is not None:
            row = OfficialChannel.objects.filter(kind="website", value=match, active=True).first()
            return VerifyResult(kind, normalized, official=True, label=row.label if row else "")
        target, reasons = domain_lookalike(
            normalized, official_domains=domains, brand_names=brand_names()
        )
        return VerifyResult(kind, normalized, False, lookalike_of=target, reasons=reasons)
    rows = OfficialChannel.objects.filter(kind=kind, active=True)
    if kind == "email":
        domain = normalized.rpartition("@")[2]
        row = rows.filter(value__in=[normalized, f"*@{domain}"]).first()
        if row is not None:
            return VerifyResult(kind, normalized, official=True, label=row.label)
        target, reasons = (None, [])
        if domain_official(domain, domains) is None:
            target, reasons = domain_lookalike(
                domain, official_domains=domains, brand_names=brand_names()
            )
        return VerifyResult(kind, normalized, False, lookalike_of=target, reasons=reasons)
    row = rows.filter(value=normalized).first()
    if row is not None:
        return VerifyResult(kind, normalized, official=True, label=row.label)
    return VerifyResult(kind, normalized, official=False)


def inbound_links_flag(text: str) -> list[dict[str, object]]:
    """Links in a customer's message that imitate an official domain, as message metadata."""
    from kefu.safety.phishing import links_present, url_check

    if not text or not links_present(text):
        return []
    domains = official_domains()
    if not domains:
        return []
    return [
        {"url": f.url[:300], "host": f.host, "target": f.target, "reasons": f.reasons}
        for f in url_check(text, official_domains=domains, brand_names=brand_names())
        if f.verdict == "lookalike"
    ]
