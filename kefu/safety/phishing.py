"""Links in messages, and whether they imitate the exchange's own domains.

`url_check` finds URLs and bare domains (``binance-support.com/login`` without a scheme
included), normalises each host (NFKC, punycode decoded, lower case, no trailing dot) and
classifies it: ``official`` (an official domain or a subdomain of one), ``lookalike`` (with the
reasons it imitates one: confusable characters, punycode, a typo, another TLD, the brand in a
subdomain, label or path) or ``unknown``. No network and no downloaded suffix list: the
registrable domain comes from a short built-in list of multi-part suffixes.
"""

from __future__ import annotations

import codecs
import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final, Literal

Verdict = Literal["official", "lookalike", "unknown"]


@dataclass(frozen=True, slots=True)
class UrlFinding:
    url: str  # as written in the message
    host: str  # normalised: Unicode (punycode decoded), lower case, no trailing dot
    verdict: Verdict
    reasons: list[str]
    target: str | None  # the official domain or brand it imitates
    span: tuple[int, int] = field(default=(0, 0))  # offsets of `url` in the message


# Reasons that alone make a link a lookalike. "punycode" and "ip-address" are reported but, on
# their own, only describe the link: plenty of legitimate sites have IDN names.
_STRONG_REASONS: Final = frozenset(
    {
        "homoglyph",
        "confusable-script",
        "typosquat",
        "tld-swap",
        "hyphenation",
        "brand-in-domain",
        "brand-in-subdomain",
        "brand-in-path",
        "brand-in-userinfo",
    }
)

# Multi-part public suffixes under which people register names, plus hosting platforms where
# anyone gets a subdomain (a phishing page on `binance-login.pages.dev` belongs to whoever
# registered `binance-login`, not to Cloudflare). Not the full Public Suffix List, on purpose:
# no download, and these cover what shows up in support chats.
_MULTI_SUFFIXES: Final = frozenset(
    """
    co.uk org.uk me.uk ac.uk gov.uk ltd.uk plc.uk net.uk com.cn net.cn org.cn gov.cn edu.cn
    com.hk net.hk org.hk com.tw net.tw org.tw idv.tw com.sg net.sg org.sg com.my net.my org.my
    com.au net.au org.au edu.au gov.au co.nz org.nz net.nz co.jp ne.jp or.jp ac.jp go.jp
    co.kr or.kr ne.kr ac.kr go.kr com.br net.br org.br gov.br com.ar net.ar org.ar com.mx
    net.mx org.mx gob.mx com.tr net.tr org.tr gen.tr web.tr com.ua net.ua org.ua in.ua co.in
    net.in org.in firm.in gen.in ind.in co.za org.za net.za co.id or.id web.id com.vn net.vn
    com.ph net.ph org.ph com.pk net.pk org.pk com.ng org.ng co.il org.il com.sa net.sa org.sa
    com.eg net.eg com.co net.co org.co com.pe net.pe com.ve co.ve com.ec com.uy com.py com.bo
    com.gt com.do com.pa com.ru net.ru org.ru msk.ru spb.ru com.kz org.kz co.th in.th or.th
    ac.th com.bd com.np com.lk com.mm com.kh com.la com.mn co.ke or.ke com.gh com.ma co.ma
    com.tn com.dz com.qa com.kw com.bh com.om com.jo com.lb ae.org com.de com.es com.fr com.pt
    com.pl net.pl org.pl com.ro com.gr co.at or.at co.hu com.cy co.nl
    github.io gitlab.io pages.dev workers.dev vercel.app netlify.app herokuapp.com
    firebaseapp.com web.app appspot.com blogspot.com azurewebsites.net cloudfront.net
    ngrok.io ngrok-free.app glitch.me repl.co replit.app wixsite.com weebly.com
    000webhostapp.com godaddysites.com webflow.io framer.website notion.site carrd.co
    translate.goog r2.dev onrender.com fly.dev surge.sh
    """.split()  # noqa: SIM905 (a suffix list reads better as text)
)

