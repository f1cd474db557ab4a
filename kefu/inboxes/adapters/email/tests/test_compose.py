"""email_compose output is 7-bit clean, threads correctly and parses back to what went in."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from kefu.inboxes.adapters.email import (
    ComposeAttachment,
    email_compose,
    email_parse,
    message_id_make,
    recipients_envelope,
)
from kefu.inboxes.adapters.email.compose import MAX_REFERENCES

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"

LANGUAGES = [
    ("en", "Alice Walker", "Re: [#1042] Withdrawal pending", "Your withdrawal was sent.\nTxid: 3f2a9c", "statement.pdf"),
    ("zh-CN", "张伟", "回复：[#1042] 提现一直显示处理中", "您好，\n您的提现已经处理完成，请查收。", "对账单 2024年6月.pdf"),
    ("zh-TW", "陳志明", "回覆：[#1043] 提領失敗", "您好，資金已退回您的帳戶。", "交易紀錄.pdf"),
    ("ja", "田中 太郎", "Re: [#1044] 出金が反映されません", "お問い合わせありがとうございます。\n出金は本日反映されます。", "明細書.pdf"),
    ("ko", "김민준", "Re: [#1045] 입금 반영 지연 문의", "안녕하세요. 입금이 반영되었습니다.", "입금 내역.pdf"),
    ("ru", "Иван Петров", "Re: [#1046] Не пришёл депозит", "Здравствуйте! Депозит зачислен на ваш счёт.", "выписка.pdf"),
    ("uk", "Олена Шевченко", "Re: [#1047] Рахунок заблоковано", "Ваш рахунок розблоковано.", "виписка.pdf"),
    ("ar", "عمر حداد", "Re: [#1048] لم يصل السحب", "مرحباً، تم إرسال المبلغ إلى حسابك.", "كشف حساب.pdf"),
    ("he", "דנה לוי", "Re: [#1049] הפקדה לא הגיעה", "שלום, ההפקדה הגיעה לחשבון.", "דוח.pdf"),
    ("tr", "Ayşe Yılmaz", "Re: [#1050] Giriş yapamıyorum", "Merhaba, şifreniz sıfırlandı. İyi günler!", "ekstre.pdf"),
    ("pl", "Paweł Kowalski", "Re: [#1051] Problem z logowaniem – kod 2FA", "Dzień dobry, 2FA zostało zresetowane.", "wyciąg.pdf"),
    ("vi", "Nguyễn Văn An", "Re: [#1052] Số dư chưa cập nhật", "Xin chào, số dư đã được cập nhật.", "sao kê.pdf"),
    ("el", "Νίκος Παπαδόπουλος", "Re: [#1053] Απόρριψη ανάληψης", "Καλησπέρα, η ανάληψη ολοκληρώθηκε.", "κίνηση.pdf"),
    ("th", "สมชาย ใจดี", "Re: [#1054] ถอนเงินไม่สำเร็จ", "สวัสดีครับ การถอนเงินสำเร็จแล้ว", "รายการ.pdf"),
    ("hi", "प्रिया शर्मा", "Re: [#1055] निकासी लंबित", "नमस्ते, आपकी निकासी पूरी हो गई है।", "विवरण.pdf"),
    ("emoji", "Ken 🚀", "Re: [#1056] Staking 💰 rewards", "All good now 👍\nThanks for waiting 🙏", "rewards 📈.pdf"),
]  # fmt: skip


def compose(**overrides: object) -> bytes:
    fields: dict[str, object] = {
        "from_address": "support@lumen.example",
        "from_name": "Lumen 客服",
        "to": [("Alice", "alice@example.com")],
        "subject": "Hello",
        "text": "Body",
        "message_id": "out-1@lumen.example",
    }
    fields.update(overrides)
    return email_compose(**fields).as_bytes()  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("language", "name", "subject", "text", "filename"),
    LANGUAGES,
    ids=[row[0] for row in LANGUAGES],
)
def test_round_trip_preserves_subject_text_and_attachments(
    language: str, name: str, subject: str, text: str, filename: str
) -> None:
    raw = compose(
        from_name=name,
        to=[(name, "customer@example.com")],
        subject=subject,
        text=text,
        html="<p>" + text.replace("\n", "<br>") + '</p><img src="cid:logo@lumen.example">',
        in_reply_to="customer-1@example.com",
        references=["ticket-1@lumen.example"],
        message_id="reply-1@lumen.example",
        attachments=[
            ComposeAttachment(filename=filename, content=PDF, content_type="application/pdf"),
            ComposeAttachment(
                filename="logo.png",
                content=PNG,
                content_type="image/png",
                content_id="logo@lumen.example",
                inline=True,
            ),
        ],
    )
    parsed = email_parse(raw)
    assert parsed.errors == ()
    assert parsed.subject == subject
    assert parsed.text == text
    assert parsed.from_name == name
    assert parsed.message_id == "reply-1@lumen.example"
    assert parsed.in_reply_to == "customer-1@example.com"
    assert parsed.references == ("ticket-1@lumen.example", "customer-1@example.com")
    by_name = {a.filename: a for a in parsed.attachments}
    assert by_name[filename].content == PDF
    assert by_name[filename].content_type == "application/pdf"
    assert by_name["logo.png"].inline
    assert by_name["logo.png"].content_id == "logo@lumen.example"
    assert 'src="cid:logo@lumen.example"' in parsed.html


def test_output_is_seven_bit_with_short_lines() -> None:
    raw = compose(subject="提现 " * 60, text="长" * 5000, html="<p>" + "长" * 5000 + "</p>")
    assert raw.isascii()
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998


def test_structure_is_mixed_alternative_related() -> None:
    message = email_compose(
        from_address="support@lumen.example",
        to=["a@example.com"],
        subject="s",
        text="t",
        html='<p>t</p><img src="cid:i@x">',
        message_id="m@lumen.example",
        attachments=[
            ComposeAttachment(
                filename="i.png",
                content=PNG,
                content_type="image/png",
                content_id="i@x",
                inline=True,
            ),
            ComposeAttachment(filename="a.pdf", content=PDF, content_type="application/pdf"),
        ],
    )
    shape = [part.get_content_type() for part in message.walk()]
    assert shape == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "multipart/related",
        "text/html",
        "image/png",
        "application/pdf",
    ]
    assert [p["MIME-Version"] for p in message.walk()][1:] == [None] * 6


def test_text_only_message_is_a_single_part() -> None:
    message = email_compose(
        from_address="support@lumen.example",
        to=["a@example.com"],
        subject="s",
        text="t",
        message_id="m@x",
    )
    assert message.get_content_type() == "text/plain"


def test_bcc_is_never_written_but_is_an_envelope_recipient() -> None:
    raw = compose(bcc=["boss@lumen.example"], cc=["Team <team@lumen.example>"])
    assert b"boss@lumen.example" not in raw
    assert b"Bcc" not in raw
    assert recipients_envelope(
        to=[("Alice", "alice@example.com")], cc=["team@lumen.example"], bcc=["Boss@Lumen.example"]
    ) == ["alice@example.com", "team@lumen.example", "boss@lumen.example"]


def test_automatic_acknowledgement_is_marked_and_parsed_as_automatic() -> None:
    raw = compose(auto_submitted=True)
    assert b"Auto-Submitted: auto-replied" in raw
    assert b"X-Auto-Response-Suppress: All" in raw
    assert email_parse(raw).auto_submitted
    assert not email_parse(compose()).auto_submitted


def test_references_are_capped_keeping_first_and_last() -> None:
    chain = [f"m{i}@lumen.example" for i in range(60)]
    parsed = email_parse(compose(references=chain, in_reply_to="m59@lumen.example"))
    assert len(parsed.references) == MAX_REFERENCES
    assert parsed.references[0] == "m0@lumen.example"
    assert parsed.references[-1] == "m59@lumen.example"
    assert parsed.references[1] == f"m{60 - MAX_REFERENCES + 1}@lumen.example"


def test_in_reply_to_is_appended_to_references() -> None:
    parsed = email_parse(compose(references=["<root@x>"], in_reply_to="<parent@x>"))
    assert parsed.references == ("root@x", "parent@x")
    assert parsed.in_reply_to == "parent@x"


def test_header_injection_is_neutralised() -> None:
    raw = compose(subject="Hi\r\nBcc: victim@example.com", from_name="Eve\nX-Evil: 1")
    assert b"\r\nBcc:" not in raw and b"\r\nX-Evil:" not in raw
    assert email_parse(raw).subject == "Hi Bcc: victim@example.com"


def test_extra_headers_are_written_but_reserved_ones_refused() -> None:
    raw = compose(headers={"X-Kefu-Conversation": "1042"})
    assert b"X-Kefu-Conversation: 1042" in raw
    with pytest.raises(ValueError, match="cannot be set"):
        compose(headers={"Bcc": "x@example.com"})
    with pytest.raises(ValueError, match="cannot be set"):
        compose(headers={"Bad Name": "x"})


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"to": ["not-an-address"]}, "not an email address"),
        ({"to": []}, "at least one recipient"),
        ({"from_address": "用户@example.com"}, "SMTPUTF8"),
        ({"message_id": "has space@x"}, "unusable message id"),
    ],
)
def test_invalid_input_raises_value_error(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        compose(**overrides)


def test_international_domain_is_punycoded() -> None:
    raw = compose(to=["kunde@bücher.example"])
    assert b"kunde@xn--bcher-kva.example" in raw


def test_html_only_input_gets_a_text_part() -> None:
    parsed = email_parse(compose(text="", html="<p>Hello</p><ul><li>one</li></ul>"))
    assert parsed.text == "Hello\n\n- one"


def test_date_is_written_in_utc() -> None:
    raw = compose(date=datetime(2024, 6, 3, 2, 15, tzinfo=UTC))
    assert b"Date: Mon, 03 Jun 2024 02:15:00 +0000" in raw


def test_generated_message_id_round_trips() -> None:
    message_id = message_id_make(domain="lumen.example")
    assert email_parse(compose(message_id=message_id)).message_id == message_id
    assert re.search(rb"Message-ID: <[^<>\s]+@lumen\.example>", compose(message_id=message_id))
