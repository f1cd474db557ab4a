"""`kefu bot eval` counts what it claims to count, and leaves nothing behind."""

from __future__ import annotations

import json

import pytest


def _write(tmp_path, rows):
    path = tmp_path / "convs.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    return path


def test_eval_figures_and_rollback(world, db, tmp_path):
    from kefu.bot.evaluation import bot_eval, report_lines
    from kefu.conversations.models import Conversation

    before = Conversation.objects.count()
    path = _write(
        tmp_path,
        [
            {
                "id": "a",
                "lang": "en",
                "turns": ["forgot destination tag xrp"],
                "expect": "contained",
                "articles": ["deposit-memo-tag"],
            },
            # deliberately wrong expectation: the right answer counts as a wrong one here
            {
                "id": "b",
                "lang": "en",
                "turns": ["forgot destination tag xrp"],
                "expect": "contained",
                "articles": ["funding-fees"],
            },
            {
                "id": "c",
                "lang": "zh-Hans",
                "turns": ["转人工"],
                "expect": "handoff",
                "reason": "asked_for_human",
            },
            {
                "id": "d",
                "lang": "es",
                "turns": ["hola"],
                "expect": "handoff",
                "reason": "asked_for_human",
            },
        ],
    )
    report = bot_eval(paths=[path])
    f = report.figures()
    assert f["conversations"] == 4
    assert f["containment"] == 0.75
    assert (f["correct_handoffs"], f["expected_handoffs"]) == (1, 2)
    assert f["wrong_answers"] == 1 and f["resolved"] == 1
    assert report_lines(report)[-1].startswith("containment=0.7500 resolved=1/4")
    assert Conversation.objects.count() == before


def test_eval_refuses_a_malformed_script(world, db, tmp_path):
    from kefu.bot.evaluation import bot_eval

    with pytest.raises(ValueError, match="expect"):
        bot_eval(paths=[_write(tmp_path, [{"id": "x", "turns": ["hi"], "expect": "maybe"}])])


def test_the_shipped_eval_set_is_big_enough_and_multilingual():
    from collections import Counter

    from kefu.bot.evaluation import EVAL_DIR, _load

    rows = _load(sorted(EVAL_DIR.glob("*.jsonl")))
    langs = Counter(r["lang"] for r in rows)
    assert len(rows) >= 100
    assert min(langs["en"], langs["zh-Hans"], langs["es"]) >= 20
    assert len({r["id"] for r in rows}) == len(rows)
