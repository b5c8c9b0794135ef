"""Launching a job of the code location as a run of the instance the web UI reads."""

from __future__ import annotations

import getpass
import os

import dagster as dg

from rag_release.errors import RagReleaseError


class RunFailedError(RagReleaseError):
    """A run launched from the command line did not succeed."""


def instance() -> dg.DagsterInstance:
    if not os.environ.get("DAGSTER_HOME"):
        raise RagReleaseError("DAGSTER_HOME is not set; set it to the folder of the Dagster "
                              "instance the web UI uses (the setup script prints it)")
    return dg.DagsterInstance.get()


def launcher_tags(extra: dict[str, str] | None = None) -> dict[str, str]:
    who = os.environ.get("RAG_RELEASE_USER") or os.environ.get("GITHUB_ACTOR") or \
        getpass.getuser()
    tags = {"rag_release/launched_by": who,
            "rag_release/launched_from": "ci" if os.environ.get("CI") else "cli"}
    return tags | (extra or {})


def execute(job_name: str, run_config: dict | None = None, tags: dict | None = None,
            partition_key: str | None = None) -> dg.ExecuteJobResult:
    """Run a job to completion in this process, recorded in the instance. Returns the result
    still open for reading outputs; callers must use it inside `with`."""
    job = dg.build_reconstructable_job("rag_release.definitions", "job_def", (job_name,))
    merged_tags = launcher_tags(tags)
    if partition_key:
        merged_tags["dagster/partition"] = partition_key
    return dg.execute_job(job, instance=instance(), run_config=run_config or {},
                          tags=merged_tags, raise_on_error=False)


def failure_message(result: dg.ExecuteJobResult) -> str:
    failed_checks = []
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if not evaluation.passed:
                failed_checks.append(f"check {evaluation.check_name} failed: "
                                     f"{evaluation.description}")
    if failed_checks:
        return "; ".join(failed_checks)
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data:
            error = event.step_failure_data.error
            text = error.message.strip() if error else "step failed"
            cause = error.cause if error else None
            while cause is not None:
                text = cause.message.strip()
                cause = cause.cause
            return f"{event.step_key}: {text}"
    return f"run {result.run_id} failed; see it in the Dagster UI"


def materialized_metadata(result: dg.ExecuteJobResult, asset: str) -> dict:
    """Metadata of the materialization of `asset` in a finished run."""
    for event in result.all_events:
        if event.is_step_materialization:
            materialization = event.step_materialization_data.materialization
            if materialization.asset_key == dg.AssetKey(asset):
                return dict(materialization.metadata)
    raise RunFailedError(f"run {result.run_id} did not materialize {asset}")
