"""The backup domain's code location: its keys, jobs, schedules and typed restore config."""

import dagster as dg
import pytest

from rag_release import settings
from rag_release.defs.backup.definitions import backup_definitions, backup_resources
from rag_release.errors import ConfigError


def load(envs: list[str], env_files=None) -> dg.Definitions:
    return dg.Definitions.merge(backup_definitions(envs, env_files=env_files),
                                dg.Definitions(resources=backup_resources()))


def test_every_environment_gets_an_asset_a_drill_a_job_and_a_schedule():
    defs = load(["dev", "staging", "prod"])
    graph = defs.resolve_asset_graph()

    assert {k.to_user_string() for k in graph.get_all_asset_keys()} == {
        "dev_backup", "staging_backup", "prod_backup"}
    assert {(k.asset_key.to_user_string(), k.name) for k in graph.asset_check_keys} == {
        (f"{env}_backup", "restore_drill") for env in ("dev", "staging", "prod")}
    assert graph.get(dg.AssetKey("prod_backup")).group_name == "backup"
    assert sorted(j.name for j in defs.resolve_all_job_defs() if not j.name.startswith("__")) \
        == ["dev_backup_job", "prod_backup_job", "restore_job", "staging_backup_job"]

    prod = defs.resolve_schedule_def("prod_backup_schedule")
    assert (prod.cron_schedule, prod.execution_timezone) == ("0 2 * * *", "UTC")
    assert prod.default_status == dg.DefaultScheduleStatus.RUNNING
    assert defs.resolve_schedule_def("dev_backup_schedule").default_status == \
        dg.DefaultScheduleStatus.STOPPED


def test_backup_time_and_time_zone_come_from_the_env_file(tmp_path):
    (tmp_path / "prod.env").write_text("ENV_NAME=prod\nBACKUP_TIME=04:15\n"
                                       "BACKUP_TIMEZONE=Europe/Rome\nBACKUP_SCHEDULE=off\n")
    defs = load(["prod"], env_files=tmp_path)

    schedule = defs.resolve_schedule_def("prod_backup_schedule")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("15 4 * * *",
                                                                     "Europe/Rome")
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    partitions = defs.resolve_assets_def("prod_backup").partitions_def
    assert isinstance(partitions, dg.DailyPartitionsDefinition)
    assert partitions.get_partition_keys()[0] == "2025-01-01"


@pytest.mark.parametrize("line, message", [
    ("BACKUP_TIME=2am", "prod.env:2: BACKUP_TIME is '2am'; expected HH:MM"),
    ("BACKUP_TIMEZONE=Mars/Olympus", "prod.env:2: BACKUP_TIMEZONE is 'Mars/Olympus'"),
    ("BACKUP_SCHEDULE=maybe", "prod.env:2: BACKUP_SCHEDULE is 'maybe'; expected on or off"),
])
def test_a_wrong_backup_setting_names_its_file_and_line(tmp_path, line, message):
    (tmp_path / "prod.env").write_text(f"ENV_NAME=prod\n{line}\n")
    with pytest.raises(ConfigError, match=message):
        backup_definitions(["prod"], env_files=tmp_path)


def test_restore_job_config_offers_the_environments_and_asks_for_confirmation():
    job = load(["staging", "prod"]).resolve_job_def("restore_job")
    fields = job.run_config_schema.config_type.fields["ops"].config_type.fields[
        "check_restore_request"].config_type.fields["config"].config_type.fields
    assert set(fields) == {"env", "backup_id", "confirm"}
    assert fields["confirm"].is_required and not fields["backup_id"].is_required
    assert sorted(v.config_value for v in fields["env"].config_type.enum_values) == [
        "prod", "staging"]


def test_resources_live_under_the_home_folder():
    resources = backup_resources()
    assert resources["backup_store"].root == str(settings.home() / "backups")
    assert resources["datastores"].env_dir == str(settings.envs_dir())
