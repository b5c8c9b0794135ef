import dagster as dg

from rag_release.model.environment import EnvName


def deploy_job(target: EnvName):
    """dev deploys the newest build; staging and prod run their gate first, whose blocking
    checks stop the deployment when they fail."""
    selection = dg.AssetSelection.assets(f"{target.value}_deployment")
    if target.previous is not None:
        selection |= dg.AssetSelection.assets(f"{target.value}_gate")
    name = "deploy_dev_job" if target.previous is None else f"promote_{target.value}_job"
    return dg.define_asset_job(name, selection=selection, executor_def=dg.in_process_executor,
                               description=f"Deploy a release to {target.value}.")


def rollback_job(target: EnvName):
    return dg.define_asset_job(
        f"rollback_{target.value}_job",
        selection=dg.AssetSelection.assets(f"{target.value}_deployment"),
        executor_def=dg.in_process_executor,
        config={"ops": {f"{target.value}_deployment": {"config": {"action": "rollback"}}}},
        description=f"Put the previous release of {target.value} back.",
    )
