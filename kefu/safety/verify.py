"""Official-channel verification: normalize what someone pasted, then look it up.

Anyone (a customer who got a DM, a journalist, another exchange) pastes an email address, a
link, a Telegram or X handle, a phone number or an agent's support ID and learns whether it
is official. The answer never guesses "official" for something close to an official value:
a look-alike is reported as such, with what it imitates.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Final, Literal

from django.utils.translation import gettext as _

from kefu.core.errors import ValidationFailed
from kefu.safety.phishing import url_check

VerifyKind = Literal["website", "email", "telegram", "x", "phone", "agent"]
VERIFY_KINDS: Final = ("website", "email", "telegram", "x", "phone", "agent")
MAX_VALUE_CHARS: Final = 255

_HANDLE_URL_RE: Final = re.compile(
    r"^(?:https?://)?(?:www\.)?(?:t\.me|telegram\.me|telegram\.dog|x\.com|twitter\.com"
    r"|mobile\.twitter\.com)/",
    re.I,
)
_HANDLE_RE: Final = re.compile(r"^[a-z0-9_]{2,64}$")
_EMAIL_RE: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SUPPORT_ID_RE: Final = re.compile(r"^[A-Z]{1,4}-?\d{1,10}$")


def channel_normalize(kind: str, value: str) -> str:
    """The stored form of a channel value; raises ValidationFailed on what cannot be one."""
    if kind not in VERIFY_KINDS:
        raise ValidationFailed(f"kind must be one of {', '.join(VERIFY_KINDS)}", field="kind")
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed(_("enter something to check"), field="value")
    if len(value) > MAX_VALUE_CHARS:
        raise ValidationFailed(f"at most {MAX_VALUE_CHARS} characters", field="value")
    raw = unicodedata.normalize("NFKC", value).strip()
    if kind == "website":
        return _host_of(raw)
    if kind == "email":
        address = raw.lower().removeprefix("mailto:")
        if address.startswith("*@"):
            return "*@" + _host_of(address[2:])
        if not _EMAIL_RE.match(address):
            raise ValidationFailed(_("that is not an email address"), field="value")
        local, _at, domain = address.rpartition("@")
        return f"{local}@{_host_of(domain)}"
    if kind in ("telegram", "x"):
        handle = _HANDLE_URL_RE.sub("", raw).lstrip("@").split("/")[0].split("?")[0].lower()
        if not _HANDLE_RE.match(handle):
            raise ValidationFailed(
                _("a handle is letters, digits and underscores, like @LumenSupport"), field="value"
            )
        return handle
    if kind == "phone":
        digits = re.sub(r"[\s().\-]", "", raw)
        if digits.startswith("00"):
            digits = "+" + digits[2:]
        if not re.fullmatch(r"\+?\d{6,15}", digits):
            raise ValidationFailed(
                _("a phone number in international format, like +44 20 7946 0000"), field="value"
            )
        return digits if digits.startswith("+") else "+" + digits
    # agent support id
    sid = raw.upper().replace(" ", "")
    if not _SUPPORT_ID_RE.match(sid):
        raise ValidationFailed(_("a support ID looks like LS-1042"), field="value")
    if "-" not in sid:
        sid = re.sub(r"^([A-Z]+)", r"\1-", sid)
    return sid


def _host_of(raw: str) -> str:
    text = raw.strip().lower()
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text)
    host = re.split(r"[/?#]", text, maxsplit=1)[0]
    host = host.rsplit("@", 1)[-1].split(":")[0].rstrip(".")
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
        # Stored and compared in Unicode, the form the phishing checks use.
        host = host.encode("ascii").decode("idna") if "xn--" in host else host
    except UnicodeError:
        raise ValidationFailed(_("that is not a valid domain name"), field="value") from None
    host = host.removeprefix("www.")
    if "." not in host or not re.fullmatch(r"[^\s/@]+", host):
        raise ValidationFailed(_("that is not a website address or domain"), field="value")
    return host


@dataclass(frozen=True, slots=True)
class VerifyResult:
    kind: str
    value: str  # normalized
    official: bool
    label: str = ""  # what the official channel is ("Support email", "Mei Lin, support agent")
    lookalike_of: str | None = None  # an official domain this imitates
    reasons: list[str] = field(default_factory=list)


def domain_official(host: str, official_domains: list[str]) -> str | None:
    """The official domain `host` is, or is under; None when it is neither."""
    for domain in official_domains:
        if host == domain or host.endswith("." + domain):
            return domain
    return None


def domain_lookalike(
    host: str, *, official_domains: list[str], brand_names: list[str]
) -> tuple[str | None, list[str]]:
    findings = url_check(
        f"https://{host}/", official_domains=official_domains, brand_names=brand_names
    )
    for f in findings:
        if f.verdict == "lookalike":
            return f.target, list(f.reasons)
    return None, []
