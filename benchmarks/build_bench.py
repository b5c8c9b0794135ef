"""Cold build, no-op rebuild, and the same work done by plain commands, side by side.

    .venv/bin/python benchmarks/build_bench.py [--rounds N]

Each cold round starts from a fresh copy of the sample application (no node_modules, no dist,
no wheels), an empty rag_release home, and with the sample's images removed from the engine,
so docker build runs every step again. The plain commands are what a shell script would run:
npm ci and npm run build, build.sh, tar czf, docker build, docker push and docker save.
Needs the engine and the registry that scripts/setup.sh starts.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from rag_release_tests.conftest import copy_sample, write_test_envs  # noqa: E402

COMPONENTS = {"backend": "dist", "frontend": "dist", "nlp": "wheels"}
REGISTRY = "127.0.0.1:5000"


def sh(argv, cwd=None):
    subprocess.run(argv, cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def forget_images(tag_prefixes):
    out = subprocess.run(["docker", "images", "--format", "{{.Repository}}:{{.Tag}}"],
                         capture_output=True, text=True).stdout.split()
    doomed = [ref for ref in out if any(ref.startswith(p) for p in tag_prefixes)]
    if doomed:
        subprocess.run(["docker", "rmi", "-f", *doomed], capture_output=True)
    subprocess.run(["docker", "image", "prune", "-f"], capture_output=True)


def plain(root: Path) -> float:
    app = root / "app"
    copy_sample(app)
    out = root / "out"
    out.mkdir()
    forget_images([f"{REGISTRY}/plain/", f"{REGISTRY}/rag/"])
    started = time.monotonic()
    for name in ("backend", "frontend"):
        sh(["npm", "ci", "--no-audit", "--no-fund"], cwd=app / name)
        sh(["npm", "run", "build"], cwd=app / name)
    sh(["bash", "build.sh"], cwd=app / "nlp")
    sh(["tar", "czf", str(out / "backend.tar.gz"), "-C", str(app / "backend"), "dist"])
    sh(["tar", "czf", str(out / "frontend.tar.gz"), "-C", str(app / "frontend"), "dist"])
    sh(["tar", "czf", str(out / "nlp.tar.gz"), "-C", str(app / "nlp"), "app",
        "requirements.txt", "wheels"])
    for name in COMPONENTS:
        tag = f"{REGISTRY}/plain/{name}:bench"
        sh(["docker", "build", "-q", "-t", tag, str(app / name)])
        sh(["docker", "push", "-q", tag])
        sh(["docker", "save", "-o", str(out / f"{name}.tar"), tag])
    return time.monotonic() - started


def pipeline_build(root: Path) -> tuple[float, float]:
    """Two runs of `rag-release build`, as CI runs it: cold, then with nothing changed."""
    config = copy_sample(root / "app")
    dagster_home = root / "dagster"
    dagster_home.mkdir()
    (dagster_home / "dagster.yaml").write_text((REPO / "dagster.yaml").read_text())
    env = dict(os.environ, RAG_RELEASE_CONFIG=str(config), RAG_RELEASE_HOME=str(root / "home"),
               RAG_RELEASE_ENVS=str(write_test_envs(root / "envs")),
               DAGSTER_HOME=str(dagster_home))
    subprocess.run([str(REPO / ".venv/bin/dagster"), "instance", "migrate"], env=env,
                   check=True, capture_output=True)
    forget_images([f"{REGISTRY}/plain/", f"{REGISTRY}/rag/"])
    times = []
    for _ in range(2):
        started = time.monotonic()
        subprocess.run([str(REPO / ".venv/bin/rag-release"), "build"], env=env, check=True,
                       capture_output=True)
        times.append(time.monotonic() - started)
    return times[0], times[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    plains, colds, noops = [], [], []
    for round_ in range(args.rounds):
        with tempfile.TemporaryDirectory() as tmp:
            plains.append(plain(Path(tmp)))
        with tempfile.TemporaryDirectory() as tmp:
            cold, noop = pipeline_build(Path(tmp))
            colds.append(cold)
            noops.append(noop)
        print(f"round {round_ + 1}: plain {plains[-1]:6.1f} s   pipeline cold {cold:6.1f} s   "
              f"pipeline no-op {noop:5.1f} s", flush=True)

    plain_s, cold_s, noop_s = (statistics.median(x) for x in (plains, colds, noops))
    print()
    print(f"{'step':40} {'median s':>9}")
    print(f"{'plain commands (npm, tar, docker)':40} {plain_s:9.1f}")
    print(f"{'pipeline cold build':40} {cold_s:9.1f}")
    print(f"{'pipeline no-op rebuild':40} {noop_s:9.1f}")
    print()
    print(f"cold build / plain commands : {cold_s / plain_s:5.2f}x  (goal <= 1.15x)")
    print(f"no-op / cold build          : {noop_s / cold_s:5.1%}  (goal < 10%)")


if __name__ == "__main__":
    main()
