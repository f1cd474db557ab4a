from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from kefu.intelligence import selectors
from kefu.intelligence.actions import triage_model_activate, triage_model_train
from kefu.intelligence.models import TriageModel
from kefu.intelligence.selectors import triage_classifier_active, triage_predict
from kefu.intelligence.triage import (
    TopicClassifier,
    TriageDataError,
    examples_from_csv,
    examples_from_help_center,
    front_matter,
    macro_f1,
    teams_mapping,
)

HELP = Path(__file__).parent / "fixtures" / "helpcenter"


@pytest.fixture(scope="module")
def cold_examples():
    return examples_from_help_center(HELP)


@pytest.fixture(scope="module")
def cold_model(cold_examples):
    model, _ = TopicClassifier.fit(
        [t for t, _ in cold_examples], [c for _, c in cold_examples], calibrate=False
    )
    return model


def test_cold_start_reads_titles_and_questions_but_no_internal_articles(cold_examples):
    texts = {t for t, _ in cold_examples}
    cats = {c for _, c in cold_examples}
    assert "My deposit has not been credited" in texts
    assert "我的提币一直显示处理中" in texts
    assert "¿Dónde encuentro el memo para depositar TON?" in texts  # quotes removed
    assert cats == {"deposits", "withdrawals", "account", "security", "trading", "fees-vip"}
    assert not any("secret agent" in t or "internal only" in t for t in texts)


def test_front_matter_fields():
    fields = front_matter(
        "---\ntitle: 'It''s here'\nquestions:\n  - a?\n  - b?\ninternal: true\n---\nbody"
    )
    assert fields["title"] == "It's here"
    assert fields["questions"] == ["a?", "b?"]
    assert fields["internal"] is True
    assert front_matter("no front matter") == {}


def test_cold_start_fails_clearly_on_a_missing_directory(tmp_path):
    with pytest.raises(TriageDataError):
        examples_from_help_center(tmp_path / "nope")
    with pytest.raises(TriageDataError):
        examples_from_help_center(tmp_path)  # exists, but no articles


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("my deposit still hasn't shown up in my balance", "deposits"),
        ("充值三个小时了还没到账", "deposits"),
        ("the withdrawal is stuck on pending since this morning", "withdrawals"),
        ("someone stole my coins from my account", "security"),
        ("I lost my phone and cannot pass 2FA", "account"),
        ("how do I place a limit order", "trading"),
    ],
)
def test_cold_start_model_places_customer_messages(cold_model, text, topic):
    [p] = cold_model.predict([text], min_confidence=0.0)
    assert p.topic == topic, p.ranked


def test_cold_start_model_works_across_languages(cold_model):
    # No Spanish withdrawal example exists: the multilingual embedding carries it.
    [p] = cold_model.predict(["Mi retiro sigue pendiente desde hace horas"], min_confidence=0.0)
    assert p.topic == "withdrawals", p.ranked


@pytest.mark.parametrize("text", ["🙂🙂", "12345", "!!!"])
def test_it_says_i_dont_know_on_nothing(cold_model, text):
    [p] = cold_model.predict([text], min_confidence=0.3)
    assert p.topic is None and p.team is None


def test_it_says_i_dont_know_when_unsure(cold_model):
    [p] = cold_model.predict(["What's the weather in Paris tomorrow?"], min_confidence=0.55)
    assert p.topic is None, p.ranked
    [p] = cold_model.predict(["My coins were stolen!"], min_confidence=0.55)
    assert p.topic == "security" and p.team == "security"


def test_common_words_are_single_words_most_frequent_first():
    texts = ["withdrawal pending", "withdrawal missing", "withdrawal late", "deposit late"]
    model, _ = TopicClassifier.fit(texts, ["w", "w", "w", "d"], calibrate=False)
    words = model.common_words()
    assert all(" " not in word for word in words)
    assert set(words) == {"withdrawal", "pending", "missing", "late", "deposit"}
    assert words[:2] == ["withdrawal", "late"]  # in 3 and 2 of the 4 texts


def test_serialization_round_trip_is_exact_and_pickle_free(cold_model):
    blob = cold_model.to_bytes()
    again = TopicClassifier.from_bytes(blob)
    texts = ["withdrawal pending", "账户被盗", "limit order not filled"]
    np.testing.assert_allclose(
        cold_model.probabilities(texts), again.probabilities(texts), atol=1e-5
    )
    with np.load(io.BytesIO(blob), allow_pickle=False) as z:
        assert all(z[k].dtype != object for k in z.files)


def test_bad_training_data_is_refused():
    with pytest.raises(TriageDataError):
        TopicClassifier.fit(["only one topic", "still one"], ["a", "a"])
    with pytest.raises(TriageDataError):
        TopicClassifier.fit(["a", "b"], ["x", "y"])  # one example per topic


def test_csv_reader_checks_the_header_and_rows(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text('text,category\nhello there,deposits\n"a, b",security\n', encoding="utf-8")
    assert examples_from_csv(good) == [("hello there", "deposits"), ("a, b", "security")]
    bad = tmp_path / "bad.csv"
    bad.write_text("message,label\nx,y\n", encoding="utf-8")
    with pytest.raises(TriageDataError, match="text,category"):
        examples_from_csv(bad)
    empty_cell = tmp_path / "empty.csv"
    empty_cell.write_text("text,category\n,deposits\n", encoding="utf-8")
    with pytest.raises(TriageDataError, match=":2"):
        examples_from_csv(empty_cell)


def test_macro_f1():
    assert macro_f1(["a", "a", "b"], ["a", "a", "b"]) == 1.0
    assert macro_f1(["a", "b"], ["b", "a"]) == 0.0


def test_team_mapping_is_configurable():
    assert teams_mapping()["security"] == "security"
    assert teams_mapping(["deposits=payments"])["deposits"] == "payments"
    with pytest.raises(ValueError, match="topic=team-slug"):
        teams_mapping(["deposits"])


# --- stored versions -----------------------------------------------------------------------------


def _csv(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "category"])
        w.writerows(rows)
    return path


