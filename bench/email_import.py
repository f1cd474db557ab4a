"""Email channel benchmark: IMAP import throughput end to end, and parse throughput.

    .venv/bin/python bench/email_import.py [--messages 400] [--full] [--database-url postgres://...]

Import: a fresh database (SQLite in a temporary data directory, or --database-url), one email
inbox pointed at a new folder of the test Dovecot (scripts/dovecot-test, started if needed).
`--messages` mails are APPENDed first (not timed): a quarter open new conversations from
distinct senders, the rest are replies threaded by In-Reply-To, each with a 20 KB PDF on
every tenth; then the fixture corpus (92 real-world shapes: charsets, HTML, bounces...). The
timed part is `email_inbox_poll` over each folder: connect, SEARCH, FETCH, parse, thread,
contact + conversation + message in one transaction each, acknowledgements created, marks
stored. `--full` imports 5 000 synthetic mails. Parse: the corpus parsed `--parse-rounds`
times. Target (issue 7): >= 100 messages/s imported. Writes bench/results/email.json.
"""

# ruff: noqa: E402 - sys.path is cleaned before any import (see below)
from __future__ import annotations

import sys
from pathlib import Path

# This file is named email.py: with bench/ first on sys.path it would shadow the stdlib
# `email` package that Django and the parser import. Run from the repository root instead.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import argparse
import imaplib
import os
import platform
import subprocess
import tempfile
import time
import uuid
from datetime import UTC, datetime

from bench.common import ROOT, percentile, table, write_json

FIXTURES = ROOT / "kefu" / "inboxes" / "adapters" / "email" / "tests" / "fixtures"
IMAP_PORT = int(os.environ.get("KEFU_TEST_IMAP_PORT", "10143"))
IMAP_USER, IMAP_PASSWORD = "kefu", "kefu-test-password"
PDF = b"%PDF-1.4\n" + os.urandom(20 * 1024) + b"\n%%EOF\n"


