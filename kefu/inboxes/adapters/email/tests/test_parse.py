"""email_parse behaviour beyond the fixture table: charsets, HTML, quotes, attachments, limits."""

from __future__ import annotations

import base64
import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kefu.inboxes.adapters.email import (
    RejectReason,
    content_type_sniff,
    email_parse,
    html_sanitize,
    html_to_text,
    text_reply_extract,
)
from kefu.inboxes.adapters.email.parse import MAX_DEPTH, MAX_HEADER_CHARS, attachment_dangerous

FIXTURES = Path(__file__).parent / "fixtures"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(48) + b"PE\x00\x00"


def mail(*headers: str | bytes, body: bytes = b"hello\n") -> bytes:
    """A message from header lines (str or raw bytes) and a body; From/Message-ID defaulted."""
    lines = [h.encode() if isinstance(h, str) else h for h in headers]
    names = {line.split(b":", 1)[0].lower() for line in lines}
    if b"from" not in names:
        lines.insert(0, b"From: Test Customer <customer@example.com>")
    if b"message-id" not in names:
        lines.append(b"Message-ID: <test@example.com>")
    return b"\n".join(lines) + b"\n\n" + body


def with_attachment(data: bytes, *, header: str, ctype: str = "application/octet-stream") -> bytes:
    return mail(
        "Subject: file",
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="b"',
        body=b"--b\nContent-Type: text/plain\n\nsee attached\n--b\n"
        + f"Content-Type: {ctype}\nContent-Transfer-Encoding: base64\n{header}\n\n".encode()
        + base64.encodebytes(data)
        + b"--b--\n",
    )


# ------------------------------------------------------------------------------ charsets


def test_gb2312_label_is_read_as_gb18030() -> None:
    # 喆 and 堃 are outside GB2312; Chinese mail clients send them under the GB2312 label.
    body = "王喆和李堃申请提现".encode("gb18030")
    parsed = email_parse(mail("Content-Type: text/plain; charset=gb2312", body=body))
    assert parsed.text == "王喆和李堃申请提现"
    assert parsed.errors == ()


def test_unlabelled_latin1_is_not_mistaken_for_chinese() -> None:
    # "é t" is a valid GBK pair; the GB2312-share check must reject the Chinese reading.
    body = "Café tea, résumé attached, Müller".encode("latin-1")
    parsed = email_parse(mail("Content-Type: text/plain", body=body))
    assert parsed.text == "Café tea, résumé attached, Müller"


def test_unlabelled_gbk_is_recognised() -> None:
    body = "请帮我查一下提现记录，谢谢。".encode("gbk")
    parsed = email_parse(mail("Content-Type: text/plain", body=body))
    assert parsed.text == "请帮我查一下提现记录，谢谢。"


def test_utf8_under_a_latin1_label_is_read_as_utf8() -> None:
    parsed = email_parse(
        mail("Content-Type: text/plain; charset=iso-8859-1", body="Olá, não".encode())
    )
    assert parsed.text == "Olá, não"


def test_unknown_label_is_reported_and_text_still_decoded() -> None:
    parsed = email_parse(mail("Content-Type: text/plain; charset=x-made-up", body="Zoë".encode()))
    assert parsed.text == "Zoë"
    assert any("x-made-up" in error for error in parsed.errors)


def test_codec_names_that_are_not_text_encodings_are_refused() -> None:
    # Python's codec registry knows base64 and zlib; a charset label must never reach them.
    for label in ("base64", "zlib", "rot13", "hex", "undefined"):
        parsed = email_parse(mail(f"Content-Type: text/plain; charset={label}", body=b"aGVsbG8="))
        assert parsed.text == "aGVsbG8=", label


def test_windows_1258_combining_marks_come_out_composed() -> None:
    # cp1258 writes "ố" as "ô" + combining acute; search and display want one code point.
    parsed = email_parse(mail("Content-Type: text/plain; charset=windows-1258", body=b"s\xf4\xec"))
    assert parsed.text == "số"


