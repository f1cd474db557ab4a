"""Webhook HTTP: where kefu may send (SSRF guard) and the POST itself. No database here.

What must hold:
- A request goes only to an address that was checked: the host is resolved here, every address
  it resolves to must be allowed, and the connection is made to one of those checked addresses
  (the URL's name is kept for the Host header, TLS SNI and certificate checks). A name that
  resolves differently a moment later (DNS rebinding) cannot redirect the request.
- Allowed: public addresses; private ones only inside KEFU_WEBHOOK_ALLOWED_NETWORKS, or all with
  KEFU_WEBHOOK_ALLOW_PRIVATE (dev and tests). Loopback, link-local (cloud metadata), CGNAT,
  multicast, documentation and reserved ranges are private here.
- One attempt takes at most TOTAL_TIMEOUT seconds whatever the receiver does (slow DNS, a
  server dribbling bytes): the deadline covers resolution, connect, upload and response.
- Redirects are never followed: a 3xx is a failed attempt.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
import ssl
import time
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from django.conf import settings

from kefu.core.errors import ValidationFailed

CONNECT_TIMEOUT = 3.0
TOTAL_TIMEOUT = 10.0
MAX_PARALLEL = 8
ERROR_EXCERPT_BYTES = 300
MAX_URL_LENGTH = 2000
USER_AGENT = "kefu-webhooks/1"

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# getaddrinfo cannot be cancelled: it runs here, so a hung resolver costs a thread of this pool,
# never the caller's deadline (asyncio.run would wait for its default executor on exit).
_resolver = ThreadPoolExecutor(max_workers=4, thread_name_prefix="kefu-webhook-dns")
_LOCAL_NAMES = ("localhost", "localhost.", "ip6-localhost")


@dataclass(frozen=True)
class Outgoing:
    url: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str  # "" when delivered
    duration_ms: int
    refused: bool = False  # not sent at all: the destination is not allowed

    @property
    def ok(self) -> bool:
        return not self.error and self.status_code is not None and 200 <= self.status_code < 300


# --- where kefu may send ---------------------------------------------------------------------


@functools.cache
def _networks(cidrs: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)


def address_allowed(ip: IpAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    if settings.WEBHOOK_ALLOW_PRIVATE:
        return True
    if any(ip in net for net in _networks(tuple(settings.WEBHOOK_ALLOWED_NETWORKS))):
        return True
    return ip.is_global and not ip.is_multicast


def _is_local_name(host: str) -> bool:
    return host in _LOCAL_NAMES or host.endswith((".localhost", ".localhost."))


def url_clean(url: str) -> str:
    """Validate a receiver's URL as an admin typed it; returns it normalized.

    https only (http for localhost with KEFU_WEBHOOK_ALLOW_PRIVATE), no credentials, no
    private address literal. Names are resolved and checked again at every delivery."""
    url = (url or "").strip()
    if not url or len(url) > MAX_URL_LENGTH:
        raise ValidationFailed(f"url must be 1 to {MAX_URL_LENGTH} characters", field="url")
    try:
        parts = urlsplit(url)
        port = parts.port
        httpx.URL(url)
    except (ValueError, httpx.InvalidURL) as exc:
        raise ValidationFailed(f"url is not a valid URL: {exc}", field="url") from None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if not host:
        raise ValidationFailed("url needs a host", field="url")
    if parts.username is not None or parts.password is not None:
        raise ValidationFailed(
            "url must not carry a user or password: kefu signs every request instead",
            field="url",
        )
    try:
        literal: IpAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    local = _is_local_name(host) or (literal is not None and literal.is_loopback)
    if scheme == "http":
        if not (settings.WEBHOOK_ALLOW_PRIVATE and local):
            raise ValidationFailed(
                "url must be https:// (http:// only to localhost in development)", field="url"
            )
    elif scheme != "https":
        raise ValidationFailed("url must be https://", field="url")
    if literal is not None and not address_allowed(literal):
        raise ValidationFailed(
            f"url points to {literal}, a private or reserved address", field="url"
        )
    if literal is None and _is_local_name(host) and not settings.WEBHOOK_ALLOW_PRIVATE:
        raise ValidationFailed(f"url points to {host}, this machine", field="url")
    shown = f"[{host}]" if ":" in host else host
    netloc = shown if port is None else f"{shown}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


# --- sending ---------------------------------------------------------------------------------


@functools.cache
def _ssl_context(extra_ca_file: str) -> ssl.SSLContext:
    context = httpx.create_ssl_context(trust_env=False)
    if extra_ca_file:
        context.load_verify_locations(cafile=extra_ca_file)
    return context


def webhook_post(requests: list[Outgoing]) -> list[Outcome]:
    """POST each request (in parallel), each within TOTAL_TIMEOUT; outcomes in the same order."""
    if not requests:
        return []
    context = _ssl_context(settings.WEBHOOK_CA_FILE)
    allowed = address_allowed  # settings are read here, in the caller's thread

    async def all_of() -> list[Outcome]:
        gate = asyncio.Semaphore(MAX_PARALLEL)

        async def one(request: Outgoing) -> Outcome:
            async with gate:
                return await _post(request, context=context, allowed=allowed)

        return list(await asyncio.gather(*(one(r) for r in requests)))

    return _run(all_of())


def _run(coroutine: Coroutine[Any, Any, list[Outcome]]) -> list[Outcome]:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    # Called from async code (a consumer, an async test): run on a loop of our own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def _post(request: Outgoing, *, context: ssl.SSLContext, allowed: Any) -> Outcome:
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        async with asyncio.timeout(TOTAL_TIMEOUT):
            status, error, refused = await _attempt(request, context=context, allowed=allowed)
    except TimeoutError:
        return Outcome(None, f"no answer within {TOTAL_TIMEOUT:g} s", took())
    return Outcome(status, error, took(), refused=refused)


async def _resolve(host: str, port: int) -> list[IpAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    infos = await loop.run_in_executor(
        _resolver, functools.partial(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    )
    addresses: list[IpAddress] = []
    for info in infos:
        ip = ipaddress.ip_address(str(info[4][0]).partition("%")[0])
        if ip not in addresses:
            addresses.append(ip)
    return addresses


async def _attempt(
    request: Outgoing, *, context: ssl.SSLContext, allowed: Any
) -> tuple[int | None, str, bool]:
    url = httpx.URL(request.url)
    host = url.raw_host.decode("ascii")  # IDNA-encoded: what DNS and SNI take
    https = url.scheme == "https"
    port = url.port or (443 if https else 80)
    try:
        addresses = await _resolve(host, port)
    except OSError as exc:
        return None, f"cannot resolve {host}: {exc.strerror or exc}", False
    refused = [ip for ip in addresses if not allowed(ip)]
    if refused or not addresses:
        shown = refused[0] if refused else "nothing"
        return None, f"refused: {host} resolves to {shown}, a private or reserved address", True
    headers = {**request.headers, "Host": url.netloc.decode("ascii")}
    extensions = {"sni_hostname": host} if https else {}
    timeout = httpx.Timeout(TOTAL_TIMEOUT, connect=CONNECT_TIMEOUT)
    error = ""
    for ip in addresses:
        # A fresh client per request: pooled connections are keyed by address, and one opened
        # (and certificate-checked) for one name must not carry a request for another.
        async with httpx.AsyncClient(
            verify=context, timeout=timeout, follow_redirects=False, trust_env=False
        ) as client:
            try:
                async with client.stream(
                    "POST",
                    url.copy_with(host=str(ip)),
                    content=request.body,
                    headers=headers,
                    extensions=extensions,
                ) as response:
                    excerpt = await _excerpt(response)
            except httpx.ConnectError as exc:
                error = f"cannot connect to {host} ({ip}): {str(exc) or 'refused'}"
                continue  # nothing was sent; the next address may answer
            except httpx.ConnectTimeout:
                error = f"cannot connect to {host} ({ip}) within {CONNECT_TIMEOUT:g} s"
                continue
            except httpx.TimeoutException:
                return None, f"no answer within {TOTAL_TIMEOUT:g} s", False
            except httpx.HTTPError as exc:
                return None, f"{type(exc).__name__}: {exc}", False
        code = response.status_code
        if 200 <= code < 300:
            return code, "", False
        if 300 <= code < 400:
            location = response.headers.get("location", "")[:200]
            return code, f"HTTP {code}: redirects are not followed (Location: {location})", False
        return code, f"HTTP {code}" + (f": {excerpt}" if excerpt else ""), False
    return None, error, False


async def _excerpt(response: httpx.Response) -> str:
    """The start of the receiver's answer, for the delivery log (never more is read)."""
    if 200 <= response.status_code < 300:
        return ""
    data = b""
    async for chunk in response.aiter_raw():
        data += chunk
        if len(data) >= ERROR_EXCERPT_BYTES:
            break
    text = data[:ERROR_EXCERPT_BYTES].decode("utf-8", "replace")
    return " ".join(text.split())
