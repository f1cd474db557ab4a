"""Two `kefu serve` processes sharing PostgreSQL and Redis behave as one."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid

import httpx
import pytest
from websockets.sync.client import connect

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

PG = os.environ.get("KEFU_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("KEFU_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def cluster(tmp_path):
    import psycopg

    name = f"kefu_scale_{uuid.uuid4().hex[:8]}"
    admin_url = PG.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_") and k != "DJANGO_SETTINGS_MODULE"}
    env.update(KEFU_DATABASE_URL=PG.rsplit("/", 1)[0] + f"/{name}", KEFU_REDIS_URL=REDIS,
               KEFU_DATA_DIR=str(tmp_path), KEFU_SECRET_KEY="scale-out-test", KEFU_LOG_LEVEL="WARNING")
    cli = [sys.executable, "-m", "kefu.cli"]
    subprocess.run([*cli, "migrate", "--no-input", "-v0"], env=env, check=True)
    subprocess.run([*cli, "demo", "--no-help-center"], env=env, check=True, capture_output=True)
    token = subprocess.run([*cli, "token", "issue", "mei@lumen.exchange"], env=env, check=True, capture_output=True, text=True).stdout.strip()
    ports = [_port(), _port()]
    procs = [subprocess.Popen([*cli, "serve", "--port", str(p), "--no-worker", "--no-scheduler", "--log-level", "warning"], env=env) for p in ports]
    try:
        for p in ports:
            for _ in range(150):
                try:
                    if httpx.get(f"http://127.0.0.1:{p}/readyz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
            else:
                pytest.fail(f"server on {p} did not become ready")
        yield {"a": f"127.0.0.1:{ports[0]}", "b": f"127.0.0.1:{ports[1]}", "token": token}
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=20)
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _until(ws, predicate, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        msg = json.loads(ws.recv(timeout=max(0.1, deadline - time.time())))
        if predicate(msg):
            return msg
    raise AssertionError("expected message did not arrive")


def test_customer_on_one_process_and_agent_on_the_other_chat_normally(cluster):
    a, b, token = cluster["a"], cluster["b"], cluster["token"]
    auth = {"Authorization": f"Bearer {token}"}
    chat = next(i for i in httpx.get(f"http://{b}/api/v1/inboxes", headers=auth).json() if i["channel_type"] == "web_widget")
    session = httpx.post(f"http://{a}/api/v1/widget/sessions", json={"inbox_id": chat["id"]}).json()["session"]

    with connect(f"ws://{b}/ws/console/?token={token}") as console, connect(f"ws://{a}/ws/widget/?session={session}") as widget:
        hello = json.loads(console.recv(timeout=5))
        assert f"inbox:{chat['id']}:0" in hello["streams"]
        console.send(json.dumps({"type": "resume", "cursors": hello["streams"]}))
        json.loads(widget.recv(timeout=5))  # hello

        widget.send(json.dumps({"type": "message", "client_id": "scale-0001", "body": "Hello from process A"}))
        ack = _until(widget, lambda m: m["type"] == "ack")
        got = _until(console, lambda m: m.get("event") == "message.created")
        assert got["payload"]["message"]["body"] == "Hello from process A"

        res = httpx.post(f"http://{b}/api/v1/conversations/{ack['conversation_id']}/messages", headers=auth,
                         json={"body": "Hi! Answering from process B"})
        assert res.status_code == 201
        reply = _until(widget, lambda m: m.get("event") == "message.created" and m["payload"]["message"]["direction"] == "outgoing")
        assert reply["payload"]["message"]["body"] == "Hi! Answering from process B"

        console.send(json.dumps({"type": "typing", "conversation_id": ack["conversation_id"], "on": True}))
        typing = _until(widget, lambda m: m["type"] == "typing")
        assert typing["agent"]["display_name"] == "Mei Lin"
