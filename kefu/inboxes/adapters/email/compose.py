"""Build outgoing mail: multipart/alternative text + HTML, attachments, threading headers.

Output is 7-bit clean (UTF-8 bodies in quoted-printable or base64, encoded-word subjects and
names, RFC 2231 filenames) so it passes any relay, including ones without 8BITMIME.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy as email_policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from html import escape

from kefu.inboxes.adapters.email.parse import html_to_text

# A long thread's References would grow without end; RFC 5322 suggests trimming from the
# middle, because the first id names the thread's root and the last ones its recent parents.
MAX_REFERENCES = 20

_POLICY = email_policy.SMTP.clone(cte_type="7bit")
_HEADER_NAME = re.compile(r"[!-9;-~]{1,76}")
_RESERVED_HEADERS = frozenset(
    (
        "from", "to", "cc", "bcc", "subject", "date", "message-id", "in-reply-to",
        "references", "mime-version", "content-type", "content-transfer-encoding",
        "content-disposition", "auto-submitted", "sender", "return-path",
    )
)  # fmt: skip

Recipient = str | tuple[str, str]  # "a@b.c" or (display name, "a@b.c")


@dataclass(frozen=True, slots=True)
class ComposeAttachment:
    filename: str
    content: bytes
    content_type: str = "application/octet-stream"
    # Set both for an image the HTML shows as <img src="cid:...">; it goes into
    # multipart/related next to the HTML instead of the attachment list.
    content_id: str | None = None
    inline: bool = False


def email_compose(
    *,
    from_address: str,
    from_name: str = "",
    to: Sequence[Recipient],
    cc: Sequence[Recipient] = (),
    bcc: Sequence[Recipient] = (),
    subject: str,
    text: str,
    html: str = "",
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    message_id: str,
    attachments: Sequence[ComposeAttachment] = (),
    headers: Mapping[str, str] | None = None,
    auto_submitted: bool = False,
    date: datetime | None = None,
    anti_phishing_line: str = "",
) -> EmailMessage:
    """One outgoing message. Raises ValueError on input no mail server would accept.

    `bcc` is validated and then left out: a Bcc header would show every blind recipient to
    every recipient. The transport passes to + cc + bcc as SMTP envelope recipients
    (`recipients_envelope`). `auto_submitted` marks automatic acknowledgements (RFC 3834)
    so other robots do not answer them. Message ids are given without <>.
    `anti_phishing_line` (the customer's code, worded in their language by
    kefu.safety.notices.anti_phishing_line) opens the text and HTML bodies.
    """
    envelope = recipients_envelope(to=to, cc=cc, bcc=bcc)
    if not envelope:
        raise ValueError("a message needs at least one recipient")
    message = EmailMessage(policy=_POLICY)
    message["From"] = _address(from_name, from_address)
    if to:
        message["To"] = [_address(*_recipient_split(r)) for r in to]
    if cc:
        message["Cc"] = [_address(*_recipient_split(r)) for r in cc]
    message["Subject"] = _header_value(subject)
    message["Date"] = format_datetime((date or datetime.now(UTC)).astimezone(UTC))
    message["Message-ID"] = _message_id_wrap(message_id)
    chain = [_message_id_wrap(r) for r in references]
    if in_reply_to:
        parent = _message_id_wrap(in_reply_to)
        message["In-Reply-To"] = parent
        if not chain or chain[-1] != parent:
            chain.append(parent)  # References = parent's References + parent's Message-ID
    chain = list(dict.fromkeys(chain))
    if len(chain) > MAX_REFERENCES:
        chain = chain[:1] + chain[-(MAX_REFERENCES - 1) :]
    if chain:
        message["References"] = " ".join(chain)
    if auto_submitted:
        message["Auto-Submitted"] = "auto-replied"
        # Exchange and Outlook ignore RFC 3834; this is what stops their out-of-office replies.
        message["X-Auto-Response-Suppress"] = "All"
    for name, value in (headers or {}).items():
        if not _HEADER_NAME.fullmatch(name) or name.lower() in _RESERVED_HEADERS:
            raise ValueError(f"header {name!r} cannot be set through `headers`")
        message[name] = _header_value(value)

    body_text = text if text.strip() or not html else html_to_text(html)
    if anti_phishing_line:
        body_text = f"{anti_phishing_line}\n\n{body_text}"
        if html:
            html = f'<p style="font-weight:600">{escape(anti_phishing_line)}</p>\n{html}'
    message.set_content(_text_lines(body_text), subtype="plain", charset="utf-8")
    if html:
        message.add_alternative(html, subtype="html", charset="utf-8")
        html_part = message.get_body(preferencelist=("html",))
        for item in attachments:
            if item.inline and item.content_id and html_part is not None:
                maintype, subtype = _type_split(item.content_type)
                html_part.add_related(
                    item.content,
                    maintype,
                    subtype,
                    cid=_message_id_wrap(item.content_id),
                    filename=item.filename,
                    disposition="inline",
                )
    for item in attachments:
        if item.inline and item.content_id and html:
            continue
        maintype, subtype = _type_split(item.content_type)
        message.add_attachment(item.content, maintype, subtype, filename=item.filename)
    for part in message.walk():
        if part is not message:
            # The stdlib stamps MIME-Version on every subpart it creates; it belongs on top only.
            del part["MIME-Version"]
    return message


def recipients_envelope(
    *, to: Sequence[Recipient], cc: Sequence[Recipient] = (), bcc: Sequence[Recipient] = ()
) -> list[str]:
    """Every address the SMTP transaction must deliver to, deduplicated, in order."""
    addresses = [_recipient_split(r)[1].strip().lower() for r in (*to, *cc, *bcc)]
    for address in addresses:
        _address("", address)  # validates
    return list(dict.fromkeys(addresses))


def _recipient_split(recipient: Recipient) -> tuple[str, str]:
    if isinstance(recipient, tuple):
        return recipient[0], recipient[1]
    return "", recipient


def _address(name: str, address: str) -> Address:
    local, at, domain = address.strip().rpartition("@")
    if not at or not local or not domain:
        raise ValueError(f"not an email address: {address!r}")
    if not local.isascii():
        raise ValueError(f"non-ASCII local part needs SMTPUTF8: {address!r}")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValueError(f"unusable domain in {address!r}") from exc
    return Address(display_name=_header_value(name), username=local, domain=domain)


def _header_value(value: str) -> str:
    # A newline in a header value is a header injection; no caller needs one.
    return re.sub(r"[\r\n\x00]+", " ", value).strip()


def _message_id_wrap(value: str) -> str:
    bare = value.strip().strip("<>").strip()
    if not bare or re.search(r"[\s<>]", bare):
        raise ValueError(f"unusable message id: {value!r}")
    return f"<{bare}>"


def _text_lines(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text if text.endswith("\n") else text + "\n"


def _type_split(content_type: str) -> tuple[str, str]:
    maintype, _, subtype = content_type.partition("/")
    if not maintype or not subtype or not re.fullmatch(r"[\w.+-]+/[\w.+-]+", content_type):
        return "application", "octet-stream"
    return maintype.lower(), subtype.lower()
