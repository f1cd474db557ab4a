from __future__ import annotations

import threading

import numpy as np
import pytest

from kefu.intelligence import embeddings
from kefu.intelligence.embeddings import embed


def test_rows_are_512_float32_unit_vectors():
    vectors = embed(["Where is my withdrawal?", "我的提币还没到账", "¿Dónde está mi retiro?"])
    assert vectors.shape == (3, 512)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_translations_are_closer_than_unrelated_sentences():
    v = embed(
        [
            "My withdrawal has not arrived yet",
            "我的提币还没有到账",
            "How do I turn on two-factor authentication?",
        ]
    )
    assert float(v[0] @ v[1]) > float(v[0] @ v[2]) + 0.1


def test_empty_input_and_blank_texts():
    assert embed([]).shape == (0, 512)
    v = embed(["", "hello", "   "])
    assert not v[0].any() and not v[2].any()
    assert abs(float(np.linalg.norm(v[1])) - 1.0) < 1e-5


def test_bad_input_is_refused():
    with pytest.raises(TypeError):
        embed("a string, not a list")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        embed(["ok", 3])  # type: ignore[list-item]


def test_one_encoder_per_process_even_under_concurrent_first_use(monkeypatch):
    monkeypatch.setattr(embeddings, "_encoder", None)
    seen = []

    def work():
        embed(["hello there"])
        seen.append(id(embeddings.encoder()))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(seen)) == 1


def test_same_text_same_vector_in_any_batch():
    alone = embed(["deposit not credited"])[0]
    batched = embed(["something else entirely", "deposit not credited", "x"])[1]
    np.testing.assert_allclose(alone, batched, atol=1e-4)
