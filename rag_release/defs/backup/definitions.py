"""The backup domain: per environment a daily-partitioned backup asset, its restore drill, a job
and a schedule; one restore job for all environments. Loading reads only the non-secret
envs/<env>.env files; secrets are looked up when a run needs them."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from rag_release import settings
from rag_release.defs.backup.assets import backup_asset
from rag_release.defs.backup.checks import restore_drill_check
from rag_release.defs.backup.jobs import backup_job, restore_job
from rag_release.defs.backup.schedules import backup_schedule, backup_timing
from rag_release.model.environment import parse_env_file
from rag_release.resources.backup_store import BackupStore
from rag_release.resources.datastores import Datastores
from rag_release.resources.docker_engine import DockerEngine
from rag_release.resources.secrets import SecretsProvider


def backup_definitions(envs: list[str], env_files: Path | None = None) -> dg.Definitions:
    """`env_files` is the folder of the `<env>.env` files, the settings' envs folder by default."""
    folder = env_files or settings.envs_dir()
    assets, checks, jobs, schedules = [], [], [], []
    for env in envs:
        timing = backup_timing(parse_env_file(folder / f"{env}.env", env))
        partitions = timing.partitions()
        job = backup_job(env)
        assets.append(backup_asset(env, partitions))
        checks.append(restore_drill_check(env))
        jobs.append(job)
        schedules.append(backup_schedule(env, job, timing))
    jobs.append(restore_job(envs))
    return dg.Definitions(assets=assets, asset_checks=checks, jobs=jobs, schedules=schedules)


def backup_resources() -> dict:
    home = settings.home()
    return {
        "backup_store": BackupStore(root=str(home / "backups")),
        "datastores": Datastores(
            docker=DockerEngine(),
            secrets=SecretsProvider(files_dir=str(settings.secrets_dir())),
            env_dir=str(settings.envs_dir()),
            deploy_dir=str(home / "deploy"),
        ),
    }
