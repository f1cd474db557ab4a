"""Help-center search benchmark: query latency with 10,000 articles, and indexing throughput.

For each database (a fresh SQLite file, a fresh PostgreSQL database) a worker process:

1. indexes a sample of generated articles through the product's publish path
   (`article_create` -> `article_draft_save` -> `article_publish`: render, sanitize, terms,
   embeddings, events) and reports articles/s, with and without the encoder's share;
2. bulk-loads the rest with the same document builder (kefu.knowledge.search.document_terms,
   passages, tsvector literal) and cached passage vectors, to reach `--articles` quickly;
3. times a cold start (the first search loads the in-process index), then runs the queries
   through `articles_search` (the code behind /help/…/search and /api/v1/help/suggest), each
   once with a cold query embedding, then again warm, and times the two stages on their own.

The articles are generated from the demo help center (kefu/knowledge/content): its titles,
customer questions and paragraphs in English, Chinese and Spanish, recombined with different
coins, so term statistics look like a real help center's. The queries are the 202 labelled
questions of the retrieval evaluation plus paraphrases generated from the articles' questions.

    .venv/bin/python bench/search.py [--db sqlite,postgres] [--articles 10000] [--sample 300]
                                     [--queries 300]

Target: p95 <= 30 ms per query on this 2-core machine.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import pickle
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PY, ROOT, base_env, kefu, percentile, table, write_json

PG_ADMIN_URL = os.environ.get("KEFU_BENCH_PG_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres")
VECTOR_CACHE = Path(tempfile.gettempdir()) / "kefu-bench-search-vectors.pkl"
COINS = ["BTC", "ETH", "USDT", "SOL", "XRP", "TON", "TRX", "DOGE", "ADA", "BNB", "LTC", "DOT", "AVAX", "LINK", "ATOM", "ARB"]
LANGS = ["en"] * 6 + ["zh-Hans"] * 3 + ["es"]


def pg_fresh_database(name: str) -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


# --- the generated help center ------------------------------------------------------------------


def corpus() -> dict[str, list[Any]]:
    from kefu.knowledge.actions import CONTENT_DIR
    from kefu.knowledge.content import folder_read

    by_lang: dict[str, list[Any]] = {}
    for tf in folder_read(CONTENT_DIR).translations:
        if not tf.internal:
            by_lang.setdefault(tf.lang, []).append(tf)
    return by_lang


def _coin(text: str, coin: str) -> str:
    return re.sub(r"\bUSDT\b", coin, text)


def generate(n: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    pools = corpus()
    paragraphs = {
        lang: [p.strip() for tf in items for p in tf.body.split("\n\n")[1:] if len(p.strip()) > 40]
        for lang, items in pools.items()
    }
    out = []
    for i in range(n):
        lang = rng.choice(LANGS)
        base = rng.choice(pools[lang])
        coin = rng.choice(COINS)
        own = [p.strip() for p in base.body.split("\n\n")[1:] if p.strip()]
        extra = rng.sample(paragraphs[lang], 3)
        body = "\n\n".join(_coin(p, coin) for p in [own[0], *rng.sample(own[1:], min(len(own) - 1, 6)), *extra])
        title = f"{base.title} ({coin})"
        out.append({
            "slug": f"gen-{i:05d}-{base.slug}"[:120], "lang": lang, "category": base.category, "title": title,
            "body": f"# {title}\n\n{body}\n", "tags": base.tags[:4],
            "questions": [_coin(q, coin) for q in rng.sample(base.questions, min(2, len(base.questions)))],
        })
    return out


def queries(n: int, seed: int = 11) -> list[tuple[str, str]]:
    from kefu.knowledge.evaluation import questions_load
    from kefu.knowledge.languages import lang_tag

    rng = random.Random(seed)
    out = [(q["q"], lang_tag(q["lang"]) or "en") for q in questions_load()]
    pools = corpus()
    while len(out) < n:
        lang = rng.choice(LANGS)
        tf = rng.choice(pools[lang])
        if tf.questions:
            out.append((_coin(rng.choice(tf.questions), rng.choice(COINS)), lang))
    return out[:n]


# --- worker: runs inside one database ---------------------------------------------------------------


def _vectors(texts: list[str]) -> dict[str, bytes]:
    """Passage vectors by text, computed once and shared by the SQLite and PostgreSQL runs."""
    import numpy as np

    from kefu.knowledge.search import embed_texts

    cache: dict[str, bytes] = {}
    if VECTOR_CACHE.exists():
        cache = pickle.loads(VECTOR_CACHE.read_bytes())  # noqa: S301 - our own cache file
    missing = sorted({t for t in texts if t not in cache})
    for start in range(0, len(missing), 512):
        chunk = missing[start : start + 512]
        vectors = embed_texts(chunk)
        if vectors is None:
            raise SystemExit("the sentence encoder is not available")
        for text, vec in zip(chunk, np.asarray(vectors, dtype=np.float16), strict=True):
            cache[text] = vec.tobytes()
    if missing:
        VECTOR_CACHE.write_bytes(pickle.dumps(cache))
    return cache


def worker(args: argparse.Namespace) -> None:
    import django

    django.setup()
    import numpy as np
    from django.db import connection, transaction

    from kefu.core.actors import Actor
    from kefu.core.db import counter_next
    from kefu.knowledge import actions
    from kefu.knowledge import search as engine
    from kefu.knowledge.markdown import excerpt, render
    from kefu.knowledge.models import (
        Article,
        ArticleRevision,
        ArticleTranslation,
        Category,
        SearchDocument,
    )
    from kefu.knowledge.selectors import PUBLIC, articles_search

    system = Actor.system("bench")
    result: dict[str, Any] = {"db": connection.vendor}
    actions.knowledge_import(directory=actions.CONTENT_DIR, actor=system, embed=False)  # categories, sections
    categories = {c.slug: c for c in Category.objects.all()}
    docs = generate(args.articles)

    # 1. The publish path, on a sample.
    sample, rest = docs[: args.sample], docs[args.sample :]
    engine.embed_texts(["warm up the encoder"])
    started = time.perf_counter()
    embed_seconds = 0.0
    real_embed = engine.embed_texts

    def timed_embed(texts: list[str]) -> Any:
        nonlocal embed_seconds
        t = time.perf_counter()
        try:
            return real_embed(texts)
        finally:
            embed_seconds += time.perf_counter() - t

    engine.embed_texts = timed_embed  # type: ignore[assignment]
    try:
        for d in sample:
            with transaction.atomic():
                a = actions.article_create(slug=d["slug"], actor=system, category=categories[d["category"]])
                actions.article_draft_save(article=a, language=d["lang"], title=d["title"], body=d["body"],
                                           tags=d["tags"], questions=d["questions"], actor=system)
                actions.article_publish(article=a, language=d["lang"], actor=system)
    finally:
        engine.embed_texts = real_embed  # type: ignore[assignment]
    seconds = time.perf_counter() - started
    result["index_sample"] = len(sample)
    result["index_per_s"] = len(sample) / seconds
    result["index_ms_each"] = 1000 * seconds / len(sample)
    result["index_embed_share"] = embed_seconds / seconds

    # 2. Bulk load of the rest: the same document builder, vectors from the cache.
    started = time.perf_counter()
    prepared = []
    for d in rest:
        rendered = render(d["body"], resolve=lambda s: None)
        text = engine.DocumentText(title=d["title"], language=d["lang"], body_text=rendered.text, lead=rendered.lead,
                                   tags=d["tags"], questions=d["questions"])
        prepared.append((d, rendered, text, engine.document_terms(text), engine.passages(text)))
    cache = _vectors([p for *_, texts in prepared for p in texts])
    postgres = connection.vendor == "postgresql"
    for start in range(0, len(prepared), 1000):
        with transaction.atomic():
            articles, translations, revisions, documents = [], [], [], []
            for d, rendered, _text, fields, texts in prepared[start : start + 1000]:
                a = Article(slug=d["slug"], category=categories[d["category"]])
                t = ArticleTranslation(article=a, language=d["lang"], title=d["title"], body_html=rendered.html,
                                       body_text=rendered.text, excerpt=excerpt(rendered.lead, 300), toc=rendered.toc,
                                       tags=d["tags"], published_at=a.created_at)
                r = ArticleRevision(translation=t, number=1, title=d["title"], body=d["body"], tags=d["tags"],
                                    questions=d["questions"], content_hash="bench", published_at=a.created_at)
                t.published_revision = r
                vectors = np.frombuffer(b"".join(cache[p] for p in texts), dtype=np.float16).reshape(-1, engine.DIM)
                vec, pas = engine.vectors_pack(vectors.astype(np.float32))
                documents.append(SearchDocument(
                    translation=t, article=a, language=d["lang"], title_terms=" ".join(fields[0]),
                    keyword_terms=" ".join(fields[1]), body_terms=" ".join(fields[2]),
                    vector=vec, passages=pas,
                    embedding_model=engine.EMBEDDING_MODEL, seq=counter_next(key="knowledge_search_seq"),
                ))
                articles.append(a)
                translations.append(t)
                revisions.append(r)
            Article.objects.bulk_create(articles)
            ArticleTranslation.objects.bulk_create(translations)
            ArticleRevision.objects.bulk_create(revisions)
            SearchDocument.objects.bulk_create(documents)
    result["bulk_load_s"] = time.perf_counter() - started
    result["articles"] = Article.objects.filter(slug__startswith="gen-").count()
    if postgres:
        with connection.cursor() as cur:
            cur.execute("ANALYZE")

    # 3. Latency. A serving process does not hold the bulk load's documents and vector cache:
    # drop them, so collections of the garbage collector cost what they would cost there.
    del docs, sample, rest, prepared, cache
    gc.collect()
    started = time.perf_counter()
    engine.index_snapshot()
    result["cold_index_load_s"] = time.perf_counter() - started
    qs = queries(args.queries)
    articles_search(reader=PUBLIC, query="warm-up", language="en")
    cold, warm, embed_ms, lexical_ms = [], [], [], []
    engine.QUERY_VECTORS.items.clear()
    for q, lang in qs:
        t = time.perf_counter()
        articles_search(reader=PUBLIC, query=q, language=lang, limit=10)
        cold.append(1000 * (time.perf_counter() - t))
    for q, lang in qs:
        t = time.perf_counter()
        articles_search(reader=PUBLIC, query=q, language=lang, limit=10)
        warm.append(1000 * (time.perf_counter() - t))
    snap = engine.index_snapshot()
    for q, lang in qs:
        t = time.perf_counter()
        engine.embed_texts([q])
        embed_ms.append(1000 * (time.perf_counter() - t))
        t = time.perf_counter()
        engine._lexical(engine.query_terms(q, lang, snap, engine.INDEX.vocab, complete_last=False), snap, ~snap.internal,
                        engine.LEXICAL_CANDIDATES)
        lexical_ms.append(1000 * (time.perf_counter() - t))
    result["queries"] = len(qs)
    for name, values in (("cold", cold), ("warm", warm), ("embed", embed_ms), ("lexical", lexical_ms)):
        result[f"{name}_p50_ms"] = percentile(values, 50)
        result[f"{name}_p95_ms"] = percentile(values, 95)
        result[f"{name}_p99_ms"] = percentile(values, 99)
    print(json.dumps(result))


# --- driver ------------------------------------------------------------------------------------------


def run(db: str, args: argparse.Namespace) -> dict[str, Any]:
    if db == "postgres":
        env = base_env(KEFU_DATABASE_URL=pg_fresh_database("kefu_bench_search"), KEFU_DATA_DIR=tempfile.mkdtemp())
    else:
        data = tempfile.mkdtemp(prefix="kefu-bench-search-")
        env = base_env(KEFU_DATA_DIR=data)
    env["DJANGO_SETTINGS_MODULE"] = env.get("DJANGO_SETTINGS_MODULE", "kefu.settings")
    kefu(env, "migrate", "--no-input", "-v0")
    proc = subprocess.run(
        [PY, str(ROOT / "bench" / "search.py"), "--worker", "--articles", str(args.articles), "--sample", str(args.sample),
         "--queries", str(args.queries)],
        env=env, cwd=ROOT, capture_output=True, text=True, check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{db} worker failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=300, help="articles indexed through the publish path")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    rows = []
    for db in args.db.split(","):
        print(f"{db}: generating {args.articles} articles, indexing, querying…", file=sys.stderr, flush=True)
        rows.append(run(db, args))
    print("\nSearch latency (ms), articles_search over the whole help center, one process:")
    print(table(rows, ["db", "articles", "queries", "cold_p50_ms", "cold_p95_ms", "cold_p99_ms", "warm_p50_ms",
                       "warm_p95_ms", "embed_p95_ms", "lexical_p95_ms", "cold_index_load_s"]))
    print("\nIndexing through the publish path (render, sanitize, terms, embeddings, events):")
    print(table(rows, ["db", "index_sample", "index_per_s", "index_ms_each", "index_embed_share", "bulk_load_s"]))
    path = write_json("search", {"args": vars(args), "cpus": os.cpu_count(), "rows": rows,
                                 "target": {"p95_ms": 30}})
    print(f"\nwrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
