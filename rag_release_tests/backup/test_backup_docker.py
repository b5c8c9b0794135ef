"""Backups, drills and restores against real PostgreSQL and Redis containers of the compose
project rag-bktest-data, with data the tests write. Qdrant is the fake on 127.0.0.1."""

import json
import subprocess

import dagster as dg
import pytest

from rag_release.resources.backup_store import BackupStore
from rag_release_tests.backup.conftest import (ENV, container, docker, in_volume, psql, redis,
                                               wait_healthy)
from rag_release_tests.conftest import failure_text

pytestmark = pytest.mark.docker

FIRST = "2026-11-28"


def check_evaluations(result) -> list:
    return [e.event_specific_data for e in result.all_events
            if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION]



@pytest.fixture(scope="module")
def first_backup(live_site, module_instance):
    """The nightly job of one partition: backup, retention, drill."""
    result = live_site.backup(module_instance, FIRST)
    assert result.success, failure_text(result)
    return result


def test_full_backup_is_good_and_complete(live_site, first_backup):
    record = live_site.store().newest_good(ENV)
    manifest = record.manifest

    assert manifest["status"] == "good" and manifest["partition"] == FIRST
    assert manifest["release"] == "1.4.2"
    assert manifest["duration_s"] > 0 and manifest["finished_at"] >= manifest["started_at"]
    names = {f["name"] for f in manifest["files"]}
    assert names == {"postgres.dump", "redis.rdb", "qdrant/documents.snapshot",
                     "qdrant/faq.snapshot", "volumes/n8n_data.tar"}
    for entry in manifest["files"]:
        path = record.path / entry["name"]
        assert path.stat().st_size == entry["size"] > 0
    assert live_site.store().verify(record) == []
    assert manifest["expected"]["postgres"]["tables"] == {
        "audit.events": 40, "public.chats": 250, "public.documents": 1000}
    assert manifest["expected"]["redis"]["keyspace"] == {
        "db0": {"keys_min": 115, "keys_max": 115, "expires": 15},
        "db1": {"keys_min": 7, "keys_max": 7, "expires": 0}}
    assert manifest["expected"]["volumes"]["n8n_data"]["files"] == 2
    assert "volumes/uploads_data" in manifest["skipped"]
    assert (record.path / "postgres.dump").read_bytes()[:5] == b"PGDMP"


def test_drill_restores_the_new_backup(live_site, first_backup):
    [evaluation] = check_evaluations(first_backup)
    assert evaluation.passed, evaluation.description
    assert evaluation.check_name == "restore_drill"

    drill = live_site.store().newest_good(ENV).manifest["drill"]
    assert drill["passed"] is True
    assert "postgres: 3 tables, 1290 rows restored" in drill["details"]
    assert "redis: 122 keys loaded" in drill["details"]
    assert "volume n8n_data: 2 files" in drill["details"]
    leftovers = docker("ps", "--all", "--quiet", "--filter", f"label=rag-release.drill={ENV}")
    assert leftovers.strip() == ""
    volumes = docker("volume", "ls", "--quiet", "--filter", f"label=rag-release.drill={ENV}")
    assert volumes.strip() == ""


def test_qdrant_snapshots_come_through_its_api_and_are_cleaned_up(live_site, first_backup):
    fake = live_site.qdrant
    assert fake.snapshots == {}
    assert {key for _, _, key in fake.requests} == {fake.api_key}
    record = live_site.store().newest_good(ENV)
    collections = record.manifest["expected"]["qdrant"]["collections"]
    assert collections["documents"]["points_max"] == 3
    assert (record.path / "qdrant/faq.snapshot").read_bytes() == fake.snapshot_bytes("faq")


def test_secret_values_reach_neither_the_event_log_nor_the_store(live_site, first_backup,
                                                                 module_instance):
    values = [v for v in live_site.secrets.values() if v]
    assert len(values) == 3
    events = module_instance.all_logs(first_backup.run_id)
    assert len(events) > 10
    log_text = "\n".join(dg.serialize_value(event) for event in events)
    for value in values:
        assert value not in log_text
    stored = [p for p in live_site.store_root.rglob("*") if p.is_file()]
    assert len(stored) >= 6
    for path in stored:
        data = path.read_bytes()
        for value in values:
            assert value.encode() not in data, f"{value[:3]}... found in {path}"


