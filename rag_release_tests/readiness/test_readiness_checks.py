"""The readiness checks on a stand-in deployment asset: what passes, what fails, and that an
error-level failure blocks what follows the deployment."""

import datetime as dt
import json

import dagster as dg
import pytest

from rag_release.defs.readiness.checks import readiness_checks
from rag_release_tests.audit.conftest import Certificate, handler, https_serving, serving
from rag_release_tests.conftest import write_test_envs
from rag_release_tests.readiness.conftest import (FIXTURES, SHOWN, materialized, run_checks,
                                                  sources)

STATIC = ["secrets", "db-passwords", "exposure", "resources"]


def line_of(env_file, key: str) -> int:
    lines = env_file.read_text().splitlines()
    return next(n for n, line in enumerate(lines, start=1) if line.startswith(f"{key}="))


def test_each_environment_gets_its_checks():
    names = {env: sorted(k.name for c in readiness_checks(env, f"{env}_deployment")
                         for k in c.check_keys) for env in ("dev", "staging", "prod")}

    assert names["prod"] == ["backups_fresh_and_drilled", "edge_tls_valid",
                             "limits_and_healthchecks", "monitoring_up", "no_literal_secrets",
                             "only_edge_exposed", "strong_db_passwords"]
    assert names["staging"] == sorted(set(names["prod"]) - {"backups_fresh_and_drilled"})
    assert names["dev"] == ["limits_and_healthchecks", "no_literal_secrets"]
    check = readiness_checks("prod", "prod_deployment")[0]
    assert {k.asset_key for k in check.check_keys} == {dg.AssetKey("prod_deployment")}
    with pytest.raises(ValueError, match="unknown environment 'qa'"):
        readiness_checks("qa", "qa_deployment")


def test_a_gate_can_take_a_chosen_subset():
    checks = readiness_checks("prod", "prod_gate", rules=("secrets", "backups"))

    assert sorted(k.to_user_string() for c in checks for k in c.check_keys) == [
        "prod_gate:backups_fresh_and_drilled", "prod_gate:no_literal_secrets"]
    with pytest.raises(ValueError, match="unknown readiness rules"):
        readiness_checks("prod", "prod_gate", rules=("firewall",))


def test_this_projects_stack_passes_the_static_checks(tmp_path, secrets, instance):
    readiness = sources(tmp_path, write_test_envs(tmp_path / "envs"))

    result, checks = run_checks("prod", STATIC, readiness, secrets, instance)

    assert sorted(checks) == ["limits_and_healthchecks", "no_literal_secrets",
                              "only_edge_exposed", "strong_db_passwords"]
    errors = {n: c.description for n, c in checks.items()
              if not c.passed and c.severity == dg.AssetCheckSeverity.ERROR}
    assert errors == {}
    assert "after_prod" in materialized(result)


def test_a_leaky_stack_fails_and_blocks_what_follows_the_deployment(tmp_path, secrets,
                                                                     instance):
    envs = write_test_envs(tmp_path / "envs", prod={"JWT_SECRET": "a-literal-jwt-value"})
    readiness = sources(tmp_path, envs, FIXTURES / "leaky")

    result, checks = run_checks("prod", STATIC, readiness, secrets, instance)

    failed = {n for n, c in checks.items() if not c.passed}
    assert failed == {"no_literal_secrets", "only_edge_exposed", "limits_and_healthchecks"}
    assert all(checks[n].severity == dg.AssetCheckSeverity.ERROR for n in failed)
    assert "after_prod" not in materialized(result)
    reasons = checks["no_literal_secrets"].description
    assert f"{envs}/prod.env:{line_of(envs / 'prod.env', 'JWT_SECRET')}: JWT_SECRET is a " \
           "literal secret" in reasons
    assert "a-literal-jwt-value" not in reasons
    assert "services.postgres.environment.POSTGRES_PASSWORD falls back to a literal" in reasons
    exposed = checks["only_edge_exposed"].description
    assert exposed.startswith(f"{SHOWN}/leaky/data.yml:7: services.postgres.ports[0] "
                              "publishes 0.0.0.0:5432->5432/tcp on every interface; in prod")
    limits = checks["limits_and_healthchecks"]
    assert "runs in two colors" in limits.description
    findings = limits.metadata["findings"].value
    assert {f["key"] for f in findings} == {
        "services.backend.container_name",
        "services.backend.deploy.resources.limits.memory",
        "services.backend.deploy.resources.limits.cpus"}
    assert limits.metadata["errors"].value == 3


