"""Where things are, for this installation. Only locations live here, never secrets."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def release_config_path() -> Path:
    return Path(os.environ.get("RAG_RELEASE_CONFIG", REPO_ROOT / "sample" / "release.yaml"))


def home() -> Path:
    """The artifact store, caches, deploy state and backups live under this folder."""
    return Path(os.environ.get("RAG_RELEASE_HOME", REPO_ROOT / ".rag-release"))


def registry_address() -> str:
    return os.environ.get("RAG_RELEASE_REGISTRY", "127.0.0.1:5000")


def offline_catalog() -> Path:
    return Path(os.environ.get("RAG_RELEASE_CATALOG",
                               REPO_ROOT / "images" / "offline" / "catalog.yaml"))


def envs_dir() -> Path:
    return Path(os.environ.get("RAG_RELEASE_ENVS", REPO_ROOT / "envs"))


def compose_dir() -> Path:
    return Path(os.environ.get("RAG_RELEASE_COMPOSE", REPO_ROOT / "compose"))


def secrets_dir() -> Path:
    """Folder of secret files (one per secret name), as Docker secrets are mounted."""
    return Path(os.environ.get("RAG_RELEASE_SECRETS_DIR", home() / "secrets"))
