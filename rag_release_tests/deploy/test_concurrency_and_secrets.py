"""Two deploys of one environment never interleave, and no secret value reaches Dagster's
storage, rag_release's files, the rendered configs or any process argument list."""

import os
import subprocess
import sys
import threading
from pathlib import Path

import dagster as dg

from rag_release_tests.conftest import REPO, TEST_SECRETS
from rag_release_tests.deploy.conftest import derived_release, ensure_live, state


class ArgvWatch:
    """Reads every process's command line, over and over, until stopped."""

    def __init__(self, needles: list[str]):
        self.needles = [n.encode() for n in needles]
        self.found: list[str] = []
        self.scans = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self.stop.is_set():
            for proc in Path("/proc").iterdir():
                try:
                    argv = (proc / "cmdline").read_bytes()
                except OSError:
                    continue
                for needle in self.needles:
                    if needle in argv:
                        self.found.append(argv.replace(b"\0", b" ").decode(errors="replace"))
            self.scans += 1

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(10)


def files_containing(root: Path, needles: list[str]) -> list[str]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            hits += [f"{path}: {n[:12]}..." for n in needles if n.encode() in data]
    return hits


def test_concurrent_deploys_wait_for_each_other_and_leak_no_secret(stack, tmp_path):
    ensure_live(stack, [("dev", "1.0.0")])
    derived_release(stack, "1.0.1", "1.0.2")
    dagster_home = tmp_path / "dagster"
    dagster_home.mkdir()
    (dagster_home / "dagster.yaml").write_text((REPO / "dagster.yaml").read_text())
    with dg.DagsterInstance.from_config(str(dagster_home)):
        pass
    env = dict(os.environ, **stack.environ(), DAGSTER_HOME=str(dagster_home))
    cli = str(Path(sys.executable).with_name("rag-release"))
    history_before = len(state(stack, "dev")["history"])

    with ArgvWatch(list(TEST_SECRETS.values())) as watch:
        procs = [subprocess.Popen([cli, "promote", "dev", "--release", version], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for version in ("1.0.1", "1.0.2")]
        outputs = [p.communicate(timeout=600) for p in procs]

    assert [p.returncode for p in procs] == [0, 0], [o[1][-1500:] for o in outputs]
    records = state(stack, "dev")["history"][history_before:]
    deploys = [r for r in records if r["result"] == "success"]
    assert len(deploys) == 2
    first, second = sorted(deploys, key=lambda r: r["started_at"])
    assert second["started_at"] >= first["finished_at"], "the two deploys interleaved"
    assert any("Waiting for the deploy lock" in o[1] or "pool" in o[1] for o in outputs)

    assert watch.scans > 10
    assert watch.found == []
    secrets = list(TEST_SECRETS.values())
    assert files_containing(dagster_home, secrets) == []
    assert files_containing(stack.instance.root_directory and Path(
        stack.instance.root_directory), secrets) == []
    assert files_containing(stack.home, secrets) == []
    assert files_containing(REPO / "compose", secrets) == []
