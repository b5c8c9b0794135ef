"""The image registry, spoken to over the Docker Registry HTTP API v2."""

from __future__ import annotations

import dagster as dg
import httpx

from rag_release.errors import RegistryError

MANIFEST_TYPES = ", ".join([
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
])


class ImageRegistry(dg.ConfigurableResource):
    """`address` is what image references start with (`127.0.0.1:5000`); `url` the API base,
    derived from the address over plain HTTP on loopback and HTTPS elsewhere."""

    address: str = "127.0.0.1:5000"
    url: str = ""
    username: str = ""
    password: str = ""

    def api(self) -> str:
        if self.url:
            return self.url.rstrip("/")
        loopback = self.address.startswith(("127.", "localhost"))
        return f"{'http' if loopback else 'https'}://{self.address}"

    def ref(self, name: str, tag: str) -> str:
        return f"{self.address}/{name}:{tag}"

    def _client(self) -> httpx.Client:
        auth = (self.username, self.password) if self.username else None
        return httpx.Client(base_url=self.api(), auth=auth, timeout=10)

    def ping(self) -> None:
        try:
            with self._client() as client:
                response = client.get("/v2/")
        except httpx.HTTPError as e:
            raise RegistryError(
                f"the registry at {self.api()} does not answer ({e}); start it or fix the "
                "registry address") from e
        if response.status_code not in (200, 401):
            raise RegistryError(f"{self.api()}/v2/ answered {response.status_code}")

    def has(self, repo_digest: str) -> bool:
        """Whether `address/name@sha256:...` is held by the registry."""
        name, digest = self.split(repo_digest)
        try:
            with self._client() as client:
                response = client.head(f"/v2/{name}/manifests/{digest}",
                                       headers={"Accept": MANIFEST_TYPES})
        except httpx.HTTPError as e:
            raise RegistryError(f"the registry at {self.api()} does not answer ({e})") from e
        return response.status_code == 200

    def split(self, repo_digest: str) -> tuple[str, str]:
        if "@" not in repo_digest:
            raise RegistryError(f"{repo_digest} is not pinned by digest (name@sha256:...)")
        repo, digest = repo_digest.split("@", 1)
        prefix = self.address + "/"
        if not repo.startswith(prefix):
            raise RegistryError(f"{repo_digest} is not in the registry {self.address}")
        return repo[len(prefix):], digest