def test_utf16_with_bom_is_decoded() -> None:
    body = "提现 withdrawal".encode("utf-16")
    parsed = email_parse(mail("Content-Type: text/plain; charset=utf-16", body=body))
    assert parsed.text == "提现 withdrawal"


# ------------------------------------------------------------------------------ headers


def test_encoded_words_split_mid_character_are_joined_before_decoding() -> None:
    raw = "提现".encode()
    subject = (
        f"=?utf-8?b?{base64.b64encode(raw[:2]).decode()}?=\n "
        f"=?utf-8?b?{base64.b64encode(raw[2:]).decode()}?="
    )
    parsed = email_parse(mail(f"Subject: {subject}"))
    assert parsed.subject == "提现"


def test_space_between_encoded_words_is_dropped_but_literal_spaces_kept() -> None:
    parsed = email_parse(mail("Subject: Re: =?utf-8?q?caf=C3=A9?= =?utf-8?q?_bar?= [#12]  ok"))
    assert parsed.subject == "Re: café bar [#12] ok"


def test_encoded_word_without_terminator_is_still_decoded() -> None:
    parsed = email_parse(mail("Subject: =?utf-8?B?5o+Q546w"))
    assert parsed.subject == "提现"


def test_iso_2022_jp_and_q_encoding_with_underscores() -> None:
    jis = base64.b64encode("出金".encode("iso2022_jp")).decode()
    parsed = email_parse(mail(f"Subject: =?ISO-2022-JP?B?{jis}?= =?iso-8859-1?q?_pr=FCfen?="))
    assert parsed.subject == "出金 prüfen"


def test_raw_utf8_header_is_legal_and_raw_gbk_is_flagged() -> None:
    ok = email_parse(mail("Subject: 提现".encode()))
    assert ok.subject == "提现"
    assert ok.errors == ()
    gbk = email_parse(
        mail(b"Subject: " + "提现".encode("gbk"), "Content-Type: text/plain; charset=gbk")
    )
    assert gbk.subject == "提现"
    assert any("raw 8-bit" in e for e in gbk.errors)


def test_addresses_are_lower_cased_and_names_decoded() -> None:
    parsed = email_parse(
        mail(
            "From: =?utf-8?b?5byg5LiJ?= <ZhangSan@Example.COM>",
            'To: "Support, Lumen" <support@lumen.example>, other@Example.org',
            "Cc: <a@b.example>, broken <<",
            "Reply-To: refunds@example.com",
            "Delivered-To: support+abc123@lumen.example",
        )
    )
    assert (parsed.from_name, parsed.from_address) == ("张三", "zhangsan@example.com")
    assert parsed.to == ("support@lumen.example", "other@example.org")
    assert parsed.cc == ("a@b.example",)
    assert parsed.reply_to == ("refunds@example.com",)
    assert parsed.delivered_to == ("support+abc123@lumen.example",)


def test_missing_from_falls_back_to_sender_and_reports_it() -> None:
    parsed = email_parse(b"Sender: bot@example.com\nSubject: x\n\nbody\n")
    assert parsed.from_address == "bot@example.com"
    assert "no From header" in parsed.errors


def test_date_is_converted_to_utc_and_unknown_zone_means_utc() -> None:
    shanghai = email_parse(mail("Date: Mon, 3 Jun 2024 10:15:00 +0800"))
    assert shanghai.date == datetime(2024, 6, 3, 2, 15, tzinfo=UTC)
    unknown = email_parse(mail("Date: Mon, 3 Jun 2024 10:15:00 -0000"))
    assert unknown.date == datetime(2024, 6, 3, 10, 15, tzinfo=UTC)


