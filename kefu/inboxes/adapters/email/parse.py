"""Turn one raw RFC 5322 message into a ParsedEmail.

Contract: `email_parse` never raises. Whatever the bytes are, it returns a ParsedEmail; what
went wrong is listed in `.errors` (malformed MIME, undecodable text, truncated base64, parts
skipped past a limit). An importer loop therefore needs no try/except around it, and a
message with errors is still stored (the agent sees what could be recovered) rather than lost.

Only the stdlib `email` package (in its lenient compat32 mode, which keeps the raw header bytes)
and nh3 are used. Header values are decoded here, not by the stdlib header registry, because
real mail carries raw 8-bit headers, lying charset labels and encoded-words split mid-character,
and the registry either raises or loses the bytes on those.
"""

from __future__ import annotations

import binascii
import codecs
import contextlib
import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy as email_policy
from email.message import Message
from email.parser import BytesHeaderParser, BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from enum import StrEnum
from html import escape as html_escape
from html.parser import HTMLParser

import nh3

DEFAULT_MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024

# Limits that keep one hostile message from costing more than a normal one by orders of
# magnitude. Real mail stays far below each of them.
MAX_DEPTH = 25  # nested multiparts
MAX_PARTS = 500
# Each forwarded message is re-serialized and parsed on its own, so nested forwards cost
# depth x size; real mail nests two or three.
MAX_FORWARD_LEVEL = 12
MAX_HEADERS = 500
MAX_HEADER_CHARS = 32 * 1024  # one header value, after unfolding
MAX_REFERENCES = 100
MAX_HTML_CHARS = 2 * 1024 * 1024  # sanitized for display
MAX_HTML_TEXT_CHARS = 1024 * 1024  # rendered to text (pure-Python parser, about 1 MB/s)
MAX_HTML_NESTING = 1000  # the sanitizer's time grows with the square of nesting depth
MAX_TEXT_CHARS = 1024 * 1024
MAX_SUBJECT_CHARS = 998  # the RFC 5322 line limit; longer subjects are junk or attacks

# Marks where an HTML quote container (gmail_quote, divRplyFwdMsg, blockquote type=cite)
# started, so the text extractor can cut there. Private-use code points never occur in mail.
_QUOTE_MARK = "\ue000kefu-quote\ue000"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


class RejectReason(StrEnum):
    TOO_LARGE = "too_large"
    TYPE_NOT_ALLOWED = "type_not_allowed"
    DANGEROUS_TYPE = "dangerous_type"


@dataclass(frozen=True, slots=True)
class ParsedAttachment:
    filename: str
    content_type: str  # sniffed from the bytes; the header's claim is in declared_type
    size: int
    content: bytes = field(repr=False)
    content_id: str | None  # without <>, matches `cid:` references in the HTML
    inline: bool
    declared_type: str = ""


@dataclass(frozen=True, slots=True)
class RejectedAttachment:
    filename: str
    content_type: str
    size: int  # decoded size, or an estimate from the encoded size when too large to decode
    reason: RejectReason


@dataclass(frozen=True, slots=True)
class Authentication:
    """The first (topmost) Authentication-Results header: the one our own MX added.

    Headers further down were written by other hops or by the sender and prove nothing;
    the receiving MTA must strip forged copies carrying its own authserv_id.
    """

    authserv_id: str = ""  # empty when the message carried no Authentication-Results
    spf: str = "none"
    dkim: str = "none"
    dmarc: str = "none"
    header_from: str = ""  # the RFC 5322 From domain that DMARC evaluated
    dkim_domain: str = ""


@dataclass(frozen=True, slots=True)
class ParsedEmail:
    message_id: str  # without <>
    message_id_synthesized: bool
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    from_address: str
    from_name: str
    reply_to: tuple[str, ...]
    to: tuple[str, ...]
    cc: tuple[str, ...]
    # Delivered-To / X-Original-To / Envelope-To: the only place a Bcc'd plus-address shows.
    delivered_to: tuple[str, ...]
    date: datetime | None
    text: str  # the new text of this message: quotes and signature removed
    full_text: str  # the whole body as text, forwarded messages summarized
    html: str  # sanitized for display; "" for text-only mail
    attachments: tuple[ParsedAttachment, ...]
    rejected_attachments: tuple[RejectedAttachment, ...]
    auto_submitted: bool
    auto_reason: str
    authentication: Authentication
    language: str  # Content-Language hint, "" when absent
    errors: tuple[str, ...]


def email_parse(
    raw: bytes | bytearray | memoryview,
    *,
    max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES,
    allowed_types: frozenset[str] | None = None,
) -> ParsedEmail:
    """Parse one message. Never raises; see the module docstring.

    `allowed_types` None keeps every attachment except dangerous ones (executables, scripts,
    HTML with script, macro documents, archives holding those). A set keeps only the sniffed
    types it lists ("image/*" wildcards work); a dangerous type passes only when listed exactly.
    """
    if isinstance(raw, str):  # callers should pass bytes; a str is still not worth a crash
        data = raw.encode("utf-8", "surrogateescape")
    else:
        data = bytes(raw) if isinstance(raw, bytes | bytearray | memoryview) else b""
    options = _Options(max_attachment_bytes=max_attachment_bytes, allowed_types=allowed_types)
    try:
        return _message_parse_bytes(data, options=options)
    except Exception as exc:  # the contract is "never raises"; a parser bug must not stop an import
        return _parse_failed(data, reason=f"internal parser error: {type(exc).__name__}: {exc}")


# --------------------------------------------------------------------------------------------
# Top level


@dataclass(frozen=True, slots=True)
class _Options:
    max_attachment_bytes: int
    allowed_types: frozenset[str] | None


@dataclass(slots=True)
class _Body:
    """What a walk over one message's MIME tree collects."""

    plains: list[str] = field(default_factory=list)
    htmls: list[str] = field(default_factory=list)
    forwarded: list[str] = field(default_factory=list)
    attachments: list[ParsedAttachment] = field(default_factory=list)
    rejected: list[RejectedAttachment] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    report_type: str = ""
    parts_seen: int = 0


def _message_parse_bytes(data: bytes, *, options: _Options) -> ParsedEmail:
    errors: list[str] = []
    if not data.strip():
        errors.append("empty message")
    try:
        message = BytesParser(policy=email_policy.compat32).parsebytes(data)
    except RecursionError:
        # The stdlib parser recurses once per nesting level; thousands of levels exhaust the
        # stack. Keep the headers and treat the body as opaque text.
        errors.append("MIME structure nested too deeply to parse; body kept as raw text")
        message = BytesHeaderParser(policy=email_policy.compat32).parsebytes(data)
        del message["content-type"]
        message["Content-Type"] = "text/plain"
    digest = hashlib.sha256(data).hexdigest()
    return _message_parse(message, options=options, depth=0, digest=digest, errors=errors)


def _message_parse(
    message: Message, *, options: _Options, depth: int, digest: str, errors: list[str]
) -> ParsedEmail:
    headers = _headers_collect(message, errors=errors)
    hint = _charset_hint(headers)

    subject = _header_text(_header_first(headers, "subject"), hint=hint)
    subject = _whitespace_collapse(subject)[:MAX_SUBJECT_CHARS]

    senders = _addresses_parse(headers.get("from", []), hint=hint)
    if not headers.get("from"):
        errors.append("no From header")
    elif not senders:
        errors.append("From header has no valid address")
    if not senders:
        # Someone still has to get the answer: Sender and Return-Path are the next best guess.
        senders = _addresses_parse(
            headers.get("sender", []) + headers.get("return-path", []), hint=hint
        )
    from_name, from_address = senders[0] if senders else ("", "")

    message_id = _message_id_normalize(_header_first(headers, "message-id"))
    synthesized = message_id is None
    if message_id is None:
        if "message-id" not in headers:
            errors.append("no Message-ID header; synthesized one from the message hash")
        else:
            errors.append("unusable Message-ID header; synthesized one from the message hash")
        message_id = f"{digest[:40]}@synthesized.kefu.invalid"

    in_reply_to_ids = _message_ids_all(_header_first(headers, "in-reply-to"))
    references = _message_ids_all(" ".join(headers.get("references", [])))
    if len(references) > MAX_REFERENCES:
        references = references[:1] + references[-(MAX_REFERENCES - 1) :]

    date_value = _header_first(headers, "date")
    date = _date_parse(date_value)
    if date_value is not None and date is None:
        errors.append("unparseable Date header")

    body = _Body(errors=errors)
    _tree_walk(message, body=body, options=options, depth=depth)

    full_text, text, html = _body_render(body, errors=errors)
    auto_submitted, auto_reason = _auto_detect(
        headers,
        subject=subject,
        from_address=from_address,
        report_type=body.report_type,
        content_type=_content_type(message)[0],
    )
    return ParsedEmail(
        message_id=_text_scrub(message_id),
        message_id_synthesized=synthesized,
        in_reply_to=_text_scrub(in_reply_to_ids[0]) if in_reply_to_ids else None,
        references=tuple(_text_scrub(ref) for ref in references),
        subject=_text_scrub(subject),
        from_address=from_address,
        from_name=_text_scrub(from_name),
        reply_to=tuple(a for _, a in _addresses_parse(headers.get("reply-to", []), hint=hint)),
        to=tuple(a for _, a in _addresses_parse(headers.get("to", []), hint=hint)),
        cc=tuple(a for _, a in _addresses_parse(headers.get("cc", []), hint=hint)),
        delivered_to=tuple(
            a
            for _, a in _addresses_parse(
                headers.get("delivered-to", [])
                + headers.get("x-original-to", [])
                + headers.get("envelope-to", []),
                hint=hint,
            )
        ),
        date=date,
        text=text,
        full_text=full_text,
        html=html,
        attachments=tuple(body.attachments),
        rejected_attachments=tuple(body.rejected),
        auto_submitted=auto_submitted,
        auto_reason=_text_scrub(auto_reason),
        authentication=_authentication_parse(headers.get("authentication-results", [])),
        language=_language_parse(_header_first(headers, "content-language")),
        errors=tuple(dict.fromkeys(_text_scrub(e) for e in errors)),
    )


