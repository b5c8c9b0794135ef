"""Where the readiness checks find an environment: its compose files, env files and backup
store, and the address the edge and the metrics answer on."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from rag_release import settings

COMPOSE_FILES = ("data.yml", "app.yml", "edge.yml")
COLORED_FILE = "app.yml"


class ReadinessSources(dg.ConfigurableResource):
    """Empty paths mean the installation's own, from rag_release.settings: the compose and envs
    folders and the backup store under RAG_RELEASE_HOME. `profiles` are enabled when loading
    the compose files: every profile by default, so a service prod might enable is audited
    too."""

    compose_dir: str = ""
    envs_dir: str = ""
    backups_dir: str = ""
    deploy_dir_root: str = ""
    edge_host: str = "127.0.0.1"
    profiles: list[str] = ["*"]
    environments: list[str] = ["dev", "staging", "prod"]

    def compose_files(self) -> list[Path]:
        folder = Path(self.compose_dir) if self.compose_dir else settings.compose_dir()
        return [folder / name for name in COMPOSE_FILES]

    def env_file(self, env_name: str) -> Path:
        folder = Path(self.envs_dir) if self.envs_dir else settings.envs_dir()
        return folder / f"{env_name}.env"

    def backups(self, env_name: str) -> Path:
        folder = Path(self.backups_dir) if self.backups_dir else settings.home() / "backups"
        return folder / env_name

    def deploy_dir(self, env_name: str) -> Path:
        root = Path(self.deploy_dir_root) if self.deploy_dir_root else settings.home() / "deploy"
        return root / env_name
