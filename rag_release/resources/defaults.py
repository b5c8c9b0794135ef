"""The resources of this installation, configured from the settings."""

from __future__ import annotations

from rag_release import settings
from rag_release.defs.readiness.resources import ReadinessSources
from rag_release.resources.artifact_store import ArtifactStore
from rag_release.resources.base_images import BaseImageProvider
from rag_release.resources.build_tools import BuildTools
from rag_release.resources.deploy_state import DeployStateStore
from rag_release.resources.docker_engine import ComposeRunner, DockerEngine
from rag_release.resources.edge import EdgeProxy
from rag_release.resources.prober import HttpProber
from rag_release.resources.registry import ImageRegistry
from rag_release.resources.secrets import SecretsProvider


def default_resources() -> dict:
    home = settings.home()
    return {
        "artifacts": ArtifactStore(root=str(home / "artifacts")),
        "docker": DockerEngine(),
        "registry": ImageRegistry(address=settings.registry_address()),
        "base_image_provider": BaseImageProvider(catalog=str(settings.offline_catalog()),
                                                 work_dir=str(home / "tmp")),
        "build_tools": BuildTools(log_dir=str(home / "logs")),
        "compose": ComposeRunner(compose_dir=str(settings.compose_dir())),
        "edge": EdgeProxy(state_dir=str(home / "deploy")),
        "deploy_state": DeployStateStore(state_dir=str(home / "deploy")),
        "secrets": SecretsProvider(files_dir=str(settings.secrets_dir())),
        "prober": HttpProber(),
        "readiness": ReadinessSources(),
    }
