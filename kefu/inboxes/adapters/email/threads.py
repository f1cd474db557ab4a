"""Where an inbound mail belongs: the keys an importer looks a conversation up by.

Pure functions, no database. The importer tries the keys in this order and stops at the
first hit (docs/subsystems/email.md):

1. message ids this mail answers: In-Reply-To, then References from newest to oldest;
2. the conversation number in the subject, `[#1042]` or `[Lumen #1042]`;
3. the reply token in a plus address, `support+<token>@domain`;

otherwise the mail opens a new conversation. Keys 2 and 3 can be typed by anyone, so the
importer must accept a subject number only when the sender is that conversation's contact,
and reply tokens are long random strings for the same reason.
"""

from __future__ import annotations

import base64
import re
import secrets
import time
from dataclasses import dataclass

from kefu.inboxes.adapters.email.parse import ParsedEmail

_SUBJECT_NUMBER = re.compile(r"\[[^\[\]]{0,60}?#(\d{1,12})\s*\]")
_REPLY_TOKEN = re.compile(r"[a-z0-9][a-z0-9_-]{3,63}")
_DOMAIN = re.compile(
    r"(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*"
)
_LOCAL_PART = re.compile(r"[a-z0-9!#$%&'*/=?^_`{|}~.-]{1,40}", re.IGNORECASE)

# Reply and forward prefixes of the mail clients our customers use, in their languages, plus
# the ticket tags we add ourselves and the "[External]" tags of corporate mail gateways.
_SUBJECT_PREFIX = re.compile(
    r"^\s*(?:"
    r"(?:re|fwd?|fw|aw|wg|sv|vs|rif|enc|rv|tr|antw|odp|pd|res|ynt|ilt|İlt|vl|ref)"
    r"\s*(?:\[\d{1,4}\]|\(\d{1,4}\))?\s*[:：]"
    r"|(?:回复|回覆|答复|答覆|转发|轉發|轉寄|返信|転送|회신|전달)\s*[:：]"
    r"|\[[^\[\]]{0,60}#\d{1,12}\s*\]"
    r"|\[(?:external|ext|extern|externe|externo|外部邮件|外部郵件)\]"
    r")\s*",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class ThreadKeys:
    message_ids_referenced: tuple[str, ...]  # most likely parent first
    subject_number: int | None
    reply_token: str | None


def thread_keys(parsed: ParsedEmail, *, reply_domains: frozenset[str] | None = None) -> ThreadKeys:
    """The threading keys of one parsed mail, in the order the importer should try them.

    With `reply_domains`, only plus addresses at those domains count: a customer who copies
    `alice+shop@gmail.com` must not have "shop" taken for one of our tokens.
    """
    ids: list[str] = []
    if parsed.in_reply_to:
        ids.append(parsed.in_reply_to)
    ids.extend(reversed(parsed.references))
    referenced = tuple(i for i in dict.fromkeys(ids) if i and i != parsed.message_id)

    match = _SUBJECT_NUMBER.search(parsed.subject)
    number = int(match.group(1)) if match else None

    token = None
    for address in (*parsed.to, *parsed.cc, *parsed.delivered_to):
        token = reply_token_find(address, reply_domains=reply_domains)
        if token:
            break
    return ThreadKeys(message_ids_referenced=referenced, subject_number=number, reply_token=token)


def reply_token_find(address: str, *, reply_domains: frozenset[str] | None = None) -> str | None:
    local, at, domain = address.strip().lower().rpartition("@")
    if not at or "+" not in local:
        return None
    if reply_domains is not None and domain not in {d.lower() for d in reply_domains}:
        return None
    token = local.split("+", 1)[1]
    return token if _REPLY_TOKEN.fullmatch(token) else None


def subject_normalize(subject: str) -> str:
    """The subject without reply/forward prefixes and ticket tags, for display and matching."""
    text = re.sub(r"\s+", " ", subject).strip()
    for _ in range(50):  # each pass strips one prefix; the bound only guards hostile input
        stripped = _SUBJECT_PREFIX.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    return text.strip()


def message_id_make(*, domain: str) -> str:
    """A new, globally unique Message-ID without the angle brackets (as ParsedEmail holds them)."""
    host = _domain_clean(domain)
    stamp = base64.b32encode(time.time_ns().to_bytes(8, "big")).decode("ascii").strip("=")
    return f"{stamp.lower()}.{secrets.token_hex(10)}@{host}"


def reply_token_make(*, nbytes: int = 10) -> str:
    """An unguessable token for plus addresses.

    Lower-case base32 because some MTAs lower-case local parts on the way back to us.
    """
    return base64.b32encode(secrets.token_bytes(nbytes)).decode("ascii").strip("=").lower()


def reply_address(*, local: str, domain: str, token: str) -> str:
    """`support+<token>@domain`: replies to it find the conversation even without headers."""
    if not _LOCAL_PART.fullmatch(local) or "+" in local:
        raise ValueError(f"unusable local part for a reply address: {local!r}")
    if not _REPLY_TOKEN.fullmatch(token):
        raise ValueError(f"unusable reply token: {token!r}")
    return f"{local}+{token}@{_domain_clean(domain)}"


def _domain_clean(domain: str) -> str:
    host = domain.strip().rstrip(".").lower()
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise ValueError(f"unusable domain: {domain!r}") from exc
    if not _DOMAIN.fullmatch(host):
        raise ValueError(f"unusable domain: {domain!r}")
    return host
