from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

from kefu.core.http_bridge import HttpBridge


def _echo_app(environ, start_response):
    body = environ["wsgi.input"].read()
    data = {
        "method": environ["REQUEST_METHOD"],
        "path": environ["PATH_INFO"],
        "query": environ["QUERY_STRING"],
        "ctype": environ.get("CONTENT_TYPE"),
        "len": len(body),
        "x": environ.get("HTTP_X_MULTI"),
        "sha": __import__("hashlib").sha256(body).hexdigest(),
    }
    start_response("201 Created", [("Content-Type", "application/json"), ("X-Seen", "yes")])
    return [json.dumps(data).encode(), b"\n", b"tail"]


def _run(bridge, scope_extra, chunks):
    sent = []
    queue = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]

    async def receive():
        if queue:
            return queue.pop(0)
        await asyncio.sleep(3600)
        return None

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/ünï/path",
        "query_string": b"a=1&b=%C3%A9",
        "headers": [(b"content-type", b"application/json"), (b"x-multi", b"1"), (b"x-multi", b"2")],
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 5),
        **scope_extra,
    }
    asyncio.run(bridge(scope, receive, send))
    return sent


def test_bridge_maps_request_and_streams_the_response_in_order():
    bridge = HttpBridge(_echo_app, threads=2)
    big = os.urandom(3 * 1024 * 1024)  # spills to a temporary file
    parts = [big[:1000], big[1000:2_000_000], big[2_000_000:]]
    sent = _run(bridge, {}, parts)
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 201
    assert (b"x-seen", b"yes") in sent[0]["headers"]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    assert sent[-1]["more_body"] is False
    data = json.loads(body.split(b"\n")[0])
    assert data["path"] == "/ünï/path".encode().decode("latin-1")
    assert (
        data["query"] == "a=1&b=%C3%A9"
        and data["x"] == "1,2"
        and data["ctype"] == "application/json"
    )
    assert data["len"] == len(big) and data["sha"] == __import__("hashlib").sha256(big).hexdigest()
    assert body.endswith(b"tail")


def test_client_gone_before_body_runs_nothing():
    calls = []
    bridge = HttpBridge(lambda e, s: calls.append(1) or [b""], threads=1)

    async def receive():
        return {"type": "http.disconnect"}

    async def send(message):
        raise AssertionError("nothing must be sent")

    asyncio.run(
        bridge({"type": "http", "method": "GET", "path": "/", "headers": []}, receive, send)
    )
    assert calls == []


def _port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_a_new_install_serves_the_api_and_admin(tmp_path):
    """What `make run` does, minus the fixed port: migrate, seed, serve, answer."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("KEFU_") and k != "DJANGO_SETTINGS_MODULE"
    }
    env.update(KEFU_DATA_DIR=str(tmp_path), KEFU_LOG_LEVEL="WARNING")
    cli = [sys.executable, "-m", "kefu.cli"]
    subprocess.run([*cli, "migrate", "--no-input", "-v0"], env=env, check=True)
    out = subprocess.run(
        [*cli, "demo", "--if-empty", "--no-triage"], env=env, check=True, capture_output=True, text=True
    ).stdout
    assert "Lumen Exchange demo" in out
    token = subprocess.run(
        [*cli, "token", "issue", "ava@lumen.exchange"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    port = _port()
    server = subprocess.Popen(
        [*cli, "serve", "--port", str(port), "--log-level", "warning"], env=env
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        assert httpx.get(f"{base}/readyz").json()["status"] == "ready"
        auth = {"Authorization": f"Bearer {token}"}
        items = httpx.get(
            f"{base}/api/v1/conversations", headers=auth, params={"limit": 50}
        ).json()["items"]
        assert len(items) == 12
        api_inbox = next(
            i
            for i in httpx.get(f"{base}/api/v1/inboxes", headers=auth).json()
            if i["channel_type"] == "api"
        )
        res = httpx.post(
            f"{base}/api/v1/inboxes/{api_inbox['id']}/messages",
            headers=auth,
            json={"identity": "smoke-1", "body": "提现还没到账", "source_id": "smoke-1"},
        )
        assert res.status_code == 201 and res.json()["message"]["body"] == "提现还没到账"
        assert httpx.get(f"{base}/api/v1/docs").status_code == 200
        assert httpx.get(f"{base}/static/ninja/swagger-ui-bundle.js").status_code == 200
        login = httpx.get(f"{base}/admin/login/")
        assert login.status_code == 200 and "csrfmiddlewaretoken" in login.text
    finally:
        server.terminate()
        server.wait(timeout=20)
