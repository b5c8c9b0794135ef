"""The static rules, each on a fixture project that breaks it, and a clean project."""

import pytest

from rag_release.audit import AuditOptions, Severity, static_findings
from rag_release.audit.rules import exposure, passwords, resources, secrets
from rag_release_tests.audit.conftest import FIXTURES, by_key, fixture_project

CLEAN_SECRETS = {"SHOP_DB_PASSWORD": "k3Yq-8vRz!pL2wXe9Tn", "SHOP_API_TOKEN": "tok-from-vault"}


def test_a_clean_stack_passes_every_static_rule():
    project = fixture_project("clean", CLEAN_SECRETS)

    found = static_findings(project, AuditOptions("prod"))

    assert [f.text() for f in found if f.severity is not Severity.info] == []
    assert set(project.services) == {"edge", "api", "migrate", "db"}


def test_literal_secrets_are_found_in_env_and_compose_files():
    project = fixture_project("secrets")
    env = str(FIXTURES / "secrets" / ".env")
    compose = str(FIXTURES / "secrets" / "compose.yml")

    found = by_key(secrets.findings(project, AuditOptions()))

    assert found["JWT_SECRET"][0].where == f"{env}:1"
    assert found["JWT_SECRET"][0].text() == (
        f"{env}:1: JWT_SECRET is a literal secret; store the value in the secrets provider "
        "and write JWT_SECRET=${NAME} instead")
    assert "embeds a literal password in a URL" in found["DATABASE_URL"][0].message
    assert found["API_KEY"][0].severity is Severity.error
    assert "GOOD_SECRET" not in found
    api = "services.api.environment"
    assert found[f"{api}.STRIPE_TOKEN"][0].where == f"{compose}:5"
    assert "falls back to a literal default" in found[f"{api}.SESSION_SECRET"][0].message
    assert found[f"{api}.N8N_ENCRYPTION_KEY"][0].severity is Severity.warning
    assert "embeds a literal password" in found[f"{api}.DATABASE_URL"][0].message
    assert f"{api}.REDIS_URL" not in found
    assert f"{api}.FEATURE_TOKEN_REQUIRED" not in found
    assert "image history" in found["services.api.build.args.NPM_TOKEN"][0].message
    assert "--requirepass" in found["services.cache.command"][0].message
    assert all(f.rule == "secrets" for fs in found.values() for f in fs)


def test_no_finding_prints_a_secret_value():
    project = fixture_project("secrets")
    text = "\n".join(f.text() for f in static_findings(project, AuditOptions()))

    for value in ("hunter2", "sk_live", "s3cr3t", "insecure-default", "npm_abc", "plainpass"):
        assert value not in text


@pytest.mark.parametrize("key, expected", [
    ("POSTGRES_PASSWORD", True), ("PGPASSWORD", True), ("JWT_SECRET", True),
    ("API_KEY", True), ("APIKEY", True), ("GITHUB_TOKEN", True), ("N8N_ENCRYPTION_KEY", True),
    ("POSTGRES_PASSWORD_FILE", False), ("AWS_ACCESS_KEY_ID", False), ("PUBLIC_KEY", False),
    ("POSTGRES_USER", False), ("MONKEY", False), ("KEYBOARD_LAYOUT", False),
])
def test_secret_looking_keys(key, expected):
    assert secrets.is_secret_key(key) is expected


def test_weak_and_default_passwords_are_found_without_printing_them():
    project = fixture_project("passwords", {"DB_PASSWORD": "postgres", "REDIS_PASSWORD": "short12",
                                            "QUEUE_PASSWORD": "Zq8!vL2#pR9@wX4$"})

    found = by_key(passwords.findings(project, AuditOptions()))

    db = found["services.db.environment.POSTGRES_PASSWORD"][0]
    assert db.severity is Severity.error
    assert "is a well-known default password (from ${DB_PASSWORD})" in db.message
    assert "the same value reaches mysql.MYSQL_ROOT_PASSWORD" in db.message
    assert "has 7 characters, fewer than 16" in found[
        "services.cache.environment.REDIS_PASSWORD"][0].message
    assert not any("queue" in key for key in found)
    assert len(found) == 2
    assert not any("postgres" in f.message.split("(")[0] or "short12" in f.message
                   for fs in found.values() for f in fs)


