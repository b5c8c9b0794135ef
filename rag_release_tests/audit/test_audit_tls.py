"""The TLS rule against real HTTPS and HTTP servers on 127.0.0.1, with certificates made for
each test."""

import datetime as dt

from rag_release.audit.findings import Severity
from rag_release.audit.probes import probe_http, probe_tls
from rag_release.audit.rules.tls import TlsPolicy, certificate_findings, redirect_findings
from rag_release_tests.audit.conftest import Certificate, handler, serving

PROD = TlsPolicy(min_days=14, self_signed_ok=False, env_name="prod")
DEV = TlsPolicy(min_days=14, self_signed_ok=True, env_name="dev")


def judge(port: int, policy: TlsPolicy, ca_file: str = ""):
    policy = TlsPolicy(policy.min_days, policy.self_signed_ok, ca_file, policy.env_name)
    probe = probe_tls("127.0.0.1", port, policy.ca_file)
    return certificate_findings(probe, policy, dt.datetime.now(dt.timezone.utc))


def severities(findings) -> list[str]:
    return [f.severity.value for f in findings]


def test_a_certificate_from_a_trusted_ca_passes(https_server, tmp_path):
    ca = Certificate("Test CA", days=(-10, 3650), ca=True)
    ca_file, _ = ca.write(tmp_path, "ca")
    leaf = Certificate("edge.test", days=(-1, 90), issuer=ca)

    with https_server(leaf) as port:
        found = judge(port, PROD, str(ca_file))

    assert severities(found) == ["info"]
    assert "CN=edge.test is valid until" in found[0].message
    assert found[0].where == f"https://127.0.0.1:{port}"


def test_a_certificate_no_trusted_ca_signed_fails_in_prod(https_server, tmp_path):
    ca = Certificate("Private CA", days=(-10, 3650), ca=True)
    leaf = Certificate("edge.test", issuer=ca)

    with https_server(leaf) as port:
        found = judge(port, PROD)

    assert severities(found) == ["error"]
    assert "does not verify against the system's CAs" in found[0].message
    assert "TLS_CA_FILE" in found[0].message


def test_an_expired_certificate_fails_even_where_self_signed_is_allowed(https_server):
    with https_server(Certificate("edge.test", days=(-30, -1))) as port:
        found = judge(port, DEV)

    assert Severity.error in {f.severity for f in found}
    expired = [f for f in found if f.severity is Severity.error][0]
    assert "expired on" in expired.message and "renew it" in expired.message
    assert expired.text().startswith(f"https://127.0.0.1:{port}: certificate of CN=edge.test")


def test_a_certificate_expiring_within_the_minimum_fails(https_server, tmp_path):
    ca = Certificate("Test CA", days=(-10, 3650), ca=True)
    ca_file, _ = ca.write(tmp_path, "ca")

    with https_server(Certificate("edge.test", days=(-80, 5), issuer=ca)) as port:
        found = judge(port, PROD, str(ca_file))
        relaxed = judge(port, TlsPolicy(min_days=3), str(ca_file))

    assert severities(found) == ["error"]
    assert "sooner than TLS_MIN_DAYS=14" in found[0].message
    assert severities(relaxed) == ["info"]


def test_self_signed_fails_in_prod_and_passes_in_dev(https_server):
    with https_server(Certificate("edge.test")) as port:
        prod = judge(port, PROD)
        dev = judge(port, DEV)

    assert severities(prod) == ["error"]
    assert "is self-signed, which prod does not accept" in prod[0].message
    assert severities(dev) == ["info"]
    assert "accepted because TLS_SELF_SIGNED=true in dev" in dev[0].message


def test_nothing_listening_is_an_error(unused_port):
    found = judge(unused_port, PROD)

    assert severities(found) == ["error"]
    assert "does not answer TLS" in found[0].message


def test_plain_http_must_redirect_permanently_to_https():
    cases = {
        (301, "https://shop.test/"): "info",
        (308, "https://shop.test/"): "info",
        (302, "https://shop.test/"): "warning",
        (301, "http://shop.test/"): "error",
        (200, ""): "error",
    }
    for (status, location), expected in cases.items():
        headers = {"Location": location} if location else {}
        with serving(handler(status, headers)) as port:
            found = redirect_findings(probe_http(f"http://127.0.0.1:{port}/"))
        assert severities(found) == [expected], (status, location, found)
        assert found[0].key == "redirect"


def test_plain_http_not_answering_is_an_error(unused_port):
    found = redirect_findings(probe_http(f"http://127.0.0.1:{unused_port}/"))

    assert severities(found) == ["error"]
    assert "nothing answers plain HTTP" in found[0].message