def synthetic(count: int, run: str) -> list[bytes]:
    import base64

    mails = []
    senders = max(1, count // 4)
    for i in range(count):
        sender = i % senders
        first = i < senders
        message_id = f"{run}-{i}@bench.example"
        parent = f"{run}-{sender}@bench.example"
        thread = "" if first else f"In-Reply-To: <{parent}>\r\nReferences: <{parent}>\r\n"
        body = (
            f"Hello, this is message {i}. My withdrawal of 0.{i:04d} BTC has been pending since "
            "yesterday. The TXID field is empty and the status page shows no incident.\r\n\r\n"
            "On Mon, 23 Nov 2026 at 10:00, Lumen Support <support@lumen.exchange> wrote:\r\n"
            "> We are looking into it.\r\n"
        )
        head = (
            f"From: Trader {sender} <trader{sender}@bench.example>\r\n"
            "To: support@lumen.exchange\r\n"
            f"Subject: {'Re: ' if not first else ''}Withdrawal pending {sender}\r\n"
            f"Message-ID: <{message_id}>\r\n{thread}"
            "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
        )
        if i % 10 == 9:
            attachment = base64.encodebytes(PDF).decode().replace("\n", "\r\n")
            raw = (
                head + 'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
                "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body + "--b\r\n"
                "Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
                'Content-Disposition: attachment; filename="statement.pdf"\r\n\r\n'
                + attachment
                + "--b--\r\n"
            )
        else:
            raw = head + "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body
        mails.append(raw.encode())
    return mails


def append(folder: str, mails: list[bytes]) -> float:
    conn = imaplib.IMAP4("127.0.0.1", IMAP_PORT)
    conn.login(IMAP_USER, IMAP_PASSWORD)
    conn.create(folder)
    start = time.perf_counter()
    for raw in mails:
        status, data = conn.append(folder, None, None, raw)
        assert status == "OK", data
    spent = time.perf_counter() - start
    conn.logout()
    return spent


def folder_drop(folder: str) -> None:
    conn = imaplib.IMAP4("127.0.0.1", IMAP_PORT)
    conn.login(IMAP_USER, IMAP_PASSWORD)
    conn.delete(folder)
    conn.logout()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--full", action="store_true", help="5 000 synthetic mails")
    parser.add_argument("--parse-rounds", type=int, default=10)
    parser.add_argument("--batch", type=int, default=100, help="UIDs fetched per IMAP FETCH")
    parser.add_argument("--database-url", default="", help="PostgreSQL instead of SQLite")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the synthetic import; print the top 40"
    )
    args = parser.parse_args()
    count = 5000 if args.full else args.messages

    subprocess.run([str(ROOT / "scripts" / "dovecot-test")], check=True)
    data_dir = tempfile.mkdtemp(prefix="kefu-bench-email-")
    for key in [k for k in os.environ if k.startswith("KEFU_")]:
        if key not in ("KEFU_TEST_IMAP_PORT",):
            del os.environ[key]
    os.environ.update(
        KEFU_DATA_DIR=data_dir, KEFU_LOG_LEVEL="WARNING", DJANGO_SETTINGS_MODULE="kefu.settings"
    )
    if args.database_url:
        os.environ["KEFU_DATABASE_URL"] = args.database_url
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)

    from kefu.conversations.models import Conversation, Message
    from kefu.inboxes.actions import inbox_create
    from kefu.inboxes.adapters.email import email_parse
    from kefu.inboxes.adapters.email.actions import email_inbox_configure, email_inbox_poll
    from kefu.inboxes.models import ChannelType

    run = uuid.uuid4().hex[:8]
    rows = []
    results: dict[str, object] = {}
    for label, mails in [
        (f"synthetic ({count})", synthetic(count, run)),
        ("fixture corpus", [p.read_bytes() for p in sorted(FIXTURES.glob("*.eml"))]),
    ]:
        folder = f"bench-{run}-{len(rows)}"
        append_s = append(folder, mails)
        inbox = inbox_create(name=f"Bench {folder}", channel_type=ChannelType.EMAIL)
        inbox = email_inbox_configure(
            inbox=inbox,
            data={
                "address": "support@lumen.exchange",
                "brand": "Lumen Exchange",
                "imap": {
                    "host": "127.0.0.1",
                    "port": IMAP_PORT,
                    "security": "plain",
                    "username": IMAP_USER,
                    "password": IMAP_PASSWORD,
                    "folders": [folder],
                },
                # Acknowledgements are created (part of the import) but sent by the outbox.
                "smtp": {"host": "127.0.0.1", "port": 2525, "security": "plain"},
            },
        )
        profiler = None
        if args.profile and not rows:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        start, cpu_start = time.perf_counter(), time.process_time()
        result = email_inbox_poll(inbox=inbox, batch=args.batch)
        spent, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        if profiler is not None:
            import pstats

            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        again_start = time.perf_counter()
        again = email_inbox_poll(inbox=inbox, batch=args.batch)
        again_s = time.perf_counter() - again_start
        folder_drop(folder)
        assert again.created == 0, "a second poll must import nothing"
        row = {
            "set": label,
            "mails": len(mails),
            "created": result.created,
            "dupes": result.duplicates,
            "failed": result.failed,
            "seconds": spent,
            "msg/s": len(mails) / spent,
            # kefu's own CPU time (Dovecot's is not counted): the rate one free core would give.
            "cpu s": cpu,
            "msg/cpu-s": len(mails) / cpu,
            "append msg/s": len(mails) / append_s,
            "re-poll s": again_s,
        }
        rows.append(row)
        results[label] = row
    results["database"] = "postgresql" if args.database_url else "sqlite"
    results["conversations"] = Conversation.objects.count()
    results["messages"] = Message.objects.count()

    corpus = [p.read_bytes() for p in sorted(FIXTURES.glob("*.eml"))]
    for raw in corpus:
        email_parse(raw)
    samples = []
    for _ in range(args.parse_rounds):
        for raw in corpus:
            start = time.perf_counter()
            email_parse(raw)
            samples.append(time.perf_counter() - start)
    parse = {
        "set": f"parse corpus x{args.parse_rounds}",
        "messages": len(samples),
        "msg/s": len(samples) / sum(samples),
        "p50 ms": percentile(samples, 50) * 1000,
        "p95 ms": percentile(samples, 95) * 1000,
        "p99 ms": percentile(samples, 99) * 1000,
    }
    results["parse"] = parse
    load = os.getloadavg()[0]
    print(
        f"IMAP import, {results['database']}, load {load:.1f} on {os.cpu_count()} CPUs (target >= 100 msg/s)"
    )
    print(
        table(
            rows,
            [
                "set",
                "mails",
                "created",
                "dupes",
                "failed",
                "seconds",
                "msg/s",
                "cpu s",
                "msg/cpu-s",
                "append msg/s",
                "re-poll s",
            ],
        )
    )
    print()
    print(table([parse], ["set", "messages", "msg/s", "p50 ms", "p95 ms", "p99 ms"]))
    results["machine"] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load": os.getloadavg(),
        "at": datetime.now(UTC).isoformat(),
    }
    print(f"\nwrote {write_json('email', results)}")


if __name__ == "__main__":
    main()