def _parse_failed(data: bytes, *, reason: str) -> ParsedEmail:
    """The last resort when the parser itself failed: keep the bytes readable for a human."""
    try:
        text = _text_scrub(_bytes_decode(data[:MAX_TEXT_CHARS], label=None, errors=[]))
    except Exception:  # even the fallback must not raise
        text = ""
    return ParsedEmail(
        message_id=f"{hashlib.sha256(data).hexdigest()[:40]}@synthesized.kefu.invalid",
        message_id_synthesized=True,
        in_reply_to=None,
        references=(),
        subject="",
        from_address="",
        from_name="",
        reply_to=(),
        to=(),
        cc=(),
        delivered_to=(),
        date=None,
        text=text,
        full_text=text,
        html="",
        attachments=(),
        rejected_attachments=(),
        auto_submitted=False,
        auto_reason="",
        authentication=Authentication(),
        language="",
        errors=(_text_scrub(reason),),
    )


# --------------------------------------------------------------------------------------------
# Headers


def _headers_collect(message: Message, *, errors: list[str]) -> dict[str, list[str]]:
    """Lower-cased name -> raw values (8-bit bytes kept as surrogate escapes), capped."""
    headers: dict[str, list[str]] = {}
    for count, (name, value) in enumerate(message.raw_items()):
        if count >= MAX_HEADERS:
            errors.append(f"more than {MAX_HEADERS} headers; the rest were ignored")
            break
        raw = value if isinstance(value, str) else str(value)
        if len(raw) > MAX_HEADER_CHARS:
            errors.append(f"header {name[:40]!r} longer than {MAX_HEADER_CHARS} characters; cut")
            raw = raw[:MAX_HEADER_CHARS]
        if not raw.isascii() and not _utf8_valid(raw):
            # Raw UTF-8 is legal since RFC 6532; any other raw 8-bit charset is a guess.
            errors.append(f"header {name[:40]!r} holds raw 8-bit bytes that are not UTF-8")
        headers.setdefault(name.strip().lower(), []).append(raw)
    for defect in message.defects:
        errors.append(_defect_describe(defect))
    return headers


def _utf8_valid(value: str) -> bool:
    try:
        value.encode("utf-8", "surrogateescape").decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _header_first(headers: dict[str, list[str]], name: str) -> str | None:
    values = headers.get(name)
    return values[0] if values else None


def _part_header(part: Message, name: str) -> str:
    for key, value in part.raw_items():
        if key.strip().lower() == name:
            return _unfold(value if isinstance(value, str) else str(value))[:MAX_HEADER_CHARS]
    return ""


def _defect_describe(defect: object) -> str:
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", type(defect).__name__).lower()
    return "malformed MIME: " + words.removesuffix(" defect")


def _unfold(value: str) -> str:
    return re.sub(r"\r?\n(?=[ \t])", "", value).replace("\r", "").replace("\n", " ")


def _whitespace_collapse(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip()


def _charset_hint(headers: dict[str, list[str]]) -> str | None:
    """The top-level body charset: the best guess for raw 8-bit bytes in headers."""
    _, params = _content_type_split(_unfold(_header_first(headers, "content-type") or ""))
    return params.get("charset")


_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,64})\?([bBqQ])\?([^?]*?)(?:\?=|\s*$)")


def _header_text(value: str | None, *, hint: str | None) -> str:
    """Decode RFC 2047 encoded-words and raw 8-bit bytes in one header value."""
    if not value:
        return ""
    value = _unfold(value)
    pieces: list[str] = []
    pending: bytearray | None = None  # bytes of adjacent encoded-words sharing one charset
    pending_charset = ""
    position = 0

    def pending_flush() -> None:
        nonlocal pending
        if pending is not None:
            pieces.append(_bytes_decode(bytes(pending), label=pending_charset, errors=[]))
            pending = None

    for match in _ENCODED_WORD.finditer(value):
        literal = value[position : match.start()]
        position = match.end()
        charset = match.group(1).split("*", 1)[0]  # RFC 2231 adds *language
        payload = re.sub(r"\s+", "", match.group(3))
        encoded = payload.encode("utf-8", "surrogateescape")
        if match.group(2) in "bB":
            decoded = _base64_decode(encoded)[0]
        else:
            decoded = binascii.a2b_qp(encoded, header=True)
        if literal and not (literal.isspace() and pending is not None):
            pending_flush()
            pieces.append(_raw_header_decode(literal, hint=hint))
        # Mailers split multi-byte characters across words; join bytes before decoding.
        if pending is not None and charset.lower() == pending_charset.lower():
            pending.extend(decoded)
        else:
            pending_flush()
            pending = bytearray(decoded)
            pending_charset = charset
    pending_flush()
    pieces.append(_raw_header_decode(value[position:], hint=hint))
    return unicodedata.normalize("NFC", "".join(pieces))


def _raw_header_decode(value: str, *, hint: str | None) -> str:
    if value.isascii():
        return value
    data = value.encode("utf-8", "surrogateescape")
    return _bytes_decode(data, label=hint, errors=[])


_ADDR_SPEC = re.compile(r"[^\s@<>()\[\],;:\"]+@[^\s@<>()\[\],;:\"]+")


def _addresses_parse(values: list[str], *, hint: str | None) -> list[tuple[str, str]]:
    """(display name, lower-cased address) pairs; entries without a usable address dropped."""
    if not values:
        return []
    joined = ", ".join(_unfold(v) for v in values)[:MAX_HEADER_CHARS]
    pairs: list[tuple[str, str]] = []
    try:
        pairs = getaddresses([joined])
    except Exception:  # the stdlib address parser has raised on hostile input before
        pairs = []
    result: list[tuple[str, str]] = []
    for name, address in pairs:
        clean = _address_normalize(address, hint=hint)
        if clean:
            result.append((_whitespace_collapse(_header_text(name, hint=hint)), clean))
    if not result:
        # Strict getaddresses refuses a list with one broken entry; scan for addr-specs instead.
        text = _header_text(joined, hint=hint)
        for match in _ADDR_SPEC.finditer(text):
            clean = _address_normalize(match.group(0), hint=hint)
            if clean:
                result.append(("", clean))
    unique: dict[str, tuple[str, str]] = {}
    for name, address in result:
        unique.setdefault(address, (name, address))
    return list(unique.values())


def _address_normalize(address: str, *, hint: str | None) -> str:
    address = _raw_header_decode(address, hint=hint).strip().strip("<>").strip().lower()
    address = _text_scrub(address)
    if len(address) > 320 or not _ADDR_SPEC.fullmatch(address):
        return ""
    local, _, domain = address.rpartition("@")
    if not local or not domain or domain.startswith(".") or domain.endswith("."):
        return ""
    return address


_MESSAGE_ID = re.compile(r"<([^<>\s]{1,990})>")


def _message_id_normalize(value: str | None) -> str | None:
    if not value:
        return None
    ids = _message_ids_all(value)
    return ids[0] if ids else None


