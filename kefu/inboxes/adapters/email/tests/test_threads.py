"""Threading keys: which ids, subject number and reply token an inbound mail carries."""

from __future__ import annotations

from pathlib import Path

import pytest

from kefu.inboxes.adapters.email import (
    ThreadKeys,
    email_parse,
    message_id_make,
    reply_address,
    reply_token_make,
    subject_normalize,
    thread_keys,
)

FIXTURES = Path(__file__).parent / "fixtures"


def keys_of(name: str, *, reply_domains: frozenset[str] | None = None) -> ThreadKeys:
    return thread_keys(email_parse((FIXTURES / name).read_bytes()), reply_domains=reply_domains)


@pytest.mark.parametrize(
    ("subject", "normalized"),
    [
        ("Re: Withdrawal pending", "Withdrawal pending"),
        ("RE: RE: Fwd: FW: Withdrawal pending", "Withdrawal pending"),
        ("回复：答复: 转发：提现问题", "提现问题"),
        ("回覆：轉寄: 提領失敗", "提領失敗"),
        ("AW: WG: Auszahlung", "Auszahlung"),
        ("SV: VS: Uttag", "Uttag"),
        ("Rif: R: Prelievo", "R: Prelievo"),  # "R:" alone is too ambiguous to strip
        ("Enc: RES: Saque", "Saque"),
        ("RV: TR: Retrait", "Retrait"),
        ("Re[2]: Re(3): Question", "Question"),
        ("Re: [#1042] Withdrawal pending", "Withdrawal pending"),
        ("Re: [Lumen #1042] Withdrawal pending", "Withdrawal pending"),
        ("[EXTERNAL] Re: Invoice", "Invoice"),
        ("[URGENT] account locked", "[URGENT] account locked"),
        ("  Re:   spaced   out  ", "spaced out"),
        ("Reply needed", "Reply needed"),
        ("Re:", ""),
    ],
)
def test_subject_normalize(subject: str, normalized: str) -> None:
    assert subject_normalize(subject) == normalized


def test_subject_normalize_is_bounded_on_hostile_input() -> None:
    # The strip loop stops after 50 prefixes instead of running once per prefix.
    assert subject_normalize("Re: " * 10_000 + "x").startswith("Re: ")
    assert subject_normalize("Re: " * 50 + "x") == "x"


def test_reply_ids_come_first_then_references_newest_first() -> None:
    keys = keys_of("reply_gmail_en.eml")
    assert keys.message_ids_referenced == (
        "agent-1042-1@lumen.example",
        "ticket-1042@lumen.example",
    )
    assert keys.subject_number == 1042
    assert keys.reply_token is None


def test_long_reference_chain_is_ordered_newest_first() -> None:
    keys = keys_of("thread_references_chain.eml")
    assert keys.message_ids_referenced == tuple(f"msg-{i}@lumen.example" for i in range(7, 0, -1))
    assert keys.subject_number == 1100


def test_subject_number_inside_brackets_with_other_text() -> None:
    keys = keys_of("thread_subject_number.eml")
    assert keys.message_ids_referenced == ()
    assert keys.subject_number == 1042


@pytest.mark.parametrize(
    ("subject", "number"),
    [
        ("[#7] a", 7),
        ("Re: [Ticket #1042 ] a", 1042),
        ("order #1042 is missing", None),
        ("[#abc] a", None),
        ("[Lumen] #1042", None),
        ("[#1] and [#2]", 1),
    ],
)
def test_subject_number_forms(subject: str, number: int | None) -> None:
    raw = f"From: a@example.com\nSubject: {subject}\n\nx\n".encode()
    assert thread_keys(email_parse(raw)).subject_number == number


def test_plus_address_token_is_found_and_can_be_limited_to_our_domains() -> None:
    assert keys_of("thread_plus_token.eml").reply_token == "k7q2m4x9d3n5b8c1"
    limited = keys_of("thread_plus_token.eml", reply_domains=frozenset({"lumen.example"}))
    assert limited.reply_token == "k7q2m4x9d3n5b8c1"
    foreign = keys_of("thread_plus_token.eml", reply_domains=frozenset({"other.example"}))
    assert foreign.reply_token is None


def test_token_in_cc_or_delivered_to_counts() -> None:
    raw = (
        b"From: a@example.com\nTo: someone@example.org\nCc: Support <support+abcd1234@lumen.example>"
        b"\nSubject: x\n\nbody\n"
    )
    assert thread_keys(email_parse(raw)).reply_token == "abcd1234"
    bcc = b"Delivered-To: support+zzzz9999@lumen.example\nFrom: a@example.com\nSubject: x\n\nb\n"
    assert thread_keys(email_parse(bcc)).reply_token == "zzzz9999"


def test_own_message_id_is_not_a_reference() -> None:
    raw = b"From: a@example.com\nMessage-ID: <self@x>\nReferences: <self@x> <p@x>\n\nb\n"
    assert thread_keys(email_parse(raw)).message_ids_referenced == ("p@x",)


def test_reply_address_round_trips_through_parse() -> None:
    token = reply_token_make()
    address = reply_address(local="support", domain="Lumen.Example", token=token)
    assert address == f"support+{token}@lumen.example"
    raw = f"From: a@example.com\nTo: {address.upper()}\nSubject: x\n\nb\n".encode()
    assert thread_keys(email_parse(raw)).reply_token == token


def test_reply_tokens_are_random_lower_case_and_long_enough() -> None:
    tokens = {reply_token_make() for _ in range(1000)}
    assert len(tokens) == 1000
    assert all(len(t) == 16 and t.isalnum() and t == t.lower() for t in tokens)


@pytest.mark.parametrize(
    ("local", "domain", "token"),
    [
        ("support+x", "lumen.example", "abcd1234"),
        ("support", "lumen.example", "ab"),
        ("support", "lumen.example", "has space"),
        ("sup port", "lumen.example", "abcd1234"),
        ("support", "bad domain", "abcd1234"),
    ],
)
def test_reply_address_refuses_unusable_parts(local: str, domain: str, token: str) -> None:
    with pytest.raises(ValueError, match="unusable"):
        reply_address(local=local, domain=domain, token=token)


def test_message_ids_are_unique_bare_and_on_the_domain() -> None:
    ids = {message_id_make(domain="lumen.example") for _ in range(1000)}
    assert len(ids) == 1000
    assert all(i.endswith("@lumen.example") and "<" not in i for i in ids)
    assert message_id_make(domain="bücher.example").endswith("@xn--bcher-kva.example")
    with pytest.raises(ValueError, match="unusable domain"):
        message_id_make(domain="not a domain")
