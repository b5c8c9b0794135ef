import pytest

from rag_release.errors import ConfigError, SecretError
from rag_release.model.environment import EnvName, parse_env_file
from rag_release.resources.secrets import SecretsProvider


def test_env_file_separates_settings_from_secret_references(tmp_path):
    path = tmp_path / "prod.env"
    path.write_text("# comment\nEDGE_HTTP_PORT=8080\nexport LOG_LEVEL='warn'\n"
                    "JWT_SECRET=${PROD_JWT_SECRET}\nREDIS_PASSWORD=${PROD_REDIS}\n")
    env = parse_env_file(path)

    assert env.values == {"EDGE_HTTP_PORT": "8080", "LOG_LEVEL": "warn"}
    assert env.secret_refs == {"JWT_SECRET": "PROD_JWT_SECRET", "REDIS_PASSWORD": "PROD_REDIS"}
    assert env.int("EDGE_HTTP_PORT") == 8080


def test_literal_secret_is_refused_with_file_and_line(tmp_path):
    path = tmp_path / "prod.env"
    path.write_text("LOG_LEVEL=warn\nJWT_SECRET=hunter2\n")
    with pytest.raises(ConfigError) as raised:
        parse_env_file(path)
    assert str(raised.value) == (f"{path}:2: JWT_SECRET is a literal; reference a secret as "
                                 "JWT_SECRET=${NAME}")
    assert "hunter2" not in str(raised.value)


def test_secrets_resolve_from_files_then_environment(tmp_path, monkeypatch):
    path = tmp_path / "dev.env"
    path.write_text("A_PASSWORD=${FROM_FILE}\nB_TOKEN=${FROM_ENV}\nC_SECRET=${MISSING}\n")
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "FROM_FILE").write_text("file-value\n")
    monkeypatch.setenv("FROM_ENV", "env-value")
    monkeypatch.delenv("MISSING", raising=False)
    provider = SecretsProvider(files_dir=str(tmp_path / "secrets"))

    with pytest.raises(SecretError, match=r"C_SECRET \(secret MISSING, .*dev.env:3\)"):
        provider.resolve(parse_env_file(path))
    monkeypatch.setenv("MISSING", "x")
    assert provider.resolve(parse_env_file(path)) == {
        "A_PASSWORD": "file-value", "B_TOKEN": "env-value", "C_SECRET": "x"}


def test_environments_are_ordered_for_promotion():
    assert EnvName.prod.previous is EnvName.staging
    assert EnvName.staging.previous is EnvName.dev
    assert EnvName.dev.previous is None


def test_an_environment_may_name_its_own_engine(tmp_path):
    from rag_release.defs.deploy.assets import engine_for
    from rag_release.resources.docker_engine import DockerEngine

    path = tmp_path / "prod.env"
    path.write_text("DOCKER_HOST=tcp://10.0.0.5:2376\nDOCKER_CERT_PATH=/etc/rag/docker-tls\n")
    engine = engine_for(parse_env_file(path), DockerEngine())

    assert engine.env()["DOCKER_HOST"] == "tcp://10.0.0.5:2376"
    assert engine.env()["DOCKER_TLS_VERIFY"] == "1"
    assert engine.env()["DOCKER_CERT_PATH"] == "/etc/rag/docker-tls"
    path.write_text("DOCKER_HOST=\n")
    assert "DOCKER_HOST" not in engine_for(parse_env_file(path), DockerEngine()).env()