def _message_ids_all(value: str | None) -> list[str]:
    """Ids in order without <>; bare ids (broken mailers omit brackets) accepted if they hold @."""
    if not value:
        return []
    value = _unfold(value)
    ids = [m.group(1) for m in _MESSAGE_ID.finditer(value)]
    if not ids:
        ids = [re.sub(r"[<>,;]", "", t) for t in value.split() if "@" in t and len(t) < 990]
    clean = [_raw_header_decode(i, hint=None) for i in ids if i]
    return list(dict.fromkeys(i for i in clean if i))


def _date_parse(value: str | None) -> datetime | None:
    if not value:
        return None
    value = _whitespace_collapse(_unfold(value))[:200]
    try:
        parsed = parsedate_to_datetime(value)
        if parsed.tzinfo is None:  # "-0000" means UTC with unknown local zone
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


_LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*")


def _language_parse(value: str | None) -> str:
    if not value:
        return ""
    first = _unfold(value).split(",")[0].strip()
    return first.lower() if _LANGUAGE_TAG.fullmatch(first) else ""


# --------------------------------------------------------------------------------------------
# Content-Type and friends


def _content_type(part: Message) -> tuple[str, dict[str, str]]:
    ctype, params = _content_type_split(_part_header(part, "content-type"))
    if "/" not in ctype:
        # RFC 2045: a missing or invalid type means text/plain, except inside a digest.
        default = part.get_default_type()
        return default, params
    return ctype, params


def _content_type_split(value: str) -> tuple[str, dict[str, str]]:
    head, _, rest = value.partition(";")
    return _whitespace_collapse(head).lower(), _params_parse(rest)


def _params_parse(value: str) -> dict[str, str]:
    """MIME parameters, RFC 2231 continuations and charsets included, values decoded to text.

    Written here rather than taken from the stdlib because its parser goes through str() of
    a Header object when the value holds raw 8-bit bytes, which loses those bytes.
    """
    simple: dict[str, str] = {}
    extended: dict[str, dict[int, tuple[str, bool]]] = {}
    for item in _params_split(value):
        name, eq, raw_val = item.partition("=")
        if not eq:
            continue
        name = name.strip().lower()
        raw_val = raw_val.strip()
        if raw_val.startswith('"'):
            raw_val = _quoted_string(raw_val)
        # name*=charset'lang'value, name*0*=..., name*1=... (RFC 2231 sections 3 and 4)
        match = re.fullmatch(r"([a-z0-9_.-]+)\*(\d{1,3})?(\*)?", name)
        if match:
            index = int(match.group(2) or 0)
            encoded = match.group(2) is None or match.group(3) is not None
            extended.setdefault(match.group(1), {})[index] = (raw_val, encoded)
        elif "*" not in name and name not in simple:
            simple[name] = raw_val
    for base, sections in extended.items():
        simple[base] = _rfc2231_join(sections)
    return simple


def _params_split(value: str) -> list[str]:
    items: list[str] = []
    current: list[str] = []
    quoted = False
    escaped = False
    for char in value:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\" and quoted:
            current.append(char)
            escaped = True
        elif char == '"':
            current.append(char)
            quoted = not quoted
        elif char == ";" and not quoted:
            items.append("".join(current))
            current = []
        else:
            current.append(char)
    items.append("".join(current))
    return [i for i in items if i.strip()]


def _quoted_string(value: str) -> str:
    out: list[str] = []
    escaped = False
    for char in value[1:]:
        if escaped:
            out.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            break
        else:
            out.append(char)
    return "".join(out)


def _rfc2231_join(sections: dict[int, tuple[str, bool]]) -> str:
    charset = ""
    chunks: list[bytes] = []
    for index in sorted(sections):
        raw_val, encoded = sections[index]
        if encoded:
            if index == 0 and raw_val.count("'") >= 2:
                charset, _language, raw_val = raw_val.split("'", 2)
            chunks.append(_percent_decode(raw_val))
        else:
            chunks.append(raw_val.encode("utf-8", "surrogateescape"))
    return _bytes_decode(b"".join(chunks), label=charset or None, errors=[])


def _percent_decode(value: str) -> bytes:
    data = value.encode("utf-8", "surrogateescape")
    return re.sub(rb"%([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), data)


# --------------------------------------------------------------------------------------------
# Charsets


# Labels mail carries, mapped to the codecs that decode what is actually sent under them.
# GB2312 labels carry GBK/GB18030 text in practice; Big5 carries HKSCS and CP950 characters;
# Shift_JIS carries CP932; EUC-KR carries CP949; ISO-8859-1 and ASCII carry CP1252 (as in
# WHATWG Encoding, which browsers follow for the same reason).
_CHARSET_CANDIDATES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        _words("gb2312 gbk x-gbk cp936 ms936 windows-936 euc-cn x-euc-cn csgb2312 gb-2312-80")
        | _words("gb2312-80 chinese gb18030 iso-ir-58"),
        ("gb18030",),
    ),
    **dict.fromkeys(
        _words("big5 x-x-big5 csbig5 x-big5 big5-hkscs big5hkscs cn-big5"),
        ("big5hkscs", "cp950"),
    ),
    **dict.fromkeys(_words("cp950 windows-950 ms950 x-windows-950"), ("cp950", "big5hkscs")),
    **dict.fromkeys(
        _words("shift-jis sjis x-sjis ms-kanji csshiftjis windows-31j cp932 ms932 x-ms-cp932"),
        ("cp932", "shift_jis_2004"),
    ),
    **dict.fromkeys(
        _words("iso-2022-jp csiso2022jp iso2022jp"),
        ("iso2022_jp", "iso2022_jp_ext", "iso2022_jp_2004", "iso2022_jp_2", "iso2022_jp_3"),
    ),
    **dict.fromkeys(_words("euc-jp x-euc-jp cseucpkdfmtjapanese"), ("euc_jp", "euc_jis_2004")),
    **dict.fromkeys(
        _words("euc-kr ks-c-5601-1987 ks-c-5601 ksc5601 korean windows-949 x-windows-949")
        | _words("cp949 uhc cseuckr"),
        ("cp949",),
    ),
    **dict.fromkeys(
        _words("iso-8859-1 iso8859-1 latin1 latin-1 l1 iso-ir-100 cp819 us-ascii ascii")
        | _words("ansi-x3.4-1968 us windows-1252 cp1252"),
        ("cp1252", "latin-1"),
    ),
    **dict.fromkeys(_words("iso-8859-9 iso8859-9 latin5 l5"), ("cp1254", "iso8859-9")),
    **dict.fromkeys(_words("tis-620 iso-8859-11 windows-874"), ("cp874",)),
    **dict.fromkeys(_words("utf8 utf-8 unicode-1-1-utf-8 x-unicode20utf8"), ("utf-8",)),
}
_CHARSET_UNKNOWN = _words(
    "unknown-8bit x-unknown unknown 8bit default charset x-user-defined none binary us-ascii8"
)
# Codecs that codecs.lookup() finds but that are not text encodings or not plausible in mail.
_CHARSET_REFUSED = _words(
    "base64 bz2 hex quopri rot-13 rot13 uu zlib undefined unicode-escape raw-unicode-escape"
    " punycode idna mbcs oem unicode-internal palmos"
)
_CHARSET_LABEL = re.compile(r"[a-z0-9][a-z0-9._:()+-]{0,39}")
_STATEFUL_7BIT = ("iso2022", "utf-7", "hz")
_SINGLE_BYTE_PREFIXES = tuple(
    _words("cp125 iso8859 latin koi8 mac- ascii cp874 cp437 cp85 cp86 tis")
)


def _charset_candidates(label: str | None, *, errors: list[str]) -> tuple[str, ...]:
    if not label:
        return ()
    name = label.strip().strip("\"'").split("*", 1)[0].strip().lower().replace("_", "-")
    if not name or name in _CHARSET_UNKNOWN:
        return ()
    if name in _CHARSET_CANDIDATES:
        return _CHARSET_CANDIDATES[name]
    if _CHARSET_LABEL.fullmatch(name):
        try:
            info = codecs.lookup(name)
        except LookupError:
            info = None
        if info is not None and info.name.replace("_", "-") not in _CHARSET_REFUSED:
            return (info.name,)
    errors.append(f"unknown charset label {label[:40]!r}; guessed the encoding")
    return ()