def test_passwords_reused_across_environments(tmp_path):
    from rag_release.audit.dotenv import parse_env_text

    prod = parse_env_text("DB_PASSWORD=${PROD_DB}\nREDIS_PASSWORD=${SHARED_REDIS}\n",
                          "envs/prod.env", {})
    staging = parse_env_text("DB_PASSWORD=${STAGING_DB}\nREDIS_PASSWORD=${SHARED_REDIS}\n",
                             "envs/staging.env", {})
    values = {"prod": {"DB_PASSWORD": "same-value-1234567"},
              "staging": {"DB_PASSWORD": "same-value-1234567"}}

    found = by_key(passwords.reused(prod, "prod", {"staging": staging}, values))

    assert found["DB_PASSWORD"][0].text() == (
        "envs/prod.env:1: DB_PASSWORD has the same value as DB_PASSWORD in envs/staging.env:1 "
        "(staging); give each environment its own password")
    assert found["REDIS_PASSWORD"][0].message.startswith("references the same secret as")


def test_only_the_edge_may_publish_beyond_loopback_in_staging_and_prod():
    project = fixture_project("exposure")

    found = by_key(exposure.findings(project, AuditOptions("prod")))

    assert sorted(found) == ["services.admin.ports[0]", "services.api.ports[0]",
                             "services.cache.ports[0]", "services.db.ports[0]",
                             "services.worker.network_mode"]
    db = found["services.db.ports[0]"][0]
    assert db.service == "db" and db.line == 8 and db.severity is Severity.error
    assert db.message.startswith("publishes 0.0.0.0:5432->5432/tcp on every interface; in prod")
    assert "'127.0.0.1:5432:5432'" in db.message
    assert "10.0.0.5, which is not loopback" in found["services.admin.ports[0]"][0].message
    assert "<random>" in found["services.cache.ports[0]"][0].message
    assert exposure.findings(project, AuditOptions("staging"))
    assert exposure.findings(project, AuditOptions("dev")) == []


def test_the_edge_can_be_named_on_the_command_line():
    project = fixture_project("exposure")

    found = by_key(exposure.findings(project, AuditOptions("prod", edge=frozenset({"api"}))))

    assert "services.api.ports[0]" not in found


def test_limits_health_checks_and_container_names():
    project = fixture_project("resources")

    found = by_key(resources.findings(project, AuditOptions(colored=frozenset({"web"}))))
    summary = {key: [f.severity.value for f in fs] for key, fs in found.items()}

    assert summary == {
        "services.nolimits.deploy.resources.limits.memory": ["error"],
        "services.nolimits.deploy.resources.limits.cpus": ["error"],
        "services.nohealth.healthcheck": ["error"],
        "services.disabled.healthcheck": ["error"],
        "services.notest.healthcheck": ["warning"],
        "services.badlimits.deploy.resources.limits.memory": ["error"],
        "services.badlimits.deploy.resources.limits.cpus": ["error"],
        "services.scaled.container_name": ["error"],
        "services.named.container_name": ["warning"],
        "services.web.container_name": ["error"],
    }
    assert "3 replicas" in found["services.scaled.container_name"][0].message
    assert "two colors" in found["services.web.container_name"][0].message
    assert found["services.nolimits.deploy.resources.limits.memory"][0].line == 9


def test_references_are_judged_as_written_not_as_resolved():
    project = fixture_project("secrets", {"REDIS_PASSWORD": "resolved-but-referenced",
                                          "FROM_THE_VAULT": "resolved",
                                          "SAFE_TOKEN": "resolved-token"})

    found = by_key(secrets.findings(project, AuditOptions()))

    assert "services.api.environment.REDIS_URL" not in found
    assert "GOOD_SECRET" not in found
    assert "services.api.build.args.SAFE_TOKEN" not in found
    assert "services.api.build.args.NPM_TOKEN" in found
