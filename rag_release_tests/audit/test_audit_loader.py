from pathlib import Path

import pytest

from rag_release.audit import load_project
from rag_release.audit.findings import Severity
from rag_release.errors import AuditInputError


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def test_variables_come_from_env_files_in_order_and_the_environment_wins(tmp_path):
    compose = write(tmp_path, "compose.yml", "services:\n  app:\n    image: app:${TAG}\n"
                    "    environment: {A: $A, B: '${B}', C: '${C:-c}'}\n")
    first = write(tmp_path, "first.env", "TAG=1\nA=first\nB=first\n")
    second = write(tmp_path, "second.env", "A=second\nB=${A}-then\n")

    project = load_project([compose], [first, second], environ={"TAG": "shell"})
    app = project.services["app"]

    assert app.get("image") == "app:shell"
    assert {k: v.value for k, v in app.environment.items()} == {
        "A": "second", "B": "second-then", "C": "c"}


def test_the_project_env_file_is_read_only_without_env_files(tmp_path):
    compose = write(tmp_path, "compose.yml", "services:\n  app:\n    image: app:${TAG}\n")
    write(tmp_path, ".env", "TAG=from-dotenv\n")
    other = write(tmp_path, "other.env", "TAG=from-other\n")

    assert load_project([compose]).services["app"].get("image") == "app:from-dotenv"
    assert load_project([compose], [other]).services["app"].get("image") == "app:from-other"


def test_unset_and_required_variables_are_noted_once(tmp_path):
    compose = write(tmp_path, "compose.yml", "services:\n  app:\n    image: ${IMAGE:?pin it}\n"
                    "    environment: [\"X=${LOOSE}\", \"Y=${LOOSE}\"]\n")

    project = load_project([compose])
    notes = {(n.severity, n.key): n for n in project.notes}

    assert (Severity.warning, "services.app.image") in notes
    assert "requires ${IMAGE}, which is unset or empty (pin it)" in notes[
        (Severity.warning, "services.app.image")].message
    assert [n.key for n in project.notes if "LOOSE" in n.message] == [
        "services.app.environment.X"]
    assert notes[(Severity.warning, "services.app.image")].line == 3


def test_service_env_file_in_every_form(tmp_path):
    write(tmp_path, "a.env", "A=1\nSHARED=from-a\n")
    (tmp_path / "conf").mkdir()
    write(tmp_path / "conf", "b.env", "B=2\nSHARED=from-b\n")
    compose = write(tmp_path, "compose.yml", """\
services:
  one:
    image: x
    env_file: a.env
  two:
    image: x
    env_file: [a.env, conf/b.env]
    environment: {SHARED: from-compose}
  three:
    image: x
    env_file:
      - path: conf/b.env
      - path: absent.env
        required: false
  four:
    image: x
    env_file: [absent.env]
""")
    project = load_project([compose])
    values = {name: {k: v.value for k, v in s.environment.items()}
              for name, s in project.services.items()}

    assert values["one"] == {"A": "1", "SHARED": "from-a"}
    assert values["two"] == {"A": "1", "B": "2", "SHARED": "from-compose"}
    assert values["three"] == {"B": "2", "SHARED": "from-b"}
    assert project.services["two"].environment["B"].file == str(tmp_path / "conf" / "b.env")
    missing = [n for n in project.notes if n.severity is Severity.error]
    assert [(n.key, n.line) for n in missing] == [("services.four.env_file[0]", 17)]
    assert "absent.env, which does not exist" in missing[0].message


def test_files_merge_in_order(tmp_path):
    base = write(tmp_path, "base.yml", """\
services:
  app:
    image: app:1
    ports: ["127.0.0.1:80:80"]
    environment: [A=1, B=1]
    labels: {keep: "yes"}
    healthcheck: {test: ["CMD", "true"], interval: 5s}
    container_name: app
  gone:
    image: x
""")
    override = write(tmp_path, "override.yml", """\
services:
  app:
    image: app:2
    ports: ["127.0.0.1:443:443"]
    environment: {B: 2, C: 3}
    healthcheck: {interval: 9s}
    container_name: !reset null
    labels: !override {only: "this"}
  gone: !reset
""")
    project = load_project([base, override])
    app = project.services["app"]

    assert list(project.services) == ["app"]
    assert app.get("image") == "app:2"
    assert [p.published for _, p in app.ports] == ["80", "443"]
    assert {k: v.value for k, v in app.environment.items()} == {"A": "1", "B": "2", "C": "3"}
    assert app.get("healthcheck") == {"test": ["CMD", "true"], "interval": "9s"}
    assert app.get("container_name") is None
    assert app.labels == {"only": "this"}
    assert app.where("image") == (str(override), 3)
    assert app.where("ports", 0) == (str(base), 4)
    assert app.where("ports", 1) == (str(override), 4)


def test_profiles(tmp_path):
    compose = write(tmp_path, "compose.yml", """\
services:
  always: {image: x}
  debug: {image: x, profiles: [debug]}
  tools: {image: x, profiles: ["${TOOLS_PROFILE:-tools}", extra]}
""")

    assert list(load_project([compose]).services) == ["always"]
    assert load_project([compose]).skipped == {"debug": ("debug",), "tools": ("tools", "extra")}
    assert list(load_project([compose], profiles=["extra"]).services) == ["always", "tools"]
    assert list(load_project([compose], profiles=["*"]).services) == ["always", "debug", "tools"]
    from_variable = load_project([compose], environ={"COMPOSE_PROFILES": "debug, tools"})
    assert list(from_variable.services) == ["always", "debug", "tools"]
    skipped = [n for n in load_project([compose]).notes if n.service == "debug"]
    assert "pass --profile debug" in skipped[0].message
    assert skipped[0].line == 3


def test_yaml_is_read_as_yaml_1_2(tmp_path):
    compose = write(tmp_path, "compose.yml", "services:\n  app:\n    image: x\n"
                    "    ports:\n      - 22:22\n      - 0o17\n    environment: {FLAG: yes}\n")

    app = load_project([compose]).services["app"]

    assert [p.target for _, p in app.ports] == ["22", "15"]
    assert app.environment["FLAG"].value == "yes"


def test_an_invalid_port_is_an_error_note_naming_it(tmp_path):
    compose = write(tmp_path, "compose.yml", "services:\n  app:\n    image: x\n"
                    "    ports: [\"80:web\"]\n")

    notes = load_project([compose]).notes

    assert [(n.severity, n.key, n.line) for n in notes] == [
        (Severity.error, "services.app.ports[0]", 4)]


@pytest.mark.parametrize("text, expected", [
    ("services: [\n", r"compose.yml:2: not valid YAML"),
    ("- a list\n", r"compose.yml: expected a mapping"),
])
def test_unreadable_compose_files_are_input_errors(tmp_path, text, expected):
    compose = write(tmp_path, "compose.yml", text)

    with pytest.raises(AuditInputError, match=expected):
        load_project([compose])


def test_a_missing_compose_file_is_an_input_error(tmp_path):
    with pytest.raises(AuditInputError, match="absent.yml: cannot be read"):
        load_project([tmp_path / "absent.yml"])