# TLDs accepted for a bare domain (one written without scheme). A URL with a scheme may have
# any TLD; a bare one needs a known TLD, or "file.py", "notes.md" and "done.It" would be links.
_BARE_TLDS: Final = frozenset(
    """
    com net org info biz io co me xyz top site online store shop app dev ai cc tv vip club live
    link cloud fun icu asia pro tech space website world today news email support help services
    service finance financial money cash exchange trade trading market markets capital fund
    investments bet win work life blog page digital network systems solutions global group
    company center agency media one best buzz rest bar click cyou monster sbs quest lol mobi
    name travel wiki run ltd limited gold bond bank claims security secure login wallet crypto
    bid loan credit cards cash tips tokyo moe nyc london berlin paris sale promo gift guru
    ac ae ag ar at au az be bg br by ca ch cl cn cz de dk ee es eu fi fr ge gg gr hk hr hu id
    ie il in ir is jp ke kr kz li lt lu lv ly ma mn mx my ng nl no nu nz pe ph pk pt qa ro ru
    sa se sg si sk su th tk tr tw ua uk us uz ve vn ws za рф укр бел
    """.split()  # noqa: SIM905 (a TLD list reads better as text)
)

# Latin (with accents), Greek, Cyrillic and full-width letters: the scripts of look-alikes.
_LABEL_CHARS: Final = "0-9a-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff\u1e00-\u1eff\uff10-\uff19\uff21-\uff3a\uff41-\uff5a"
_DOT: Final = "[.\u3002\uff0e\uff61]"  # IDNA treats the ideographic full stops as dots
_LABEL: Final = rf"[{_LABEL_CHARS}](?:[{_LABEL_CHARS}-]{{0,61}}[{_LABEL_CHARS}])?"
_PATH_CHARS: Final = r"[^\s<>\"'`，。！？）」』】\]\[{}|\\^]"

_SCHEME_URL_RE: Final = re.compile(
    rf"(?:https?|hxxps?|ftp)://{_PATH_CHARS}+|www{_DOT}{_PATH_CHARS}+", re.I
)
_BARE_RE: Final = re.compile(
    rf"(?<![{_LABEL_CHARS}.@/\\-])(?P<host>(?:{_LABEL}{_DOT})+(?P<tld>[a-z\uff41-\uff5a]{{2,24}}|xn--[a-z0-9-]{{1,59}}"
    rf"|[\u0400-\u04ff]{{2,10}}))(?P<port>:\d{{1,5}})?(?![{_LABEL_CHARS}@-])(?P<path>/{_PATH_CHARS}*)?",
    re.I,
)
_TRAILING: Final = ".,;:!?)]}'\"，。！？、）"
_IPV4_RE: Final = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")


def links_present(text: str) -> bool:
    """Cheap test: could url_check find anything here? Most chat messages hold no link."""
    return bool(_SCHEME_URL_RE.search(text) or _BARE_RE.search(text))


def url_check(
    text: str, *, official_domains: list[str], brand_names: list[str]
) -> list[UrlFinding]:
    officials = _officials(tuple(official_domains))
    brands = _brands(tuple(brand_names), officials)
    found: list[UrlFinding] = []
    taken: list[tuple[int, int]] = []
    for m in _SCHEME_URL_RE.finditer(text):
        start, end = m.start(), _strip_trailing(text, m.start(), m.end())
        taken.append((start, end))
        found.append(_classify(text[start:end], (start, end), officials, brands, bare=False))
    for m in _BARE_RE.finditer(text):
        start = m.start()
        if any(a <= start < b for a, b in taken):
            continue
        tld = unicodedata.normalize("NFKC", m.group("tld")).lower()
        if tld not in _BARE_TLDS and not tld.startswith("xn--"):
            continue
        host_text = unicodedata.normalize("NFKC", m.group("host"))
        if not (host_text.islower() or host_text.isupper()):
            continue  # "Done.It works": a sentence without its space, not a domain
        end = _strip_trailing(text, start, m.end())
        found.append(_classify(text[start:end], (start, end), officials, brands, bare=True))
    found.sort(key=lambda f: f.span)
    return found


