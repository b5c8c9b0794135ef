"""The argv builders and parsers of commands/backup.py, by their output."""

import io
import tarfile

from rag_release.commands import backup as cmd
from rag_release.defs.backup.drill import compare_keyspace, compare_tables, compare_volume
from rag_release.resources.redis import keyspace_bounds


def test_pg_dump_names_the_password_variable_and_never_a_value():
    argv = cmd.pg_dump("c1", "rag", "rag", "00000003-00000005-1", 300)
    assert argv[:5] == ["docker", "exec", "--env", "PGPASSWORD", "c1"]
    assert argv[5:] == ["pg_dump", "--no-password", "--format=custom", "--username=rag",
                        "--dbname=rag", "--snapshot=00000003-00000005-1",
                        "--lock-wait-timeout=300s"]
    assert not any(a.startswith("PGPASSWORD=") for a in argv)


def test_redis_cli_takes_its_password_from_rediscli_auth():
    assert cmd.redis_cli("c2", ["BGSAVE"]) == [
        "docker", "exec", "--env", "REDISCLI_AUTH", "c2", "redis-cli", "--no-auth-warning",
        "BGSAVE"]
    assert cmd.redis_cli("c2", ["PING"], auth=False, stdin=True) == [
        "docker", "exec", "--interactive", "c2", "redis-cli", "--no-auth-warning", "PING"]


def test_pg_restore_replaces_in_one_transaction_or_loads_a_fresh_database():
    live = cmd.pg_restore("c1", "rag", "app", replace=True, lock_wait_seconds=60)
    assert live[:7] == ["docker", "exec", "--interactive", "--env", "PGPASSWORD", "--env",
                        "PGOPTIONS=-c lock_timeout=60s"]
    assert {"--clean", "--if-exists", "--single-transaction"} <= set(live)
    drill = cmd.pg_restore("c1", "rag", "app", replace=False)
    assert {"--no-owner", "--no-privileges"} <= set(drill)
    assert "--clean" not in drill


def test_throwaway_containers_have_no_network_and_carry_the_drill_label():
    argv = cmd.create("rag-drill-x", "sha256:abc", {cmd.DRILL_LABEL: "prod"},
                      ["POSTGRES_PASSWORD"])
    assert argv == ["docker", "create", "--name", "rag-drill-x", "--network", "none",
                    "--label", "rag-release.drill=prod", "--env", "POSTGRES_PASSWORD",
                    "sha256:abc"]


def test_containers_are_found_by_compose_labels():
    argv = cmd.containers("rag-prod-data", "postgres")
    assert "label=com.docker.compose.project=rag-prod-data" in argv
    assert "label=com.docker.compose.service=postgres" in argv
    assert cmd.volumes("rag-prod-data", "n8n_data")[-1] == \
        "label=com.docker.compose.volume=n8n_data"


def test_volume_archive_mounts_read_only_and_keeps_numeric_owners():
    argv = cmd.volume_archive("rag-prod-data_n8n_data", "debian:bookworm-slim")
    assert "rag-prod-data_n8n_data:/volume:ro" in argv
    assert argv[argv.index("debian:bookworm-slim") + 1:] == [
        "--create", "--file=-", "--numeric-owner", "--directory=/volume", "."]


def test_parse_keyspace_reads_every_database():
    info = cmd.parse_info("# Keyspace\r\ndb0:keys=12,expires=3,avg_ttl=10\r\n"
                          "db4:keys=1,expires=0,avg_ttl=0\r\nrdb_saves:7\r\n")
    assert info["rdb_saves"] == "7"
    assert cmd.parse_keyspace(info) == {"db0": {"keys": 12, "expires": 3},
                                        "db4": {"keys": 1, "expires": 0}}


def _tar(entries: list[tuple[str, bytes, int]]) -> io.BytesIO:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data, mtime in entries:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.uid = len(data), mtime, 1000
            tar.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    return buffer


def test_tar_digest_ignores_order_and_times_but_not_content():
    one = cmd.tar_digest(_tar([("./a", b"alpha", 1), ("./b/c", b"gamma", 2)]))
    two = cmd.tar_digest(_tar([("./b/c", b"gamma", 99), ("./a", b"alpha", 50)]))
    three = cmd.tar_digest(_tar([("./a", b"alphA", 1), ("./b/c", b"gamma", 2)]))
    assert one == two
    assert one["files"] == 2 and one["bytes"] == 10
    assert three["sha256"] != one["sha256"]


def test_keyspace_bounds_span_the_counts_around_the_save():
    bounds = keyspace_bounds({"db0": {"keys": 10, "expires": 1}},
                             {"db0": {"keys": 12, "expires": 2}, "db1": {"keys": 1,
                                                                         "expires": 0}})
    assert bounds == {"db0": {"keys_min": 10, "keys_max": 12, "expires": 2},
                      "db1": {"keys_min": 0, "keys_max": 1, "expires": 0}}


def test_comparisons_say_what_differs():
    assert compare_tables({"public.a": 3, "public.b": 1}, {"public.a": 2, "public.c": 0}) == [
        "postgres: public.a has 2 rows after the restore, the manifest says 3",
        "postgres: table public.b is missing after the restore (the manifest says 1 rows)",
        "postgres: table public.c appeared, the manifest lacks it"]
    assert compare_tables({"public.a": 3}, {"public.a": 3, "public.z": 5},
                          extra_allowed=True) == []
    bounds = {"db0": {"keys_min": 10, "keys_max": 12, "expires": 2}}
    assert compare_keyspace(bounds, {"db0": {"keys": 8, "expires": 0}}) == []
    assert compare_keyspace(bounds, {"db0": {"keys": 7, "expires": 0}}) == [
        "redis: db0 has 7 keys after the restore, the manifest says 10 to 12"]
    expected = {"files": 2, "bytes": 10, "sha256": "a" * 64}
    assert compare_volume("n8n_data", expected, expected) == []
    assert "volume n8n_data: 1 files" in compare_volume(
        "n8n_data", expected, {"files": 1, "bytes": 5, "sha256": "b" * 64})[0]
