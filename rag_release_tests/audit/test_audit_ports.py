import pytest

from rag_release.audit.ports import Port, PortSyntaxError, parse_port


@pytest.mark.parametrize("entry, expected", [
    ("8080", Port("8080")),
    (8080, Port("8080")),
    ("80:8080", Port("8080", "80")),
    ("127.0.0.1:80:8080", Port("8080", "80", "127.0.0.1")),
    ("127.0.0.1::8080", Port("8080", "", "127.0.0.1")),
    ("80:8080/udp", Port("8080", "80", protocol="udp")),
    ("9000-9005:8000-8005", Port("8000-8005", "9000-9005")),
    ("3000-3005", Port("3000-3005")),
    ("[::1]:80:80", Port("80", "80", "::1")),
    ("[::1]::80", Port("80", "", "::1")),
    ("::1:6001:6001", Port("6001", "6001", "::1")),
    ("0.0.0.0:443:8443/tcp", Port("8443", "443", "0.0.0.0")),
    ({"target": 80, "published": "8080", "host_ip": "127.0.0.1", "protocol": "tcp",
      "mode": "host"}, Port("80", "8080", "127.0.0.1", "tcp", "host")),
    ({"target": 80}, Port("80")),
    ({"target": 53, "published": "5353-5354", "protocol": "udp"},
     Port("53", "5353-5354", protocol="udp")),
])
def test_both_syntaxes(entry, expected):
    assert parse_port(entry) == expected


@pytest.mark.parametrize("entry, loopback", [
    ("127.0.0.1:80:80", True),
    ("127.1.2.3:80:80", True),
    ("[::1]:80:80", True),
    ("localhost:80:80", True),
    ("80:80", False),
    ("8080", False),
    ("0.0.0.0:80:80", False),
    ("10.0.0.5:80:80", False),
])
def test_loopback(entry, loopback):
    assert parse_port(entry).loopback_only is loopback


@pytest.mark.parametrize("entry", ["web", "80:web", "1.2.3.4.5:80:80", "80:80/http",
                                   {"published": 80}, ["80"], True])
def test_invalid_entries_are_refused(entry):
    with pytest.raises(PortSyntaxError):
        parse_port(entry)


def test_describe():
    assert parse_port("5432:5432").describe() == "0.0.0.0:5432->5432/tcp"
    assert parse_port("6379").describe() == "0.0.0.0:<random>->6379/tcp"
    assert parse_port("[::1]:80:80").describe() == "[::1]:80->80/tcp"
