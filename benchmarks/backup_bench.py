"""Backup benchmark: the pipeline's backup of a PostgreSQL database holding a few hundred MB of
rows, against a plain `pg_dump -Fc` piped to a file and put in a tar, on the same data. Prints
both side by side, the ratio (goal: within 1.2x) and the restore drill time.

    .venv/bin/python benchmarks/backup_bench.py [--rows 1200000] [--rounds 2]

Starts the compose project rag-bkbench-data from compose/data.yml and removes it, volumes
included, when done. Needs a Docker engine and the postgres:15-bookworm, redis:7.0-bookworm and
debian:bookworm-slim images."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import dagster as dg

from rag_release.commands import compose as compose_cmd
from rag_release.defs.backup.definitions import backup_definitions
from rag_release.resources.backup_store import BackupStore
from rag_release.resources.datastores import Datastores
from rag_release.resources.docker_engine import DockerEngine
from rag_release.resources.process import run
from rag_release.resources.secrets import SecretsProvider

REPO = Path(__file__).resolve().parents[1]
ENV = "bkbench"
PROJECT = f"rag-{ENV}-data"
MB = 1 << 20

DATA_SQL = """
CREATE TABLE chunks (id bigint PRIMARY KEY, document int, position int, body text,
                     embedding real[]);
INSERT INTO chunks
  SELECT g, g / 40, g % 40,
         md5(g::text) || ' ' || md5((g * 7)::text) || ' ' || md5((g * 13)::text) || ' ' ||
         md5((g * 31)::text) || ' ' || md5((g * 71)::text),
         ARRAY[random(), random(), random(), random(), random(), random(), random(), random()]
  FROM generate_series(1, {rows}) g;
CREATE TABLE documents AS
  SELECT d AS id, 'document ' || d AS title, now() - d * interval '1 minute' AS created_at
  FROM generate_series(0, {rows} / 40) d;