def test_secrets_the_provider_cannot_resolve_fail(tmp_path, instance):
    from rag_release.resources.secrets import SecretsProvider

    envs = write_test_envs(tmp_path / "envs")
    empty = SecretsProvider(files_dir=str(tmp_path), use_environment=False)
    line = line_of(envs / "prod.env", "POSTGRES_PASSWORD")

    _, checks = run_checks("prod", ["secrets"], sources(tmp_path, envs), empty, instance)

    reasons = checks["no_literal_secrets"].description
    assert checks["no_literal_secrets"].severity == dg.AssetCheckSeverity.ERROR
    assert f"prod.env:{line}: POSTGRES_PASSWORD references PROD_POSTGRES_PASSWORD, which " \
           "the secrets provider cannot resolve" in reasons


def test_a_password_shared_with_staging_fails(tmp_path, secrets, instance):
    envs = write_test_envs(tmp_path / "envs",
                           staging={"POSTGRES_PASSWORD": "${PROD_POSTGRES_PASSWORD}"})
    readiness = sources(tmp_path, envs)

    _, checks = run_checks("prod", ["db-passwords"], readiness, secrets, instance)

    check = checks["strong_db_passwords"]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    prod, staging = (line_of(envs / f"{e}.env", "POSTGRES_PASSWORD") for e in ("prod", "staging"))
    assert (f"{envs}/prod.env:{prod}: POSTGRES_PASSWORD references the same secret as "
            f"POSTGRES_PASSWORD in {envs}/staging.env:{staging} (staging)") in check.description


def write_backup(folder, hours_ago: float, drill: dict | None) -> None:
    folder.mkdir(parents=True)
    finished = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=hours_ago)
    (folder / "manifest.json").write_text(json.dumps({
        "env": "prod", "id": folder.name, "status": "good", "finished_at": finished.isoformat(),
        "drill": drill}))


def test_backups_must_be_fresh_and_drilled(tmp_path, secrets, instance):
    readiness = sources(tmp_path, write_test_envs(tmp_path / "envs"))
    store = tmp_path / "backups" / "prod"

    _, none = run_checks("prod", ["backups"], readiness, secrets, instance)
    write_backup(store / "b1", 2, {"passed": True, "at": "now", "details": "ok"})
    _, fresh = run_checks("prod", ["backups"], readiness, secrets, instance)
    write_backup(store / "b2", 1, None)
    _, undrilled = run_checks("prod", ["backups"], readiness, secrets, instance)

    assert "holds no backup with status good" in none["backups_fresh_and_drilled"].description
    assert fresh["backups_fresh_and_drilled"].passed
    assert "backup b1 finished" in fresh["backups_fresh_and_drilled"].description
    assert not undrilled["backups_fresh_and_drilled"].passed
    assert "has not run on backup b2" in undrilled["backups_fresh_and_drilled"].description


def test_the_edge_must_serve_tls_and_redirect(tmp_path, secrets, instance):
    cert = Certificate("edge.test")
    with https_serving(tmp_path, cert) as https, serving(
            handler(301, {"Location": "https://edge.test/"})) as http:
        envs = write_test_envs(tmp_path / "envs", prod={
            "EDGE_HTTPS_PORT": str(https), "EDGE_HTTP_PORT": str(http)})
        _, strict = run_checks("prod", ["tls"], sources(tmp_path, envs), secrets, instance)
        envs = write_test_envs(tmp_path / "relaxed", prod={
            "EDGE_HTTPS_PORT": str(https), "EDGE_HTTP_PORT": str(http),
            "TLS_SELF_SIGNED": "true"})
        _, relaxed = run_checks("prod", ["tls"], sources(tmp_path, envs), secrets, instance)

    assert not strict["edge_tls_valid"].passed
    assert "is self-signed, which prod does not accept" in strict["edge_tls_valid"].description
    assert relaxed["edge_tls_valid"].passed, relaxed["edge_tls_valid"].description


def test_an_edge_that_does_not_answer_fails(tmp_path, secrets, instance, unused_port):
    envs = write_test_envs(tmp_path / "envs", prod={
        "EDGE_HTTPS_PORT": str(unused_port), "EDGE_HTTP_PORT": str(unused_port)})

    _, checks = run_checks("prod", ["tls"], sources(tmp_path, envs), secrets, instance)

    reasons = checks["edge_tls_valid"].description
    assert f"https://127.0.0.1:{unused_port}: certificate cannot be read" in reasons
    assert f"http://127.0.0.1:{unused_port}/: redirect cannot be checked" in reasons
