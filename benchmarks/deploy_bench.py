"""Steady HTTPS load through the edge while a promotion and then a rollback run, compared with
a plain `docker compose up -d --force-recreate` of the same services under the same load.

    .venv/bin/python benchmarks/deploy_bench.py [--workers 4] [--settle 5]

Builds releases 1.0.0 and 1.0.1 of the sample in a temporary home, deploys 1.0.0 to a bench
environment (stack ragbench-dev, ports 54080/54443/54081), then measures. Needs the engine and
the registry that scripts/setup.sh starts. Cleans up the containers it started.
"""

import argparse
import logging
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from rag_release_tests.conftest import TEST_SECRETS, Pipeline, copy_sample  # noqa: E402

URL = "https://127.0.0.1:54443/api/version"
STACK = "ragbench-dev"


class Load:
    """`workers` keep-alive clients sending GETs back to back; every outcome timestamped."""

    def __init__(self, workers: int):
        self.samples: list[tuple[float, float, str]] = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._worker, daemon=True)
                        for _ in range(workers)]
        self.lock = threading.Lock()
        self.retried = 0

    def _worker(self):
        with httpx.Client(verify=False, timeout=10) as client:
            while not self.stop.is_set():
                started = time.monotonic()
                try:
                    response = client.get(URL)
                    outcome = "ok" if response.status_code == 200 else str(response.status_code)
                except httpx.RemoteProtocolError:
                    outcome = self._retry(client)
                except httpx.HTTPError as e:
                    outcome = type(e).__name__
                with self.lock:
                    self.samples.append((started, time.monotonic() - started, outcome))
                if len(self.samples) > 500_000:
                    return

    def _retry(self, client) -> str:
        """A keep-alive connection the server closed before answering: retry once on a new
        connection, as browsers and most HTTP clients do for an idempotent request."""
        with self.lock:
            self.retried += 1
        try:
            response = client.get(URL)
            return "ok" if response.status_code == 200 else str(response.status_code)
        except httpx.HTTPError as e:
            return type(e).__name__

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(15)

    def window(self, start: float, end: float) -> dict:
        picked = [s for s in self.samples if start <= s[0] < end]
        latencies = sorted(s[1] * 1000 for s in picked)
        failed = [s[2] for s in picked if s[2] != "ok"]
        pct = (lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
               if latencies else float("nan"))
        return {"sent": len(picked), "failed": len(failed), "p50": pct(0.50),
                "p99": pct(0.99), "kinds": sorted(set(failed))}


def write_env(folder: Path) -> Path:
    folder.mkdir(parents=True)
    text = (REPO / "envs" / "dev.env").read_text()
    lines = [line for line in text.splitlines()
             if not line.startswith(("EDGE_", "STACK_NAME", "ROLLBACK_WINDOW", "RATE_LIMIT"))]
    lines += ["STACK_NAME=" + STACK, "EDGE_BIND=127.0.0.1", "EDGE_HTTP_PORT=54080",
              "EDGE_HTTPS_PORT=54443", "EDGE_PREVIEW_PORT=54081", "ROLLBACK_WINDOW_SECONDS=600",
              "RATE_LIMIT=100000"]
    (folder / "dev.env").write_text("\n".join(lines) + "\n")
    return folder


def timed(load: Load, action) -> tuple[dict, float, dict]:
    start = time.monotonic()
    outcome = action()
    end = time.monotonic()
    return load.window(start, end), end - start, outcome


def row(name: str, stats: dict, seconds: float | None = None) -> str:
    took = f"{seconds:7.1f}" if seconds is not None else "      -"
    kinds = f"  {', '.join(stats['kinds'])}" if stats["kinds"] else ""
    return (f"{name:34} {took} {stats['sent']:8d} {stats['failed']:7d} {stats['p50']:8.1f} "
            f"{stats['p99']:8.1f}{kinds}")


