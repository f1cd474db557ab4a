"""email_parse never raises and always returns storable text, whatever the bytes.

The contract is stronger than "no exception escapes": the catch-all in email_parse must not
be what saved us either, so an "internal parser error" counts as a failure here.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kefu.inboxes.adapters.email import ParsedEmail, email_parse

FIXTURES = Path(__file__).parent / "fixtures"
CORPUS = [path.read_bytes() for path in sorted(FIXTURES.glob("*.eml"))]

# No example database: it would write a .hypothesis directory into the working tree.
FUZZ = settings(
    max_examples=500,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Fragments that steer mutations into the parser's interesting corners.
TOKENS = [
    b"=?", b"?=", b"=?utf-8?b?", b"=?gb2312?q?", b"\n", b"\r\n", b"\n\n", b"\n ", b"--", b";",
    b'"', b"\\", b"*0*=", b"*=utf-8''%E4", b"<", b">", b"@", b"\x00", b"\xff", b"\x1b$B",
    b"Content-Type: multipart/mixed; boundary=x\n", b"Content-Transfer-Encoding: base64\n",
    b"Content-Type: message/rfc822\n\n", b"Content-Disposition: attachment; filename*=",
    b"charset=", b"<blockquote>", b"<script>", b"&#", b"\xe4\xbd", b"begin 644 x\n",
]  # fmt: skip


def assert_well_formed(parsed: ParsedEmail) -> None:
    assert isinstance(parsed, ParsedEmail)
    assert not [e for e in parsed.errors if e.startswith("internal parser error")], parsed.errors
    assert parsed.message_id
    assert not any(c in parsed.message_id for c in "<> \n")
    if parsed.date is not None:
        assert parsed.date.utcoffset() == timedelta(0)
    strings = [
        parsed.message_id, parsed.subject, parsed.from_address, parsed.from_name, parsed.text,
        parsed.full_text, parsed.html, parsed.auto_reason, parsed.language,
        *parsed.references, *parsed.to, *parsed.cc, *parsed.reply_to, *parsed.errors,
        *(a.filename for a in parsed.attachments), *(r.filename for r in parsed.rejected_attachments),
    ]  # fmt: skip
    for value in strings:
        assert isinstance(value, str)
        assert "\x00" not in value
        value.encode("utf-8")  # no lone surrogates: PostgreSQL and JSON must accept it
    for attachment in parsed.attachments:
        assert attachment.size == len(attachment.content)
        assert attachment.filename and "/" not in attachment.filename
        assert "\\" not in attachment.filename
    assert parsed.auto_submitted is bool(parsed.auto_reason)


@FUZZ
@given(st.binary(max_size=4096))
def test_arbitrary_bytes_never_break_the_parser(raw: bytes) -> None:
    assert_well_formed(email_parse(raw))


@st.composite
def mutated_fixture(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(CORPUS)))
    for _ in range(draw(st.integers(min_value=1, max_value=12))):
        if not data:
            break
        position = draw(st.integers(min_value=0, max_value=len(data) - 1))
        operation = draw(st.sampled_from(["flip", "delete", "insert", "truncate", "duplicate"]))
        if operation == "flip":
            data[position] = draw(st.integers(min_value=0, max_value=255))
        elif operation == "delete":
            del data[position : position + draw(st.integers(min_value=1, max_value=64))]
        elif operation == "insert":
            data[position:position] = draw(st.sampled_from(TOKENS))
        elif operation == "truncate":
            del data[position:]
        else:
            end = min(len(data), position + draw(st.integers(min_value=1, max_value=200)))
            data[position:position] = data[position:end]
    return bytes(data)


@FUZZ
@given(mutated_fixture())
def test_mutated_fixtures_never_break_the_parser(raw: bytes) -> None:
    assert_well_formed(email_parse(raw))


header_value = st.one_of(
    st.text(max_size=200),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
    st.lists(st.sampled_from([t.decode("latin-1") for t in TOKENS]), max_size=20).map("".join),
)


@FUZZ
@given(
    subject=header_value,
    sender=header_value,
    content_type=header_value,
    disposition=header_value,
    body=st.binary(max_size=1024),
)
def test_hostile_header_values_never_break_the_parser(
    subject: str, sender: str, content_type: str, disposition: str, body: bytes
) -> None:
    def line(name: str, value: str) -> bytes:
        return name.encode() + b": " + value.encode("utf-8", "surrogateescape") + b"\n"

    raw = (
        line("From", sender)
        + line("Subject", subject)
        + line("Content-Type", content_type)
        + line("Content-Disposition", disposition)
        + b"\n"
        + body
    )
    parsed = email_parse(raw)
    assert_well_formed(parsed)


@FUZZ
@given(st.sampled_from(CORPUS), st.integers(min_value=0, max_value=100))
def test_any_prefix_of_a_real_message_parses(raw: bytes, percent: int) -> None:
    # Mail cut off mid-transfer (a dropped IMAP FETCH) is the most common real damage.
    assert_well_formed(email_parse(raw[: len(raw) * percent // 100]))