def _strip_trailing(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in _TRAILING:
        if text[end - 1] == ")" and text[start:end].count("(") >= text[start:end].count(")"):
            break  # a balanced parenthesis belongs to the URL (Wikipedia-style paths)
        end -= 1
    return end


@dataclass(frozen=True, slots=True)
class _Official:
    domain: str
    label: str  # registrable label: "binance" for binance.com
    suffix: str  # "com"


def _host_normalize(raw: str) -> tuple[str, bool]:
    """Unicode lower-case host without trailing dot, and whether any label was punycode."""
    host = unicodedata.normalize("NFKC", raw)
    host = re.sub(_DOT, ".", host).strip(".").lower()
    labels = []
    punycode = False
    for label in host.split("."):
        if label.startswith("xn--"):
            try:
                label = codecs.decode(label[4:].encode("ascii"), "punycode")
                punycode = True
            except (UnicodeError, ValueError):
                pass
        labels.append(unicodedata.normalize("NFC", label).lower())
    return ".".join(labels), punycode


def _registrable(host: str) -> tuple[str, str]:
    """(registrable label, public suffix): ("binance", "com") for accounts.binance.com."""
    labels = host.split(".")
    if len(labels) >= 3 and ".".join(labels[-2:]) in _MULTI_SUFFIXES:
        return labels[-3], ".".join(labels[-2:])
    if len(labels) >= 2:
        return labels[-2], labels[-1]
    return host, ""


@functools.lru_cache(maxsize=64)
def _officials(domains: tuple[str, ...]) -> tuple[_Official, ...]:
    out = []
    for d in domains:
        host, _ = _host_normalize(d.strip())
        if host:
            label, suffix = _registrable(host)
            out.append(_Official(domain=host, label=label, suffix=suffix))
    return tuple(out)


@functools.lru_cache(maxsize=64)
def _brands(
    names: tuple[str, ...], officials: tuple[_Official, ...]
) -> tuple[tuple[str, str], ...]:
    """(brand, the official domain it stands for) for brand names and official labels."""
    default = officials[0].domain if officials else ""
    out: dict[str, str] = {}
    for o in officials:
        out.setdefault(o.label, o.domain)
    for name in names:
        brand = re.sub(r"[^0-9a-z\u00c0-\u024f]", "", unicodedata.normalize("NFKC", name).lower())
        if len(brand) >= 3:
            out.setdefault(brand, default)
    return tuple(out.items())


def _classify(
    url: str,
    span: tuple[int, int],
    officials: tuple[_Official, ...],
    brands: tuple[tuple[str, str], ...],
    *,
    bare: bool,
) -> UrlFinding:
    rest = re.sub(r"^(?:https?|hxxps?|ftp)://", "", url, flags=re.I)
    authority, sep, path = rest.partition("/")
    path = sep + path
    for mark in "?#":
        if mark in authority:
            authority, _, tail = authority.partition(mark)
            path = mark + tail + path
    userinfo, _, hostport = authority.rpartition("@")
    raw_host = re.sub(r":\d{1,5}$", "", hostport)
    host, punycode = _host_normalize(raw_host)
    reasons: list[str] = []
    target: str | None = None

    if _IPV4_RE.fullmatch(host):
        reasons.append("ip-address")
    for o in officials:
        if host == o.domain or host.endswith("." + o.domain):
            return UrlFinding(url, host, "official", [], o.domain, span)
    if punycode:
        reasons.append("punycode")

    label, suffix = _registrable(host)
    subdomains = host.split(".")[: -(2 if "." not in suffix else 3)] if suffix else []

    def add(reason: str, to: str) -> None:
        nonlocal target
        if reason not in reasons:
            reasons.append(reason)
        target = target or to

    for o in officials:
        if label == o.label and suffix != o.suffix:
            add("tld-swap", o.domain)
        elif label != o.label:
            _label_compare(label, o.label, o.domain, add)
    for brand, domain in brands:
        tokens = re.split(r"[-_]", label)
        if label != brand and (
            brand in tokens or (len(brand) >= 5 and brand in label.replace("-", ""))
        ):
            add("brand-in-domain", domain)
        elif label != brand and len(tokens) > 1:
            for token in tokens:
                _label_compare(token, brand, domain, add)
        if any(_contains_brand(s, brand) for s in subdomains):
            add("brand-in-subdomain", domain)
        if path and _contains_brand(path.lower(), brand):
            add("brand-in-path", domain)
        if userinfo and _contains_brand(userinfo.lower(), brand):
            add("brand-in-userinfo", domain)
    if "homoglyph" not in reasons and _confusable_script(label):
        add("confusable-script", "")
    verdict: Verdict = "lookalike" if _STRONG_REASONS.intersection(reasons) else "unknown"
    return UrlFinding(url, host, verdict, reasons, target or None, span)


def _label_compare(label: str, official: str, domain: str, add: Callable[[str, str], None]) -> None:
    if not label or not official:
        return
    if _skeleton(label) == _skeleton(official):
        add("homoglyph", domain)
    elif label.replace("-", "") == official.replace("-", ""):
        add("hyphenation", domain)
    else:
        limit = 1 if len(official) <= 5 else 2
        if len(official) >= 4 and (
            _osa_distance(label, official, limit) <= limit
            or _osa_distance(_skeleton(label), _skeleton(official), limit) <= limit
        ):
            add("typosquat", domain)


def _contains_brand(text: str, brand: str) -> bool:
    if len(brand) >= 5:
        return brand in text or _skeleton(brand) in _skeleton(text)
    # Short brands ("okx", "htx") only as a whole token, or "bookxy.io/okx" would match.
    return brand in re.split(r"[^0-9a-z\u00c0-\u024f]+", text)


# Confusables skeleton: characters that render alike map to one representative, so a host and
# an official label compare equal when they look equal. Written for the scripts that matter in
# domain names (Latin look-alikes from Cyrillic and Greek, digits for letters, letter pairs).
_SKELETON_CHARS: Final = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "l", "ї": "l", "ј": "j", "ԁ": "d",
    "һ": "h", "ӏ": "l", "ԛ": "q", "ԝ": "w", "ɡ": "g", "ь": "b", "п": "n", "г": "r",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "l", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ω": "w", "γ": "y", "μ": "u",
    # Latin look-alikes and digits
    "ı": "l", "ł": "l", "i": "l", "1": "l", "|": "l", "!": "l", "0": "o", "3": "e", "4": "a",
    "5": "s", "7": "t", "8": "b", "@": "a", "$": "s", "ß": "b", "ø": "o", "đ": "d", "ħ": "h",
}  # fmt: skip
_SKELETON_PAIRS: Final = (("rn", "m"), ("vv", "w"), ("cl", "d"), ("nn", "m"))


@functools.lru_cache(maxsize=4096)
def _skeleton(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    base = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    out = "".join(_SKELETON_CHARS.get(ch, ch) for ch in base)
    for pair, single in _SKELETON_PAIRS:
        out = out.replace(pair, single)
    return out


def _confusable_script(label: str) -> bool:
    """A non-ASCII label that looks entirely like an ASCII one (e.g. Cyrillic "аррӏе")."""
    if label.isascii():
        return False
    skeleton = _skeleton(label)
    has_latin = any("a" <= ch <= "z" for ch in label)
    foreign = any(ch in _SKELETON_CHARS and not ch.isascii() for ch in label)
    return skeleton.isascii() and foreign and (has_latin or len(label) >= 3)


def _osa_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance, cut off above `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]
