"""Checklist item 2: the edge serves HTTPS with a valid certificate, and plain HTTP redirects
to HTTPS.

Per environment, from its env file: `TLS_MIN_DAYS` (default 14) is how long the certificate
must still be valid; `TLS_SELF_SIGNED=true` accepts a certificate no trusted CA signed (dev,
staging); `TLS_CA_FILE` is the CA bundle the chain must verify against (default: the system's
CAs). An expired or soon-expiring certificate fails in every environment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography import x509

from rag_release.audit.findings import Finding, Severity
from rag_release.audit.probes import HttpProbe, TlsProbe

RULE = "tls"
PERMANENT = (301, 308)
TEMPORARY = (302, 303, 307)


@dataclass(frozen=True)
class TlsPolicy:
    min_days: int = 14
    self_signed_ok: bool = False
    ca_file: str = ""
    env_name: str = "prod"

    @classmethod
    def from_values(cls, values: Mapping[str, str], env_name: str) -> TlsPolicy:
        days = str(values.get("TLS_MIN_DAYS", "14")).strip()
        return cls(min_days=int(days) if days.isdigit() else 14,
                   self_signed_ok=str(values.get("TLS_SELF_SIGNED", "")).lower() == "true",
                   ca_file=values.get("TLS_CA_FILE", ""), env_name=env_name)


def certificate_findings(probe: TlsProbe, policy: TlsPolicy, now: dt.datetime) -> list[Finding]:
    where = f"https://{probe.address}"

    def finding(severity: Severity, message: str) -> Finding:
        return Finding(RULE, severity, message, service="edge", file=where, key="certificate")

    if probe.certificate is None:
        return [finding(Severity.error, f"cannot be read: the edge does not answer TLS "
                                        f"({probe.error}); start the edge or check "
                                        "EDGE_HTTPS_PORT")]
    cert = x509.load_der_x509_certificate(probe.certificate)
    subject = cert.subject.rfc4514_string() or "an empty subject"
    until = cert.not_valid_after_utc
    days = (until - now).total_seconds() / 86400
    out = []
    if until <= now:
        out.append(finding(Severity.error, f"of {subject} expired on {until:%Y-%m-%d}; renew "
                                           "it and reload the edge"))
    elif days < policy.min_days:
        out.append(finding(Severity.error, f"of {subject} expires on {until:%Y-%m-%d}, in "
                                           f"{days:.0f} days, sooner than TLS_MIN_DAYS="
                                           f"{policy.min_days}; renew it and reload the edge"))
    if cert.not_valid_before_utc > now:
        out.append(finding(Severity.error, f"of {subject} is not valid before "
                                           f"{cert.not_valid_before_utc:%Y-%m-%d %H:%M}; check "
                                           "the host clock and the certificate"))
    out += _trust(cert, subject, probe, policy, finding)
    if not out:
        out.append(finding(Severity.info, f"of {subject} is valid until {until:%Y-%m-%d} "
                                          f"({days:.0f} days), served over {probe.protocol}"))
    return out


def _trust(cert: x509.Certificate, subject: str, probe: TlsProbe, policy: TlsPolicy,
           finding) -> list[Finding]:
    if probe.verify_error is None:
        return []
    self_signed = cert.issuer == cert.subject
    what = "is self-signed" if self_signed else f"does not verify ({probe.verify_error})"
    if policy.self_signed_ok:
        return [finding(Severity.info, f"of {subject} {what}; accepted because "
                                       f"TLS_SELF_SIGNED=true in {policy.env_name}")]
    against = policy.ca_file or "the system's CAs"
    if self_signed:
        return [finding(Severity.error, f"of {subject} is self-signed, which "
                                        f"{policy.env_name} does not accept; install a "
                                        f"certificate a CA signed (verified against {against})"
                                        " or set TLS_SELF_SIGNED=true where that is acceptable")]
    return [finding(Severity.error, f"of {subject} does not verify against {against} "
                                    f"({probe.verify_error}); serve the full chain, or set "
                                    "TLS_CA_FILE to the CA that signed it")]


def redirect_findings(probe: HttpProbe) -> list[Finding]:
    def finding(severity: Severity, message: str) -> Finding:
        return Finding(RULE, severity, message, service="edge", file=probe.url, key="redirect")

    if probe.error:
        return [finding(Severity.error, f"cannot be checked: nothing answers plain HTTP "
                                        f"({probe.error}); the edge must listen on "
                                        "EDGE_HTTP_PORT and redirect to HTTPS")]
    to_https = probe.location.lower().startswith("https://")
    if probe.status in PERMANENT and to_https:
        return [finding(Severity.info, f"answers {probe.status} to {probe.location}")]
    if probe.status in TEMPORARY and to_https:
        return [finding(Severity.warning, f"answers {probe.status}, a temporary redirect; "
                                          "answer 301 or 308 so clients remember HTTPS")]
    if 300 <= probe.status < 400:
        return [finding(Severity.error, f"answers {probe.status} to '{probe.location}', not to "
                                        "an https:// address; redirect to HTTPS")]
    return [finding(Severity.error, f"answers {probe.status} instead of redirecting to HTTPS; "
                                    "make the edge answer plain HTTP with 301 and "
                                    "Location: https://<host><uri>")]
