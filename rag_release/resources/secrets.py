"""The secrets provider: resolves the secret names an environment references. Values are held
in memory only and handed to child processes through their environment."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from rag_release.errors import SecretError
from rag_release.model.environment import Environment


class SecretsProvider(dg.ConfigurableResource):
    """Looks a name up in `files_dir` (one file per secret, named like the secret, as Docker
    secrets are mounted), then in this process's environment. A Vault or password-manager
    provider is another resource with the same `resolve` method."""

    files_dir: str = ""
    use_environment: bool = True

    def lookup(self, name: str) -> str | None:
        if self.files_dir:
            path = Path(self.files_dir) / name
            if path.is_file():
                return path.read_text().rstrip("\n")
        if self.use_environment:
            return os.environ.get(name)
        return None

    def resolve(self, env: Environment) -> dict[str, str]:
        """Every secret the environment references, by the key the environment gives it."""
        resolved, missing = {}, []
        for key, name in sorted(env.secret_refs.items()):
            value = self.lookup(name)
            if value is None or value == "":
                missing.append(f"{key} (secret {name}, {env.where(key)})")
            else:
                resolved[key] = value
        if missing:
            places = " or ".join(p for p in (
                f"a file in {self.files_dir}" if self.files_dir else "",
                "an environment variable" if self.use_environment else "") if p)
            raise SecretError(f"environment {env.name}: cannot resolve {', '.join(missing)}; "
                              f"provide each as {places}")
        return resolved
