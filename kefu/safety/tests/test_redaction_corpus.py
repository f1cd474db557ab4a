"""Precision and recall over the labelled corpus (built by corpus/build_corpus.py).

Counted per secret kind per message: a kind found and expected is a true positive, found and
not expected a false positive (in positives and negatives alike), expected and not found a
false negative.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from kefu.safety.redaction import SecretKind, redact

CORPUS = Path(__file__).parent / "corpus"
LANGUAGES = {"en", "es", "fr", "it", "pt", "cs", "de", "ja", "ko", "zh-Hans", "zh-Hant", "ru", "tr"}


def load(name: str) -> list[dict[str, Any]]:
    with (CORPUS / f"{name}.jsonl").open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


POSITIVES = load("positives")
NEGATIVES = load("negatives")


def test_corpus_is_big_and_broad_enough() -> None:
    assert len(POSITIVES) >= 200
    assert len(NEGATIVES) >= 200
    kinds = Counter(k for case in POSITIVES for k in case["kinds"])
    assert set(kinds) == {k.value for k in SecretKind}
    assert LANGUAGES.issubset(case["lang"] for case in POSITIVES)
    assert LANGUAGES.issubset(case["lang"] for case in NEGATIVES)
    # Every shipped word list has phrases in the corpus, with valid and invalid checksums.
    notes = Counter(case.get("note", "") for case in POSITIVES if "seed_phrase" in case["kinds"])
    assert notes["12 valid"] >= 12
    assert notes["12 checksum invalid"] >= 12
    assert notes["11 of 12"] >= 12


def test_precision_and_recall(capsys: pytest.CaptureFixture[str]) -> None:
    tp = fp = fn = 0
    misses: list[str] = []
    for case in POSITIVES + NEGATIVES:
        found = {k.value for k in redact(case["text"]).kinds}
        expected = set(case["kinds"])
        tp += len(found & expected)
        fp += len(found - expected)
        fn += len(expected - found)
        if found != expected:
            misses.append(f"{case['lang']}: expected {sorted(expected)}, got {sorted(found)}")
    precision = tp / (tp + fp)
    recall = tp / (tp + fn)
    with capsys.disabled():
        print(
            f"\nredaction corpus: {len(POSITIVES)} positives, {len(NEGATIVES)} negatives, "
            f"precision {precision:.4f}, recall {recall:.4f} (tp {tp}, fp {fp}, fn {fn})"
        )
    assert recall >= 0.98, misses
    assert precision >= 0.98, misses


@pytest.mark.parametrize("case", POSITIVES, ids=lambda c: f"{c['lang']}-{c['kinds'][0]}")
def test_no_secret_survives(case: dict[str, Any]) -> None:
    out = redact(case["text"]).text
    for secret in case["secrets"]:
        assert secret not in out
    words = case.get("words")
    if words:
        # Nor three words of a phrase in a row, whatever the separators were.
        tokens = [t.casefold() for t in re.findall(r"[^\W\d_]+", out)]
        lowered = [w.casefold() for w in words]
        runs = {tuple(lowered[i : i + 3]) for i in range(len(lowered) - 2)}
        assert not any(tuple(tokens[i : i + 3]) in runs for i in range(len(tokens) - 2))