@pytest.mark.parametrize("damage, expected", [
    ("flip", "redis.rdb has sha256"),
    ("truncate", "postgres.dump has"),
])
def test_drill_catches_a_damaged_file(live_site, first_backup, module_instance, damage,
                                      expected):
    record = live_site.store().newest_good(ENV)
    name = "redis.rdb" if damage == "flip" else "postgres.dump"
    path = record.path / name
    original = path.read_bytes()
    try:
        if damage == "flip":
            middle = len(original) // 2
            path.write_bytes(original[:middle] + bytes([original[middle] ^ 0xFF]) +
                             original[middle + 1:])
        else:
            path.write_bytes(original[: len(original) // 2])
        result = live_site.drill(module_instance)
        [evaluation] = check_evaluations(result)
        assert not evaluation.passed
        assert expected in evaluation.description
        drill = json.loads((record.path / "manifest.json").read_text())["drill"]
        assert drill["passed"] is False and expected in drill["details"]
    finally:
        path.write_bytes(original)


def test_drill_shows_what_differs_after_a_restore(live_site, first_backup, module_instance):
    """The files are intact but do not hold what the manifest promises."""
    record = live_site.store().newest_good(ENV)
    manifest_path = record.path / "manifest.json"
    original = manifest_path.read_text()
    manifest = json.loads(original)
    manifest["expected"]["postgres"]["tables"]["public.documents"] = 1001
    manifest["expected"]["redis"]["keyspace"]["db1"] = {"keys_min": 9, "keys_max": 9,
                                                        "expires": 0}
    manifest_path.write_text(json.dumps(manifest))
    try:
        [evaluation] = check_evaluations(live_site.drill(module_instance))
        assert not evaluation.passed
        assert ("postgres: public.documents has 1000 rows after the restore, the manifest "
                "says 1001") in evaluation.description
        assert "redis: db1 has 7 keys after the restore, the manifest says 9" in \
            evaluation.description
    finally:
        manifest_path.write_text(original)


def test_backup_of_a_stopped_database_fails_cleanly(live_site, first_backup, module_instance):
    postgres = container("postgres")
    docker("stop", postgres)
    try:
        result = live_site.backup(module_instance, "2026-11-29")
    finally:
        docker("start", postgres)
        wait_healthy("postgres")

    assert not result.success
    message = failure_text(result)
    assert "postgres container rag-bktest-data-postgres-1 is exited, expected running" in message
    assert "docker start rag-bktest-data-postgres-1" in message
    records = live_site.store().records(ENV)
    attempt = [r for r in records if r.partition == "2026-11-29"]
    assert [r.status for r in attempt] == ["failed"]
    assert sorted(p.name for p in attempt[0].path.iterdir()) == ["manifest.json"]
    assert live_site.store().newest_good(ENV).partition == FIRST
    assert not [p for p in live_site.store().env_dir(ENV).iterdir()
                if p.name.startswith(".partial-")]


def test_full_disk_fails_and_marks_nothing_good(live_site, first_backup, module_instance,
                                                 tmp_path):
    small = tmp_path / "small"
    small.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(small)],
                             capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.decode().strip()}")
    psql("CREATE TABLE blobs AS SELECT g AS id, decode(string_agg(md5(random()::text), ''), "
         "'hex') AS data FROM generate_series(1, 400) g, generate_series(1, 800) h GROUP BY g;")
    try:
        result = live_site.backup(module_instance, "2026-11-30", root=str(small))
        assert not result.success
        assert "is full" in failure_text(result)
        store = BackupStore(root=str(small))
        assert store.newest_good(ENV) is None
        leftovers = [p for p in (small / ENV).rglob("*") if p.is_file() and
                     p.name not in ("manifest.json", ".lock")]
        assert leftovers == []
    finally:
        psql("DROP TABLE blobs;")
        subprocess.run(["umount", str(small)], check=True)


def test_restore_refuses_without_the_environment_name(live_site, first_backup,
                                                      module_instance):
    before = len(live_site.store().records(ENV))
    result = live_site.restore(module_instance, "latest", confirm="prod")
    assert not result.success
    assert "confirm is 'prod', expected 'bktest'" in failure_text(result)
    assert len(live_site.store().records(ENV)) == before


def test_restore_puts_the_backup_back_after_a_safety_backup(live_site, first_backup,
                                                            module_instance):
    good = live_site.store().newest_good(ENV)
    psql("DELETE FROM documents WHERE id > 900; DROP TABLE chats;")
    redis(live_site, "FLUSHALL")
    in_volume("sh", "-c", "echo changed > /data/config")
    live_site.qdrant.collections["faq"] = 9

    result = live_site.restore(module_instance, good.id, confirm=ENV)

    assert result.success, failure_text(result)
    summary = result.output_for_node("restore_from_backup")
    assert summary["backup_id"] == good.id
    safety = next(r for r in live_site.store().records(ENV)
                  if r.id == summary["safety_backup_id"])
    assert safety.good and safety.kind == "safety"
    assert safety.manifest["expected"]["postgres"]["tables"] == {
        "audit.events": 40, "public.documents": 900}
    assert psql("SELECT count(*) FROM documents") == "1000"
    assert psql("SELECT count(*) FROM chats") == "250"
    assert redis(live_site, "DBSIZE") == "115"
    assert in_volume("cat", "/data/config").strip() == '{"encryptionKey":"k"}'
    assert live_site.qdrant.collections["faq"] == 2


def test_retention_runs_with_the_backup(live_site, first_backup):
    metadata = first_backup.asset_materializations_for_node(f"{ENV}_backup")[0].metadata
    retention = metadata["retention"].value
    assert retention["deleted"] == {}
    assert list(retention["kept"].values()) == ["newest good backup"]
