"""Live chat benchmark: real widget and console websockets against real `kefu serve` processes.

For each setup (the embedded default: SQLite, one process, in-process realtime; and PostgreSQL +
Redis with two server processes, customers and idle sockets spread over both as a load balancer
would, the agent console on the second):

1. opens `--idle` widget sockets that only hold their session (each its own visitor, each from
   its own forwarded client address so the per-IP abuse limits do not apply to the bench);
2. runs `--active` customers, each sending `--rate` messages/s for `--seconds`, while one agent
   console socket receives them (customer -> agent latency: send to event received) and answers
   every `--reply-every`-th one through the REST API (agent -> customer latency: POST to the
   widget receiving the event);
3. runs the same customer load through a bare relay: a minimal websockets server that only
   forwards each customer frame to the agent socket, the machine's ceiling for this pattern.

Each message is acknowledged to the widget only after its transaction commits (see
docs/subsystems/realtime.md); the bench counts acks too.

    .venv/bin/python bench/chat.py [--setups sqlite,postgres] [--idle 2000] [--active 320]
                                   [--rate 0.625] [--seconds 20] [--warmup 15] [--reply-every 5]

The bench process is itself a client on the same two cores, so figures include client load.
Targets: 2,000 idle widget sockets held; 200 messages/s with p99 delivery <= 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (
    PY,
    base_env,
    free_port,
    kefu,
    percentile,
    server_start,
    server_stop,
    table,
    write_json,
)

PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/9"

RELAY = r"""
import asyncio, sys, websockets
agents = set()
async def handler(ws):
    if ws.request.path.startswith("/a"):
        agents.add(ws)
        try:
            await ws.wait_closed()
        finally:
            agents.discard(ws)
        return
    async for frame in ws:
        for a in list(agents):
            await a.send(frame)
async def main():
    async with websockets.serve(handler, "127.0.0.1", int(sys.argv[1]), max_queue=None):
        print("ready", flush=True)
        await asyncio.Future()
