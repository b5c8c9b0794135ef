"""Fixtures of the readiness tests: test copies of envs/, a secrets folder holding their
secrets, and a run of a stand-in deployment asset with the readiness checks attached."""

from pathlib import Path

import dagster as dg
import pytest

from rag_release.defs.readiness.checks import CHECK_NAMES, readiness_checks
from rag_release.defs.readiness.resources import ReadinessSources
from rag_release.resources.secrets import SecretsProvider
from rag_release_tests.audit.conftest import unused_port  # noqa: F401 (a fixture)
from rag_release_tests.conftest import REPO, TEST_SECRETS

FIXTURES = Path(__file__).parent / "fixtures"
SHOWN = FIXTURES.relative_to(REPO)


@pytest.fixture()
def secrets(tmp_path) -> SecretsProvider:
    folder = tmp_path / "secrets"
    folder.mkdir()
    for name, value in TEST_SECRETS.items():
        (folder / name).write_text(value + "\n")
    return SecretsProvider(files_dir=str(folder), use_environment=False)


def sources(tmp_path: Path, envs: Path, compose: Path = REPO / "compose") -> ReadinessSources:
    """Sources whose environments all run a release, so every rule is evaluated."""
    for env in ("dev", "staging", "prod"):
        folder = tmp_path / "deploy" / env
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "state.json").write_text('{"live": {"version": "1.0.0", "color": "blue"}}')
    return ReadinessSources(compose_dir=str(compose), envs_dir=str(envs),
                            backups_dir=str(tmp_path / "backups"),
                            deploy_dir_root=str(tmp_path / "deploy"))


def run_checks(env: str, rules: list[str], readiness: ReadinessSources,
               secrets: SecretsProvider, instance: dg.DagsterInstance):
    """Materialize a stand-in `<env>_deployment` and an asset downstream of it, with the
    readiness checks of `rules` attached; returns the result and the evaluations by name."""

    @dg.asset(name=f"{env}_deployment")
    def deployment() -> int:
        return 1

    @dg.asset(name=f"after_{env}", deps=[deployment])
    def after() -> int:
        return 2

    wanted = {CHECK_NAMES[rule] for rule in rules}
    checks = [c for c in readiness_checks(env, f"{env}_deployment")
              if {k.name for k in c.check_keys} & wanted]
    result = dg.materialize([deployment, after, *checks], instance=instance,
                            resources={"readiness": readiness, "secrets": secrets},
                            raise_on_error=False)
    return result, {e.check_name: e for e in result.get_asset_check_evaluations()}


def materialized(result) -> set[str]:
    return {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
