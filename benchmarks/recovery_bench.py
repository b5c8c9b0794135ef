"""Recovery benchmark: how long a broken live release takes to be replaced by the previous one,
with dagster-daemon running the real health sensor at a few seconds' interval.

    .venv/bin/python benchmarks/recovery_bench.py [--interval 5] [--threshold 2]
                                                  [--scenario rollback heal-then-rollback]

Deploys two releases (blue, then green) into an environment of its own, `hxbench` (compose
projects rag-hxbench-*, edge on 127.0.0.1:48180/48543/48181), keeps a steady load of requests on
/api/version through the edge, and makes every backend container of the green release fail its
health check, new ones included. Measured per scenario:

    detection   first failed probe -> the rollback run is created
    rollback    the rollback run is created -> the previous release answers through the edge
    total       first failed probe -> the previous release answers (goal: under 20 s at 5 s)
    failed      requests of the load that failed between the break and the recovery

`rollback` turns healing off; `heal-then-rollback` allows one heal first. Everything started is
removed at the end. Needs Docker, the registry on 127.0.0.1:5000 and a built release."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rag_release_tests.health.health_episode import Episode, newest_release

ENV = "hxbench"
PORTS = (48180, 48543, 48181)
SCENARIOS = {"rollback": "0", "heal-then-rollback": "1"}
LOAD_LIMIT_SECONDS = 240


class Load:
    """Requests to /api/version, one every `every` seconds, until stopped or the limit."""

    def __init__(self, url: str, every: float = 0.05):
        self.url, self.every = url, every
        self.answers: list[tuple[float, int | None, str | None]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="load", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def first_from(self, version: str, after: float) -> float | None:
        for moment, status, served in list(self.answers):
            if moment >= after and status == 200 and served == version:
                return moment
        return None

    def failed(self, start: float, end: float) -> tuple[int, int]:
        window = [a for a in list(self.answers) if start <= a[0] <= end]
        return sum(1 for a in window if a[1] != 200), len(window)

    def _loop(self) -> None:
        deadline = time.monotonic() + LOAD_LIMIT_SECONDS
        with httpx.Client(verify=False, timeout=3) as client:
            while not self._stop.is_set() and time.monotonic() < deadline:
                try:
                    response = client.get(self.url)
                    body = response.json() if response.status_code == 200 else {}
                    self.answers.append((time.time(), response.status_code, body.get("version")))
                except (httpx.HTTPError, ValueError):
                    self.answers.append((time.time(), None, None))
                self._stop.wait(self.every)


def measure(episode: Episode, healthy: str, broken: str, limit: float = 150) -> dict:
    load = Load(f"https://127.0.0.1:{PORTS[1]}/api/version")
    load.start()
    time.sleep(2)
    broke_at, first_failure = time.time(), None
    try:
        with episode.breaking("green"):
            while time.time() - broke_at < limit:
                status = episode.health()
                if first_failure is None and status.get("failing_since") and \
                        status.get("version") == broken:
                    first_failure = _timestamp(status["failing_since"])
                if load.first_from(healthy, broke_at):
                    break
                time.sleep(0.2)
        time.sleep(2)
    finally:
        load.stop()

    recovered = load.first_from(healthy, broke_at)
    runs = [r for r in episode.run_records(f"rollback_{ENV}_job")
            if r.create_timestamp.timestamp() >= broke_at]
    if recovered is None or first_failure is None or not runs:
        raise SystemExit(f"no recovery within {limit:.0f} s (first failure {first_failure}, "
                         f"rollback runs {len(runs)}); see {episode.root / 'daemon.log'}")
    launched = runs[0].create_timestamp.timestamp()
    failed, total = load.failed(broke_at, recovered + 1)
    heals = [h for h in episode.state()["history"] if h["action"] == "heal"
             and _timestamp(h["started_at"]) >= broke_at - 1]
    rollback = [h for h in episode.state()["history"] if h["action"] == "rollback"][-1]
    return {"break_to_first_failed_probe_s": round(first_failure - broke_at, 2),
            "detection_s": round(launched - first_failure, 2),
            "rollback_s": round(recovered - launched, 2),
            "total_s": round(recovered - first_failure, 2),
            "failed_requests": failed, "requests": total, "heals": len(heals),
            "rollback_mode": rollback.get("mode", "redeploy"),
            "rollback_run_phases_s": rollback.get("durations", {})}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--interval", type=int, default=5, help="sensor interval, seconds")
    parser.add_argument("--threshold", type=int, default=2, help="failed probes to act on")
    parser.add_argument("--scenario", nargs="+", choices=list(SCENARIOS),
                        default=list(SCENARIOS))
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)

    base = newest_release()
    if base is None:
        raise SystemExit("no built release whose images the registry holds; run "
                         "`rag-release build` first")
    results = {}
    with tempfile.TemporaryDirectory(prefix="recovery-bench-") as tmp:
        episode = Episode(Path(tmp), ENV, PORTS, args.interval,
                          {"HEALTH_FAILURE_THRESHOLD": str(args.threshold),
                           "HEALTH_VERIFY_SECONDS": "0", "RATE_LIMIT": "1000"})
        try:
            healthy, broken = episode.prepare(base)
            episode.deploy(healthy)
            episode.start_daemon()
            for scenario in args.scenario:
                episode.set_values(HEAL_MAX_ATTEMPTS=SCENARIOS[scenario])
                episode.remove_project("green")
                episode.deploy(broken)
                episode.wait_for(f"the sensor to find {broken} healthy",
                                 lambda: episode.health().get("version") == broken
                                 and episode.health().get("healthy"), 120)
                print(f"{scenario}: breaking the backend of {broken} (green) at "
                      f"{args.interval} s interval, threshold {args.threshold}", flush=True)
                results[scenario] = measure(episode, healthy, broken)
                print(json.dumps(results[scenario]), flush=True)
        finally:
            episode.cleanup()

    print(f"\n{'scenario':<20}{'detection':>11}{'rollback':>10}{'total':>8}"
          f"{'failed requests':>18}")
    for scenario, r in results.items():
        print(f"{scenario:<20}{r['detection_s']:>10.1f}s{r['rollback_s']:>9.1f}s"
              f"{r['total_s']:>7.1f}s{r['failed_requests']:>9d} of {r['requests']}")
    if args.json:
        args.json.write_text(json.dumps({"interval_s": args.interval,
                                         "threshold": args.threshold, **results}, indent=2))
    return 0


def _timestamp(text: str) -> float:
    return dt.datetime.fromisoformat(text).timestamp()


if __name__ == "__main__":
    sys.exit(main())
