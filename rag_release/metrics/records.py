"""What the exporter reads from the home folder, by the contracts in docs/CONTRACTS.md: deploy
state and history, backup manifests, and the health sensors' last look."""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

log = logging.getLogger("rag_release.metrics")


def environments(home: Path, envs_dir: Path) -> list[str]:
    """Environments with an env file, deploy state, backups or a health status."""
    names = {p.stem for p in envs_dir.glob("*.env")} if envs_dir.is_dir() else set()
    for folder in ("deploy", "backups", "health"):
        root = home / folder
        if root.is_dir():
            names |= {p.name for p in root.iterdir() if p.is_dir() and p.name != "ca"}
    return sorted(names)


def deploy_state(home: Path, env: str) -> dict:
    data = _json(home / "deploy" / env / "state.json")
    return data if isinstance(data, dict) else {"live": None, "previous": None, "history": []}


def backup_manifests(home: Path, env: str) -> list[dict]:
    root = home / "backups" / env
    if not root.is_dir():
        return []
    found = [_json(p / "manifest.json") for p in sorted(root.iterdir())
             if p.is_dir() and not p.name.startswith(".")]
    return [m for m in found if isinstance(m, dict)]


def health_status(home: Path, env: str) -> dict | None:
    data = _json(home / "health" / env / "status.json")
    return data if isinstance(data, dict) else None


def timestamp(text: str | None) -> float | None:
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.timestamp()


def _json(path: Path):
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        log.warning("Skipping %s, which cannot be read as JSON: %s", path, e)
        return None