def test_message_ids_are_normalized_and_synthesized_ids_are_stable() -> None:
    parsed = email_parse(
        mail(
            "Message-ID:   <Abc.123@Mail.Example>  ",
            "In-Reply-To: <p1@x.example> (Someone's message of Monday)",
            "References: <r1@x.example>\n <r2@x.example> r3@x.example",
        )
    )
    assert parsed.message_id == "Abc.123@Mail.Example"  # case is significant in ids
    assert parsed.in_reply_to == "p1@x.example"
    assert parsed.references == ("r1@x.example", "r2@x.example")
    raw = b"From: a@b.example\nSubject: no id\n\nbody\n"
    first, again = email_parse(raw), email_parse(raw)
    other = email_parse(raw + b"more")
    assert first.message_id_synthesized
    assert first.message_id == again.message_id != other.message_id


def test_unterminated_message_id_loses_its_bracket() -> None:
    # Found by the fuzz tests: a control character before a truncated "<id@" used to leak
    # "<" into the stored id once the control character was scrubbed.
    assert email_parse(mail("Message-ID: \x01<cut-off@")).message_id == "cut-off@"


def test_references_are_capped_keeping_the_root() -> None:
    refs = " ".join(f"<r{i}@x.example>" for i in range(300))
    parsed = email_parse(mail(f"References: {refs}"))
    assert len(parsed.references) == 100
    assert parsed.references[0] == "r0@x.example"
    assert parsed.references[-1] == "r299@x.example"


def test_content_language_hint() -> None:
    assert email_parse(mail("Content-Language: zh-CN, en")).language == "zh-cn"
    assert email_parse(mail("Content-Language: <script>")).language == ""


def test_huge_header_is_capped() -> None:
    parsed = email_parse(mail("Subject: ok", b"X-Junk: " + b"a" * 5_000_000))
    assert parsed.subject == "ok"
    assert any("X-Junk" in e and str(MAX_HEADER_CHARS) in e for e in parsed.errors)


def test_authentication_results_first_header_wins() -> None:
    parsed = email_parse((FIXTURES / "auth_results_spoofed.eml").read_bytes())
    auth = parsed.authentication
    assert auth.authserv_id == "mx.lumen.example"
    assert (auth.spf, auth.dkim, auth.dmarc) == ("softfail", "fail", "fail")
    assert auth.header_from == "lumen.example"
    good = email_parse((FIXTURES / "charset_utf8_en_deposit.eml").read_bytes()).authentication
    assert (good.spf, good.dkim, good.dmarc, good.dkim_domain) == (
        "pass",
        "pass",
        "pass",
        "example.com",
    )
    absent = email_parse(mail()).authentication
    assert (absent.authserv_id, absent.dmarc) == ("", "none")


# ------------------------------------------------------------------------------ HTML


def test_html_to_text_blocks_lists_links_entities() -> None:
    text = html_to_text(
        "<style>p{}</style><h1>Title</h1><p>One&nbsp;&amp;&#x20AC;<br>Two</p>"
        "<ul><li>a</li><li>b</li></ul>"
        '<p><a href="https://x.example/path">click here</a> '
        '<a href="https://x.example/">https://x.example/</a> '
        '<a href="mailto:help@x.example">help@x.example</a> '
        '<a href="javascript:evil()">js</a></p><script>var s = 1;</script>'
    )
    assert text == (
        "Title\n\nOne &€\nTwo\n\n- a\n- b\n\n"
        "click here (https://x.example/path) https://x.example/ help@x.example js"
    )


def test_html_to_text_quotes_blockquotes_and_keeps_pre() -> None:
    text = html_to_text("<p>answer</p><blockquote>old<br>older</blockquote><pre>a  b\n  c</pre>")
    assert text == "answer\n\n> old\n> older\na  b\n  c"


def test_html_to_text_survives_unclosed_head() -> None:
    assert html_to_text("<head><title>t</title><body>visible") == "visible"


