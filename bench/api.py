"""API benchmark: message creation through the API channel and conversation list latency.

Runs a real `kefu serve` process per database (SQLite file, PostgreSQL), drives it over HTTP
with an asyncio client on the same machine, and seeds 100,000 conversations for the list.

    .venv/bin/python bench/api.py [--db sqlite,postgres] [--messages 4000] [--concurrency 32]
                                  [--conversations 100000] [--workers 2]

Targets (2-core machine): >= 500 message creations/s on PostgreSQL; list p95 <= 20 ms at 100k.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from bench.common import (
    PY,
    ROOT,
    base_env,
    free_port,
    kefu,
    percentile,
    server_start,
    server_stop,
    table,
    write_json,
)

PG_ADMIN_URL = os.environ.get("KEFU_BENCH_PG_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres")


def pg_fresh_database(name: str) -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def seed(env: dict[str, str], conversations: int) -> dict[str, str]:
    """Migrate, build the demo world, bulk-load conversations; return ids and tokens."""
    kefu(env, "migrate", "--no-input", "-v0")
    out = (
        __import__("subprocess")
        .run(
            [PY, str(ROOT / "bench" / "seed_conversations.py"), str(conversations)],
            env=env,
            cwd=ROOT,
            check=False,
            capture_output=True,
            text=True,
        )
    )
    if out.returncode != 0:
        raise SystemExit(f"seeding failed:\n{out.stderr[-4000:]}")
    out = out.stdout
    return dict(line.split("=", 1) for line in out.strip().splitlines() if "=" in line)


async def create_messages(base: str, token: str, inbox: str, n: int, concurrency: int) -> dict:
    latencies: list[float] = []
    errors = 0
    headers = {"Authorization": f"Bearer {token}"}
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(n):
        queue.put_nowait(i)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base, headers=headers, limits=limits, timeout=30
    ) as client:

        async def worker() -> None:
            nonlocal errors
            while True:
                try:
                    i = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                body = {
                    "identity": f"bench-user-{i % 2000}",
                    "body": f"Withdrawal {i} is still pending, TxID not shown",
                    "source_id": f"bench-{i}",
                    "name": f"Trader {i % 2000}",
                }
                t0 = time.perf_counter()
                res = await client.post(f"/api/v1/inboxes/{inbox}/messages", json=body)
                latencies.append((time.perf_counter() - t0) * 1000)
                if res.status_code != 201:
                    errors += 1

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    return {
        "requests": n,
        "errors": errors,
        "seconds": elapsed,
        "per_s": n / elapsed,
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "p99_ms": percentile(latencies, 99),
    }


async def list_latency(base: str, token: str, params: dict, n: int) -> dict:
    latencies: list[float] = []
    errors = 0
    async with httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as client:
        for _ in range(10):  # warm caches and connection
            await client.get("/api/v1/conversations", params=params)
        start = time.perf_counter()
        for _ in range(n):
            t0 = time.perf_counter()
            res = await client.get("/api/v1/conversations", params=params)
            latencies.append((time.perf_counter() - t0) * 1000)
            if res.status_code != 200 or not res.json()["items"]:
                errors += 1
        elapsed = time.perf_counter() - start
    return {
        "requests": n,
        "errors": errors,
        "per_s": n / elapsed,
        "p50_ms": percentile(latencies, 50),
        "p95_ms": percentile(latencies, 95),
        "p99_ms": percentile(latencies, 99),
    }


LIST_CASES = [
    ("list: admin, all", "admin", {"limit": 25}),
    ("list: agent, team inboxes", "agent", {"limit": 25}),
    ("list: open, urgent", "agent", {"status": "open", "priority": "urgent", "limit": 25}),
    ("list: mine", "agent", {"assignee": "me", "limit": 25}),
    ("list: unassigned open", "agent", {"assignee": "none", "status": "open", "limit": 25}),
    ("list: language=es", "agent", {"language": "es", "limit": 25}),
    ("list: tag=withdrawal", "agent", {"tag": "withdrawal", "limit": 25}),
]


def run_db(db: str, args: argparse.Namespace) -> list[dict]:
    tmp = tempfile.mkdtemp(prefix="kefu-bench-")
    extra = {"KEFU_DATA_DIR": tmp, "KEFU_SECRET_KEY": "bench-only"}
    if args.api_only:
        # The API's own cost: no bot turn, routing, SLA clocks or NLP after each message.
        extra.update(KEFU_BOT="false", KEFU_ROUTING_AUTO="false", KEFU_ENRICHMENT="false")
    if db == "postgres":
        extra["KEFU_DATABASE_URL"] = pg_fresh_database("kefu_bench")
        extra["KEFU_DB_POOL_SIZE"] = "8"
    env = base_env(**extra)
    print(f"[{db}] seeding {args.conversations:,} conversations ...", flush=True)
    t0 = time.perf_counter()
    ids = seed(env, args.conversations)
    print(f"[{db}] seeded in {time.perf_counter() - t0:.0f} s", flush=True)
    port = free_port()
    # SQLite takes one writer at a time: the embedded default is one process (kefu serve's
    # default); PostgreSQL gets --workers processes.
    workers = 1 if db == "sqlite" else args.workers
    proc = server_start(env, workers=workers, port=port)
    base = f"http://127.0.0.1:{port}"
    rows = []
    try:
        tokens = {"admin": ids["admin_token"], "agent": ids["agent_token"]}
        for label, who, params in LIST_CASES:
            r = asyncio.run(list_latency(base, tokens[who], params, args.list_requests))
            rows.append({"db": db, "case": label, **r})
            print(f"[{db}] {label}: p95 {r['p95_ms']:.1f} ms", flush=True)
        r = asyncio.run(
            create_messages(
                base, ids["admin_token"], ids["api_inbox"], args.messages, args.concurrency
            )
        )
        rows.append({"db": db, "case": f"create message (c={args.concurrency})", **r})
        print(f"[{db}] create: {r['per_s']:.0f}/s", flush=True)
    finally:
        server_stop(proc)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--messages", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--list-requests", type=int, default=300)
    parser.add_argument(
        "--api-only",
        action="store_true",
        help="turn off the bot, routing, SLA and enrichment that each message triggers",
    )
    parser.add_argument("--workers", type=int, default=2, help="server processes on PostgreSQL (SQLite: 1)")
    args = parser.parse_args()
    rows = []
    for db in args.db.split(","):
        rows += run_db(db.strip(), args)
    print()
    print(table(rows, ["db", "case", "requests", "errors", "per_s", "p50_ms", "p95_ms", "p99_ms"]))
    path = write_json("api", {"args": vars(args), "cpus": os.cpu_count(), "rows": rows})
    print(f"\nwritten {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
