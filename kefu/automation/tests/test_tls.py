"""HTTPS delivery: kefu connects to the address it checked, yet TLS still verifies the URL's
name (SNI and certificate), against a real TLS server with a certificate authority made here."""

from __future__ import annotations

import datetime as dt
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kefu.automation.actions import webhook_endpoint_create, webhook_endpoint_test_now
from kefu.core.actors import Actor

pytestmark = pytest.mark.django_db


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _pki(tmp: Path, server_name: str) -> tuple[Path, Path, Path]:
    """A CA (its PEM) and a server certificate for `server_name` signed by it."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("kefu test CA"))
        .issuer_name(_name("kefu test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(server_name))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(server_name)]), critical=False)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_pem, cert_pem, key_pem = tmp / "ca.pem", tmp / "server.pem", tmp / "server.key"
    ca_pem.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ca_pem, cert_pem, key_pem


@pytest.fixture
def tls_receiver(tmp_path, settings, request) -> Iterator[tuple[int, list[str]]]:
    """An HTTPS server on 127.0.0.1 whose certificate names `request.param`."""
    ca_pem, cert_pem, key_pem = _pki(tmp_path, request.param)
    settings.WEBHOOK_ALLOW_PRIVATE = True  # 127.0.0.1 is where the test server lives
    settings.WEBHOOK_CA_FILE = str(ca_pem)
    seen_sni: list[str] = []
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_pem, key_pem)
    context.sni_callback = lambda sock, name, ctx: seen_sni.append(name)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], seen_sni
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("tls_receiver", ["localhost"], indirect=True)
def test_https_goes_to_the_checked_address_with_the_urls_name(tls_receiver):
    port, seen_sni = tls_receiver
    endpoint, _ = webhook_endpoint_create(
        name="tls",
        url=f"https://localhost:{port}/hook",
        event_types=["*"],
        actor=Actor.system("test"),
    )
    delivery = webhook_endpoint_test_now(endpoint=endpoint, actor=Actor.system("test"))
    assert delivery.status == "delivered", delivery.last_error
    assert seen_sni == ["localhost"]  # not the IP kefu connected to


@pytest.mark.parametrize("tls_receiver", ["receiver.example"], indirect=True)
def test_a_certificate_for_another_name_is_refused(tls_receiver):
    port, _ = tls_receiver
    endpoint, _ = webhook_endpoint_create(
        name="tls",
        url=f"https://localhost:{port}/hook",
        event_types=["*"],
        actor=Actor.system("test"),
    )
    delivery = webhook_endpoint_test_now(endpoint=endpoint, actor=Actor.system("test"))
    assert delivery.status == "failed"
    assert "CERTIFICATE_VERIFY_FAILED" in delivery.last_error
