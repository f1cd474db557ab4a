"""Bot answer latency: the bot's turn on one inbound message (help-center search, exchange
look-ups on the demo exchange, the reply and, on a handoff, the agent's note), measured on
the scripted conversations of `kefu bot eval`.

    .venv/bin/python bench/bot.py            # one pass over the eval set (~130 turns)
    .venv/bin/python bench/bot.py --full     # five passes
    .venv/bin/python bench/bot.py --llm      # + the same turns in LLM mode (local fake server)

Target: bot answer <= 100 ms p95. The customer's own message_receive is not included: the
bot runs after it committed. A fresh SQLite database in a temp dir holds the demo world and
the demo help center; KEFU_EMBEDDING_THREADS defaults to 1 here (a busy shared machine).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
_tmp = tempfile.mkdtemp(prefix="kefu-bench-bot-")
os.environ["KEFU_SQLITE_PATH"] = str(Path(_tmp) / "bench.sqlite3")
os.environ.setdefault("KEFU_EMBEDDING_THREADS", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")

import django  # noqa: E402

django.setup()

from bench.common import percentile, table, write_json  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--full", action="store_true", help="five passes over the eval set")
    ap.add_argument(
        "--llm",
        action="store_true",
        help="also play the turns in LLM mode against the local fake model server, which "
        "answers at once: the rows measure kefu's own cost around a model call (retrieval, "
        "prompt, HTTP, checks, guard), not any model's speed",
    )
    args = ap.parse_args()
    from django.core.management import call_command

    from kefu.bot.evaluation import bot_eval

    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    passes = 5 if args.full else 1
    latencies: dict[str, list[float]] = {}
    figures = {}
    bot_eval()  # warm-up: builds nothing that stays, loads the encoder and the search index
    for _ in range(passes):
        report = bot_eval()
        figures = report.figures()
        for kind, ms in zip(report.turn_kinds, report.latencies_ms, strict=True):
            latencies.setdefault(kind, []).append(ms)
            latencies.setdefault("all", []).append(ms)
    llm_calls = 0
    if args.llm:
        from django.conf import settings

        from kefu.intelligence.testing import FakeLlmServer

        with FakeLlmServer() as fake:
            settings.LLM_BASE_URL = fake.base_url
            settings.LLM_MODEL = "fake"
            for _ in range(passes):
                report = bot_eval(llm=True)
                for kind, ms in zip(report.turn_kinds, report.latencies_ms, strict=True):
                    latencies.setdefault(f"llm-fake:{kind}", []).append(ms)
                    latencies.setdefault("llm-fake:all", []).append(ms)
            llm_calls = len(fake.requests)
            settings.LLM_BASE_URL = ""
    rows = [
        {
            "turns": kind,
            "n": len(v),
            "p50_ms": percentile(v, 50),
            "p95_ms": percentile(v, 95),
            "max_ms": max(v),
            "target_p95_ms": 100.0 if kind == "all" else None,
        }
        for kind, v in sorted(latencies.items())
    ]
    print(table(rows, ["turns", "n", "p50_ms", "p95_ms", "max_ms", "target_p95_ms"]))
    path = write_json(
        "bot",
        {
            "passes": passes,
            "rows": rows,
            "eval": figures,
            "llm_fake_server_calls": llm_calls,
            "embedding_threads": os.environ.get("KEFU_EMBEDDING_THREADS"),
            "seconds": round(time.perf_counter() - started, 1),
        },
    )
    print(f"written {path}")


if __name__ == "__main__":
    main()
