"""Rules that pass without evaluation say why: a waiver in the env file, or an environment
where nothing runs yet."""

import dagster as dg

from rag_release_tests.conftest import write_test_envs
from rag_release_tests.readiness.conftest import materialized, run_checks, sources


def test_a_waiver_passes_the_rule_and_names_the_line(tmp_path, secrets):
    envs = write_test_envs(tmp_path / "envs", waive="backups")
    with dg.instance_for_test() as instance:
        result, checks = run_checks("prod", ["backups"], sources(tmp_path, envs),
                                    secrets, instance)

    evaluation = checks["backups_fresh_and_drilled"]
    assert evaluation.passed
    assert evaluation.description.startswith(f"waived by {envs / 'prod.env'}:")
    assert "READINESS_WAIVE" in evaluation.description
    assert "after_prod" in materialized(result)


def test_the_first_deploy_is_not_held_to_rules_about_a_running_stack(tmp_path, secrets):
    readiness = sources(tmp_path, write_test_envs(tmp_path / "envs"))
    (tmp_path / "deploy" / "prod" / "state.json").unlink()
    with dg.instance_for_test() as instance:
        _, checks = run_checks("prod", ["tls", "backups", "secrets"], readiness,
                               secrets, instance)

    for name in ("edge_tls_valid", "backups_fresh_and_drilled"):
        assert checks[name].passed
        assert "nothing runs in prod yet" in checks[name].description
    assert "nothing runs" not in (checks["no_literal_secrets"].description or "")
