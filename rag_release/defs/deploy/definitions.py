import dagster as dg

from rag_release.defs.deploy.assets import deployment_asset, gate_asset, gate_checks
from rag_release.defs.deploy.jobs import deploy_job, rollback_job
from rag_release.defs.deploy.retire import retire_job, retirement_sensor
from rag_release.defs.readiness.checks import readiness_checks
from rag_release.model.environment import EnvName


def deploy_definitions() -> dg.Definitions:
    assets, checks, jobs, retire = [], [], [], {}
    for target in EnvName:
        retire[target.value] = retire_job(target)
        assets.append(deployment_asset(target))
        jobs += [deploy_job(target), rollback_job(target)]
        if target.previous is not None:
            assets.append(gate_asset(target))
            checks += gate_checks(target)
    checks += readiness_checks("staging", "staging_gate")
    checks += readiness_checks("prod", "prod_gate")
    return dg.Definitions(assets=assets, asset_checks=checks, jobs=jobs + list(retire.values()),
                          sensors=[retirement_sensor(retire)])
