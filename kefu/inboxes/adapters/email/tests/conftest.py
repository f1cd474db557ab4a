"""Real mail servers for the transport tests: Dovecot (started by scripts/dovecot-test, which
`scripts/test-setup` runs) and an aiosmtpd sink started here, with STARTTLS and AUTH."""

from __future__ import annotations

import datetime
import imaplib
import os
import socket
import ssl
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[5]
IMAP_HOST = "127.0.0.1"
IMAP_PORT = int(os.environ.get("KEFU_TEST_IMAP_PORT", "10143"))
IMAPS_PORT = int(os.environ.get("KEFU_TEST_IMAPS_PORT", "10993"))
IMAP_USER = "kefu"
IMAP_PASSWORD = "kefu-test-password"
SMTP_USER = "relay"
SMTP_PASSWORD = "relay-test-password"


def _reachable(port: int) -> bool:
    try:
        socket.create_connection((IMAP_HOST, port), timeout=1).close()
    except OSError:
        return False
    return True


@pytest.fixture(scope="session")
def imap_server() -> dict:
    if not _reachable(IMAP_PORT):
        run = subprocess.run(
            [str(ROOT / "scripts" / "dovecot-test")], capture_output=True, text=True, check=False
        )
        if run.returncode != 0:
            message = f"Dovecot is not available: {run.stderr.strip()}"
            if os.environ.get("KEFU_REQUIRE_SERVICES") or os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
    return {"host": IMAP_HOST, "port": IMAP_PORT, "ssl_port": IMAPS_PORT}


def imap_client() -> imaplib.IMAP4:
    conn = imaplib.IMAP4(IMAP_HOST, IMAP_PORT)
    conn.login(IMAP_USER, IMAP_PASSWORD)
    return conn


@pytest.fixture
def imap_folder(imap_server):
    """A fresh folder per test, so parallel runs never see each other's mail."""
    name = f"t-{uuid.uuid4().hex[:12]}"
    conn = imap_client()
    conn.create(name)
    yield name
    conn.delete(name)
    for extra in (f"{name}-done",):
        conn.delete(extra)
    conn.logout()


def imap_append(folder: str, *raws: bytes) -> None:
    conn = imap_client()
    try:
        for raw in raws:
            status, data = conn.append(folder, None, None, raw)
            assert status == "OK", data
    finally:
        conn.logout()


def imap_flags(folder: str) -> dict[int, str]:
    conn = imap_client()
    try:
        conn.select(folder)
        _, data = conn.uid("FETCH", "1:*", "(UID FLAGS)")
        out = {}
        for item in data:
            if isinstance(item, bytes) and b"UID" in item:
                uid = int(item.split(b"UID ")[1].split()[0].rstrip(b")"))
                out[uid] = item.decode()
        return out
    finally:
        conn.logout()


def _self_signed(directory: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    moment = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(moment - datetime.timedelta(days=1))
        .not_valid_after(moment + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "smtp-cert.pem", directory / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@dataclass
class SmtpSink:
    host: str
    port: int
    received: list = field(default_factory=list)  # (mail_from, rcpt_tos, raw bytes)
    # Reply codes to give to the next DATA commands, e.g. ["451 try later"].
    fail_next: list = field(default_factory=list)


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook name
        if self.sink.fail_next:
            return self.sink.fail_next.pop(0)
        self.sink.received.append(
            (envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content))
        )
        return "250 OK"


def _authenticator(server, session, envelope, mechanism, auth_data):
    from aiosmtpd.smtp import AuthResult

    ok = auth_data.login == SMTP_USER.encode() and auth_data.password == SMTP_PASSWORD.encode()
    return AuthResult(success=ok)


@pytest.fixture
def smtp_sink(tmp_path):
    """An SMTP server offering STARTTLS, requiring AUTH after it, capturing what it accepts."""
    from aiosmtpd.controller import Controller

    cert, key = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = SmtpSink(host="127.0.0.1", port=port)
    controller = Controller(
        _Handler(sink),
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=_authenticator,
        auth_required=True,
        auth_require_tls=True,
    )
    controller.start()
    yield sink
    controller.stop()


@pytest.fixture
def email_inbox(db, demo, imap_folder, smtp_sink):
    """An email inbox of the demo exchange connected to the test folder and the SMTP sink.

    A new inbox, not the demo's own: the demo's replies would go out through the sink too."""
    from kefu.inboxes.actions import inbox_create
    from kefu.inboxes.adapters.email.actions import email_inbox_configure
    from kefu.inboxes.models import ChannelType

    inbox = inbox_create(
        name="Email test", channel_type=ChannelType.EMAIL, teams=list(demo.teams.values())
    )
    return email_inbox_configure(
        inbox=inbox,
        data={
            "address": "support@lumen.exchange",
            "from_name": "Lumen Support",
            "brand": "Lumen Exchange",
            "imap": {
                "host": IMAP_HOST,
                "port": IMAP_PORT,
                "security": "starttls",
                "username": IMAP_USER,
                "password": IMAP_PASSWORD,
                "folders": [imap_folder],
                "verify_tls": False,
            },
            "smtp": {
                "host": smtp_sink.host,
                "port": smtp_sink.port,
                "security": "starttls",
                "username": SMTP_USER,
                "password": SMTP_PASSWORD,
                "verify_tls": False,
            },
        },
    )
