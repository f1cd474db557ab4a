"""What kefu sends the model and what it accepts back (pure functions, no server)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.intelligence.grounding import (
    NO_ANSWER,
    Source,
    Ungrounded,
    bot_prompt,
    draft_prompt,
    grounded_parse,
    grounded_render,
    prompt_text,
)

SOURCES = [
    Source(1, "a1", "deposit-not-credited", "My deposit hasn't arrived",
           "https://help.lumen.exchange/help/en/articles/deposit-not-credited", "Most deposits…"),
    Source(2, "a2", "deposit-memo-tag", "Deposits that need a memo or tag",
           "https://help.lumen.exchange/help/en/articles/deposit-memo-tag", "XRP needs a tag…"),
]  # fmt: skip


def test_a_cited_answer_keeps_only_the_sources_it_cites():
    answer = grounded_parse("Check the TxID on an explorer [1]. XRP needs a tag [2].", SOURCES)
    assert answer is not None
    assert [s.slug for s in answer.cited] == ["deposit-not-credited", "deposit-memo-tag"]
    only_two = grounded_parse("XRP needs a tag [2].", SOURCES)
    assert only_two is not None and [s.number for s in only_two.cited] == [2]


@pytest.mark.parametrize(
    "reply",
    ["它需要两个确认【1】。", "Needs a tag [1, 2].", "Needs a tag [1][2].", "Needs a tag ［2］."],
)
def test_citation_styles_models_write_are_understood(reply):
    answer = grounded_parse(reply, SOURCES)
    assert answer is not None and answer.cited
    assert "[1]" in answer.text or "[2]" in answer.text


def test_no_answer_is_none():
    assert grounded_parse(NO_ANSWER, SOURCES) is None
    assert grounded_parse(f"`{NO_ANSWER}`", SOURCES) is None


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ("Deposits take a few minutes.", "uncited"),
        ("Deposits take a few minutes [3].", "bad_citation"),
        ("Deposits take a few minutes [1][7].", "bad_citation"),
        ("See https://lumen-help.support/deposits [1].", "link"),
        ("See www.example.com for details [1].", "link"),
        ("Open xhttps://evil.example [1].", "link"),
    ],
)
def test_answers_not_from_the_sources_are_refused(reply, reason):
    with pytest.raises(Ungrounded) as err:
        grounded_parse(reply, SOURCES)
    assert err.value.reason == reason


def test_render_lists_the_cited_sources_as_links_under_the_answer():
    answer = grounded_parse("XRP needs a tag [2].", SOURCES)
    assert answer is not None
    text = grounded_render(answer, sources_label="Sources:")
    assert text == (
        "XRP needs a tag [2].\n\nSources:\n"
        "[2] Deposits that need a memo or tag: "
        "https://help.lumen.exchange/help/en/articles/deposit-memo-tag"
    )


def test_prompt_text_removes_what_identifies_the_customer():
    text = prompt_text(
        "I'm Wang Hao, UID 100284731, mail wang.hao@example.com or call +86 138 0013 8000. "
        "My TG is @wanghao_88. Sent to 0x52908400098527886E0F7030069857D2E4169EE7 on 2026-11-20, "
        "tx 0x9f2c4a7be1d0c6f3a8b5e2d4c7f1a0b3e6d9c2f5a8b1e4d7c0f3a6b9e2d5c8f1 see https://x.io/a?ref=77",
        names=("Wang Hao", "Wang", "Hao"),
        identifiers=("100284731",),
    )
    for leaked in ("Wang", "100284731", "wang.hao@example.com", "138 0013 8000", "@wanghao_88",
                   "0x5290840009", "0x9f2c4a7b", "x.io", "ref=77"):  # fmt: skip
        assert leaked not in text, leaked
    assert "2026-11-20" in text  # a date identifies nobody
    assert "[email]" in text and "[customer]" in text and "[link]" in text


def test_prompt_text_redacts_a_secret_even_if_storage_missed_it():
    phrase = "abandon ability able about above absent absorb abstract absurd abuse access accident"
    text = prompt_text(f"my seed is {phrase}")
    assert "absorb" not in text and "[redacted" in text


def test_chinese_names_go_too():
    assert "王浩" not in prompt_text("我是王浩，提币没到", names=("王浩",))


def test_prompts_carry_the_language_and_the_numbered_sources():
    messages = bot_prompt(question="¿Dónde está mi depósito?", language="es", sources=SOURCES)
    assert [m["role"] for m in messages] == ["system", "user"]
    assert "Spanish" in messages[0]["content"] and NO_ANSWER in messages[0]["content"]
    assert "[1] My deposit hasn't arrived\nMost deposits…" in messages[1]["content"]
    assert "https://" not in messages[1]["content"]  # the model gets no URL to copy
    draft = draft_prompt(
        transcript=[("Customer", "where is my deposit"), ("Bot", "…")], language="zh-Hans",
        sources=SOURCES,
    )  # fmt: skip
    assert "Simplified Chinese" in draft[0]["content"]
    assert "Customer: where is my deposit\nBot: …" in draft[1]["content"]


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_parse_never_accepts_an_answer_without_a_given_source(reply):
    try:
        answer = grounded_parse(reply, SOURCES)
    except Ungrounded:
        return
    if answer is not None:
        assert answer.cited and all(s in SOURCES for s in answer.cited)
        assert "://" not in answer.text
