"""The widget's script, its language packs, and the demo exchange page at /demo/."""

from __future__ import annotations

import gzip
import hashlib
import json
from functools import cache
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_safe

from kefu.inboxes.adapters.widget import user_hash_make

STATIC = Path(__file__).parent / "static" / "widget"
# Short enough that a fix reaches every exchange page within minutes; ETag makes it cheap.
SCRIPT_MAX_AGE = 300
DEMO_UID = "100284731"  # Wang Hao, the demo exchange's verified customer
DEMO_SITE = "https://lumen.exchange"


@cache
def _asset(name: str) -> tuple[bytes, bytes, str]:
    raw = (STATIC / name).read_bytes()
    return raw, gzip.compress(raw, 9, mtime=0), '"' + hashlib.sha256(raw).hexdigest()[:32] + '"'


@cache
def _packs() -> dict[str, bytes]:
    packs = json.loads((STATIC / "i18n.json").read_text("utf-8"))
    return {lang: json.dumps(strings, ensure_ascii=False).encode() for lang, strings in packs.items()}


def _serve(request: HttpRequest, body: tuple[bytes, bytes, str], content_type: str, max_age: int) -> HttpResponse:
    raw, packed, etag = body
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    elif "gzip" in request.headers.get("Accept-Encoding", ""):
        response = HttpResponse(packed, content_type=content_type)
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(raw, content_type=content_type)
    response["ETag"] = etag
    response["Vary"] = "Accept-Encoding"
    response["Cache-Control"] = f"public, max-age={max_age}"
    response["Access-Control-Allow-Origin"] = "*"
    # Loaded by other sites' pages: allow it to be embedded cross-origin.
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@require_safe
def widget_js(request: HttpRequest) -> HttpResponse:
    if settings.DEBUG:
        _asset.cache_clear()
    return _serve(request, _asset("widget.js"), "text/javascript; charset=utf-8", SCRIPT_MAX_AGE)


@require_safe
def widget_i18n(request: HttpRequest, lang: str) -> HttpResponse:
    if settings.DEBUG:
        _packs.cache_clear()
    pack = _packs().get(lang)
    if pack is None:
        raise Http404("no such language")
    etag = '"' + hashlib.sha256(pack).hexdigest()[:32] + '"'
    return _serve(request, (pack, gzip.compress(pack, 9, mtime=0), etag), "application/json", 3600)


_MARKETS = [
    ("BTC", "67,412.50", "+2.31%", True, "$1.84B"),
    ("ETH", "3,482.16", "−0.84%", False, "$912.6M"),
    ("SOL", "171.92", "+5.12%", True, "$403.1M"),
    ("XRP", "0.6231", "+0.47%", True, "$188.9M"),
    ("TON", "6.874", "−1.93%", False, "$74.2M"),
    ("DOGE", "0.16417", "+3.08%", True, "$151.7M"),
]


def _withdrawals() -> list[dict[str, str]]:
    """Made up, dated relative to today so the pending one always looks recent."""
    from datetime import timedelta

    from kefu.core.clock import now

    today = now().replace(second=0, microsecond=0)
    rows = [
        (timedelta(minutes=47), "BTC", "0.50000000", "Bitcoin", "bc1qf3…8m4k", "—", "review"),
        (timedelta(days=2, hours=3), "USDT", "2,500.00", "TRC20", "TQ9fJ…x2Lp", "7c1e…a90b", "done"),
        (timedelta(days=5, hours=7), "ETH", "1.20000000", "ERC20", "0x8a4C…41D2", "0x3f…e7c1", "done"),
        (timedelta(days=11, hours=1), "SOL", "40.000000", "Solana", "9xQe…HqT4", "5vG…pL2", "done"),
        (timedelta(days=20, hours=5), "USDT", "800.00", "BEP20", "0x51b0…9C0e", "—", "cancelled"),
    ]
    return [
        {"time": f"{today - ago:%Y-%m-%d %H:%M}", "coin": coin, "amount": amount, "network": net,
         "address": address, "txid": txid, "status": status}
        for ago, coin, amount, net, address, txid, status in rows
    ]


def _demo_inbox():
    from kefu.inboxes.models import ChannelType, Inbox

    # Only the demo exchange's chat inbox: the page signs in as a made-up customer, which a
    # real installation must never offer.
    for inbox in Inbox.objects.filter(channel_type=ChannelType.WEB_WIDGET, enabled=True).order_by("created_at"):
        if (inbox.config or {}).get("site") == DEMO_SITE:
            return inbox
    return None


# The demo stands for the exchange's own page, which sets its own policy: it keeps its inline
# styles and language switcher. The widget itself needs no inline style or script.
@csp_override({**settings.SECURE_CSP, "style-src": [CSP.SELF, CSP.UNSAFE_INLINE], "script-src": [CSP.SELF, CSP.UNSAFE_INLINE]})
@require_safe
def demo(request: HttpRequest) -> HttpResponse:
    inbox = _demo_inbox()
    if inbox is None:
        raise Http404("The demo page needs the demo exchange: run `kefu demo` first.")
    guest = request.GET.get("as") == "guest"
    lang = request.GET.get("lang", "")
    languages = [(code.replace("zh-hans", "zh-Hans").replace("zh-hant", "zh-Hant"), name) for code, name in settings.LANGUAGES]
    if lang not in {code for code, _ in languages}:
        lang = ""
    context = {
        "inbox_id": str(inbox.pk),
        "uid": "" if guest else DEMO_UID,
        "user_hash": "" if guest else user_hash_make(secret=inbox.signing_secret(), uid=DEMO_UID),
        "guest": guest,
        "lang": lang,
        "languages": languages,
        "script_src": request.build_absolute_uri("/widget.js"),
        "withdrawals": _withdrawals(),
        "markets": _MARKETS,
    }
    return render(request, "widget/demo.html", context)
