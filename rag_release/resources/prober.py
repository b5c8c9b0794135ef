"""HTTP probes of what runs, always through 127.0.0.1 and published ports."""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg
import httpx


@dataclass(frozen=True)
class Probe:
    url: str
    ok: bool
    status: int | None
    body: dict | str | None
    error: str = ""
    seconds: float = 0.0

    def describe(self) -> str:
        if self.error:
            return f"{self.url}: {self.error}"
        return f"{self.url}: HTTP {self.status}"


class HttpProber(dg.ConfigurableResource):
    """`ca_file`: certificate authority to verify the edge with; empty accepts any certificate,
    since the probe is about the service answering (the TLS rules check the certificate)."""

    timeout_seconds: float = 3.0
    ca_file: str = ""

    def get(self, url: str) -> Probe:
        return self._call("GET", url, None)

    def post(self, url: str, payload: dict) -> Probe:
        return self._call("POST", url, payload)

    def _call(self, method: str, url: str, payload: dict | None) -> Probe:
        verify = self.ca_file or False
        try:
            with httpx.Client(timeout=self.timeout_seconds, verify=verify) as client:
                response = client.request(method, url, json=payload)
        except httpx.HTTPError as e:
            return Probe(url, False, None, None, error=type(e).__name__ + (f": {e}" if str(e)
                                                                         else ""))
        try:
            body = response.json()
        except ValueError:
            body = response.text[:200]
        return Probe(url, response.is_success, response.status_code, body,
                     seconds=response.elapsed.total_seconds())