def _bytes_decode(data: bytes, *, label: str | None, errors: list[str]) -> str:
    """Decode text that claims `label`, falling back through what real mail turns out to be."""
    if not data:
        return ""
    candidates = _charset_candidates(label, errors=errors)
    if data.isascii() and not any(c.startswith(_STATEFUL_7BIT) for c in candidates):
        return data.decode("ascii")
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", "replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace")
    single_byte = bool(candidates) and candidates[0].startswith(_SINGLE_BYTE_PREFIXES)
    if single_byte or not candidates:
        # UTF-8 sent under a Latin label is the most common lie; valid multi-byte UTF-8 almost
        # never occurs by accident in single-byte text.
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    for codec in candidates:
        try:
            return data.decode(codec)
        except (UnicodeError, LookupError, ValueError, TypeError):
            continue
    if candidates:
        errors.append(f"text does not match its charset label {(label or '')[:40]!r}; guessed")
    for codec, check in (("utf-8", None), ("gb18030", _mostly_gb2312), ("cp1252", None)):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if check is None or check(text):
            return text
    fallback = candidates[0] if candidates else "utf-8"
    try:
        return data.decode(fallback, "replace")
    except (UnicodeError, LookupError, ValueError, TypeError):
        return data.decode("utf-8", "replace")


def _mostly_gb2312(text: str) -> bool:
    """Whether text decoded as GB18030 looks like Chinese rather than mis-decoded Latin.

    Latin-1 bytes read as GBK pair a high byte with an ASCII letter, which lands outside the
    GB2312 block every common Chinese character lives in.
    """
    wide = [c for c in text[:4000] if ord(c) > 0x7F]
    if not wide:
        return True
    common = 0
    for char in wide:
        try:
            char.encode("gb2312")
            common += 1
        except UnicodeEncodeError:
            pass
    return common / len(wide) >= 0.8


# --------------------------------------------------------------------------------------------
# MIME tree


def _tree_walk(message: Message, *, body: _Body, options: _Options, depth: int) -> None:
    """Iterative walk (a stack, not recursion) so nesting depth cannot exhaust the C stack."""
    stack: list[tuple[Message, int]] = [(message, depth)]
    while stack:
        part, level = stack.pop()
        body.parts_seen += 1
        if body.parts_seen > MAX_PARTS:
            body.errors.append(f"more than {MAX_PARTS} MIME parts; the rest were ignored")
            return
        if part is not message:
            body.errors.extend(_defect_describe(d) for d in part.defects)
        ctype, params = _content_type(part)
        payload = part.get_payload() if part.is_multipart() else None
        if ctype == "multipart/report" and level == depth:
            body.report_type = params.get("report-type", "").lower()
        if ctype in ("message/rfc822", "message/global") and isinstance(payload, list):
            if payload and isinstance(payload[0], Message):
                _forwarded_add(part, payload[0], body=body, options=options, level=level)
            continue
        if ctype == "message/delivery-status":
            body.report_type = body.report_type or "delivery-status"
            continue
        if isinstance(payload, list):
            if level - depth >= MAX_DEPTH or level >= MAX_DEPTH * 2:
                body.errors.append(
                    f"MIME nesting deeper than {MAX_DEPTH} levels; inner parts skipped"
                )
                continue
            children = [c for c in payload if isinstance(c, Message)]
            stack.extend((child, level + 1) for child in reversed(children))
            continue
        if ctype.startswith("multipart/"):
            recovered = _boundary_recover(part, ctype=ctype, body=body)
            if recovered is not None and level - depth < MAX_DEPTH:
                stack.append((recovered, level + 1))
                continue
            ctype, params = "text/plain", {}
        _leaf_add(part, ctype=ctype, params=params, body=body, options=options)


def _boundary_recover(part: Message, *, ctype: str, body: _Body) -> Message | None:
    """A multipart without a usable boundary: guess it from the body's `--token` lines."""
    data = _payload_raw(part)
    text = data.decode("latin-1")  # only scanned for ASCII boundary lines
    for match in re.finditer(r"^--([0-9A-Za-z'()+_,./:=?-]{1,70}?)(?:--)?[ \t]*\r?$", text, re.M):
        token = match.group(1)
        if text.count("--" + token) >= 2:
            body.errors.append(f"{ctype} part has no usable boundary; guessed {token[:40]!r}")
            subtype = (
                ctype if re.fullmatch(r"multipart/[a-z0-9.+-]{1,40}", ctype) else "multipart/mixed"
            )
            head = f'Content-Type: {subtype}; boundary="{token}"\r\n\r\n'.encode("ascii")
            raw = head + data
            try:
                recovered = BytesParser(policy=email_policy.compat32).parsebytes(raw)
            except RecursionError:
                return None
            return recovered if recovered.is_multipart() else None
    body.errors.append(f"{ctype} part has no boundary; read as plain text")
    return None


def _leaf_add(
    part: Message, *, ctype: str, params: dict[str, str], body: _Body, options: _Options
) -> None:
    disposition, disposition_params = _content_type_split(_part_header(part, "content-disposition"))
    filename = disposition_params.get("filename") or params.get("name") or ""
    filename = _whitespace_collapse(_header_text(filename, hint=params.get("charset")))
    is_body = ctype in ("text/plain", "text/html") and disposition != "attachment" and not filename
    cte = _part_header(part, "content-transfer-encoding").strip().lower()
    encoded = _payload_raw(part)

    if not is_body:
        estimate = len(encoded) * 3 // 4 if cte == "base64" else len(encoded)
        if estimate > options.max_attachment_bytes * 1.05 + 4096:
            # Decoding a 200 MB attachment only to refuse it would cost the memory we refuse it
            # to save; the estimate from the encoded length is close enough for the verdict.
            body.rejected.append(
                RejectedAttachment(
                    filename=_filename_clean(filename) or "attachment",
                    content_type=ctype,
                    size=estimate,
                    reason=RejectReason.TOO_LARGE,
                )
            )
            return

    data = _transfer_decode(encoded, cte=cte, errors=body.errors)
    if is_body:
        charset = params.get("charset")
        if ctype == "text/html" and not charset:
            meta = re.search(
                rb"<meta[^>]{0,200}charset\s*=\s*[\"']?([A-Za-z0-9_.:-]{1,40})", data[:4096], re.I
            )
            charset = meta.group(1).decode("ascii") if meta else None
        text = _bytes_decode(data, label=charset, errors=body.errors)
        text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
        (body.htmls if ctype == "text/html" else body.plains).append(text)
        return
    _attachment_add(
        data,
        filename=filename,
        declared=ctype,
        content_id=_message_id_normalize(_part_header(part, "content-id"))
        or (_part_header(part, "content-id").strip() or None),
        inline=disposition == "inline"
        or (not disposition and bool(_part_header(part, "content-id"))),
        body=body,
        options=options,
    )


def _payload_raw(part: Message) -> bytes:
    """The part's body exactly as it arrived, still transfer-encoded.

    Read from Message._payload on purpose: the public get_payload() either re-decodes 8-bit
    text with the declared charset (lossy, and it raises on a label holding NUL) or applies
    its own transfer decoding, which hides truncated base64. Both are wrong for us.
    """
    payload = getattr(part, "_payload", None)
    if isinstance(payload, str):
        return payload.encode("utf-8", "surrogateescape")
    return payload if isinstance(payload, bytes) else b""


def _transfer_decode(data: bytes, *, cte: str, errors: list[str]) -> bytes:
    if cte == "base64":
        decoded, damaged = _base64_decode(data)
        if damaged:
            errors.append("base64 data is truncated or damaged; kept what decoded")
        return decoded
    if cte == "quoted-printable":
        return binascii.a2b_qp(data)
    if cte in ("x-uuencode", "uuencode", "x-uue", "uue"):
        return _uu_decode(data, errors=errors)
    return data


def _uu_decode(data: bytes, *, errors: list[str]) -> bytes:
    out: list[bytes] = []
    started = False
    for line in data.splitlines():
        if not started:
            started = line.startswith(b"begin ")
        elif line.strip() in (b"end", b"`"):
            break
        else:
            try:
                out.append(binascii.a2b_uu(line))
            except binascii.Error:
                errors.append("damaged uuencoded line skipped")
    return b"".join(out)


_BASE64_JUNK = re.compile(rb"[^A-Za-z0-9+/=]+")


def _base64_decode(data: bytes) -> tuple[bytes, bool]:
    """Lenient base64: junk skipped, missing padding added, padded chunks decoded one by one.

    Returns the bytes and whether the input was damaged (junk or a truncated final quantum).
    """
    cleaned = data.translate(None, b" \t\r\n\x0b\x0c")
    damaged = False
    if _BASE64_JUNK.search(cleaned):
        cleaned = _BASE64_JUNK.sub(b"", cleaned)
        damaged = True
    body = cleaned.rstrip(b"=")
    padded_end = len(body) != len(cleaned)
    # Some encoders pad every chunk ("QQ==QQ=="); decoding the whole would misalign the rest.
    segments = re.split(rb"=+", body) if b"=" in body else [body]
    out: list[bytes] = []
    for number, segment in enumerate(segments, start=1):
        remainder = len(segment) % 4
        if remainder == 1:  # a lone sextet carries no whole byte
            segment = segment[:-1]
            damaged = True
        elif remainder:
            segment += b"=" * (4 - remainder)
            damaged = damaged or (number == len(segments) and not padded_end)
        try:
            out.append(binascii.a2b_base64(segment))
        except binascii.Error:
            damaged = True
    return b"".join(out), damaged