def test_html_sanitize_keeps_content_and_drops_active_parts() -> None:
    clean = html_sanitize(
        '<p onclick="x()" style="color:red;position:fixed;background:url(https://t.example/x)">'
        'Hi <img src="https://t.example/pixel.gif" alt="logo">'
        '<img src="cid:part1@example.com" alt="shot">'
        '<img src="data:image/png;base64,iVBORw0KGgo=">'
        '<img src="data:image/svg+xml;base64,PHN2Zz4=">'
        '<a href="javascript:alert(1)">bad</a><a href="https://ok.example">ok</a></p>'
        "<script>alert(1)</script><style>p{}</style><iframe src=x></iframe>"
    )
    assert "onclick" not in clean and "<script" not in clean and "iframe" not in clean
    assert 'style="color:red"' in clean
    assert "position" not in clean and "url(" not in clean
    assert '<img alt="logo">' in clean  # remote image: src gone, alt kept
    assert 'src="cid:part1@example.com"' in clean
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in clean
    assert "svg" not in clean
    assert "javascript" not in clean
    assert 'href="https://ok.example"' in clean and 'rel="noopener noreferrer nofollow"' in clean


def test_deeply_nested_html_is_shown_as_text() -> None:
    body = b"<blockquote>" * 5000 + b"deep"
    parsed = email_parse(mail("Content-Type: text/html", body=body))
    assert parsed.html.startswith("<pre>")
    assert any("nested deeper" in e for e in parsed.errors)


def test_plain_boilerplate_loses_to_the_html_part() -> None:
    raw = mail(
        "MIME-Version: 1.0",
        'Content-Type: multipart/alternative; boundary="a"',
        body=b"--a\nContent-Type: text/plain\n\nPlease view this mail in HTML.\n"
        b"--a\nContent-Type: text/html\n\n<p>My withdrawal of 2 ETH to 0xabc has been stuck for"
        b" three days, the status page says processing and support chat is not answering.</p>\n"
        b"--a--\n",
    )
    assert email_parse(raw).text.startswith("My withdrawal of 2 ETH")


# ------------------------------------------------------------------------------ quotes


def test_interleaved_answers_are_kept_and_quotes_dropped() -> None:
    text = "> Which network did you use?\nTRC20\n> And the amount?\n500 USDT\n"
    assert text_reply_extract(text) == "TRC20\n500 USDT"


def test_wrote_without_date_or_quote_is_ordinary_text() -> None:
    text = "My friend wrote:\nthe exchange is slow today.\nIs that true?"
    assert text_reply_extract(text) == text


def test_from_to_lines_in_customer_text_are_not_a_quote_header() -> None:
    text = "From: my Ledger wallet\nTo: your deposit address\nAmount: 2 BTC\nStill missing."
    assert text_reply_extract(text) == text


def test_double_dash_far_from_the_end_is_not_a_signature() -> None:
    text = "Steps:\n--\n" + "\n".join(f"step {i}" for i in range(15))
    assert text_reply_extract(text) == text


def test_fully_quoted_reply_falls_back_to_full_text() -> None:
    parsed = email_parse(mail(body=b"> only a quote\n> nothing new\n"))
    assert parsed.text == "> only a quote\n> nothing new"


def test_localized_outlook_header_block_is_cut() -> None:
    text = (
        "Danke!\n\nVon: Lumen Support <support@lumen.example>\nGesendet: Montag, 3. Juni 2024"
        "\nAn: kunde@example.de\nBetreff: AW: Limit\n\nAlter Text"
    )
    assert text_reply_extract(text) == "Danke!"


# ------------------------------------------------------------------------------ attachments


