"""The HTTP connector against the demo exchange served by kefu over real HTTP, and degradation."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from wsgiref.simple_server import WSGIRequestHandler, make_server

import httpx
import pytest
from django.core.wsgi import get_wsgi_application

from kefu.exchange import demo_backend
from kefu.exchange.connector import (
    AccountNotFound,
    DemoExchangeConnector,
    ExchangeUnavailable,
    HttpExchangeConnector,
    request_sign,
    signature_check,
    transfer_find,
)

SECRET = "lumen-demo-exchange-secret"


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def exchange_url() -> Iterator[str]:
    """kefu's own WSGI app on a real socket: the demo backend needs no database."""
    server = make_server("127.0.0.1", 0, get_wsgi_application(), handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/demo-exchange/api/v1"
    server.shutdown()


@pytest.fixture(autouse=True)
def _fresh_freezes() -> Iterator[None]:
    demo_backend.demo_freezes_reset()
    yield
    demo_backend.demo_freezes_reset()


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_profile_of_a_demo_customer_over_signed_http(exchange_url):
    c = HttpExchangeConnector(base_url=exchange_url, secret=SECRET)
    p = c.profile("100077215")
    assert (p.vip_tier, p.kyc_level, p.account_status, p.two_factor_enabled) == (
        7,
        3,
        "frozen",
        True,
    )
    assert "risk" in p.lock_reason


def test_withdrawals_carry_coin_network_txid_status_and_explorer(exchange_url):
    c = HttpExchangeConnector(base_url=exchange_url, secret=SECRET)
    items = c.transfers("100284731", kind="withdrawal", limit=5)
    assert [t.status for t in items] == ["processing", "completed", "confirming"]
    stuck = items[0]
    assert (stuck.coin, stuck.network, stuck.amount, stuck.txid) == ("USDT", "TRC20", "2500.00", "")
    done = items[1]
    assert done.explorer_url == f"https://tronscan.org/#/transaction/{demo_backend.TX_WANG_DONE}"
    assert c.transfers("100284731", kind="withdrawal", limit=1) == items[:1]
    found = transfer_find(c, "100284731", demo_backend.TX_WANG_ETH.upper())
    assert found is not None and found.confirmations == 7 and found.required_confirmations == 12


def test_freeze_is_immediate_and_idempotent(exchange_url):
    c = HttpExchangeConnector(base_url=exchange_url, secret=SECRET)
    assert c.profile("100284731").account_status == "active"
    first = c.account_freeze("100284731", reason="customer says hacked")
    assert first.profile.account_status == "frozen" and not first.already_frozen
    again = c.account_freeze("100284731", reason="again")
    assert again.already_frozen
    assert c.profile("100284731").account_status == "frozen"


def test_unknown_uid_is_not_found(exchange_url):
    c = HttpExchangeConnector(base_url=exchange_url, secret=SECRET)
    with pytest.raises(AccountNotFound):
        c.profile("nobody")


def test_wrong_secret_is_refused_and_reads_as_unavailable(exchange_url):
    c = HttpExchangeConnector(base_url=exchange_url, secret="not-the-secret")
    with pytest.raises(ExchangeUnavailable, match="401"):
        c.profile("100284731")
    # unsigned calls are refused by the exchange side too
    r = httpx.get(f"{exchange_url}/accounts/100284731")
    assert r.status_code == 401 and r.json()["error"]["code"] == "bad_signature"


def test_exchange_down_raises_unavailable_quickly():
    c = HttpExchangeConnector(
        base_url=f"http://127.0.0.1:{_closed_port()}/api", secret=SECRET, timeout=1
    )
    started = time.perf_counter()
    with pytest.raises(ExchangeUnavailable):
        c.profile("100284731")
    assert time.perf_counter() - started < 2.5


def test_exchange_that_hangs_times_out():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts the connection, never answers
    try:
        c = HttpExchangeConnector(
            base_url=f"http://127.0.0.1:{listener.getsockname()[1]}", secret=SECRET, timeout=0.5
        )
        with pytest.raises(ExchangeUnavailable, match="ReadTimeout"):
            c.transfers("100284731", kind="deposit")
    finally:
        listener.close()


def test_signature_covers_path_body_and_time():
    ts = str(int(time.time()))
    sig = request_sign(secret=SECRET, timestamp=ts, method="POST", path="/a/1/freeze", body=b"{}")
    ok = {
        "secret": SECRET,
        "timestamp": ts,
        "signature": sig,
        "method": "POST",
        "path": "/a/1/freeze",
        "body": b"{}",
    }
    assert signature_check(**ok)
    assert not signature_check(**{**ok, "path": "/a/2/freeze"})
    assert not signature_check(**{**ok, "body": b'{"x":1}'})
    assert not signature_check(**{**ok, "timestamp": str(int(ts) - 3600)})


def test_demo_connector_matches_http(exchange_url):
    http = HttpExchangeConnector(base_url=exchange_url, secret=SECRET)
    demo = DemoExchangeConnector()
    for uid in ("100933410", "123456789"):
        assert http.profile(uid) == demo.profile(uid)
        for kind in ("deposit", "withdrawal"):
            assert http.transfers(uid, kind=kind) == demo.transfers(uid, kind=kind)
