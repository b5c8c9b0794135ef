"""Published ports in both Compose syntaxes.

Short: `[HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]`, where a port may be a range
(`9000-9005`) and an IPv6 host address is bracketed (`[::1]:80:80`). Long: a mapping with
`target`, `published`, `host_ip`, `protocol` and `mode`. A port with no host address listens on
every interface; one with no host port gets a random one, on every interface too."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

PORT = re.compile(r"^\d{1,5}(?:-\d{1,5})?$")
EVERYWHERE = ("", "0.0.0.0", "::")


class PortSyntaxError(ValueError):
    """A ports entry Compose would refuse."""


@dataclass(frozen=True)
class Port:
    target: str
    published: str = ""
    host_ip: str = ""
    protocol: str = "tcp"
    mode: str = ""

    @property
    def loopback_only(self) -> bool:
        if self.host_ip == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host_ip).is_loopback
        except ValueError:
            return False

    def describe(self) -> str:
        host = self.host_ip or "0.0.0.0"
        host = f"[{host}]" if ":" in host else host
        published = self.published or "<random>"
        return f"{host}:{published}->{self.target}/{self.protocol}"


def parse_port(entry) -> Port:
    if isinstance(entry, dict):
        return _long(entry)
    if isinstance(entry, bool) or not isinstance(entry, (str, int)):
        raise PortSyntaxError(f"expected a string, a number or a mapping, got "
                              f"{type(entry).__name__}")
    return _short(str(entry).strip())


def _short(spec: str) -> Port:
    text, protocol = spec, "tcp"
    if "/" in text:
        text, protocol = text.rsplit("/", 1)
    host_ip = ""
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise PortSyntaxError(f"'{spec}' opens '[' for an IPv6 address and never closes it")
        host_ip, rest = text[1:end], text[end + 1:]
        if not rest.startswith(":"):
            raise PortSyntaxError(f"'{spec}' has no port after the host address")
        parts = rest[1:].split(":")
        if len(parts) == 1:
            parts = ["", parts[0]]
    else:
        parts = text.split(":")
        if len(parts) > 3:
            host_ip, parts = ":".join(parts[:-2]), parts[-2:]
        elif len(parts) == 3:
            host_ip, parts = parts[0], parts[1:]
    if len(parts) == 1:
        parts = ["", parts[0]]
    published, target = parts
    _check(spec, target, published, protocol, host_ip)
    return Port(target=target, published=published, host_ip=host_ip, protocol=protocol)


def _long(entry: dict) -> Port:
    target = str(entry.get("target", "")).strip()
    published = entry.get("published")
    published = "" if published is None else str(published).strip()
    host_ip = str(entry.get("host_ip") or "").strip()
    protocol = str(entry.get("protocol") or "tcp").strip()
    spec = "{" + ", ".join(f"{k}: {v}" for k, v in entry.items()) + "}"
    _check(spec, target, published, protocol, host_ip)
    return Port(target=target, published=published, host_ip=host_ip, protocol=protocol,
                mode=str(entry.get("mode") or ""))


def _check(spec: str, target: str, published: str, protocol: str, host_ip: str) -> None:
    if not PORT.match(target):
        raise PortSyntaxError(f"'{spec}' has no valid container port; expected "
                              "[HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]")
    if published and not PORT.match(published):
        raise PortSyntaxError(f"'{spec}' has an invalid host port '{published}'")
    if protocol not in ("tcp", "udp", "sctp"):
        raise PortSyntaxError(f"'{spec}' has protocol '{protocol}'; expected tcp, udp or sctp")
    if host_ip not in EVERYWHERE and host_ip != "localhost":
        try:
            ipaddress.ip_address(host_ip)
        except ValueError:
            raise PortSyntaxError(
                f"'{spec}' binds to '{host_ip}', which is not an IP address") from None