"""


def sh(argv: list[str], env: dict[str, str] | None = None, **kwargs) -> str:
    done = run(argv, env=env, timeout=3600, **kwargs)
    if not done.ok:
        raise SystemExit(f"{' '.join(argv[:4])} failed: {done.tail(5)}")
    return done.stdout


def container(service: str) -> str:
    return sh(["docker", "ps", "-q", "--filter", f"label=com.docker.compose.project={PROJECT}",
               "--filter", f"label=com.docker.compose.service={service}"]).split()[0]


def psql(sql: str, password: str) -> str:
    return sh(["docker", "exec", "-i", "-e", "PGPASSWORD", container("postgres"), "psql", "-X",
               "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-U", "rag", "-d", "rag"],
              env={"PGPASSWORD": password}, stdin=sql.encode()).strip()


def plain_backup(out_dir: Path, password: str) -> float:
    """What a cron script does: pg_dump -Fc into a file, then tar it."""
    started = time.monotonic()
    dump = out_dir / "postgres.dump"
    with open(dump, "wb") as f:
        sh(["docker", "exec", "-e", "PGPASSWORD", container("postgres"), "pg_dump", "-Fc",
            "-U", "rag", "-d", "rag"], env={"PGPASSWORD": password}, stdout_file=f)
    sh(["tar", "-C", str(out_dir), "-cf", str(out_dir / "backup.tar"), "postgres.dump"])
    seconds = time.monotonic() - started
    dump.unlink()
    (out_dir / "backup.tar").unlink()
    return seconds


def pipeline_backup(defs: dg.Definitions, job: str, instance, partition: str) -> float:
    """One run of a backup job; returns the time of its backup step as Dagster measured it."""
    result = defs.resolve_job_def(job).execute_in_process(
        instance=instance, partition_key=partition, raise_on_error=False)
    if not result.success:
        raise SystemExit(f"the pipeline backup of {partition} failed")
    return step_seconds(result, f"{ENV}_backup")


def step_seconds(result, step: str) -> float:
    """How long a step of a run took, as Dagster measured it."""
    for event in result.all_events:
        if event.step_key == step and event.is_step_success:
            return event.event_specific_data.duration_ms / 1000
    raise SystemExit(f"step {step} did not succeed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_200_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="backup-bench-"))
    password, redis_password = secrets.token_hex(16), secrets.token_hex(16)
    (work / "envs").mkdir()
    (work / "secrets").mkdir()
    (work / "secrets" / "BENCH_PG").write_text(password)
    (work / "secrets" / "BENCH_REDIS").write_text(redis_password)
    (work / "envs" / f"{ENV}.env").write_text(
        f"ENV_NAME={ENV}\nPOSTGRES_PASSWORD=${{BENCH_PG}}\nREDIS_PASSWORD=${{BENCH_REDIS}}\n"
        "BACKUP_VOLUMES=\n")
    variables = {"ENV_NAME": ENV, "POSTGRES_IMAGE": "postgres:15-bookworm",
                 "REDIS_IMAGE": "redis:7.0-bookworm", "POSTGRES_PASSWORD": password,
                 "REDIS_PASSWORD": redis_password, "POSTGRES_MEMORY": "1g"}
    files = [REPO / "compose" / "data.yml"]
    store = BackupStore(root=str(work / "backups"), keep_daily=1, keep_weekly=0)
    resources = {"backup_store": store, "datastores": Datastores(
        docker=DockerEngine(), secrets=SecretsProvider(files_dir=str(work / "secrets"),
                                                       use_environment=False),
        env_dir=str(work / "envs"))}
    backup_only = dg.define_asset_job(
        "backup_only_job", selection=dg.AssetSelection.assets(f"{ENV}_backup").without_checks(),
        executor_def=dg.in_process_executor)
    defs = dg.Definitions.merge(backup_definitions([ENV], env_files=work / "envs"),
                                dg.Definitions(jobs=[backup_only], resources=resources))

    sh(compose_cmd.up(PROJECT, files, wait=True, timeout=120), env=variables)
    try:
        started = time.monotonic()
        psql(DATA_SQL.format(rows=args.rows), password)
        size = int(psql("SELECT pg_database_size('rag')", password))
        print(f"generated {args.rows} rows, database {size / MB:.0f} MB in "
              f"{time.monotonic() - started:.0f} s; load average {os.getloadavg()[0]:.1f}")

        plain, pipeline = [], []
        out = work / "plain"
        out.mkdir()
        with dg.instance_for_test() as instance:
            for round_ in range(args.rounds):
                # alternate which goes first, so a drift in the machine's load hits both
                order = ("plain", "pipeline") if round_ % 2 == 0 else ("pipeline", "plain")
                for what in order:
                    if what == "plain":
                        plain.append(plain_backup(out, password))
                    else:
                        pipeline.append(pipeline_backup(defs, "backup_only_job", instance,
                                                        f"2026-01-{round_ + 1:02d}"))
                print(f"round {round_ + 1}: plain {plain[-1]:.1f} s, pipeline "
                      f"{pipeline[-1]:.1f} s, ratio {pipeline[-1] / plain[-1]:.2f}")
            pipeline_backup(defs, f"{ENV}_backup_job", instance, "2026-02-01")

        record = store.newest_good(ENV)
        dump_size = next(f["size"] for f in record.manifest["files"]
                         if f["name"] == "postgres.dump")
        report(size, dump_size, plain, pipeline, record.manifest)
    finally:
        run(compose_cmd.down(PROJECT, files, volumes=True), env=variables, timeout=300)
        shutil.rmtree(work, ignore_errors=True)


def report(size: int, dump_size: int, plain: list[float], pipeline: list[float],
           manifest: dict) -> None:
    """Side by side, fastest and median rounds. On a shared machine the load drifts, so the
    fair figure is the median of the ratios of rounds run back to back."""
    rows = [("", "plain pg_dump -Fc + tar", "pipeline backup asset")]
    for label, pick in (("fastest", min), ("median", statistics.median)):
        left, right = pick(plain), pick(pipeline)
        rows += [(f"time, {label}", f"{left:.1f} s", f"{right:.1f} s"),
                 (f"database MB/s, {label}", f"{size / MB / left:.1f}",
                  f"{size / MB / right:.1f}"),
                 (f"dump MB/s, {label}", f"{dump_size / MB / left:.1f}",
                  f"{dump_size / MB / right:.1f}")]
    print()
    for label, left, right in rows:
        print(f"{label:<26}{left:>26}{right:>26}")
    ratio = statistics.median(b / a for a, b in zip(plain, pipeline, strict=True))
    print(f"\ndatabase {size / MB:.0f} MB, dump {dump_size / MB:.0f} MB, "
          f"load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"ratio pipeline / plain, median of the rounds: {ratio:.2f}x "
          f"(goal 1.20x: {'met' if ratio <= 1.2 else 'missed'}); of the fastest rounds: "
          f"{min(pipeline) / min(plain):.2f}x")
    print(f"pipeline stages of the last backup: {json.dumps(manifest['durations'])}")
    drill = manifest["drill"]
    print(f"restore drill of the last backup: {'passed' if drill['passed'] else 'FAILED'} in "
          f"{drill['duration_s']:.1f} s")

if __name__ == "__main__":
    main()