@pytest.mark.django_db
def test_versions_are_stored_activated_and_reloaded(cold_examples, monkeypatch):
    selectors.triage_cache_clear()
    assert triage_predict("my deposit is missing") is None  # no model yet: nothing to say
    v1 = triage_model_train(examples=cold_examples, source="help-center")
    assert (v1.version, v1.active) == (1, True)
    assert triage_classifier_active()[0] == 1
    assert triage_predict("my deposit is missing").topic == "deposits"

    only_two = [(t, c) for t, c in cold_examples if c in ("deposits", "security")]
    v2 = triage_model_train(examples=only_two, source="csv", activate=False)
    assert v2.version == 2 and not v2.active
    assert triage_classifier_active()[0] == 1

    triage_model_activate(version=2)
    assert triage_classifier_active()[0] == 2
    assert TriageModel.objects.filter(active=True).count() == 1
    assert set(triage_classifier_active()[1].labels) == {"deposits", "security"}

    # Another process activating v1 is noticed once the recheck interval has passed.
    monkeypatch.setattr(selectors, "RECHECK_SECONDS", 0.0)
    TriageModel.objects.filter(version=2).update(active=False)  # as the other process would
    TriageModel.objects.filter(version=1).update(active=True)
    assert triage_classifier_active()[0] == 1


@pytest.mark.django_db
def test_train_command_from_csv_and_list(tmp_path, cold_examples):
    selectors.triage_cache_clear()
    path = _csv(tmp_path / "train.csv", cold_examples)
    out = io.StringIO()
    call_command("triage", "train", "--csv", str(path), stdout=out)
    assert "stored triage model v1 (active)" in out.getvalue()
    out = io.StringIO()
    call_command("triage", "list", stdout=out)
    assert out.getvalue().startswith("v1 *")
    with pytest.raises(CommandError, match="text,category"):
        call_command("triage", "train", "--csv", str(_csv_bad(tmp_path)), stdout=io.StringIO())
    assert TriageModel.objects.count() == 1


def _csv_bad(tmp_path: Path) -> Path:
    p = tmp_path / "bad.csv"
    p.write_text("foo,bar\n1,2\n", encoding="utf-8")
    return p


@pytest.mark.django_db
def test_train_command_cold_starts_from_the_help_center_when_nothing_is_labelled(settings):
    selectors.triage_cache_clear()
    out = io.StringIO()
    call_command("triage", "train", "--help-center", str(HELP), stdout=out)
    assert "from help-center" in out.getvalue()
    assert TriageModel.objects.get().source == "help-center"


@pytest.mark.django_db
def test_eval_command_ends_with_the_metrics_line(tmp_path, cold_examples):
    train = _csv(tmp_path / "a.csv", cold_examples)
    test = _csv(
        tmp_path / "b.csv",
        [
            ("my deposit never arrived", "deposits"),
            ("withdrawal pending for hours", "withdrawals"),
            ("my account got hacked", "security"),
            ("what are your trading fees", "fees-vip"),
        ],
    )
    out = io.StringIO()
    call_command("triage", "eval", "--train", str(train), "--test", str(test), stdout=out)
    last = out.getvalue().strip().splitlines()[-1]
    import re

    m = re.fullmatch(
        r"accuracy=(\d\.\d{4}) macro_f1=(\d\.\d{4}) ms_per_message=\d+\.\d train_s=\d+\.\d", last
    )
    assert m, last
    assert float(m.group(1)) >= 0.75


def _synthetic(n: int) -> tuple[list[str], list[str], np.ndarray]:
    words = {"deposits": "deposit credited arrived", "security": "hacked stolen phishing"}
    texts, labels = [], []
    for i in range(n):
        label = "deposits" if i % 2 else "security"
        texts.append(f"{words[label]} case {i}")
        labels.append(label)
    rng = np.random.default_rng(0)
    emb = rng.normal(size=(n, 512)).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    return texts, labels, emb


def test_calibration_holds_out_and_refits_on_everything_when_data_is_small():
    texts, labels, emb = _synthetic(240)
    model, metrics = TopicClassifier.fit(texts, labels, embeddings=emb)
    assert metrics["held_out"] == 36 and metrics["trained_on"] == 240
    assert metrics["accuracy"] == 1.0
    assert round(model.temperature, 3) == metrics["temperature"]


def test_with_plenty_of_data_the_calibrated_model_is_final(monkeypatch):
    from kefu.intelligence import triage

    monkeypatch.setattr(triage, "_REFIT_BELOW", 200)
    texts, labels, emb = _synthetic(240)
    model, metrics = TopicClassifier.fit(texts, labels, embeddings=emb)
    assert metrics["trained_on"] == 240 - metrics["held_out"]
    assert round(model.temperature, 3) == metrics["temperature"]
    [p] = model.predict(["hacked stolen phishing"], min_confidence=0.5, emb=emb[:1])
    assert p.topic == "security"