asyncio.run(main())
"""


def _xff(i: int) -> dict[str, str]:
    return {"X-Forwarded-For": f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"}


async def _session(http: httpx.AsyncClient, inbox: str, i: int) -> str:
    res = await http.post("/api/v1/widget/sessions", json={"inbox_id": inbox}, headers=_xff(i))
    res.raise_for_status()
    return res.json()["session"]


async def _widget(base_ws: str, token: str, i: int):
    ws = await websockets.connect(
        f"{base_ws}/ws/widget/?session={token}", additional_headers=_xff(i), max_queue=None,
        open_timeout=60,
    )
    hello = json.loads(await ws.recv())
    await ws.send(json.dumps({"type": "resume", "cursors": dict.fromkeys(hello["streams"], 0)}))
    return ws


async def _hold_idle(bases: list[str], inbox: str, n: int) -> dict:
    """Open n idle widget sockets, spread over the server processes; return them and how long
    opening took."""
    t0 = time.perf_counter()
    sockets = []
    clients = [httpx.AsyncClient(base_url=b, timeout=60) for b in bases]
    sem = asyncio.Semaphore(50)

    async def one(i: int) -> None:
        async with sem:
            k = i % len(bases)
            token = await _session(clients[k], inbox, 100_000 + i)
            sockets.append(await _widget(bases[k].replace("http", "ws"), token, 100_000 + i))

    await asyncio.gather(*(one(i) for i in range(n)))
    for c in clients:
        await c.aclose()
    return {"sockets": sockets, "open_s": time.perf_counter() - t0}


async def _chat(bases_c: list[str], base_a: str, inbox: str, token: str, args: argparse.Namespace) -> dict:
    """Active customers spread over bases_c (as a load balancer would), the agent on base_a."""
    ws_a = base_a.replace("http", "ws")
    sent: dict[str, float] = {}
    replies_sent: dict[str, float] = {}
    c2a: list[float] = []
    a2c: list[float] = []
    acks = 0
    agent = await websockets.connect(f"{ws_a}/ws/console/?token={token}", max_queue=None)
    hello = json.loads(await agent.recv())
    await agent.send(json.dumps({"type": "resume", "cursors": hello["streams"]}))
    conversations: dict[str, str] = {}  # customer key -> conversation id
    api = httpx.AsyncClient(base_url=base_a, timeout=30, headers={"Authorization": f"Bearer {token}"})
    stop = asyncio.Event()
    reply_tasks: list[asyncio.Task] = []
    received = 0

    async def reply(conversation_id: str, key: str) -> None:
        replies_sent[key] = time.perf_counter()
        await api.post(f"/api/v1/conversations/{conversation_id}/messages", json={"body": key})

    async def agent_loop() -> None:
        nonlocal received
        async for raw in agent:
            now = time.perf_counter()
            f = json.loads(raw)
            if f.get("type") != "event" or f.get("event") != "message.created":
                continue
            m = f["payload"]["message"]
            body = m.get("body") or ""
            if m.get("direction") == "incoming" and body.startswith("bench:") and body in sent:
                c2a.append((now - sent.pop(body)) * 1000)
                received += 1
                if received % args.reply_every == 0:
                    key = f"reply:{uuid.uuid4().hex[:12]}"
                    reply_tasks.append(asyncio.create_task(reply(m["conversation_id"], key)))

    async def customer(i: int) -> None:
        nonlocal acks
        base_c = bases_c[i % len(bases_c)]
        async with httpx.AsyncClient(base_url=base_c, timeout=30) as http:
            session = await _session(http, inbox, i)
        ws = await _widget(base_c.replace("http", "ws"), session, i)

        async def listen() -> None:
            nonlocal acks
            async for raw in ws:
                now = time.perf_counter()
                f = json.loads(raw)
                if f.get("type") == "ack":
                    acks += 1
                    conversations[str(i)] = f["conversation_id"]
                elif f.get("type") == "event" and f.get("event") == "message.created":
                    body = f["payload"]["message"].get("body") or ""
                    if body in replies_sent:
                        a2c.append((now - replies_sent.pop(body)) * 1000)

        listener = asyncio.create_task(listen())
        interval = 1 / args.rate
        next_at = time.perf_counter() + (i % 50) * interval / 50  # spread the first sends
        while not stop.is_set():
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
            body = f"bench:{i}:{uuid.uuid4().hex[:10]}"
            sent[body] = time.perf_counter()
            await ws.send(json.dumps({"type": "message", "client_id": uuid.uuid4().hex[:16], "body": body}))
            next_at += interval
        await asyncio.sleep(2)  # let the last deliveries land
        listener.cancel()
        await ws.close()

    loop_task = asyncio.create_task(agent_loop())
    customers = [asyncio.create_task(customer(i)) for i in range(args.active)]
    # Warm-up, not measured: sockets open, each customer's first message opens its conversation,
    # and the server loads what it loads lazily (the sentence encoder for the first messages).
    await asyncio.sleep(args.warmup)
    t0, base_c2a, base_a2c = time.perf_counter(), len(c2a), len(a2c)
    await asyncio.sleep(args.seconds)
    delivered = len(c2a) - base_c2a
    elapsed = time.perf_counter() - t0
    c2a_t, a2c_t = c2a[base_c2a:], a2c[base_a2c:]
    stop.set()
    await asyncio.gather(*customers, return_exceptions=True)
    await asyncio.gather(*reply_tasks, return_exceptions=True)
    await asyncio.sleep(1)
    loop_task.cancel()
    await agent.close()
    await api.aclose()
    return {
        "delivered_per_s": delivered / elapsed,
        "c2a_p50_ms": percentile(c2a_t, 50), "c2a_p95_ms": percentile(c2a_t, 95), "c2a_p99_ms": percentile(c2a_t, 99),
        "a2c_p50_ms": percentile(a2c_t, 50), "a2c_p95_ms": percentile(a2c_t, 95), "a2c_p99_ms": percentile(a2c_t, 99),
        "lost": len(sent), "acks": acks, "customer_msgs": len(c2a), "agent_replies": len(a2c),
    }


async def _relay(args: argparse.Namespace) -> dict:
    port = free_port()
    proc = subprocess.Popen([PY, "-c", RELAY, str(port)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    lat: list[float] = []
    sent: dict[str, float] = {}
    try:
        agent = await websockets.connect(f"ws://127.0.0.1:{port}/a", max_queue=None)
        stop = asyncio.Event()

        async def agent_loop() -> None:
            async for raw in agent:
                now = time.perf_counter()
                t = sent.pop(raw, None)
                if t is not None:
                    lat.append((now - t) * 1000)

        async def customer(i: int) -> None:
            ws = await websockets.connect(f"ws://127.0.0.1:{port}/c")
            interval = 1 / args.rate
            next_at = time.perf_counter() + (i % 50) * interval / 50
            while not stop.is_set():
                await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
                frame = json.dumps({"type": "message", "body": f"bench:{i}:{uuid.uuid4().hex[:10]}"})
                sent[frame] = time.perf_counter()
                await ws.send(frame)
                next_at += interval
            await ws.close()

        task = asyncio.create_task(agent_loop())
        customers = [asyncio.create_task(customer(i)) for i in range(args.active)]
        await asyncio.sleep(1)
        t0, n0 = time.perf_counter(), len(lat)
        await asyncio.sleep(args.seconds)
        rate = (len(lat) - n0) / (time.perf_counter() - t0)
        stop.set()
        await asyncio.gather(*customers, return_exceptions=True)
        await asyncio.sleep(0.5)
        task.cancel()
        await agent.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return {"delivered_per_s": rate, "c2a_p50_ms": percentile(lat, 50), "c2a_p95_ms": percentile(lat, 95),
            "c2a_p99_ms": percentile(lat, 99), "lost": len(sent)}


def _pg_fresh(name: str) -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def run_setup(setup: str, args: argparse.Namespace) -> dict:
    extra = {"KEFU_DATA_DIR": tempfile.mkdtemp(prefix="kefu-chat-"), "KEFU_SECRET_KEY": "bench-only",
             "KEFU_BOT": "0", "KEFU_ROUTING_AUTO": "0", "KEFU_ENRICHMENT": "true"}
    if setup == "postgres":
        extra |= {"KEFU_DATABASE_URL": _pg_fresh("kefu_bench_chat"), "KEFU_REDIS_URL": REDIS_URL}
    env = base_env(**extra)
    kefu(env, "migrate", "--no-input", "-v0")
    kefu(env, "demo", "--no-help-center")
    token = kefu(env, "token", "issue", "ava@lumen.exchange").stdout.strip()
    ports = [free_port()] + ([free_port()] if setup == "postgres" else [])
    procs = [server_start(env, workers=1, port=p) for p in ports]
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    base_a = bases[-1]
    try:
        inboxes = httpx.get(f"{base_a}/api/v1/inboxes", headers={"Authorization": f"Bearer {token}"}).json()
        items = inboxes["items"] if isinstance(inboxes, dict) else inboxes
        inbox = next(i["id"] for i in items if i["channel_type"] == "web_widget")

        async def go() -> dict:
            idle = await _hold_idle(bases, inbox, args.idle)
            result = await _chat(bases, base_a, inbox, token, args)
            alive = sum(1 for s in idle["sockets"] if s.state.name == "OPEN")
            for s in idle["sockets"]:
                await s.close()
            return {**result, "idle_held": alive, "idle_open_s": idle["open_s"]}

        out = asyncio.run(go())
    finally:
        for p in procs:
            server_stop(p)
    return {"setup": setup if setup == "sqlite" else "postgres+redis x2", **out}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--setups", default="sqlite,postgres")
    parser.add_argument("--idle", type=int, default=2000)
    parser.add_argument("--active", type=int, default=320)
    parser.add_argument("--rate", type=float, default=0.625, help="messages/s per active customer (the widget allows 30/min)")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--reply-every", type=int, default=5)
    parser.add_argument("--warmup", type=float, default=15, help="seconds of load before measuring")
    args = parser.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    rows = [run_setup(s, args) for s in args.setups.split(",")]
    rows.append({"setup": "bare relay (ceiling)", **asyncio.run(_relay(args))})
    cols = ["setup", "idle_held", "delivered_per_s", "c2a_p50_ms", "c2a_p95_ms", "c2a_p99_ms",
            "a2c_p50_ms", "a2c_p95_ms", "a2c_p99_ms", "lost"]
    print(table(rows, cols))
    path = write_json("chat", {"args": vars(args), "rows": rows})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
