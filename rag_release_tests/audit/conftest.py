"""Fixtures of the audit tests: the fixture compose projects, and real servers on 127.0.0.1
(HTTPS with certificates made for the test, plain HTTP answering as told)."""

import datetime as dt
import http.server
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from rag_release.audit import load_project

FIXTURES = Path(__file__).parent / "fixtures"
NOW = dt.datetime.now(dt.timezone.utc)


def fixture_project(name: str, environ: dict[str, str] | None = None, **kwargs):
    return load_project([FIXTURES / name / "compose.yml"], environ=environ or {}, **kwargs)


def by_key(findings) -> dict[str, list]:
    found: dict[str, list] = {}
    for f in findings:
        found.setdefault(f.key, []).append(f)
    return found


class Certificate:
    """A key pair and its certificate, signed by `issuer` or by itself."""

    def __init__(self, name: str, days: tuple[int, int] = (-1, 90),
                 issuer: "Certificate | None" = None, ca: bool = False):
        self.key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        builder = (x509.CertificateBuilder()
                   .subject_name(subject)
                   .issuer_name(issuer.cert.subject if issuer else subject)
                   .public_key(self.key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(NOW + dt.timedelta(days=days[0]))
                   .not_valid_after(NOW + dt.timedelta(days=days[1]))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
                   .add_extension(x509.SubjectAlternativeName(
                       [x509.DNSName(name), x509.DNSName("localhost")]), critical=False))
        signer = issuer.key if issuer else self.key
        self.cert = builder.sign(signer, hashes.SHA256())

    def write(self, folder: Path, name: str) -> tuple[Path, Path]:
        cert = folder / f"{name}.crt"
        key = folder / f"{name}.key"
        cert.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))
        key.write_bytes(self.key.private_bytes(serialization.Encoding.PEM,
                                               serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        return cert, key


class _Quiet(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass


def handler(status: int, headers: dict[str, str] | None = None, body: str = "") -> type:
    class Answer(_Quiet):
        def do_GET(self):
            payload = body.encode()
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Answer


@contextmanager
def serving(answer: type, wrap: Callable | None = None) -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), answer)
    if wrap:
        server.socket = wrap(server.socket)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def https_serving(folder: Path, leaf: Certificate, chain: list[Certificate] = ()) -> Iterator[int]:
    """Serve HTTPS on 127.0.0.1 with the certificate given (and its chain); yields the port."""
    cert_file, key_file = leaf.write(folder, "leaf")
    with open(cert_file, "ab") as pem:
        for extra in chain:
            pem.write(extra.cert.public_bytes(serialization.Encoding.PEM))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    with serving(handler(200, body="ok"),
                 lambda sock: context.wrap_socket(sock, server_side=True)) as port:
        yield port


@pytest.fixture()
def https_server(tmp_path):
    return lambda leaf, chain=(): https_serving(tmp_path, leaf, chain)


@pytest.fixture()
def unused_port() -> int:
    """A port on 127.0.0.1 nothing listens on."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