def _forwarded_add(
    part: Message, inner: Message, *, body: _Body, options: _Options, level: int
) -> None:
    """A message/rfc822 part: kept as an .eml attachment, its text summarized in full_text."""
    if level >= MAX_FORWARD_LEVEL:
        body.errors.append(f"forwarded message below MIME level {MAX_FORWARD_LEVEL}; skipped")
        return
    try:
        raw = inner.as_bytes(policy=email_policy.compat32)
    except Exception:  # regeneration of a damaged tree; keep what str() can still produce
        try:
            raw = inner.as_string(policy=email_policy.compat32).encode("utf-8", "surrogateescape")
        except Exception:
            raw = b""
    digest = hashlib.sha256(raw).hexdigest()
    parsed = _message_parse(inner, options=options, depth=level + 1, digest=digest, errors=[])
    sender = (
        f"{parsed.from_name} <{parsed.from_address}>" if parsed.from_name else parsed.from_address
    )
    lines = ["---------- Forwarded message ----------", f"From: {sender}"]
    if parsed.date is not None:
        lines.append(f"Date: {parsed.date.isoformat()}")
    lines.append(f"Subject: {parsed.subject}")
    if parsed.to:
        lines.append(f"To: {', '.join(parsed.to)}")
    body.forwarded.append("\n".join(lines) + "\n\n" + parsed.full_text)
    body.errors.extend(
        e if e.startswith("forwarded message") else f"forwarded message: {e}"
        for e in parsed.errors
        if "Message-ID" not in e
    )
    _, disposition_params = _content_type_split(_part_header(part, "content-disposition"))
    _, params = _content_type(part)
    filename = _header_text(
        disposition_params.get("filename") or params.get("name") or "", hint=None
    )
    if not filename:
        filename = (_filename_clean(parsed.subject)[:80] or "forwarded") + ".eml"
    if parsed.rejected_attachments and any(
        r.reason is RejectReason.DANGEROUS_TYPE for r in parsed.rejected_attachments
    ):
        # Opening the .eml in a mail client would expose what we refused to keep.
        body.rejected.append(
            RejectedAttachment(
                filename=_filename_clean(filename),
                content_type="message/rfc822",
                size=len(raw),
                reason=RejectReason.DANGEROUS_TYPE,
            )
        )
        return
    _attachment_add(
        raw,
        filename=filename,
        declared="message/rfc822",
        content_id=None,
        inline=False,
        body=body,
        options=options,
        sniffed="message/rfc822",
    )


# --------------------------------------------------------------------------------------------
# Attachments


def _attachment_add(
    data: bytes,
    *,
    filename: str,
    declared: str,
    content_id: str | None,
    inline: bool,
    body: _Body,
    options: _Options,
    sniffed: str | None = None,
) -> None:
    content_type = sniffed or content_type_sniff(data, filename=filename, declared=declared)
    name = _filename_clean(filename) or _filename_default(
        content_type, index=len(body.attachments) + len(body.rejected) + 1
    )
    reason: RejectReason | None = None
    if len(data) > options.max_attachment_bytes:
        reason = RejectReason.TOO_LARGE
    elif attachment_dangerous(data, content_type=content_type, filename=name) and not (
        options.allowed_types is not None and content_type in options.allowed_types
    ):
        reason = RejectReason.DANGEROUS_TYPE
    elif options.allowed_types is not None and not _type_allowed(
        content_type, options.allowed_types
    ):
        reason = RejectReason.TYPE_NOT_ALLOWED
    if reason is not None:
        body.rejected.append(
            RejectedAttachment(
                filename=name, content_type=content_type, size=len(data), reason=reason
            )
        )
        return
    body.attachments.append(
        ParsedAttachment(
            filename=name,
            content_type=content_type,
            size=len(data),
            content=data,
            content_id=_text_scrub(content_id) if content_id else None,
            inline=inline,
            declared_type=declared,
        )
    )


def _type_allowed(content_type: str, allowed: frozenset[str]) -> bool:
    if content_type in allowed:
        return True
    return content_type.split("/", 1)[0] + "/*" in allowed or "*/*" in allowed


def _filename_clean(filename: str) -> str:
    """A name safe to show and to store: no path, no control characters, bounded length."""
    name = _text_scrub(filename).replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f<>:\"|?*]", "_", name).strip(" .")
    if len(name) > 200:
        stem, dot, extension = name.rpartition(".")
        name = (
            stem[: 200 - len(extension) - 1] + dot + extension
            if dot and len(extension) < 12
            else name[:200]
        )
    return name


_EXTENSION_FOR_TYPE = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/heic": "heic",
    "image/heif": "heif",
    "application/pdf": "pdf",
    "text/plain": "txt",
    "text/html": "html",
    "text/calendar": "ics",
    "application/vnd.ms-tnef": "dat",
    "video/mp4": "mp4",
    "application/zip": "zip",
    "message/rfc822": "eml",
}


def _filename_default(content_type: str, *, index: int) -> str:
    if content_type == "application/vnd.ms-tnef":
        return "winmail.dat"
    if content_type == "text/calendar":
        return "invite.ics"
    return f"attachment-{index}.{_EXTENSION_FOR_TYPE.get(content_type, 'bin')}"


# Extensions Windows or macOS will run, or that smuggle something that will.
DANGEROUS_EXTENSIONS = _words(
    "exe msi msp mst scr com pif cpl bat cmd js jse vbs vbe wsf wsh wsc hta ps1 psm1 reg lnk"
    " jar dll sys apk app dmg pkg iso img vhd vhdx docm xlsm pptm dotm xlam scf inf msc gadget"
    " application appref-ms"
)
DANGEROUS_TYPES = _words(
    "application/x-msdownload application/x-msi application/x-executable"
    " application/x-mach-binary application/java-archive text/javascript text/vbscript"
    " application/x-bat application/hta application/x-powershell"
    " application/vnd.android.package-archive"
)


