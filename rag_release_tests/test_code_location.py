"""The whole code location loads, with every domain merged: its asset keys, checks, jobs,
schedules and sensors, and the resources they need all resolve."""

import dagster as dg

from rag_release.definitions import build_defs

ASSETS = {
    "source_snapshot", "base_images", "service_images", "release_manifest",
    "backend_build", "backend_tarball", "backend_image",
    "frontend_build", "frontend_tarball", "frontend_image",
    "nlp_build", "nlp_tarball", "nlp_image",
    "dev_deployment", "staging_gate", "staging_deployment", "prod_gate", "prod_deployment",
    "dev_backup", "staging_backup", "prod_backup",
}
JOBS = {
    "build_job", "deploy_dev_job", "promote_staging_job", "promote_prod_job",
    "rollback_dev_job", "rollback_staging_job", "rollback_prod_job",
    "heal_dev_job", "heal_staging_job", "heal_prod_job",
    "dev_backup_job", "staging_backup_job", "prod_backup_job", "restore_job",
    "retire_dev_job", "retire_staging_job", "retire_prod_job",
}
SENSORS = {"dev_health_sensor", "staging_health_sensor", "prod_health_sensor",
           "run_failure_alert_sensor", "rollback_alert_sensor", "previous_color_retirement_sensor"}
SCHEDULES = {"dev_backup_schedule", "staging_backup_schedule", "prod_backup_schedule"}
PROD_GATE_CHECKS = {
    "live_in_staging", "verified_in_staging", "healthy_in_staging", "no_literal_secrets",
    "strong_db_passwords", "only_edge_exposed", "limits_and_healthchecks", "edge_tls_valid",
    "backups_fresh_and_drilled", "monitoring_up",
}


def test_code_location_loads_every_domain():
    defs = build_defs()
    repository = defs.get_repository_def()
    graph = defs.resolve_asset_graph()

    assert {k.to_user_string() for k in graph.get_all_asset_keys()} == ASSETS
    assert {j.name for j in repository.get_all_jobs()} - {"__ASSET_JOB"} == JOBS
    assert {s.name for s in repository.sensor_defs} == SENSORS
    assert {s.name for s in repository.schedule_defs} == SCHEDULES
    checks = {k.name for k in graph.asset_check_keys if k.asset_key.to_user_string() ==
              "prod_gate"}
    assert checks == PROD_GATE_CHECKS
    assert {k.name for k in graph.asset_check_keys
            if k.asset_key.to_user_string() == "prod_backup"} == {"restore_drill"}


def test_lineage_runs_from_source_to_prod():
    graph = build_defs().resolve_asset_graph()

    def parents(key):
        return {p.to_user_string() for p in graph.get(dg.AssetKey(key)).parent_keys}

    assert parents("prod_deployment") == {"prod_gate"}
    assert parents("prod_gate") == {"staging_deployment"}
    assert parents("staging_deployment") == {"staging_gate"}
    assert parents("staging_gate") == {"dev_deployment"}
    assert parents("dev_deployment") == {"release_manifest"}
    assert {"backend_tarball", "backend_image", "source_snapshot"} <= parents(
        "release_manifest")
    assert parents("backend_tarball") == {"backend_build", "source_snapshot"}


def test_deploys_of_one_environment_share_a_pool_and_sensors_target_its_jobs():
    defs = build_defs()
    graph = defs.resolve_asset_graph()
    for env in ("dev", "staging", "prod"):
        assert graph.get(dg.AssetKey(f"{env}_deployment")).pools == {f"deploy_{env}"}
    sensor = defs.get_repository_def().get_sensor_def("prod_health_sensor")
    assert sorted(j.name for j in sensor.jobs) == ["heal_prod_job", "rollback_prod_job"]
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