def main() -> None:
    import dagster as dg

    from rag_release.commands import compose as compose_cmd
    from rag_release.defs.deploy import stack as stack_mod
    from rag_release_tests.deploy.conftest import remove_test_stacks

    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--settle", type=float, default=5.0)
    args = parser.parse_args()
    logging.getLogger("dagster").setLevel(logging.WARNING)
    os.environ.update(TEST_SECRETS)
    os.environ.setdefault("DAGSTER_HOME", tempfile.mkdtemp())

    import rag_release_tests.deploy.conftest as deploy_conftest
    deploy_conftest.STACK_PREFIX = "ragbench-"
    remove_test_stacks()
    with tempfile.TemporaryDirectory() as tmp, dg.instance_for_test() as instance:
        root = Path(tmp)
        config = copy_sample(root / "app")
        pipeline = Pipeline(config, root / "home", write_env(root / "envs"), instance)
        for version in ("1.0.0", "1.0.1"):
            (config.parent / "VERSION").write_text(version + "\n")
            assert pipeline.run("build_job").success
        first = pipeline.run("deploy_dev_job", {"dev_deployment": {"release": "1.0.0"}})
        assert first.success

        def promote():
            result = pipeline.run("deploy_dev_job", {"dev_deployment": {"release": "1.0.1"}})
            assert result.success
            return _last(pipeline)

        def rollback():
            result = pipeline.run("rollback_dev_job", {"dev_deployment": {"action": "rollback"}})
            assert result.success
            return _last(pipeline)

        def plain_redeploy():
            from rag_release.defs.deploy.assets import load_environment, load_manifest
            from rag_release.resources.defaults import default_resources

            resources = default_resources()
            env = load_environment("dev")
            live = resources["deploy_state"].live("dev")
            manifest = load_manifest(resources["artifacts"], live["version"])
            tools = stack_mod.Tools(resources["docker"], resources["compose"], resources["edge"],
                                    resources["deploy_state"], resources["secrets"],
                                    resources["registry"], resources["prober"], logging)
            variables = stack_mod.variables(tools, env, manifest,
                                            resources["secrets"].resolve(env), live["color"])
            argv = compose_cmd.up(f"{STACK}-{live['color']}", tools.compose.files("app.yml"))
            argv.insert(argv.index("-d") + 1, "--force-recreate")
            tools.compose.run(tools.docker, argv, variables, "plain compose redeploy")
            edge = tools.edge.container(tools.docker, tools.compose, env, variables)
            tools.docker.run(["docker", "exec", edge, "nginx", "-s", "reload"], what="reload")
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    if httpx.get(URL, verify=False, timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
            return {}

        with Load(args.workers) as load:
            time.sleep(args.settle)
            before = load.window(0, time.monotonic())
            promotion, promotion_s, promoted = timed(load, promote)
            time.sleep(args.settle)
            back, back_s, rolled = timed(load, rollback)
            time.sleep(args.settle)
            plain, plain_s, _ = timed(load, plain_redeploy)
            time.sleep(args.settle)
            total = load.window(0, time.monotonic())

        print(f"\n{args.workers} keep-alive clients, GET {URL}\n")
        print(f"{'window':34} {'secs':>7} {'sent':>8} {'failed':>7} {'p50 ms':>8} {'p99 ms':>8}")
        print(row("steady, before any change", before))
        print(row("rag_release promotion 1.0.0->1.0.1", promotion, promotion_s))
        print(row("rag_release rollback (instant)", back, back_s))
        print(row("plain compose up --force-recreate", plain, plain_s))
        print(row("whole run", total))
        print(f"\nconnections closed by the server before an answer, retried once: "
              f"{load.retried}")
        for name, record in (("promotion", promoted), ("rollback", rolled)):
            phases = ", ".join(f"{k} {v:.2f}s" for k, v in record["durations"].items())
            print(f"\n{name} phases: {phases}")
    remove_test_stacks()


def _last(pipeline) -> dict:
    import json

    state = json.loads((pipeline.home / "deploy" / "dev" / "state.json").read_text())
    return state["history"][-1]


if __name__ == "__main__":
    main()