def attachment_dangerous(data: bytes, *, content_type: str, filename: str) -> bool:
    """Whether opening this file could run code on the agent's machine."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if content_type in DANGEROUS_TYPES or extension in DANGEROUS_EXTENSIONS:
        return True
    if content_type in ("text/html", "image/svg+xml", "application/xhtml+xml"):
        head = data[: 2 * 1024 * 1024].lower()
        return (
            re.search(rb"<script|javascript:|\son[a-z]+\s*=|<iframe|<object|<embed", head)
            is not None
        )
    if content_type.startswith("application/") and data.startswith(b"PK"):
        names = _zip_names(data)
        return any(
            n.rsplit(".", 1)[-1].lower() in DANGEROUS_EXTENSIONS
            or n.lower().endswith("vbaproject.bin")
            for n in names
        )
    return False


def _zip_names(data: bytes) -> list[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return archive.namelist()[:10_000]
    except Exception:  # a damaged or truncated archive is still an archive, just opaque
        return []


_HEIF_BRANDS = {
    b"heic": "image/heic",
    b"heix": "image/heic",
    b"hevc": "image/heic",
    b"hevx": "image/heic",
    b"heim": "image/heic",
    b"heis": "image/heic",
    b"hevm": "image/heic",
    b"hevs": "image/heic",
    b"mif1": "image/heif",
    b"msf1": "image/heif",
    b"avif": "image/avif",
    b"avis": "image/avif",
    b"qt  ": "video/quicktime",
    b"M4A ": "audio/mp4",
    b"3gp4": "video/3gpp",
    b"3gp5": "video/3gpp",
}
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"MZ", "application/x-msdownload"),
    (b"\x7fELF", "application/x-executable"),
    (b"\xcf\xfa\xed\xfe", "application/x-mach-binary"),
    (b"\xce\xfa\xed\xfe", "application/x-mach-binary"),
    (b"\xfe\xed\xfa\xcf", "application/x-mach-binary"),
    (b"\x78\x9f\x3e\x22", "application/vnd.ms-tnef"),
    (b"Rar!\x1a\x07", "application/vnd.rar"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (b"\x1f\x8b", "application/gzip"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"ID3", "audio/mpeg"),
    (b"OggS", "audio/ogg"),
    (b"BM", "image/bmp"),
)
_BMP_HEADER_SIZES = frozenset((12, 40, 52, 56, 64, 108, 124))
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_TEXT_BY_EXTENSION = {
    "js": "text/javascript",
    "jse": "text/javascript",
    "vbs": "text/vbscript",
    "vbe": "text/vbscript",
    "bat": "application/x-bat",
    "cmd": "application/x-bat",
    "ps1": "application/x-powershell",
    "hta": "application/hta",
    "csv": "text/csv",
    "json": "application/json",
    "xml": "application/xml",
    "eml": "message/rfc822",
    "md": "text/markdown",
    "log": "text/plain",
    "txt": "text/plain",
    "ics": "text/calendar",
    "vcf": "text/vcard",
}


def content_type_sniff(data: bytes, *, filename: str = "", declared: str = "") -> str:
    """The type the bytes are, whatever the header claims. Unknown binary is octet-stream.

    The extension refines only plain text (a .js file is text to a sniffer and code to
    Windows), so it can make a verdict stricter but never lets a binary pass as harmless.
    """
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    head = data[:64]
    for magic, ctype in _MAGIC:
        if head.startswith(magic):
            # Two-byte magics also begin ordinary text ("MZ-4471 order", "BM wallet"); a real
            # header holds binary fields right after them.
            if len(magic) == 2 and magic != b"\x1f\x8b" and _looks_text(data):
                continue
            if magic == b"BM" and int.from_bytes(data[14:18], "little") not in _BMP_HEADER_SIZES:
                continue
            return ctype
    if b"%PDF-" in data[:1024]:
        return "application/pdf"
    if len(head) >= 12 and head[:4] == b"RIFF":
        if head[8:12] == b"WEBP":
            return "image/webp"
        if head[8:12] == b"WAVE":
            return "audio/wav"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return _HEIF_BRANDS.get(head[8:12], "video/mp4")
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_type(data)
    if head.startswith(_OLE_MAGIC):
        return {
            "msi": "application/x-msi",
            "msp": "application/x-msi",
            "doc": "application/msword",
            "xls": "application/vnd.ms-excel",
            "ppt": "application/vnd.ms-powerpoint",
            "msg": "application/vnd.ms-outlook",
        }.get(extension, "application/x-ole-storage")
    if _looks_text(data):
        return _text_type(data, extension=extension)
    return "application/octet-stream"


def _zip_type(data: bytes) -> str:
    names = _zip_names(data)
    name_set = set(names)
    if "word/document.xml" in name_set:
        return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    if "xl/workbook.xml" in name_set:
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    if "ppt/presentation.xml" in name_set:
        return "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    if "AndroidManifest.xml" in name_set:
        return "application/vnd.android.package-archive"
    if "META-INF/MANIFEST.MF" in name_set and any(n.endswith(".class") for n in names):
        return "application/java-archive"
    if "mimetype" in name_set and data[30:38] == b"mimetype":
        declared = data[38:120].split(b"PK", 1)[0].decode("ascii", "replace").strip()
        if declared.startswith("application/vnd.oasis.opendocument."):
            return declared
    return "application/zip"


def _looks_text(data: bytes) -> bool:
    sample = data[:8192]
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF8)):
        return True
    if b"\x00" in sample:
        return False
    controls = sum(1 for b in sample if b < 0x09 or (0x0E <= b < 0x20 and b != 0x1B))
    return controls <= len(sample) // 100


def _text_type(data: bytes, *, extension: str) -> str:
    start = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script")) or (
        extension in ("htm", "html", "xhtml", "shtml")
    ):
        return "text/html"
    if start.startswith(b"<svg") or (start.startswith(b"<?xml") and b"<svg" in start):
        return "image/svg+xml"
    if start.startswith(b"begin:vcalendar"):
        return "text/calendar"
    if start.startswith(b"begin:vcard"):
        return "text/vcard"
    if start.startswith(b"%!ps"):
        return "application/postscript"
    if start.startswith(b"{\\rtf"):
        return "application/rtf"
    return _TEXT_BY_EXTENSION.get(extension, "text/plain")


# --------------------------------------------------------------------------------------------
# Body text, HTML


def _body_render(body: _Body, *, errors: list[str]) -> tuple[str, str, str]:
    """(full_text, text, sanitized html) from the collected body parts."""
    plain = "\n\n".join(p.strip("\n") for p in body.plains if p.strip())
    html_raw = "\n".join(body.htmls)
    if len(html_raw) > MAX_HTML_CHARS:
        errors.append(f"HTML body longer than {MAX_HTML_CHARS} characters; cut")
        html_raw = html_raw[:MAX_HTML_CHARS]
    # One rendering serves both: the quote marker sits on a line of its own.
    marked = html_to_text(html_raw, quote_marker=_QUOTE_MARK) if html_raw.strip() else ""
    html_text = re.sub(r"\n{3,}", "\n\n", marked.replace(_QUOTE_MARK, "")).strip("\n")
    # A plain part that is only "view this mail in HTML" boilerplate loses to the HTML.
    use_html = bool(html_text) and (
        not plain or (len(plain) < 100 and len(html_text) > 3 * len(plain))
    )
    main = html_text if use_html else plain
    visible = text_reply_extract(marked if use_html else plain)
    full_text = "\n\n".join(t for t in [main, *body.forwarded] if t.strip())
    if not visible.strip():
        visible = main.strip() or full_text.strip()
    if len(full_text) > MAX_TEXT_CHARS:
        errors.append(f"text longer than {MAX_TEXT_CHARS} characters; cut")
        full_text = full_text[:MAX_TEXT_CHARS]
    html = ""
    if html_raw.strip():
        if _html_nesting(html_raw) > MAX_HTML_NESTING:
            errors.append(f"HTML nested deeper than {MAX_HTML_NESTING} elements; shown as text")
            html = "<pre>" + html_escape(html_text) + "</pre>"
        else:
            html = html_sanitize(html_raw)
    return _text_scrub(full_text), _text_scrub(visible[:MAX_TEXT_CHARS]), _text_scrub(html)


def _text_scrub(value: str) -> str:
    """Text any database and browser accepts: no NUL or other C0 controls, no lone surrogates."""
    value = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", value)
    if not value.isascii():
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value


_HTML_CLEANER = nh3.Cleaner(
    tags=set(
        _words(
            "a abbr b blockquote br caption center code col colgroup dd del div dl dt em font"
            " h1 h2 h3 h4 h5 h6 hr i img ins li ol p pre q s small span strike strong sub sup"
            " table tbody td tfoot th thead tr u ul"
        )
    ),
    clean_content_tags=set(
        _words(
            "script style title template noscript iframe object embed svg math textarea select"
            " button applet"
        )
    ),
    attributes={
        "*": {"dir", "lang", "style"},
        "a": {"href", "title"},
        "img": {"src", "alt", "title", "width", "height"},
        "td": {"colspan", "rowspan", "align", "valign"},
        "th": {"colspan", "rowspan", "align", "valign"},
        "ol": {"start"},
        "font": {"color"},
    },
    # Colours and emphasis survive; anything that positions, hides or loads (url()) does not.
    filter_style_properties=set(
        _words("color background-color font-weight font-style text-align text-decoration")
    ),
    url_schemes={"http", "https", "mailto", "tel", "cid", "data"},
    link_rel="noopener noreferrer nofollow",
    set_tag_attribute_values={"a": {"target": "_blank"}},
    attribute_filter=lambda tag, attribute, value: _html_attribute_filter(tag, attribute, value),
)


def _html_attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    lowered = value.strip().lower()
    if tag == "img" and attribute == "src":
        # Remote images are tracking pixels until proven otherwise: the agent's browser must
        # not fetch them. cid: images come from the message itself.
        if lowered.startswith("cid:"):
            return value.strip()
        if re.match(r"data:image/(png|jpeg|gif|webp);", lowered):
            return value
        return None
    if attribute == "href":
        return value if lowered.startswith(("http://", "https://", "mailto:", "tel:")) else None
    return value


def html_sanitize(html: str) -> str:
    """HTML safe to render in the agent console: no script, styles, handlers, remote loads."""
    return _HTML_CLEANER.clean(html)


_HTML_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]{0,30})")
# Void elements and those the HTML parser closes implicitly do not nest in practice.
_HTML_FLAT_TAGS = _words(
    "area base br col embed hr img input link meta source track wbr p li td th tr dt dd option"
)


def _html_nesting(html: str) -> int:
    """Deepest element nesting, stopping early past the limit.

    The sanitizer's tree builder takes time quadratic in nesting depth (20 000 nested
    blockquotes cost a second, 100 000 half a minute), so hostile depth is refused first.
    """
    if html.count("<") < MAX_HTML_NESTING:
        return 0
    depth = peak = 0
    for match in _HTML_TAG.finditer(html):
        if match.group(2).lower() in _HTML_FLAT_TAGS:
            continue
        if match.group(1):
            depth = max(0, depth - 1)
        else:
            depth += 1
            if depth > peak:
                peak = depth
                if peak > MAX_HTML_NESTING:
                    break
    return peak


_BLOCK_TAGS = _words(
    "address article aside center dd details div dl dt fieldset figcaption figure footer form"
    " header hr main nav ol section summary table tbody thead tfoot tr ul caption"
)
_PARAGRAPH_TAGS = _words("p h1 h2 h3 h4 h5 h6")
_SKIP_TAGS = _words("script style title template noscript svg math object iframe xml")
_QUOTE_CLASSES = _words(
    "gmail_quote gmail_quote_container gmail_signature yahoo_quoted moz-cite-prefix"
    " protonmail_quote zmail_extra outlookmessageheader apple-mail-quote"
)
_QUOTE_IDS = _words(
    "divrplyfwdmsg appendonsend mail-editor-reference-message-container isreplycontent"
)


class _TextRenderer(HTMLParser):
    def __init__(self, *, quote_marker: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.quote_marker = quote_marker
        self.lines: list[str] = []
        self.line: list[str] = []
        self.skip: list[str] = []
        self.pre = 0
        self.quote = 0
        self.links: list[tuple[str, list[str]]] = []
        self.marked = False

    def line_end(self, *, blank: bool = False, force: bool = False) -> None:
        text = "".join(self.line)
        if not self.pre:
            text = re.sub(r"[ \t\r\n\f\xa0]+", " ", text).strip()
        if text or force:
            # Depth is capped: a hostile <blockquote> x 100000 would square the output size.
            self.lines.append("> " * min(self.quote, 8) + text if text or self.quote else text)
        self.line = []
        if blank and self.lines and self.lines[-1] != "":
            self.lines.append("")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body" and "head" in self.skip:
            self.skip.clear()
        if self.skip:
            if tag in _SKIP_TAGS or tag == "head":
                self.skip.append(tag)
            return
        if tag in _SKIP_TAGS or tag == "head":
            self.skip.append(tag)
            return
        attributes = {k: v or "" for k, v in attrs}
        if self.quote_marker and not self.marked and self._is_quote_container(tag, attributes):
            self.line_end()
            self.lines.append(self.quote_marker)
            self.marked = True
        if tag == "br":
            self.line_end(force=True)
        elif tag in _PARAGRAPH_TAGS:
            self.line_end(blank=True)
        elif tag == "li":
            self.line_end()
            self.line.append("- ")
        elif tag == "blockquote":
            self.line_end()
            self.quote += 1
        elif tag == "pre":
            self.line_end()
            self.pre += 1
        elif tag in ("td", "th"):
            if self.line:
                self.line.append(" ")
        elif tag in _BLOCK_TAGS:
            self.line_end()
        elif tag == "a":
            self.links.append((attributes.get("href", "").strip(), []))
        elif tag == "img":
            alt = attributes.get("alt", "").strip()
            if alt:
                self.data_add(f"[{alt}]")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in ("br", "img", "hr"):
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.skip:
            if tag in self.skip:
                while self.skip and self.skip.pop() != tag:
                    pass
            return
        if tag in _PARAGRAPH_TAGS:
            self.line_end(blank=True)
        elif tag == "blockquote":
            self.line_end()
            self.quote = max(0, self.quote - 1)
        elif tag == "pre":
            self.line_end()
            self.pre = max(0, self.pre - 1)
        elif tag in _BLOCK_TAGS or tag == "li":
            self.line_end()
        elif tag == "a" and self.links:
            href, words = self.links.pop()
            label = re.sub(r"\s+", " ", "".join(words)).strip()
            shown = _link_suffix(href, label)
            if shown:
                self.data_add(shown)

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        self.data_add(data)

    def data_add(self, data: str) -> None:
        for _, words in self.links:
            words.append(data)
        if self.pre:
            first, *rest = data.split("\n")
            self.line.append(first)
            for piece in rest:
                self.line_end(force=True)
                self.line.append(piece)
        else:
            self.line.append(data)

    def _is_quote_container(self, tag: str, attributes: dict[str, str]) -> bool:
        classes = set(attributes.get("class", "").lower().split())
        if classes & _QUOTE_CLASSES:
            return True
        if attributes.get("id", "").lower() in _QUOTE_IDS:
            return True
        return tag == "blockquote" and attributes.get("type", "").lower() == "cite"

    def text(self) -> str:
        self.line_end()
        text = "\n".join(line.rstrip() for line in self.lines)
        return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


def _link_suffix(href: str, label: str) -> str:
    lowered = href.lower()
    if not lowered.startswith(("http://", "https://", "mailto:", "ftp://")):
        return ""
    target = href[7:] if lowered.startswith("mailto:") else href
    normalized = target.rstrip("/").lower()
    for prefix in ("https://", "http://"):
        normalized = normalized.removeprefix(prefix)
    if not label or normalized in label.lower() or label.lower().rstrip("/").endswith(normalized):
        return ""
    return f" ({target})"


def html_to_text(html: str, *, quote_marker: str | None = None) -> str:
    """Readable text from HTML mail: blocks become lines, lists "- ", links "text (url)"."""
    renderer = _TextRenderer(quote_marker=quote_marker)
    # HTMLParser is lenient but not documented as total; on a failure keep what rendered.
    with contextlib.suppress(Exception):
        renderer.feed(html[:MAX_HTML_TEXT_CHARS])
        renderer.close()
    return unicodedata.normalize("NFC", renderer.text())


# --------------------------------------------------------------------------------------------
# Reply extraction: the new text, without quotes and signatures


_WROTE = re.compile(
    r"(wrote|writes|escribió|escribio|a écrit|a ecrit|schrieb|ha scritto|escreveu|"
    r"написал\(а\)|написала|написал|написав|schreef|skrev|kirjoitti|napisał\(a\)|napisała|"
    r"napisał|napsal|yazdı|έγραψε|írta|a scris|写道|寫道|작성)\s*[:：]\s*$",
    re.IGNORECASE,
)
_ATTRIBUTION_START = re.compile(
    r"^(on|el|le|am|il|em|op|den|på|w dniu|dne|в|у|στις|在|於|\d)\b", re.IGNORECASE
)
# Gmail in Japanese and Russian ends the attribution with "<address>:" instead of a verb.
_ATTRIBUTION_ADDRESS = re.compile(r"<[^<>\s]+@[^<>\s]+>\s*[:：]\s*$")
_SEPARATOR = re.compile(
    r"^[-_=\s]*[-_=]{2,}\s*(original message|original|ursprüngliche nachricht|message d'origine|"
    r"mensaje original|messaggio originale|mensagem original|oorspronkelijk bericht|"
    r"ursprungligt meddelande|oprindelig meddelelse|исходное сообщение|原始邮件|原始郵件|"
    r"原始消息|元のメッセージ|원본 메시지|reply message|回复的原邮件)\s*[-_=]{2,}[-_=\s]*$",
    re.IGNORECASE,
)
# Everything after these lines is a message the customer wants us to read, not a quote.
_FORWARD_SEPARATOR = re.compile(
    r"^(?:[-_=\s]*[-_=]{3,}\s*(forwarded message|original forwarded message|"
    r"weitergeleitete nachricht|message transféré|mensaje reenviado|messaggio inoltrato|"
    r"mensagem encaminhada|пересылаемое сообщение|转发的邮件|轉寄的郵件|转发邮件|転送メッセージ)"
    r"\s*[-_=]{3,}[-_=\s]*|begin forwarded message:|inizio messaggio inoltrato:)$",
    re.IGNORECASE,
)
_HEADER_FROM = re.compile(
    r"^[\s*>]*(from|de|von|da|van|от|från|fra|od|kimden|差出人|送信者|보낸 사람|发件人|寄件者|"
    r"寄件人|mittente|feladó)\s*[:：]",
    re.IGNORECASE,
)
_HEADER_SENT = re.compile(
    r"^[\s*>]*(sent|date|enviado|enviada|envoyé|gesendet|datum|inviato|data|verzonden|"
    r"отправлено|дата|skickat|sendt|wysłano|gönderildi|tarih|送信日時|日時|보낸 날짜|发送时间|"
    r"發送時間|寄件日期|日期|时间|時間|fecha|date d'envoi|küldve)\s*[:：]",
    re.IGNORECASE,
)
_HEADER_SUBJECT = re.compile(
    r"^[\s*>]*(subject|asunto|betreff|objet|oggetto|assunto|тема|主题|主旨|件名|제목|onderwerp|"
    r"ämne|emne|temat|konu|tárgy)\s*[:：]",
    re.IGNORECASE,
)
_MOBILE_SIGNATURE = re.compile(
    r"^(sent from my [\w -]{1,30}|sent from (outlook|mail|yahoo mail|my mobile)\b.*|"
    r"get outlook for (ios|android)|发自我的\s*\S{1,20}|發自我的\s*\S{1,20}|"
    r"从我的\s*\S{1,20}\s*发送|從我的\s*\S{1,20}\s*傳送|来自我的\s*iphone|"
    r"enviado desde mi [\w -]{1,30}|enviado do meu [\w -]{1,30}|enviado desde (outlook|yahoo).*|"
    r"von meinem [\w -]{1,30} gesendet|gesendet von (meinem|outlook).*|envoyé de mon [\w -]{1,30}|"
    r"inviato da (iphone|ipad|il mio [\w -]{1,30})|отправлено с (iphone|ipad|моего [\w -]{1,30})|"
    r"iphoneから送信|ipadから送信|发自网易邮箱大师|发自网易邮箱|来自 ?qq ?邮箱)\s*$",
    re.IGNORECASE,
)


def text_reply_extract(text: str) -> str:
    """The part of a reply the sender wrote now: cut at the first quote header or signature.

    Interleaved answers inside a quote keep their own lines; quoted (`>`) lines are dropped.
    Returns "" when nothing new remains; the caller falls back to the full text.
    """
    lines = text[:MAX_TEXT_CHARS].replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = len(lines)
    for index, line in enumerate(lines):
        stripped = line.strip().replace("\xa0", " ")
        if not stripped or stripped.startswith(">"):
            continue  # quoted lines are dropped below; cut points are never quoted themselves
        if stripped[0] in "-_=" and _FORWARD_SEPARATOR.match(stripped):
            break
        if _line_starts_quote(lines, index, stripped):
            cut = _attribution_start(lines, index)
            break
        if _MOBILE_SIGNATURE.match(stripped):
            cut = index
            break
        if line.rstrip("\r") == "-- " or (
            stripped in ("--", "-- ") and _lines_nonblank(lines[index + 1 :]) <= 10
        ):
            cut = index
            break
    kept = [line for line in lines[:cut] if not line.lstrip().startswith(">")]
    while kept and (not kept[-1].strip() or re.fullmatch(r"[-_=*\s]+", kept[-1])):
        kept.pop()
    return "\n".join(line.rstrip() for line in kept).strip("\n")


def _lines_nonblank(lines: list[str]) -> int:
    return sum(1 for line in lines if line.strip() and not line.lstrip().startswith(">"))


def _line_starts_quote(lines: list[str], index: int, line: str) -> bool:
    """Whether `line` (lines[index], stripped) opens the quoted part of a reply.

    Checked for every line of every message, so each pattern sits behind a cheap test.
    """
    if line == _QUOTE_MARK or (line[0] in "-_=" and _SEPARATOR.match(line)):
        return True
    if len(line) < 600:
        # An attribution wrapped over up to three lines ("On Mon, ... Name <\nx@y> wrote:").
        for span in (1, 2, 3):
            if span > 1 and not _ATTRIBUTION_START.match(line):
                break
            window = lines[index : index + span]
            if len(window) < span:
                break
            if not window[-1].rstrip().endswith((":", "：")):
                continue
            joined = " ".join(part.strip() for part in window)
            tail = joined[-400:]
            if (_WROTE.search(tail[-80:]) or _ATTRIBUTION_ADDRESS.search(tail)) and re.search(
                r"\d|@", joined
            ):
                return True
        if (
            line.endswith((":", "："))
            and _WROTE.search(line[-80:])
            and _next_nonblank_quoted(lines, index)
        ):
            return True
    if _HEADER_FROM.match(line):
        window = lines[index + 1 : index + 6]
        if any(_HEADER_SENT.match(w) for w in window[:3]) and any(
            _HEADER_SUBJECT.match(w) for w in window
        ):
            return True
    return False


def _attribution_start(lines: list[str], index: int) -> int:
    """Step back over the first line of an attribution that wrapped before its "wrote:"."""
    if index > 0 and not _ATTRIBUTION_START.match(lines[index].strip()):
        previous = lines[index - 1].strip()
        if previous and _ATTRIBUTION_START.match(previous) and not previous.startswith(">"):
            return index - 1
    return index


def _next_nonblank_quoted(lines: list[str], index: int) -> bool:
    for line in lines[index + 1 : index + 4]:
        if line.strip():
            return line.lstrip().startswith(">")
    return False


# --------------------------------------------------------------------------------------------
# Automatic mail and authentication


_AUTO_SUBJECT = re.compile(
    r"^\s*(?:re\s*:\s*)?(out of (the )?office|automatic reply|auto[- ]?reply|autoreply|"
    r"auto[- ]?response|vacation reply|自动回复|自動回覆|自動回复|自動応答|自動返信|자동 응답|"
    r"automatische antwort|abwesenheitsnotiz|réponse automatique|respuesta automática|"
    r"respuesta automatica|resposta automática|risposta automatica|automatisch antwoord|"
    r"автоответ|автоматический ответ|otomatik yanıt|odpowiedź automatyczna)"
    # The phrase must be the subject's label, not words in a customer's question.
    r"(?:\s*(?:autoreply|auto-reply))?\s*(?:[:：\-–(\[]|$)",
    re.IGNORECASE,
)
_AUTO_SENDER = re.compile(r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply)(\+[^@]*)?@")


def _auto_detect(
    headers: dict[str, list[str]],
    *,
    subject: str,
    from_address: str,
    report_type: str,
    content_type: str,
) -> tuple[bool, str]:
    """Whether a machine sent this (RFC 3834 and the headers vendors use instead).

    Such mail must never get an automatic answer (mail loops) and should not reopen a
    conversation by itself.
    """

    def first(name: str) -> str:
        return _whitespace_collapse(_unfold(_header_first(headers, name) or "")).lower()

    auto_submitted = first("auto-submitted")
    if auto_submitted and auto_submitted.split(";")[0].strip() != "no":
        return True, f"Auto-Submitted: {auto_submitted[:60]}"
    precedence = first("precedence")
    if precedence in ("bulk", "junk", "list", "auto_reply", "auto-reply"):
        return True, f"Precedence: {precedence}"
    for name in ("x-autoreply", "x-autorespond", "x-auto-response-suppress", "x-autogenerated"):
        if name in headers:
            return True, f"{name}: {first(name)[:60]}"
    if "return-path" in headers and re.fullmatch(r"<\s*>", first("return-path")):
        return True, "empty Return-Path (a bounce or notification)"
    if content_type == "multipart/report" or report_type:
        kind = report_type or "report"
        return True, f"multipart/report ({kind})"
    if _AUTO_SENDER.match(from_address):
        return True, f"sender {from_address.split('@')[0]}"
    if _AUTO_SUBJECT.match(subject):
        return True, "automatic-reply subject"
    return False, ""


def _authentication_parse(values: list[str]) -> Authentication:
    if not values:
        return Authentication()
    value = _unfold(values[0])
    for _ in range(5):  # comments nest; strip innermost first
        value = re.sub(r"\([^()]*\)", " ", value)
    parts = [p.strip() for p in value.split(";")]
    authserv_id = parts[0].split()[0].lower() if parts and parts[0].split() else ""
    results: dict[str, list[tuple[str, dict[str, str]]]] = {}
    for part in parts[1:]:
        match = re.match(r"([A-Za-z0-9_-]+)\s*=\s*([A-Za-z0-9_-]+)(.*)", part, re.S)
        if not match:
            continue
        properties = {
            k.lower(): v.strip("\"'")
            for k, v in re.findall(r"([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)\s*=\s*(\S+)", match.group(3))
        }
        results.setdefault(match.group(1).lower(), []).append((match.group(2).lower(), properties))

    def verdict(method: str) -> tuple[str, dict[str, str]]:
        found = results.get(method, [])
        for result, properties in found:
            if result == "pass":  # several DKIM signatures: one valid signature is enough
                return result, properties
        return found[0] if found else ("none", {})

    dkim, dkim_properties = verdict("dkim")
    dmarc, dmarc_properties = verdict("dmarc")
    dkim_domain = (
        dkim_properties.get("header.d") or dkim_properties.get("header.i", "").rpartition("@")[2]
    )
    return Authentication(
        authserv_id=_text_scrub(authserv_id)[:255],
        spf=verdict("spf")[0],
        dkim=dkim,
        dmarc=dmarc,
        header_from=_text_scrub(dmarc_properties.get("header.from", "").lower())[:255],
        dkim_domain=_text_scrub(dkim_domain.lower())[:255],
    )
