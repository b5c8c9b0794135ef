"""Healing against a recording engine: what is removed, how the color is completed again, what
the deploy history says. The real containers are replaced in the end-to-end test."""

import logging
from pathlib import Path

import pytest

from rag_release.defs.deploy.stack import Tools
from rag_release.defs.health.heal import heal, recreate_argv, remove_argv
from rag_release.errors import DockerCommandError, HealError
from rag_release.model.environment import Environment
from rag_release.model.manifest import ReleaseManifest
from rag_release.resources.deploy_state import DeployStateStore
from rag_release.resources.process import Completed

ENV = Environment("dev", Path("envs/dev.env"), {"EDGE_HTTPS_PORT": "18443"}, {}, {})
LIVE = {"version": "1.1.0", "color": "green", "images": {"backend": "r/backend"}}
MANIFEST = ReleaseManifest("rag", "1.1.0", "rev", False, "hash", "now", {})
PS = ("b1\trag-dev-green-backend-1\trag-dev-green\tbackend\trunning\tUp (unhealthy)\n"
      "n1\trag-dev-green-nlp-1\trag-dev-green\tnlp\trunning\tUp (healthy)\n"
      "e1\trag-dev-edge-edge-1\trag-dev-edge\tedge\trunning\tUp (healthy)\n"
      "x1\trag-dev-blue-backend-1\trag-dev-blue\tbackend\trunning\tUp (unhealthy)\n")


class Recorder:
    """Stands in for the engine, compose, the edge and the secrets at once."""

    def __init__(self, fail_on: str = ""):
        self.calls, self.fail_on = [], fail_on

    def run(self, *args, what: str = "", **kwargs) -> Completed:
        argv = args[1] if len(args) > 1 else args[0]
        self.calls.append(" ".join(str(a) for a in argv if "docker-compose" not in str(a)))
        if self.fail_on and self.fail_on in self.calls[-1]:
            raise DockerCommandError(f"{what} failed (exit 1): boom")
        return Completed(list(argv), 0, PS if argv[:2] == ["docker", "ps"] else "", "")

    def files(self, *names):
        return [Path("compose") / n for n in names]

    def variables(self, env):
        return {}

    def project(self, env):
        return "rag-dev-edge"

    def routes(self, env):
        return "current routes"

    def apply(self, docker, compose, env, variables, routes, log):
        self.calls.append(f"edge reload with {routes}")

    def resolve(self, env):
        return {"JWT_SECRET": "s3cr3t"}


@pytest.fixture
def tools(tmp_path):
    def make(fail_on: str = "") -> Tools:
        fake = Recorder(fail_on)
        return Tools(fake, fake, fake, DeployStateStore(state_dir=str(tmp_path)), fake, None,
                     None, logging.getLogger("test"))
    return make


def test_the_failing_containers_are_removed_recreated_and_the_edge_reloaded(tools):
    t = tools()
    record = heal(t, ENV, MANIFEST, LIVE, [], {"run_id": "r9", "launched_by": "sensor s"},
                  "failed 2 probes")
    assert t.docker.calls[1:] == [
        "docker rm --force b1",
        "-p rag-dev-green -f compose/app.yml up --detach --no-recreate --no-build --pull never",
        "edge reload with current routes"]
    assert record["result"] == "success"
    assert (record["containers"], record["services"]) == (["rag-dev-green-backend-1"],
                                                          ["backend"])
    assert set(record["durations"]) == {"replace", "reload"}
    assert t.state.read("dev")["history"] == [record]
    assert record["launched_by"] == "sensor s" and record["reason"] == "failed 2 probes"


def test_the_containers_asked_for_are_replaced_even_if_the_engine_calls_them_healthy(tools):
    t = tools()
    record = heal(t, ENV, MANIFEST, LIVE, ["rag-dev-edge-edge-1", "rag-dev-blue-backend-1"],
                  {}, "")
    assert t.docker.calls[1:] == ["docker rm --force e1", "edge reload with current routes"]
    assert record["containers"] == ["rag-dev-edge-edge-1"]


def test_nothing_to_replace_is_recorded_as_skipped(tools):
    t = tools()
    record = heal(t, ENV, MANIFEST, LIVE, ["rag-dev-green-gone-1"], {}, "")
    assert record["result"] == "skipped"
    assert record["detail"] == ("no container to replace: none of rag-dev-green-gone-1 is a "
                                "container of rag-dev-green or rag-dev-edge")
    assert len(t.docker.calls) == 1


def test_a_failed_replacement_is_recorded_and_raised(tools):
    t = tools(fail_on="up --detach")
    with pytest.raises(HealError, match="replacing rag-dev-green-backend-1 of dev failed in "
                                        "phase replace"):
        heal(t, ENV, MANIFEST, LIVE, [], {}, "")
    [record] = t.state.read("dev")["history"]
    assert (record["result"], record["failed_phase"]) == ("failed", "replace")
    assert "s3cr3t" not in str(record)


def test_the_argv_builders():
    assert remove_argv(["a", "b"]) == ["docker", "rm", "--force", "a", "b"]
    argv = recreate_argv("rag-dev-blue", [Path("compose/app.yml")])
    assert argv[-6:] == ["up", "--detach", "--no-recreate", "--no-build", "--pull", "never"]
    assert argv[argv.index("-p") + 1] == "rag-dev-blue"
