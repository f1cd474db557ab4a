"""IMAP transport: connect (implicit TLS, STARTTLS or plain; password or XOAUTH2), list the
mail not imported yet, fetch it, mark it, and wait for new mail with IDLE.

Only the stdlib `imaplib`. Mail is fetched with BODY.PEEK so fetching alone changes nothing on
the server: a mail is marked (keyword, \\Seen, optionally moved) only after its message has
been committed, so a poller stopped between fetch and commit fetches it again next time and
the Message-ID dedup makes the second import a no-op.
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import select
import ssl
import time
from collections.abc import Iterable

from kefu.inboxes.adapters.email.config import (
    KEYWORD_FAILED,
    KEYWORD_IMPORTED,
    ImapSettings,
)

_FETCH_UID = re.compile(rb"\bUID (\d+)")


class ImapError(Exception):
    """The server refused, or the connection broke. Nothing was marked."""


def tls_context(*, verify: bool) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if not verify:
        # Only for servers with self-signed certificates the admin chose to trust.
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def xoauth2_string(username: str, token: str) -> str:
    """The SASL XOAUTH2 initial response (Google, Microsoft 365)."""
    return f"user={username}\x01auth=Bearer {token}\x01\x01"


def imap_connect(settings: ImapSettings, *, timeout: float = 30) -> imaplib.IMAP4:
    context = tls_context(verify=settings.verify_tls)
    try:
        if settings.security == "ssl":
            conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                settings.host, settings.port, ssl_context=context, timeout=timeout
            )
        else:
            conn = imaplib.IMAP4(settings.host, settings.port, timeout=timeout)
            if settings.security == "starttls":
                conn.starttls(context)
        secret = settings.password()
        if settings.auth == "xoauth2":
            conn.authenticate(
                "XOAUTH2", lambda _challenge: xoauth2_string(settings.username, secret)
            )
        else:
            conn.login(settings.username, secret)
    except (OSError, imaplib.IMAP4.error) as exc:
        raise ImapError(f"IMAP {settings.host}:{settings.port}: {_text(exc)}") from exc
    return conn


def imap_select(conn: imaplib.IMAP4, folder: str) -> None:
    status, data = conn.select(_quote(folder))
    if status != "OK":
        raise ImapError(f"cannot open folder {folder!r}: {_text(data)}")


def imap_pending_uids(conn: imaplib.IMAP4) -> list[int]:
    """UIDs in the selected folder that kefu has neither imported nor recorded as failed."""
    status, data = conn.uid(
        "SEARCH", None, "UNDELETED", "UNKEYWORD", KEYWORD_IMPORTED, "UNKEYWORD", KEYWORD_FAILED
    )
    if status != "OK":
        raise ImapError(f"SEARCH failed: {_text(data)}")
    return sorted(int(u) for u in b" ".join(d for d in data if d).split())


def imap_fetch(conn: imaplib.IMAP4, uids: Iterable[int]) -> list[tuple[int, bytes]]:
    """The raw bytes of each UID, in UID order. UIDs expunged meanwhile are simply absent."""
    wanted = sorted(uids)
    if not wanted:
        return []
    status, data = conn.uid("FETCH", _uid_set(wanted), "(UID BODY.PEEK[])")
    if status != "OK":
        raise ImapError(f"FETCH failed: {_text(data)}")
    out = []
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            match = _FETCH_UID.search(item[0])
            if match:
                out.append((int(match.group(1)), bytes(item[1])))
    out.sort()
    return out


def imap_mark(
    conn: imaplib.IMAP4, uids: Iterable[int], *, settings: ImapSettings, failed: bool = False
) -> None:
    """Mark imported (or failed) mail so it is never fetched again; move it if configured.

    The keyword is stored before any move, so a copy interrupted half-way still carries it
    and is not imported twice. Failed mail stays where it is for an admin to look at.
    """
    wanted = sorted(uids)
    if not wanted:
        return
    keyword = KEYWORD_FAILED if failed else KEYWORD_IMPORTED
    flags = f"({keyword})" if failed else f"(\\Seen {keyword})"
    status, data = conn.uid("STORE", _uid_set(wanted), "+FLAGS.SILENT", flags)
    if status != "OK":
        raise ImapError(f"STORE failed: {_text(data)}")
    if failed or settings.after_import != "move":
        return
    target = _quote(settings.move_to)
    if "MOVE" in conn.capabilities:
        status, data = conn.uid("MOVE", _uid_set(wanted), target)
    else:
        status, data = conn.uid("COPY", _uid_set(wanted), target)
        if status == "OK":
            status, data = conn.uid("STORE", _uid_set(wanted), "+FLAGS.SILENT", "(\\Deleted)")
            conn.expunge()
    if status != "OK":
        raise ImapError(f"moving to {settings.move_to!r} failed: {_text(data)}")


def imap_folder_ensure(conn: imaplib.IMAP4, folder: str) -> None:
    conn.create(_quote(folder))  # "already exists" is fine


def imap_idle_wait(conn: imaplib.IMAP4, *, timeout: float) -> bool:
    """IDLE on the selected folder until the server reports new mail or `timeout` passes.

    True when new mail was announced. imaplib (before 3.14) has no IDLE, so the command is
    spoken here; readiness is checked with select() on the socket, which leaves imaplib's
    buffered reader usable afterwards (a socket timeout would poison it).
    """
    if "IDLE" not in conn.capabilities:
        time.sleep(timeout)
        return False
    tag = conn._new_tag()  # imaplib has no public way to send IDLE
    conn.send(tag + b" IDLE\r\n")
    line = conn.readline()
    if not line.startswith(b"+"):
        raise ImapError(f"IDLE refused: {_text(line)}")
    announced = False
    deadline = time.monotonic() + timeout
    sock = conn.socket()
    while not announced:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        pending = isinstance(sock, ssl.SSLSocket) and sock.pending()
        if not pending and not select.select([sock], [], [], left)[0]:
            break
        line = conn.readline()
        if not line:
            raise ImapError("connection closed during IDLE")
        announced = b"EXISTS" in line or b"RECENT" in line
    conn.send(b"DONE\r\n")
    while True:
        line = conn.readline()
        if not line:
            raise ImapError("connection closed after IDLE")
        if line.startswith(tag):
            break
        announced = announced or b"EXISTS" in line
    return announced


def imap_close(conn: imaplib.IMAP4) -> None:
    with contextlib.suppress(OSError, imaplib.IMAP4.error):
        conn.logout()


def _uid_set(uids: list[int]) -> str:
    return ",".join(str(u) for u in uids)


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text(value: object) -> str:
    if isinstance(value, list):
        value = b" ".join(v if isinstance(v, bytes) else str(v).encode() for v in value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace").strip()
    return str(value)
