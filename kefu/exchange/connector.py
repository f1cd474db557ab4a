"""The connector to the exchange backend: a customer's account facts and one emergency action.

kefu reads a customer's profile (VIP tier, KYC, account status, 2FA) and recent deposits and
withdrawals, and can freeze an account, through `ExchangeConnector`. Two implementations:

- `HttpExchangeConnector` speaks the JSON API in docs/exchange-connector.md to the exchange
  (KEFU_EXCHANGE_URL), every request signed with HMAC-SHA256 over a timestamp, method, path
  and body (KEFU_EXCHANGE_SECRET), with short timeouts;
- `DemoExchangeConnector` answers in-process from kefu/exchange/demo_backend.py, the same
  data the demo exchange serves over HTTP under /demo-exchange/api/v1/.

Any failure to reach or understand the exchange raises `ExchangeUnavailable`: callers (the
bot, the console) degrade to "I can't see your account right now" instead of failing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import httpx
from django.conf import settings

TIMESTAMP_HEADER = "X-Kefu-Timestamp"
SIGNATURE_HEADER = "X-Kefu-Signature"
MAX_SKEW_SECONDS = 300
ACCOUNT_STATUSES = ("active", "locked", "frozen")
TRANSFER_KINDS = ("deposit", "withdrawal")
TRANSFER_STATUSES = ("pending", "processing", "confirming", "completed", "failed", "cancelled")

# Public block explorers per network, for transfers the exchange returns without a link.
EXPLORERS = {
    "BTC": "https://mempool.space/tx/{txid}",
    "ERC20": "https://etherscan.io/tx/{txid}",
    "ETH": "https://etherscan.io/tx/{txid}",
    "TRC20": "https://tronscan.org/#/transaction/{txid}",
    "BEP20": "https://bscscan.com/tx/{txid}",
    "ARBITRUM": "https://arbiscan.io/tx/{txid}",
    "SOL": "https://solscan.io/tx/{txid}",
    "XRP": "https://xrpscan.com/tx/{txid}",
}


class ExchangeUnavailable(Exception):
    """The exchange could not be reached, timed out, or answered something kefu cannot use."""


class AccountNotFound(Exception):
    """The exchange does not know this UID."""


@dataclass(frozen=True)
class Profile:
    uid: str
    vip_tier: int
    kyc_level: int
    kyc_status: str  # none | pending | approved | rejected
    account_status: str  # active | locked | frozen
    two_factor_enabled: bool
    lock_reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Transfer:
    id: str
    kind: str  # deposit | withdrawal
    coin: str
    network: str
    amount: str  # decimal as text: never a float for money
    address: str
    txid: str
    status: str
    confirmations: int
    required_confirmations: int
    created_at: str  # ISO 8601 UTC
    memo: str = ""
    explorer_url: str = ""
    note: str = ""  # the exchange's own reason, e.g. "risk review"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class FreezeResult:
    profile: Profile
    already_frozen: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class ExchangeConnector(Protocol):
    def profile(self, uid: str) -> Profile: ...

    def transfers(self, uid: str, *, kind: str, limit: int = 5) -> list[Transfer]: ...

    def account_freeze(self, uid: str, *, reason: str) -> FreezeResult: ...


def transfer_find(connector: ExchangeConnector, uid: str, txid: str) -> Transfer | None:
    """The customer's deposit or withdrawal with this TxID (case-insensitive), if any."""
    wanted = txid.strip().lower()
    for kind in TRANSFER_KINDS:
        for t in connector.transfers(uid, kind=kind, limit=50):
            if t.txid and t.txid.lower() == wanted:
                return t
    return None


def request_sign(*, secret: str, timestamp: str, method: str, path: str, body: bytes) -> str:
    """HMAC-SHA256 over "timestamp\\nMETHOD\\npath?query\\nbody", hex. See docs/exchange-connector.md."""
    message = b"\n".join([timestamp.encode(), method.upper().encode(), path.encode(), body])
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_check(
    *, secret: str, timestamp: str, signature: str, method: str, path: str, body: bytes
) -> bool:
    """What the exchange side does: reject stale timestamps and bad signatures."""
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs(time.time() - ts) > MAX_SKEW_SECONDS:
        return False
    expected = request_sign(secret=secret, timestamp=timestamp, method=method, path=path, body=body)
    return hmac.compare_digest(expected, (signature or "").lower())


def profile_parse(data: Any) -> Profile:
    try:
        status = str(data["account_status"])
        if status not in ACCOUNT_STATUSES:
            raise ValueError(f"unknown account_status {status!r}")
        return Profile(
            uid=str(data["uid"]),
            vip_tier=int(data["vip_tier"]),
            kyc_level=int(data["kyc_level"]),
            kyc_status=str(data.get("kyc_status", "")),
            account_status=status,
            two_factor_enabled=bool(data["two_factor_enabled"]),
            lock_reason=str(data.get("lock_reason") or ""),
        )
    except (KeyError, TypeError, ValueError) as e:
        raise ExchangeUnavailable(f"the exchange sent a profile kefu cannot read: {e}") from e


