"""Topic triage: which help-center category a new conversation is about, and which team.

The classifier is linear over three views of a message, concatenated:

- the USE v3 sentence embedding (multilingual: a model trained on English and Chinese
  examples places a Spanish message too),
- TF-IDF of word 1–3-grams (the exact phrases an exchange's customers use),
- TF-IDF of character 1–5-grams within words (misspellings, inflections, and Chinese or
  Japanese, which have no spaces),

fitted with a linear SVM. Its margins become probabilities through a softmax whose
temperature is fitted on a held-out slice, so "confidence" means something and the
classifier can say "I don't know" (topic None) below `TRIAGE_MIN_CONFIDENCE`.

A trained classifier serializes to an `.npz` of plain arrays (`allow_pickle=False`): term
lists as UTF-8 text, idf vectors, the coefficient matrix. Loading one runs no code.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix
    from sklearn.feature_extraction.text import TfidfVectorizer

TOPICS = ("deposits", "withdrawals", "account", "trading", "fees-vip", "security")
OTHER = "other"
# The help-center categories that are not customer topics.
SKIP_CATEGORIES = frozenset({"agent-procedures"})
DEFAULT_TEAMS = {
    "deposits": "l1-support",
    "withdrawals": "l1-support",
    "account": "l1-support",
    "trading": "l1-support",
    "fees-vip": "l1-support",
    "security": "security",
}
FORMAT = 1

_WORD_MAX = 60_000
_CHAR_MAX = 120_000
_SVM_C = 0.5
# From this many examples on, the model fitted for calibration (85 %) is kept as final.
_REFIT_BELOW = 5_000
# Weight of the embedding block against the two TF-IDF blocks (each row of each is unit).
_EMBED_WEIGHT = 1.0


class TriageDataError(ValueError):
    """Training data that cannot make a classifier (too few examples or labels, bad CSV)."""


@dataclass(frozen=True)
class Prediction:
    topic: str | None  # None: not confident enough to say
    confidence: float
    team: str | None
    ranked: tuple[tuple[str, float], ...]  # best three labels with their probabilities

    def as_payload(self) -> dict[str, object]:
        return {
            "topic": self.topic,
            "confidence": round(self.confidence, 3),
            "team": self.team,
            "ranked": [[label, round(p, 3)] for label, p in self.ranked],
        }


def _clean(text: str) -> str:
    # Newlines separate terms in the stored vocabulary; text never needs them to classify.
    return " ".join(str(text).split())


def _vectorizers() -> tuple[TfidfVectorizer, TfidfVectorizer]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    word = TfidfVectorizer(
        ngram_range=(1, 3),
        sublinear_tf=True,
        max_features=_WORD_MAX,
        dtype=np.float32,
        # Single characters count: "2fa" splits, and a lone CJK word is one character.
        token_pattern=r"(?u)\b\w+\b",  # noqa: S106 - a regex, not a password
    )
    char = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(1, 5),
        sublinear_tf=True,
        max_features=_CHAR_MAX,
        dtype=np.float32,
    )
    return word, char


def _pack_terms(vocabulary: dict[str, int]) -> np.ndarray:
    terms = [""] * len(vocabulary)
    for term, i in vocabulary.items():
        terms[i] = term
    return np.frombuffer("\n".join(terms).encode("utf-8"), dtype=np.uint8)


def _unpack_terms(blob: np.ndarray) -> dict[str, int]:
    text = blob.tobytes().decode("utf-8")
    return {t: i for i, t in enumerate(text.split("\n"))} if text else {}


class TopicClassifier:
    def __init__(
        self,
        *,
        labels: list[str],
        word: TfidfVectorizer,
        char: TfidfVectorizer,
        coef: np.ndarray,
        intercept: np.ndarray,
        temperature: float,
        embed_weight: float = _EMBED_WEIGHT,
    ) -> None:
        self.labels = list(labels)
        self.word = word
        self.char = char
        self.coef = np.ascontiguousarray(coef, dtype=np.float32)
        self.intercept = np.asarray(intercept, dtype=np.float32)
        self.temperature = float(temperature)
        self.embed_weight = float(embed_weight)
        # Prediction scores one message at a time without sklearn's per-call overhead: the
        # analyzers make the terms, and only the coefficient rows of terms present are read.
        coef_t = np.ascontiguousarray(self.coef.T)
        n_word = len(word.vocabulary_)
        self._blocks = [
            (
                word.build_analyzer(),
                word.vocabulary_,
                np.asarray(word.idf_, np.float32),
                coef_t[512 : 512 + n_word],
            ),
            (
                char.build_analyzer(),
                char.vocabulary_,
                np.asarray(char.idf_, np.float32),
                coef_t[512 + n_word :],
            ),
        ]
        self._coef_embed_t = coef_t[:512]

    # --- training ----------------------------------------------------------------------------

    @classmethod
    def fit(
        cls,
        texts: list[str],
        labels: list[str],
        *,
        embeddings: np.ndarray | None = None,
        calibrate: bool = True,
        seed: int = 7,
    ) -> tuple[TopicClassifier, dict[str, object]]:
        """Train on (text, label) pairs; returns the classifier and its metrics.

        With enough data a stratified 15 % is held out first: the held-out accuracy and
        macro-F1 are the metrics, and the softmax temperature is fitted on it; the final
        model is then trained on everything (below 5,000 examples) or is that 85 % model.
        """
        texts = [_clean(t) for t in texts]
        if len(texts) != len(labels):
            raise TriageDataError("texts and labels differ in length")
        pairs = [(t, lab) for t, lab in zip(texts, labels, strict=True) if t and lab]
        distinct = sorted({lab for _, lab in pairs})
        if len(distinct) < 2:
            raise TriageDataError("need examples of at least two topics")
        if len(pairs) < 2 * len(distinct):
            raise TriageDataError(
                f"need at least two examples per topic ({len(pairs)} for {len(distinct)} topics)"
            )
        started = time.perf_counter()
        from kefu.intelligence.embeddings import embed

        all_texts = [t for t, _ in pairs]
        all_labels = [lab for _, lab in pairs]
        if embeddings is None:
            emb = embed(all_texts)
        else:
            keep = [i for i, (t, lab) in enumerate(zip(texts, labels, strict=True)) if t and lab]
            emb = np.asarray(embeddings, dtype=np.float32)[keep]
        metrics: dict[str, object] = {"examples": len(pairs), "labels": len(distinct)}
        temperature = 10.0
        held = _holdout(all_labels, seed=seed) if calibrate else []
        if held:
            held_set = set(held)
            train_idx = [i for i in range(len(pairs)) if i not in held_set]
            part = cls._fit_on(
                [all_texts[i] for i in train_idx],
                [all_labels[i] for i in train_idx],
                emb[train_idx],
                temperature=1.0,
            )
            margins = part._margins([all_texts[i] for i in held], emb[held])
            truth = [all_labels[i] for i in held]
            temperature = _fit_temperature(margins, [part.labels.index(t) for t in truth])
            predicted = [part.labels[j] for j in margins.argmax(axis=1)]
            metrics.update(
                held_out=len(held),
                accuracy=round(_accuracy(truth, predicted), 4),
                macro_f1=round(macro_f1(truth, predicted), 4),
            )
        if held and len(pairs) >= _REFIT_BELOW:
            # With this much data the held-out 15 % adds little; a second fit would double
            # the training time. The calibrated model is the final one.
            part.temperature = temperature
            model = part
            metrics["trained_on"] = len(pairs) - len(held)
        else:
            model = cls._fit_on(all_texts, all_labels, emb, temperature=temperature)
            metrics["trained_on"] = len(pairs)
        metrics["temperature"] = round(temperature, 3)
        metrics["train_s"] = round(time.perf_counter() - started, 2)
        return model, metrics

    @classmethod
    def _fit_on(
        cls, texts: list[str], labels: list[str], emb: np.ndarray, *, temperature: float
    ) -> TopicClassifier:
        from sklearn.svm import LinearSVC

        word, char = _vectorizers()
        w = word.fit_transform(texts)
        c = char.fit_transform(texts)
        x = _stack(emb * _EMBED_WEIGHT, w, c)
        distinct = sorted(set(labels))
        svm = LinearSVC(C=_SVM_C)
        svm.fit(x, labels)
        coef = svm.coef_
        intercept = svm.intercept_
        if len(distinct) == 2:  # liblinear keeps one row for two classes
            coef = np.vstack([-coef[0], coef[0]])
            intercept = np.array([-intercept[0], intercept[0]])
        return cls(
            labels=[str(lab) for lab in svm.classes_],
            word=word,
            char=char,
            coef=coef,
            intercept=intercept,
            temperature=temperature,
        )

    # --- prediction --------------------------------------------------------------------------

    def _margins(self, texts: list[str], emb: np.ndarray | None = None) -> np.ndarray:
        texts = [_clean(t) for t in texts]
        if emb is None:
            from kefu.intelligence.embeddings import embed

            emb = embed(texts)
        out = (np.asarray(emb, dtype=np.float32) * self.embed_weight) @ self._coef_embed_t
        out += self.intercept
        for i, text in enumerate(texts):
            for analyzer, vocabulary, idf, coef_rows in self._blocks:
                counts: dict[int, int] = {}
                for term in analyzer(text):
                    j = vocabulary.get(term)
                    if j is not None:
                        counts[j] = counts.get(j, 0) + 1
                if not counts:
                    continue
                idx = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
                tf = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
                # TfidfVectorizer(sublinear_tf=True, norm="l2"), term by term.
                v = (np.log(tf) + 1.0) * idf[idx]
                v /= np.linalg.norm(v)
                out[i] += v @ coef_rows[idx]
        return out

    def probabilities(self, texts: list[str], emb: np.ndarray | None = None) -> np.ndarray:
        z = self._margins(texts, emb) * self.temperature
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        return z

    def predict(
        self,
        texts: list[str],
        *,
        min_confidence: float,
        teams: dict[str, str] | None = None,
        emb: np.ndarray | None = None,
    ) -> list[Prediction]:
        teams = DEFAULT_TEAMS if teams is None else teams
        if not texts:
            return []
        probs = self.probabilities(texts, emb)
        out = []
        for text, row in zip(texts, probs, strict=True):
            order = np.argsort(-row)[:3]
            ranked = tuple((self.labels[j], float(row[j])) for j in order)
            best, p = ranked[0]
            # Nothing to go on (no letters at all) is "I don't know" whatever the margins say.
            if p < min_confidence or not any(ch.isalpha() for ch in text):
                out.append(Prediction(None, p, None, ranked))
            else:
                out.append(Prediction(best, p, teams.get(best), ranked))
        return out

    def common_words(self) -> list[str]:
        """The single words of the word vocabulary, those in the most training texts first
        (lowest idf): what the sentence encoder's piece cache is warmed with."""
        vocabulary, idf = self.word.vocabulary_, self.word.idf_
        words = [term for term in vocabulary if " " not in term]
        return sorted(words, key=lambda term: (idf[vocabulary[term]], term))

    # --- storage -----------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        meta = {
            "format": FORMAT,
            "labels": self.labels,
            "temperature": self.temperature,
            "embed_weight": self.embed_weight,
        }
        buf = io.BytesIO()
        np.savez_compressed(
            buf,
            meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
            word_terms=_pack_terms(self.word.vocabulary_),
            word_idf=self.word.idf_.astype(np.float32),
            char_terms=_pack_terms(self.char.vocabulary_),
            char_idf=self.char.idf_.astype(np.float32),
            coef=self.coef,
            intercept=self.intercept,
        )
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> TopicClassifier:
        with np.load(io.BytesIO(bytes(blob)), allow_pickle=False) as z:
            meta = json.loads(z["meta"].tobytes().decode())
            if meta.get("format") != FORMAT:
                raise TriageDataError(f"unknown triage model format {meta.get('format')!r}")
            word, char = _vectorizers()
            word.vocabulary = _unpack_terms(z["word_terms"])
            char.vocabulary = _unpack_terms(z["char_terms"])
            # A fixed vocabulary plus idf is a fitted vectorizer; transform() needs no fit.
            word.idf_ = z["word_idf"]
            char.idf_ = z["char_idf"]
            word._validate_vocabulary()
            char._validate_vocabulary()
            return cls(
                labels=meta["labels"],
                word=word,
                char=char,
                coef=z["coef"],
                intercept=z["intercept"],
                temperature=meta["temperature"],
                embed_weight=meta["embed_weight"],
            )


