"""Qdrant, spoken to over its HTTP API at the environment's QDRANT_URL (a 127.0.0.1 published
port). A backup is one snapshot per collection, created on the server, downloaded, checked
against the size and checksum the server reports, then deleted from the server."""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import quote

import httpx

from rag_release.errors import BackupError, BackupIntegrityError, DatastoreUnavailableError
from rag_release.resources.datastores import DataStack
from rag_release.commands.hashing import CHUNK



class QdrantClient:
    """`transport` replaces the network, for a fake at the HTTP boundary."""

    def __init__(self, url: str, api_key: str = "", timeout: float = 600,
                 transport: httpx.BaseTransport | None = None, where: str = "QDRANT_URL"):
        self.url = url.rstrip("/")
        self.where = where
        headers = {"api-key": api_key} if api_key else {}
        self._client = httpx.Client(base_url=self.url, headers=headers, transport=transport,
                                    timeout=httpx.Timeout(timeout, connect=10))

    def close(self) -> None:
        self._client.close()

    def collections(self) -> list[str]:
        result = self._call("GET", "/collections", "listing collections")
        return sorted(c["name"] for c in result.get("collections", []))

    def points(self, collection: str) -> int:
        result = self._call("GET", f"/collections/{quote(collection)}",
                            f"reading collection {collection}")
        return int(result.get("points_count") or 0)

    def snapshot(self, collection: str, out: Path) -> dict:
        """Snapshot one collection into `out`; the server's copy is deleted afterwards."""
        before = self.points(collection)
        base = f"/collections/{quote(collection)}/snapshots"
        made = self._call("POST", base, f"snapshotting {collection}", params={"wait": "true"})
        name = made["name"]
        try:
            sha = self._download(f"{base}/{quote(name)}", out, f"downloading snapshot {name}")
        finally:
            self._call("DELETE", f"{base}/{quote(name)}", f"deleting snapshot {name}",
                       params={"wait": "true"})
        size = out.stat().st_size
        if made.get("size") not in (None, size):
            raise BackupIntegrityError(f"snapshot {name} of {collection}: downloaded {size} "
                                       f"bytes, Qdrant reported {made['size']}")
        if made.get("checksum") not in (None, sha):
            raise BackupIntegrityError(f"snapshot {name} of {collection}: sha256 {sha[:16]} "
                                       f"differs from Qdrant's {made['checksum'][:16]}")
        after = self.points(collection)
        return {"snapshot": name, "points_min": min(before, after),
                "points_max": max(before, after)}

    def restore(self, collection: str, snapshot: Path) -> int:
        """Upload a snapshot, replacing the collection; returns its points afterwards."""
        with open(snapshot, "rb") as f:
            self._call("POST", f"/collections/{quote(collection)}/snapshots/upload",
                       f"uploading {snapshot.name} to {collection}",
                       params={"wait": "true", "priority": "snapshot"},
                       files={"snapshot": (snapshot.name, f, "application/octet-stream")})
        return self.points(collection)

    def _call(self, method: str, path: str, what: str, **kwargs) -> dict:
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.TransportError as e:
            raise DatastoreUnavailableError(
                f"Qdrant at {self.url} does not answer while {what} ({e}); start it, or fix "
                f"{self.where}") from e
        if response.status_code >= 300:
            raise BackupError(f"Qdrant at {self.url} refused {what}: HTTP "
                              f"{response.status_code} {response.text[:200]}")
        body = response.json()
        return body.get("result") or {}

    def _download(self, path: str, out: Path, what: str) -> str:
        digest = hashlib.sha256()
        try:
            with self._client.stream("GET", path) as response, open(out, "wb") as f:
                if response.status_code >= 300:
                    raise BackupError(f"Qdrant at {self.url} refused {what}: HTTP "
                                      f"{response.status_code}")
                for chunk in response.iter_bytes(CHUNK):
                    digest.update(chunk)
                    f.write(chunk)
        except httpx.TransportError as e:
            raise DatastoreUnavailableError(f"Qdrant at {self.url} broke off {what} ({e})") from e
        return digest.hexdigest()


def qdrant_for(stack: DataStack, transport: httpx.BaseTransport | None = None) -> (
        QdrantClient | None):
    """The environment's Qdrant client; None when Qdrant is not part of the environment. A
    Qdrant container without a QDRANT_URL to reach it is an error, not a silent gap."""
    url = stack.env.values.get("QDRANT_URL", "")
    if not url:
        if stack.container("qdrant") is not None:
            raise DatastoreUnavailableError(
                f"Qdrant runs in {stack.project} but {stack.env.source} sets no QDRANT_URL; "
                "publish its port on 127.0.0.1 and set QDRANT_URL=http://127.0.0.1:<port>")
        return None
    api_key = stack.secret("QDRANT_API_KEY") if "QDRANT_API_KEY" in stack.env.secret_refs \
        else ""
    return QdrantClient(url, api_key, stack.config.http_timeout_seconds, transport,
                        stack.env.where("QDRANT_URL"))
