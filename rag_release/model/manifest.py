"""The release manifest: what a version is made of, pinned by content. Shared by the build
domain, which writes it, and the deploy domain, which runs it."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class FileRef:
    file: str
    sha256: str
    size: int


@dataclass(frozen=True)
class ImageRef:
    name: str
    ref: str
    image_id: str
    base_images: dict[str, str]
    archive: FileRef | None = None

    @property
    def digest(self) -> str:
        return self.ref.split("@", 1)[1]


@dataclass(frozen=True)
class ComponentRelease:
    source_hash: str
    tarball: FileRef
    image: ImageRef | None = None


@dataclass(frozen=True)
class ServiceImage:
    image: str
    ref: str | None
    image_id: str | None
    note: str = ""


@dataclass(frozen=True)
class ReleaseManifest:
    application: str
    version: str
    source_revision: str
    source_dirty: bool
    source_hash: str
    created_at: str
    components: dict[str, ComponentRelease]
    services: dict[str, ServiceImage] = field(default_factory=dict)

    def content(self) -> dict:
        """What identifies the release's content: sources and tarballs, not times or digests
        (a docker build is not bit-reproducible, a tarball is)."""
        return {
            "source_hash": self.source_hash,
            "tarballs": {n: c.tarball.sha256 for n, c in sorted(self.components.items())},
        }

    def images(self) -> dict[str, str]:
        """Every pinned image reference by service name: built components and third parties."""
        pinned = {n: c.image.ref for n, c in self.components.items() if c.image}
        pinned.update({n: s.ref for n, s in self.services.items() if s.ref})
        return pinned

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict) -> ReleaseManifest:
        components = {}
        for name, c in data["components"].items():
            image = None
            if c.get("image"):
                i = dict(c["image"])
                i["archive"] = FileRef(**i["archive"]) if i.get("archive") else None
                image = ImageRef(**i)
            components[name] = ComponentRelease(c["source_hash"], FileRef(**c["tarball"]), image)
        services = {n: ServiceImage(**s) for n, s in data.get("services", {}).items()}
        fields = {k: data[k] for k in ("application", "version", "source_revision",
                                       "source_dirty", "source_hash", "created_at")}
        return cls(**fields, components=components, services=services)

    @classmethod
    def load(cls, path: Path) -> ReleaseManifest:
        return cls.from_dict(json.loads(path.read_text()))
