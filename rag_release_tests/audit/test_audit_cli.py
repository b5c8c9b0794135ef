"""`rag-release audit` as a user runs it: exit codes, the text report and the JSON one."""

import json

import pytest

from rag_release.cli import main
from rag_release_tests.audit.conftest import FIXTURES, handler, serving
from rag_release_tests.audit.test_audit_monitoring import METRICS
from rag_release_tests.conftest import REPO


@pytest.fixture(autouse=True)
def shop_secrets(monkeypatch):
    monkeypatch.setenv("SHOP_DB_PASSWORD", "k3Yq-8vRz!pL2wXe9Tn")
    monkeypatch.setenv("SHOP_API_TOKEN", "tok-from-vault")
    monkeypatch.delenv("COMPOSE_PROFILES", raising=False)


def audit(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["audit", *args])
    out, err = capsys.readouterr()
    return code, out, err


def compose(name: str) -> str:
    return str(FIXTURES / name / "compose.yml")


def test_a_clean_stack_exits_zero(capsys):
    code, out, _ = audit(capsys, "--compose", compose("clean"))

    assert code == 0
    assert out.splitlines()[0].endswith("for prod: 4 services audited, 0 skipped")
    assert out.splitlines()[-1] == "0 errors, 0 warnings, 0 notes"


@pytest.mark.parametrize("name, rule", [("secrets", "secrets"), ("passwords", "db-passwords"),
                                        ("exposure", "exposure"), ("resources", "resources")])
def test_each_broken_stack_exits_one_with_its_rule_reported(capsys, monkeypatch, name, rule):
    monkeypatch.setenv("DB_PASSWORD", "changeme")
    code, out, _ = audit(capsys, "-f", compose(name), "--json")
    report = json.loads(out)

    assert code == 1
    assert report["passed"] is False
    assert rule in {f["rule"] for f in report["findings"] if f["severity"] == "error"}
    assert set(report["findings"][0]) == {"rule", "severity", "message", "service", "file",
                                          "line", "key"}


def test_the_text_report_has_one_line_a_finding(capsys):
    code, out, _ = audit(capsys, "-f", compose("exposure"), "--env-name", "staging")
    line = next(li for li in out.splitlines() if "services.db.ports[0]" in li)

    assert code == 1
    assert line.split()[:3] == ["error", "exposure", "db"]
    assert f"{compose('exposure')}:8: services.db.ports[0] publishes" in line


def test_exposure_is_not_checked_in_dev(capsys):
    _, out, _ = audit(capsys, "-f", compose("exposure"), "--env-name", "dev", "--json")

    assert "exposure" not in {f["rule"] for f in json.loads(out)["findings"]}


def test_edge_and_colored_services_can_be_named(capsys):
    _, out, _ = audit(capsys, "-f", compose("exposure"), "--edge", "api", "--edge", "nope",
                      "--json")
    findings = json.loads(out)["findings"]

    assert not any(f["key"] == "services.api.ports[0]" for f in findings)
    assert any(f["key"] == "--edge nope" and f["severity"] == "warning" for f in findings)


def test_profiles_and_env_files_reach_the_loader(capsys, tmp_path):
    env_file = tmp_path / "my.env"
    env_file.write_text("EDGE_HTTP_PORT=8080\nDB_PASSWORD=${SHOP_DB_PASSWORD}\n")

    _, out, _ = audit(capsys, "-f", compose("clean"), "--env-file", str(env_file),
                      "--profile", "*", "--json")
    report = json.loads(out)

    assert report["env_files"] == sorted([str(env_file), str(FIXTURES / "clean" / "api.env")])
    assert report["passed"] is True


@pytest.mark.parametrize("make, expected", [
    (lambda d: d / "absent.yml", "absent.yml: cannot be read"),
    (lambda d: (d / "bad.yml").write_text("services: [") and d / "bad.yml", "not valid YAML"),
])
def test_unreadable_input_exits_two_naming_the_file(capsys, tmp_path, make, expected):
    code, out, err = audit(capsys, "-f", str(make(tmp_path)))

    assert code == 2
    assert out == ""
    assert err.startswith("rag-release audit: ") and expected in err


def test_an_unreadable_env_file_exits_two(capsys, tmp_path):
    bad = tmp_path / "bad.env"
    bad.write_text("this is not an env file\n")

    code, _, err = audit(capsys, "-f", compose("clean"), "--env-file", str(bad))

    assert code == 2
    assert f"{bad}:1: expected KEY=VALUE" in err


def test_live_rules_run_when_asked(capsys, tmp_path):
    with serving(handler(200, body=METRICS)) as port:
        code, out, _ = audit(capsys, "-f", compose("clean"), "--json", "--backups",
                             str(tmp_path), "--metrics-url", f"http://127.0.0.1:{port}/metrics")
    findings = {f["rule"]: f for f in json.loads(out)["findings"]}

    assert code == 1
    assert findings["backups"]["severity"] == "error"
    assert findings["monitoring"]["severity"] == "info"


def test_this_projects_own_stack_has_no_error(capsys):
    code, out, _ = audit(capsys, "-f", str(REPO / "compose" / "data.yml"),
                         "-f", str(REPO / "compose" / "app.yml"),
                         "-f", str(REPO / "compose" / "edge.yml"),
                         "--env-file", str(REPO / "envs" / "prod.env"), "--profile", "*",
                         "--colored", "nlp", "--colored", "backend", "--colored", "frontend")

    assert code == 0, out