def _stack(emb: np.ndarray, w: csr_matrix, c: csr_matrix) -> csr_matrix:
    from scipy.sparse import csr_matrix, hstack

    return hstack([csr_matrix(emb), w, c], format="csr", dtype=np.float32)


def _holdout(labels: list[str], *, seed: int) -> list[int]:
    """A stratified 15 % of the indices, or nothing when the data is too small to spare it."""
    if len(labels) < 200:
        return []
    by_label: dict[str, list[int]] = {}
    for i, lab in enumerate(labels):
        by_label.setdefault(lab, []).append(i)
    rng = random.Random(seed)
    held = []
    for idx in by_label.values():
        if len(idx) < 5:
            continue
        rng.shuffle(idx)
        held += idx[: max(1, len(idx) * 15 // 100)]
    return sorted(held)


def _fit_temperature(margins: np.ndarray, truth: list[int]) -> float:
    """The softmax temperature that minimises held-out log loss (a coarse grid is enough)."""
    best, best_loss = 1.0, float("inf")
    rows = np.arange(len(truth))
    for t in np.geomspace(0.5, 50, 40):
        z = margins * t
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        loss = float(-logp[rows, truth].mean())
        if loss < best_loss:
            best, best_loss = float(t), loss
    return best


def _accuracy(truth: list[str], predicted: list[str]) -> float:
    return sum(a == b for a, b in zip(truth, predicted, strict=True)) / max(1, len(truth))


def macro_f1(truth: list[str], predicted: list[str]) -> float:
    labels = sorted(set(truth) | set(predicted))
    scores = []
    for lab in labels:
        tp = sum(t == lab and p == lab for t, p in zip(truth, predicted, strict=True))
        fp = sum(t != lab and p == lab for t, p in zip(truth, predicted, strict=True))
        fn = sum(t == lab and p != lab for t, p in zip(truth, predicted, strict=True))
        if tp == 0:
            scores.append(0.0)
            continue
        precision, recall = tp / (tp + fp), tp / (tp + fn)
        scores.append(2 * precision * recall / (precision + recall))
    return sum(scores) / max(1, len(scores))


def accuracy(truth: list[str], predicted: list[str]) -> float:
    return _accuracy(truth, predicted)


# --- training data -----------------------------------------------------------------------------


def examples_from_csv(path: Path | str) -> list[tuple[str, str]]:
    """(text, category) rows of a CSV with a `text,category` header."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            if not reader.fieldnames or not {"text", "category"} <= set(reader.fieldnames):
                raise TriageDataError(f"{path}: the header must name the columns text,category")
            rows = []
            for n, row in enumerate(reader, start=2):
                text, cat = (row.get("text") or "").strip(), (row.get("category") or "").strip()
                if not text or not cat:
                    raise TriageDataError(f"{path}:{n}: empty text or category")
                rows.append((text, cat))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise TriageDataError(f"{path}: {exc}") from None
    if not rows:
        raise TriageDataError(f"{path}: no rows")
    return rows


_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.DOTALL)


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        inner = value[1:-1]
        return inner.replace("''", "'") if value[0] == "'" else inner.replace('\\"', '"')
    return value


def front_matter(text: str) -> dict[str, object]:
    """The fields triage reads from an article's front matter: title, category, internal and
    questions (a block list). Other keys are kept as raw strings and never interpreted."""
    m = _FRONT.match(text)
    if not m:
        return {}
    fields: dict[str, object] = {}
    key = None
    for line in m.group(1).splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line.startswith((" ", "\t", "-")):
            item = line.strip()
            if key and item.startswith("- "):
                lst = fields.setdefault(key, [])
                if isinstance(lst, list):
                    lst.append(_unquote(item[2:]))
            continue
        key, _, value = line.partition(":")
        key = key.strip()
        value = value.strip()
        if value.startswith("[") and value.endswith("]"):
            fields[key] = [_unquote(v) for v in value[1:-1].split(",") if v.strip()]
        elif value:
            fields[key] = _unquote(value)
        else:
            fields[key] = []
    internal = fields.get("internal")
    fields["internal"] = isinstance(internal, str) and internal.lower() in ("true", "yes", "1")
    return fields


def default_help_center_dir() -> Path:
    import kefu

    return Path(kefu.__file__).parent / "knowledge" / "content"


def examples_from_help_center(directory: Path | str | None = None) -> list[tuple[str, str]]:
    """Cold-start examples: each public article's title and example questions, labelled with
    its category. Internal articles and agent-procedure categories are left out."""
    root = Path(directory) if directory is not None else default_help_center_dir()
    if not root.is_dir():
        raise TriageDataError(f"no help-center content at {root}")
    rows: list[tuple[str, str]] = []
    for path in sorted(root.glob("*/*.md")):
        category = path.parent.name
        if category in SKIP_CATEGORIES:
            continue
        try:
            fields = front_matter(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            continue
        if not fields or fields.get("internal"):
            continue
        category = str(fields.get("category") or category)
        if category in SKIP_CATEGORIES:
            continue
        title = fields.get("title")
        if isinstance(title, str) and title:
            rows.append((title, category))
        questions = fields.get("questions")
        if isinstance(questions, list):
            rows += [(q, category) for q in questions if isinstance(q, str) and q]
    if not rows:
        raise TriageDataError(f"no public articles with titles or questions under {root}")
    return rows


def teams_mapping(overrides: list[str] | None = None) -> dict[str, str]:
    """DEFAULT_TEAMS with `topic=team-slug` overrides (KEFU_TRIAGE_TEAMS)."""
    teams = dict(DEFAULT_TEAMS)
    for item in overrides or []:
        topic, sep, team = item.partition("=")
        if not sep or not topic.strip() or not team.strip():
            raise ValueError(f"KEFU_TRIAGE_TEAMS items are topic=team-slug, not {item!r}")
        teams[topic.strip()] = team.strip()
    return teams