def office_zip(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, b"x")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "filename", "expected"),
    [
        (PNG, "a.bin", "image/png"),
        (b"\xff\xd8\xff\xe0" + bytes(20), "", "image/jpeg"),
        (b"GIF89a" + bytes(20), "", "image/gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "", "image/webp"),
        (b"%PDF-1.7\n", "", "application/pdf"),
        (b"\x00\x00\x00\x18ftypheic" + bytes(16), "", "image/heic"),
        (b"\x00\x00\x00\x18ftypisom" + bytes(16), "", "video/mp4"),
        (office_zip("word/document.xml"), "", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (office_zip("xl/workbook.xml"), "", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (office_zip("notes.txt"), "", "application/zip"),
        (EXE, "photo.jpg", "application/x-msdownload"),
        (b"MZ-4471 is my order number\n", "order.txt", "text/plain"),
        (b"alert('x')\n", "run.js", "text/javascript"),
        (b"<!DOCTYPE html><p>hi", "", "text/html"),
        (b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "", "text/calendar"),
        ("纯文本说明".encode("gbk"), "", "text/plain"),
        (bytes(range(256)), "", "application/octet-stream"),
    ],
)  # fmt: skip
def test_content_type_is_sniffed_from_bytes(data: bytes, filename: str, expected: str) -> None:
    assert content_type_sniff(data, filename=filename, declared="image/png") == expected


@pytest.mark.parametrize(
    ("data", "filename", "content_type", "dangerous"),
    [
        (EXE, "setup.exe", "application/x-msdownload", True),
        (b"hello", "invoice.pdf.scr", "text/plain", True),
        (b"<p>receipt</p>", "receipt.html", "text/html", False),
        (b"<p onmouseover='x()'>r</p>", "receipt.html", "text/html", True),
        (b"<svg><script>x()</script></svg>", "a.svg", "image/svg+xml", True),
        (office_zip("word/document.xml", "word/vbaProject.bin"), "a.docx", "application/zip", True),
        (office_zip("docs/readme.txt"), "a.zip", "application/zip", False),
        (PNG, "screenshot.png", "image/png", False),
    ],
)
def test_dangerous_attachments(
    data: bytes, filename: str, content_type: str, dangerous: bool
) -> None:
    assert attachment_dangerous(data, content_type=content_type, filename=filename) is dangerous


def test_attachment_over_the_limit_is_rejected_without_decoding() -> None:
    data = b"\x00" * (25 * 1024 * 1024)
    parsed = email_parse(
        with_attachment(data, header='Content-Disposition: attachment; filename="scan.bin"')
    )
    assert parsed.attachments == ()
    (rejected,) = parsed.rejected_attachments
    assert rejected.reason is RejectReason.TOO_LARGE
    assert rejected.filename == "scan.bin"
    assert rejected.size > 20 * 1024 * 1024
    assert parsed.text == "see attached"


def test_attachment_limit_is_exact_after_decoding() -> None:
    raw = with_attachment(PNG, header="Content-Disposition: attachment")
    assert len(email_parse(raw, max_attachment_bytes=len(PNG)).attachments) == 1
    (rejected,) = email_parse(raw, max_attachment_bytes=len(PNG) - 1).rejected_attachments
    assert rejected.reason is RejectReason.TOO_LARGE


def test_allowed_types_use_the_sniffed_type() -> None:
    image = with_attachment(PNG, header="Content-Disposition: attachment", ctype="application/pdf")
    assert len(email_parse(image, allowed_types=frozenset({"image/*"})).attachments) == 1
    pdf = with_attachment(
        b"%PDF-1.4\n", header="Content-Disposition: attachment", ctype="image/png"
    )
    (rejected,) = email_parse(pdf, allowed_types=frozenset({"image/*"})).rejected_attachments
    assert rejected.reason is RejectReason.TYPE_NOT_ALLOWED


def test_dangerous_type_passes_only_when_listed_exactly() -> None:
    raw = with_attachment(EXE, header='Content-Disposition: attachment; filename="tool.exe"')
    assert email_parse(raw).rejected_attachments[0].reason is RejectReason.DANGEROUS_TYPE
    assert email_parse(raw, allowed_types=frozenset({"*/*"})).attachments == ()
    allowed = email_parse(raw, allowed_types=frozenset({"application/x-msdownload"}))
    assert allowed.attachments[0].content == EXE


def test_filenames_lose_paths_and_control_characters() -> None:
    raw = with_attachment(
        PNG, header='Content-Disposition: attachment; filename="../../etc/\x01pa:ss.png"'
    )
    assert email_parse(raw).attachments[0].filename == "pa_ss.png"


def test_attachment_without_name_gets_one_from_its_type() -> None:
    raw = with_attachment(PNG, header="Content-Disposition: attachment")
    (attachment,) = email_parse(raw).attachments
    assert attachment.filename == "attachment-1.png"
    assert attachment.declared_type == "application/octet-stream"


def test_inline_image_keeps_its_content_id() -> None:
    parsed = email_parse((FIXTURES / "inline_image_cid.eml").read_bytes())
    (image,) = parsed.attachments
    assert (image.inline, image.content_id, image.content_type) == (
        True,
        "screenshot-1@example.com",
        "image/png",
    )
    assert 'src="cid:screenshot-1@example.com"' in parsed.html
    assert "cdn.example" not in parsed.html and 'alt="banner"' in parsed.html


def test_rfc2231_and_rfc2047_filenames() -> None:
    parsed = email_parse((FIXTURES / "attachment_rfc2231_filename.eml").read_bytes())
    assert [a.filename for a in parsed.attachments] == [
        "身份证正面.pdf",
        "银行流水.png",
        "手持证件.jpg",
    ]
    assert [a.content_type for a in parsed.attachments] == [
        "application/pdf",
        "image/png",
        "image/jpeg",
    ]


def test_forwarded_message_is_summarized_and_attached() -> None:
    parsed = email_parse((FIXTURES / "forward_attached_rfc822.eml").read_bytes())
    (eml,) = parsed.attachments
    assert (eml.filename, eml.content_type) == ("phishing.eml", "message/rfc822")
    assert email_parse(eml.content).subject == "Urgent: verify your wallet within 24 hours"
    assert "Subject: Urgent: verify your wallet within 24 hours" in parsed.full_text
    assert "Enter your seed phrase" in parsed.full_text


def test_forwarded_message_carrying_malware_is_refused_whole() -> None:
    inner = with_attachment(EXE, header='Content-Disposition: attachment; filename="a.exe"')
    raw = mail(
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="o"',
        body=b"--o\nContent-Type: text/plain\n\nlook\n--o\nContent-Type: message/rfc822\n\n"
        + inner
        + b"\n--o--\n",
    )
    parsed = email_parse(raw)
    assert parsed.attachments == ()
    assert parsed.rejected_attachments[0].reason is RejectReason.DANGEROUS_TYPE


def test_forwards_nested_a_hundred_deep_are_cut() -> None:
    raw = b"From: a@example.com\nSubject: core\n\ncore text\n"
    for level in range(100):
        raw = b"From: f%d@example.com\nContent-Type: message/rfc822\n\n" % level + raw
    parsed = email_parse(raw)
    assert any("forwarded message below MIME level" in e for e in parsed.errors)
    assert parsed.full_text.count("Forwarded message") < 15


def test_winmail_and_calendar_are_opaque_attachments() -> None:
    (tnef,) = email_parse((FIXTURES / "winmail_dat.eml").read_bytes()).attachments
    assert (tnef.filename, tnef.content_type) == ("winmail.dat", "application/vnd.ms-tnef")
    (ics,) = email_parse((FIXTURES / "calendar_invite.eml").read_bytes()).attachments
    assert (ics.filename, ics.content_type) == ("invite.ics", "text/calendar")
    assert ics.content.startswith(b"BEGIN:VCALENDAR")


def test_truncated_base64_keeps_the_decodable_prefix() -> None:
    parsed = email_parse((FIXTURES / "malformed_truncated_base64.eml").read_bytes())
    (pdf,) = parsed.attachments
    assert pdf.content.startswith(b"%PDF-1.4")
    assert any("base64" in e for e in parsed.errors)


# ------------------------------------------------------------------------------ structure


def deep_mail(levels: int) -> bytes:
    parts = [b"MIME-Version: 1.0"]
    opening = b"".join(
        b'Content-Type: multipart/mixed; boundary="l%d"\n\n--l%d\n' % (i, i) for i in range(levels)
    )
    closing = b"".join(b"--l%d--\n" % i for i in reversed(range(levels)))
    return (
        mail(*parts, body=b"").replace(b"\n\n", b"\n", 1)
        + opening
        + b"Content-Type: text/plain\n\nin\n"
        + closing
    )


def test_nesting_within_the_limit_is_read() -> None:
    assert email_parse(deep_mail(MAX_DEPTH - 2)).text == "in"


def test_nesting_past_the_limit_is_cut_with_an_error() -> None:
    parsed = email_parse(deep_mail(60))
    assert parsed.text == ""
    assert any("nesting deeper" in e for e in parsed.errors)


def test_nesting_that_would_overflow_the_parser_stack_is_survived() -> None:
    parsed = email_parse(deep_mail(3000))
    assert any("nested too deeply" in e for e in parsed.errors)
    assert parsed.from_address == "customer@example.com"


def test_part_count_is_capped() -> None:
    parts = b"".join(b"--b\nContent-Type: text/plain\n\npart %d\n" % i for i in range(2000))
    parsed = email_parse(
        mail('Content-Type: multipart/mixed; boundary="b"', body=parts + b"--b--\n")
    )
    assert "part 0" in parsed.text and "part 1999" not in parsed.text
    assert any("MIME parts" in e for e in parsed.errors)


def test_bounce_is_recognised_as_a_report() -> None:
    parsed = email_parse(
        (FIXTURES / "bounce_dsn.eml").read_bytes().replace(b"Auto-Submitted: auto-replied\n", b"")
    )
    assert parsed.auto_submitted
    assert parsed.auto_reason.startswith("empty Return-Path") or "report" in parsed.auto_reason


@pytest.mark.parametrize(
    ("header", "auto"),
    [
        ("Auto-Submitted: no", False),
        ("Auto-Submitted: auto-generated", True),
        ("Precedence: list", True),
        ("Precedence: first-class", False),
        ("X-Auto-Response-Suppress: OOF", True),
        ("Return-Path: <>", True),
        ("Return-Path: <customer@example.com>", False),
        ("From: noreply@bank.example", True),
        ("Subject: Out of Office: back Monday", True),
        ("Subject: Re: out of office hours support?", False),
        ("Subject: 自動回覆：休假中", True),
    ],
)
def test_automatic_mail_detection(header: str, auto: bool) -> None:
    assert email_parse(mail(header)).auto_submitted is auto


# ------------------------------------------------------------------------------ contract


def test_auto_reason_quoting_raw_bytes_is_storable() -> None:
    # Found by the fuzz tests: the reason quotes the header value, raw 8-bit bytes included.
    parsed = email_parse(mail(b"X-Autoreply: y\x85es"))
    assert parsed.auto_submitted
    parsed.auto_reason.encode("utf-8")


def test_output_is_clean_text_even_from_nul_bytes() -> None:
    parsed = email_parse(mail("Subject: a\x00b", body=b"x\x00y\x1bz\n"))
    assert parsed.subject == "ab"
    assert parsed.text == "xyz"


@pytest.mark.parametrize("raw", [b"", b"\n\n\n", b"\xff" * 100, b"no headers at all"])
def test_degenerate_input_gives_a_parsed_email(raw: bytes) -> None:
    parsed = email_parse(raw)
    assert parsed.message_id.endswith("@synthesized.kefu.invalid")
    assert parsed.errors


def test_other_buffer_types_are_accepted() -> None:
    raw = mail("Subject: buffer")
    assert email_parse(bytearray(raw)).subject == "buffer"
    assert email_parse(memoryview(raw)).subject == "buffer"
    assert email_parse(raw.decode()).subject == "buffer"  # type: ignore[arg-type]
