"""The demo exchange's backend: what Lumen Exchange would answer to kefu's connector.

Served over HTTP under /demo-exchange/api/v1/ when KEFU_DEMO_EXCHANGE is on (the wire format
of docs/exchange-connector.md, signatures checked with KEFU_EXCHANGE_SECRET), and read
in-process by `DemoExchangeConnector`. The data is deterministic: the demo contacts'
UIDs (kefu/exchange/demo.py) have hand-written stories that match their conversations; any
other 9-digit UID gets a plausible account derived from a hash of the UID. Freezes are kept
in memory: a restart unfreezes the demo.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from kefu.exchange.connector import (
    EXPLORERS,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    TRANSFER_KINDS,
    signature_check,
)

# A fixed "now" keeps the demo's ages stable in docs and tests; times are shown relative to it.
_EPOCH = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
_frozen: dict[str, str] = {}
_lock = threading.Lock()

# TxIDs the demo stories use (tests and the eval refer to them).
TX_WANG_DONE = "8f2c1d9e4b7a6c3f0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c1b2a3f"
TX_WANG_ETH = "0x5e1f3a9c7b2d4e6f8a0c1e3b5d7f9a2c4e6b8d0f1a3c5e7b9d2f4a6c8e0b1d3f"
TX_YUKI_ARB = "0x9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b"
TX_MARIA_XRP = "E3F1A2B4C6D8E0F1A3B5C7D9E1F3A5B7C9D1E3F5A7B9C1D3E5F7A9B1C3D5E7F9"
TX_JAMES_BTC = "b6a1c3e5f7d9b2a4c6e8f0d1b3a5c7e9f2d4b6a8c0e1f3d5b7a9c2e4f6d8b0a1"

_STORIES: dict[str, dict[str, Any]] = {
    # Wang Hao: 2,500 USDT on TRC20 stuck in "processing" (the withdrawal_zh conversation).
    "100284731": {
        "profile": {
            "vip_tier": 2,
            "kyc_level": 2,
            "kyc_status": "approved",
            "account_status": "active",
            "two_factor_enabled": True,
        },
        "withdrawal": [
            {
                "coin": "USDT",
                "network": "TRC20",
                "amount": "2500.00",
                "address": "TQn9Y2khEsLJW1ChVWFMSMeRDow5KcbLSE",
                "txid": "",
                "status": "processing",
                "confirmations": 0,
                "required_confirmations": 20,
                "hours_ago": 20,
                "note": "in the risk review queue (large amount to a new address)",
            },
            {
                "coin": "USDT",
                "network": "TRC20",
                "amount": "300.00",
                "address": "TQn9Y2khEsLJW1ChVWFMSMeRDow5KcbLSE",
                "txid": TX_WANG_DONE,
                "status": "completed",
                "confirmations": 20,
                "required_confirmations": 20,
                "hours_ago": 70,
            },
            {
                "coin": "ETH",
                "network": "ERC20",
                "amount": "0.8500",
                "address": "0x3f5CE5FBFe3E9af3971dD833D26bA9b5C936f0bE",
                "txid": TX_WANG_ETH,
                "status": "confirming",
                "confirmations": 7,
                "required_confirmations": 12,
                "hours_ago": 0.2,
            },
        ],
        "deposit": [
            {
                "coin": "USDT",
                "network": "TRC20",
                "amount": "5000.00",
                "address": "TLumenDep0sitWang8fKq2VxT3nR7sPz4",
                "txid": "c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2",
                "status": "completed",
                "confirmations": 20,
                "required_confirmations": 20,
                "hours_ago": 120,
            },
        ],
    },
    # María Fernández: KYC rejected twice; an XRP deposit sent without its destination tag.
    "100519002": {
        "profile": {
            "vip_tier": 0,
            "kyc_level": 1,
            "kyc_status": "rejected",
            "account_status": "active",
            "two_factor_enabled": False,
        },
        "withdrawal": [],
        "deposit": [
            {
                "coin": "XRP",
                "network": "XRP",
                "amount": "450.000000",
                "address": "rLumenXRPdepositsK2m8Vq9FhTzP3xR",
                "txid": TX_MARIA_XRP,
                "status": "pending",
                "confirmations": 1,
                "required_confirmations": 1,
                "hours_ago": 5,
                "memo": "",
                "note": "no destination tag: held for manual matching",
            },
        ],
    },
    # James O'Connor, VIP 7: account frozen by risk after a 3 BTC withdrawal from Lagos.
    "100077215": {
        "profile": {
            "vip_tier": 7,
            "kyc_level": 3,
            "kyc_status": "approved",
            "account_status": "frozen",
            "two_factor_enabled": True,
            "lock_reason": "risk: login from a new country, then a large withdrawal",
        },
        "withdrawal": [
            {
                "coin": "BTC",
                "network": "BTC",
                "amount": "3.00000000",
                "address": "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh",
                "txid": TX_JAMES_BTC,
                "status": "completed",
                "confirmations": 4,
                "required_confirmations": 2,
                "hours_ago": 6,
            },
        ],
        "deposit": [],
    },
    # Yuki Tanaka: ETH on Arbitrum still confirming (the deposit_ja conversation).
    "100933410": {
        "profile": {
            "vip_tier": 1,
            "kyc_level": 2,
            "kyc_status": "approved",
            "account_status": "active",
            "two_factor_enabled": True,
        },
        "withdrawal": [],
        "deposit": [
            {
                "coin": "ETH",
                "network": "ARBITRUM",
                "amount": "1.2000",
                "address": "0xLumenArbDeposit7c1e9B2aF4d6E8",
                "txid": TX_YUKI_ARB,
                "status": "confirming",
                "confirmations": 9,
                "required_confirmations": 20,
                "hours_ago": 0.3,
            },
        ],
    },
    # 陳志明: locked after too many 2FA failures on a new phone.
    "100440987": {
        "profile": {
            "vip_tier": 4,
            "kyc_level": 2,
            "kyc_status": "approved",
            "account_status": "locked",
            "two_factor_enabled": True,
            "lock_reason": "too many failed 2FA attempts",
        },
        "withdrawal": [],
        "deposit": [],
    },
    # Alex Petrov: KYC level 1 pending review.
    "100361554": {
        "profile": {
            "vip_tier": 0,
            "kyc_level": 1,
            "kyc_status": "pending",
            "account_status": "active",
            "two_factor_enabled": False,
        },
        "withdrawal": [],
        "deposit": [],
    },
}

_COINS = [
    ("USDT", "TRC20", 20),
    ("USDT", "ERC20", 12),
    ("BTC", "BTC", 2),
    ("ETH", "ERC20", 12),
    ("SOL", "SOL", 1),
    ("USDT", "BEP20", 15),
]


def _rng(uid: str, salt: str) -> random.Random:
    return random.Random(int(hashlib.sha256(f"{uid}:{salt}".encode()).hexdigest()[:16], 16))


def _story(uid: str) -> dict[str, Any] | None:
    if uid in _STORIES:
        return _STORIES[uid]
    if not (uid.isdigit() and len(uid) == 9):
        return None
    r = _rng(uid, "profile")
    story: dict[str, Any] = {
        "profile": {
            "vip_tier": r.choice([0, 0, 0, 1, 1, 2, 3]),
            "kyc_level": r.choice([1, 2, 2, 3]),
            "kyc_status": "approved",
            "account_status": "active",
            "two_factor_enabled": r.random() < 0.8,
        },
    }
    for kind in TRANSFER_KINDS:
        rk = _rng(uid, kind)
        items = []
        for i in range(rk.randint(0, 3)):
            coin, network, required = rk.choice(_COINS)
            done = i > 0 or rk.random() < 0.6
            items.append(
                {
                    "coin": coin,
                    "network": network,
                    "amount": f"{rk.uniform(10, 2000) if coin == 'USDT' else rk.uniform(0.01, 2):.4f}",
                    "address": "T" + hashlib.sha1(f"{uid}{kind}{i}".encode()).hexdigest()[:33],  # noqa: S324 - demo data
                    "txid": hashlib.sha256(f"{uid}{kind}{i}".encode()).hexdigest(),
                    "status": "completed" if done else "confirming",
                    "confirmations": required
                    if done
                    else rk.randint(0, required - 1)
                    if required > 1
                    else 0,
                    "required_confirmations": required,
                    "hours_ago": 2 + i * 30 + rk.random() * 10,
                }
            )
        story[kind] = items
    return story


def account_data(uid: str) -> dict[str, Any] | None:
    story = _story(uid)
    if story is None:
        return None
    profile = {"uid": uid, "lock_reason": "", **story["profile"]}
    with _lock:
        if uid in _frozen:
            profile["account_status"] = "frozen"
            profile["lock_reason"] = f"frozen by the customer: {_frozen[uid]}"
    return profile


def transfers_data(uid: str, *, kind: str, limit: int = 5) -> list[dict[str, Any]] | None:
    story = _story(uid)
    if story is None:
        return None
    if kind not in TRANSFER_KINDS:
        raise ValueError(f"kind must be one of {TRANSFER_KINDS}")
    out = []
    for i, t in enumerate(story.get(kind, [])[: max(0, min(limit, 50))]):
        item = {k: v for k, v in t.items() if k != "hours_ago"}
        item["id"] = f"{kind[0]}{uid}-{i + 1}"
        item["kind"] = kind
        item["created_at"] = (
            (_EPOCH - timedelta(hours=t["hours_ago"])).isoformat().replace("+00:00", "Z")
        )
        item.setdefault("memo", "")
        item.setdefault("note", "")
        if t["txid"] and t["network"].upper() in EXPLORERS:
            item["explorer_url"] = EXPLORERS[t["network"].upper()].format(txid=t["txid"])
        out.append(item)
    return out


def account_freeze_data(uid: str, *, reason: str) -> dict[str, Any] | None:
    current = account_data(uid)
    if current is None:
        return None
    already = current["account_status"] == "frozen"
    if not already:
        with _lock:
            _frozen[uid] = (reason or "security emergency")[:200]
    return {"account": account_data(uid), "already_frozen": already}


def demo_freezes_reset() -> None:
    """Tests and the eval start from the demo's own story."""
    with _lock:
        _frozen.clear()