def transfer_parse(data: Any) -> Transfer:
    try:
        kind = str(data["kind"])
        if kind not in TRANSFER_KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        network = str(data["network"])
        txid = str(data.get("txid") or "")
        explorer = str(data.get("explorer_url") or "")
        if not explorer and txid and network.upper() in EXPLORERS:
            explorer = EXPLORERS[network.upper()].format(txid=txid)
        return Transfer(
            id=str(data["id"]),
            kind=kind,
            coin=str(data["coin"]),
            network=network,
            amount=str(data["amount"]),
            address=str(data.get("address") or ""),
            txid=txid,
            status=str(data["status"]),
            confirmations=int(data.get("confirmations") or 0),
            required_confirmations=int(data.get("required_confirmations") or 0),
            created_at=str(data["created_at"]),
            memo=str(data.get("memo") or ""),
            explorer_url=explorer,
            note=str(data.get("note") or ""),
        )
    except (KeyError, TypeError, ValueError) as e:
        raise ExchangeUnavailable(f"the exchange sent a transfer kefu cannot read: {e}") from e


class HttpExchangeConnector:
    """The exchange's JSON API over HTTPS, signed; see docs/exchange-connector.md."""

    def __init__(
        self,
        *,
        base_url: str,
        secret: str,
        timeout: float = 3.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not base_url:
            raise ValueError("base_url is required")
        self.base_url = base_url.rstrip("/")
        self.secret = secret
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 2.0)), transport=transport
        )

    def _call(
        self, method: str, path: str, *, params: dict[str, Any] | None = None, payload: Any = None
    ) -> Any:
        url = httpx.URL(self.base_url + path, params=params or {})
        body = json.dumps(payload).encode() if payload is not None else b""
        timestamp = str(int(time.time()))
        signed_path = url.raw_path.decode()
        headers = {
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: request_sign(
                secret=self.secret, timestamp=timestamp, method=method, path=signed_path, body=body
            ),
            "Accept": "application/json",
        }
        if payload is not None:
            headers["Content-Type"] = "application/json"
        try:
            response = self._client.request(method, url, content=body or None, headers=headers)
        except httpx.HTTPError as e:
            raise ExchangeUnavailable(f"the exchange did not answer: {type(e).__name__}") from e
        if response.status_code == 404:
            raise AccountNotFound(path)
        if response.status_code >= 400:
            raise ExchangeUnavailable(f"the exchange answered HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError as e:
            raise ExchangeUnavailable("the exchange answered with something other than JSON") from e

    def profile(self, uid: str) -> Profile:
        return profile_parse(self._call("GET", f"/accounts/{_uid(uid)}"))

    def transfers(self, uid: str, *, kind: str, limit: int = 5) -> list[Transfer]:
        if kind not in TRANSFER_KINDS:
            raise ValueError(f"kind must be one of {TRANSFER_KINDS}")
        data = self._call(
            "GET", f"/accounts/{_uid(uid)}/transfers", params={"kind": kind, "limit": limit}
        )
        if not isinstance(data, dict) or not isinstance(data.get("items"), list):
            raise ExchangeUnavailable("the exchange sent a transfer list kefu cannot read")
        return [transfer_parse(item) for item in data["items"]][:limit]

    def account_freeze(self, uid: str, *, reason: str) -> FreezeResult:
        data = self._call("POST", f"/accounts/{_uid(uid)}/freeze", payload={"reason": reason[:500]})
        if not isinstance(data, dict) or "account" not in data:
            raise ExchangeUnavailable("the exchange sent a freeze answer kefu cannot read")
        return FreezeResult(
            profile=profile_parse(data["account"]), already_frozen=bool(data.get("already_frozen"))
        )


class DemoExchangeConnector:
    """The demo exchange, answered in-process (a server calling itself over HTTP could wait on
    its own worker)."""

    def profile(self, uid: str) -> Profile:
        from kefu.exchange import demo_backend

        data = demo_backend.account_data(uid)
        if data is None:
            raise AccountNotFound(uid)
        return profile_parse(data)

    def transfers(self, uid: str, *, kind: str, limit: int = 5) -> list[Transfer]:
        from kefu.exchange import demo_backend

        items = demo_backend.transfers_data(uid, kind=kind, limit=limit)
        if items is None:
            raise AccountNotFound(uid)
        return [transfer_parse(i) for i in items]

    def account_freeze(self, uid: str, *, reason: str) -> FreezeResult:
        from kefu.exchange import demo_backend

        data = demo_backend.account_freeze_data(uid, reason=reason)
        if data is None:
            raise AccountNotFound(uid)
        return FreezeResult(
            profile=profile_parse(data["account"]), already_frozen=data["already_frozen"]
        )


def _uid(uid: str) -> str:
    uid = str(uid).strip()
    if not uid or len(uid) > 64 or not all(c.isalnum() or c in "-_" for c in uid):
        raise ValueError("uid must be 1 to 64 letters, digits, - or _")
    return uid


_override: ExchangeConnector | None = None


def connector_get() -> ExchangeConnector | None:
    """The configured connector: HTTP when KEFU_EXCHANGE_URL is set, the demo exchange when
    KEFU_DEMO_EXCHANGE is on, otherwise None (no account data; callers say so)."""
    if _override is not None:
        return _override
    if settings.EXCHANGE_URL:
        return HttpExchangeConnector(
            base_url=settings.EXCHANGE_URL,
            secret=settings.EXCHANGE_SECRET,
            timeout=settings.EXCHANGE_TIMEOUT_MS / 1000,
        )
    if settings.DEMO_EXCHANGE:
        return DemoExchangeConnector()
    return None


def connector_override(connector: ExchangeConnector | None) -> None:
    """Tests and the bot eval swap the connector (e.g. for one whose exchange is down)."""
    global _override
    _override = connector
