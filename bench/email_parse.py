"""Email parsing benchmark: email_parse throughput and per-message latency.

    .venv/bin/python bench/email_parse.py [--rounds 40] [--large-mb 10]

Parses every .eml fixture of kefu/inboxes/adapters/email/tests/fixtures `rounds` times in a
shuffled order (after one warm-up round), single process, and reports messages/s and the
p50/p95/p99/max time per message: for the whole corpus, per fixture family (the file-name
prefix) and for one synthetic message carrying a `large-mb` attachment. Writes
bench/results/email_parse.json.
"""

from __future__ import annotations

import argparse
import base64
import os
import platform
import random
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, percentile, table, write_json
from kefu.inboxes.adapters.email import email_parse

FIXTURES = ROOT / "kefu" / "inboxes" / "adapters" / "email" / "tests" / "fixtures"


def large_message(megabytes: int) -> bytes:
    payload = base64.encodebytes(os.urandom(megabytes * 1024 * 1024))
    return (
        b"From: Alice <alice@example.com>\nTo: support@lumen.example\nSubject: statement\n"
        b'Message-ID: <large@example.com>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"'
        b"\n\n--b\nContent-Type: text/plain; charset=utf-8\n\nMy statement is attached.\n"
        b'--b\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename="s.pdf"\n\n'
        + payload
        + b"--b--\n"
    )


def timings_row(name: str, samples: list[float], total_bytes: int) -> dict[str, object]:
    elapsed = sum(samples)
    return {
        "set": name,
        "messages": len(samples),
        "msg/s": len(samples) / elapsed,
        "MB/s": total_bytes / elapsed / 1e6,
        "p50 ms": percentile(samples, 50) * 1000,
        "p95 ms": percentile(samples, 95) * 1000,
        "p99 ms": percentile(samples, 99) * 1000,
        "max ms": max(samples) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--large-mb", type=int, default=10)
    args = parser.parse_args()

    corpus = [(p.name, p.read_bytes()) for p in sorted(FIXTURES.glob("*.eml"))]
    for _, raw in corpus:  # warm-up: imports, regex compilation, codec lookups
        email_parse(raw)

    order = corpus * args.rounds
    random.Random(7).shuffle(order)
    samples: list[float] = []
    by_family: dict[str, list[float]] = defaultdict(list)
    by_file: dict[str, list[float]] = defaultdict(list)
    corpus_bytes = 0
    for name, raw in order:
        start = time.perf_counter()
        email_parse(raw)
        spent = time.perf_counter() - start
        samples.append(spent)
        by_family[name.split("_", 1)[0]].append(spent)
        by_file[name].append(spent)
        corpus_bytes += len(raw)

    large = large_message(args.large_mb)
    large_samples = []
    for _ in range(5):
        start = time.perf_counter()
        parsed = email_parse(large)
        large_samples.append(time.perf_counter() - start)
    assert len(parsed.attachments) == 1, parsed.errors

    sizes = {name: len(raw) for name, raw in corpus}
    rows = [timings_row(f"corpus ({len(corpus)} fixtures)", samples, corpus_bytes)]
    for family, values in sorted(by_family.items()):
        family_bytes = sum(
            sizes[n] * len(v) for n, v in by_file.items() if n.startswith(family + "_")
        )
        rows.append(timings_row(f"  {family}_*", values, family_bytes))
    rows.append(timings_row(f"{args.large_mb} MB attachment", large_samples, len(large) * 5))
    slowest = sorted(by_file.items(), key=lambda item: -percentile(item[1], 50))[:5]

    columns = ["set", "messages", "msg/s", "MB/s", "p50 ms", "p95 ms", "p99 ms", "max ms"]
    print(table(rows, columns))
    print("\nslowest fixtures (p50 ms):")
    for name, values in slowest:
        print(f"  {percentile(values, 50) * 1000:7.2f}  {name} ({sizes[name]} bytes)")

    path = write_json(
        "email_parse",
        {
            "when": datetime.now(UTC).isoformat(),
            "python": sys.version.split()[0],
            "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
            "cpus": os.cpu_count(),
            "rounds": args.rounds,
            "rows": rows,
            "slowest": [
                {"file": name, "p50_ms": percentile(values, 50) * 1000} for name, values in slowest
            ],
        },
    )
    print(f"\nwrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