# --- HTTP, the wire format of docs/exchange-connector.md ------------------------------------


def _signed(request: HttpRequest) -> bool:
    return signature_check(
        secret=settings.EXCHANGE_SECRET,
        timestamp=request.headers.get(TIMESTAMP_HEADER, ""),
        signature=request.headers.get(SIGNATURE_HEADER, ""),
        method=request.method or "GET",
        path=request.get_full_path(),
        body=request.body,
    )


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


def _guard(request: HttpRequest) -> JsonResponse | None:
    if not settings.DEMO_EXCHANGE:
        return _error(404, "not_found", "the demo exchange is off (KEFU_DEMO_EXCHANGE)")
    if not _signed(request):
        return _error(401, "bad_signature", "missing, stale or wrong X-Kefu-Signature")
    return None


@require_http_methods(["GET"])
def account_view(request: HttpRequest, uid: str) -> JsonResponse:
    if (denied := _guard(request)) is not None:
        return denied
    data = account_data(uid)
    if data is None:
        return _error(404, "account_not_found", "no account with this uid")
    return JsonResponse(data)


@require_http_methods(["GET"])
def transfers_view(request: HttpRequest, uid: str) -> JsonResponse:
    if (denied := _guard(request)) is not None:
        return denied
    kind = request.GET.get("kind", "")
    if kind not in TRANSFER_KINDS:
        return _error(400, "bad_kind", "kind must be deposit or withdrawal")
    try:
        limit = int(request.GET.get("limit", "5"))
    except ValueError:
        return _error(400, "bad_limit", "limit must be an integer")
    items = transfers_data(uid, kind=kind, limit=limit)
    if items is None:
        return _error(404, "account_not_found", "no account with this uid")
    return JsonResponse({"items": items})


@csrf_exempt
@require_http_methods(["POST"])
def freeze_view(request: HttpRequest, uid: str) -> JsonResponse:
    if (denied := _guard(request)) is not None:
        return denied
    try:
        body = json.loads(request.body or b"{}")
        reason = str(body.get("reason", ""))
    except (ValueError, AttributeError):
        return _error(400, "bad_json", "the body must be a JSON object")
    data = account_freeze_data(uid, reason=reason)
    if data is None:
        return _error(404, "account_not_found", "no account with this uid")
    return JsonResponse(data)
