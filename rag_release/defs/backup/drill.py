"""Restore drills: the newest good backup restored into throwaway containers and volumes, cut off
from every network, and compared with what its manifest says it holds. A backup nobody has
restored is a hope; a drill makes it a fact, or says what differed."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from rag_release.commands import backup as cmd
from rag_release.errors import RagReleaseError
from rag_release.resources.backup_store import BackupRecord, BackupStore, iso, utc_now
from rag_release.resources.datastores import Datastores
from rag_release.resources.postgres import PostgresClient
from rag_release.resources.redis import RedisClient
from rag_release.resources.volumes import VolumeClient


@dataclass
class DrillReport:
    record: BackupRecord | None
    differences: list[str] = field(default_factory=list)
    verified: list[str] = field(default_factory=list)
    duration_s: float = 0.0

    @property
    def passed(self) -> bool:
        return self.record is not None and not self.differences

    def add(self, differences: list[str], verified: str) -> None:
        """Record what a store's check found: its differences, or that it verified."""
        self.differences += differences
        if not differences:
            self.verified.append(verified)

    def details(self) -> str:
        return "\n".join(self.differences or self.verified)


def compare_tables(expected: dict[str, int], found: dict[str, int],
                   extra_allowed: bool = False) -> list[str]:
    differences = []
    for table in sorted(set(expected) | set(found)):
        if table not in found:
            differences.append(f"postgres: table {table} is missing after the restore "
                               f"(the manifest says {expected[table]} rows)")
        elif table not in expected:
            if not extra_allowed:
                differences.append(f"postgres: table {table} appeared, the manifest lacks it")
        elif found[table] != expected[table]:
            differences.append(f"postgres: {table} has {found[table]} rows after the restore, "
                               f"the manifest says {expected[table]}")
    return differences


def compare_keyspace(bounds: dict[str, dict[str, int]],
                     found: dict[str, dict[str, int]]) -> list[str]:
    """Keys with a time to live may have expired since the backup, so up to `expires` fewer
    keys than the lower bound still match."""
    differences = []
    for db in sorted(set(bounds) | set(found)):
        expected = bounds.get(db, {"keys_min": 0, "keys_max": 0, "expires": 0})
        keys = found.get(db, {}).get("keys", 0)
        low = expected["keys_min"] - expected["expires"]
        if not low <= keys <= expected["keys_max"]:
            wanted = str(expected["keys_max"]) if expected["keys_min"] == expected["keys_max"] \
                else f"{expected['keys_min']} to {expected['keys_max']}"
            differences.append(f"redis: {db} has {keys} keys after the restore, the manifest "
                               f"says {wanted}")
    return differences


def compare_volume(key: str, expected: dict, found: dict) -> list[str]:
    if found["sha256"] == expected["sha256"]:
        return []
    return [f"volume {key}: {found['files']} files, {found['bytes']} bytes after the restore, "
            f"content digest {found['sha256'][:16]}; the manifest says {expected['files']} "
            f"files, {expected['bytes']} bytes, {expected['sha256'][:16]}"]


def run_drill(datastores: Datastores, store: BackupStore, env: str, log) -> DrillReport:
    started = time.monotonic()
    record = store.newest_good(env)
    if record is None:
        report = DrillReport(None, [f"{env} has no good backup in {store.env_dir(env)} to drill"])
        log.warning("No drill for %s: it has no good backup yet", env)
        return report

    report = DrillReport(record)
    log.info("Drilling backup %s of %s (partition %s)", record.id, env, record.partition)
    report.differences = store.verify(record)
    if report.differences:
        log.error("Backup %s of %s does not match its manifest; not restoring it", record.id,
                  env)
    else:
        report.verified.append(f"{len(record.manifest['files'])} files match their sha256")
        try:
            _restore_all(datastores, record, report, log)
        except RagReleaseError as e:
            report.differences.append(f"the drill could not run: {e}")

    report.duration_s = round(time.monotonic() - started, 3)
    drill = {"passed": report.passed, "at": iso(utc_now()), "details": report.details(),
             "duration_s": report.duration_s}
    try:
        store.record_drill(record, drill)
    except OSError as e:
        log.warning("Could not record the drill in the manifest of %s: %s", record.id, e)
    log.info("Drill of backup %s of %s %s in %.1f s", record.id, env,
             "passed" if report.passed else "FAILED", report.duration_s)
    return report


def _restore_all(datastores: Datastores, record: BackupRecord, report: DrillReport,
                 log) -> None:
    """Each store in turn; a store that fails is reported and the others still drilled."""
    stack = datastores.bind(record.env, log)
    stack.sweep_drill_leftovers()
    labels = {cmd.DRILL_LABEL: record.env, "rag-release.backup": record.id}
    expected = record.manifest.get("expected", {})
    for name, step in (("postgres", _postgres), ("redis", _redis), ("volumes", _volumes),
                       ("qdrant", _qdrant)):
        if expected.get(name):
            try:
                step(stack, record, expected[name], labels, report)
            except RagReleaseError as e:
                report.differences.append(f"{name}: {e}")


def _postgres(stack, record: BackupRecord, expected: dict, labels, report: DrillReport) -> None:
    found = PostgresClient(stack).drill(record.path / "postgres.dump", expected, labels)
    report.add(compare_tables(expected["tables"], found),
               f"postgres: {len(found)} tables, {sum(found.values())} rows restored as in the "
               "manifest")


def _redis(stack, record: BackupRecord, expected: dict, labels, report: DrillReport) -> None:
    found = RedisClient(stack).drill(record.path / "redis.rdb", expected, labels)
    report.add(compare_keyspace(expected["keyspace"], found),
               f"redis: {sum(d['keys'] for d in found.values())} keys loaded as in the manifest")


def _volumes(stack, record: BackupRecord, expected: dict, labels, report: DrillReport) -> None:
    client = VolumeClient(stack)
    for key, volume in sorted(expected.items()):
        found = client.drill(record.path / volume["file"], labels)
        report.add(compare_volume(key, volume, found),
                   f"volume {key}: {found['files']} files unpacked with the archived content "
                   "digest")


def _qdrant(stack, record: BackupRecord, expected: dict, labels, report: DrillReport) -> None:
    # TODO: restore into a throwaway Qdrant once a Qdrant image is available where drills run.
    count = len(expected.get("collections", {}))
    report.verified.append(f"qdrant: {count} snapshots match their sha256; not restored, no "
                           "throwaway Qdrant is started by drills")
