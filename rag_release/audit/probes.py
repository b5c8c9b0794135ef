"""The audit's only contact with running things: a TLS handshake with the edge and plain HTTP
requests. Each probe returns what it saw, errors included, and never raises; the live rules
judge what was seen."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class TlsProbe:
    address: str
    certificate: bytes | None = None
    protocol: str = ""
    error: str = ""
    verify_error: str | None = None


@dataclass(frozen=True)
class HttpProbe:
    url: str
    status: int = 0
    location: str = ""
    content_type: str = ""
    body: str = ""
    error: str = ""


def probe_tls(host: str, port: int, ca_file: str = "", server_name: str = "",
              timeout: float = 5.0) -> TlsProbe:
    """Fetch the certificate without trusting it, then try a verifying handshake: against
    `ca_file` when given, else the system's CAs; the host name is checked only when
    `server_name` is given, since the probe goes to 127.0.0.1."""
    address = f"{host}:{port}"
    insecure = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    insecure.check_hostname = False
    insecure.verify_mode = ssl.CERT_NONE
    try:
        with _handshake(insecure, host, port, server_name, timeout) as tls:
            der, protocol = tls.getpeercert(binary_form=True), tls.version() or ""
    except (OSError, ssl.SSLError) as e:
        return TlsProbe(address, error=_reason(e))

    try:
        verifying = ssl.create_default_context(cafile=ca_file or None)
    except (OSError, ssl.SSLError) as e:
        return TlsProbe(address, der, protocol, verify_error=f"cannot load {ca_file}: "
                                                            f"{_reason(e)}")
    verifying.check_hostname = bool(server_name)
    try:
        with _handshake(verifying, host, port, server_name, timeout):
            verify_error = None
    except ssl.SSLCertVerificationError as e:
        verify_error = e.verify_message or _reason(e)
    except (OSError, ssl.SSLError) as e:
        verify_error = _reason(e)
    return TlsProbe(address, der, protocol, verify_error=verify_error)


def probe_http(url: str, timeout: float = 5.0) -> HttpProbe:
    """One GET, redirects not followed."""
    try:
        response = httpx.get(url, timeout=timeout, follow_redirects=False)
    except httpx.HTTPError as e:
        return HttpProbe(url, error=_reason(e))
    return HttpProbe(url, status=response.status_code,
                     location=response.headers.get("location", ""),
                     content_type=response.headers.get("content-type", ""),
                     body=response.text)


@contextmanager
def _handshake(context: ssl.SSLContext, host: str, port: int, server_name: str,
               timeout: float) -> Iterator[ssl.SSLSocket]:
    with socket.create_connection((host, port), timeout=timeout) as raw:
        with context.wrap_socket(raw, server_hostname=server_name or None) as tls:
            yield tls


def _reason(error: BaseException) -> str:
    return getattr(error, "strerror", None) or str(error) or type(error).__name__
