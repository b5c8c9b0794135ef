"""The production checklist as blocking asset checks on an environment's deployment asset.

An error-level finding fails its check with severity ERROR, which blocks what is downstream of
the deployment in the same run; warnings alone fail it with severity WARN, which does not block.
The description lists the reasons, one finding a line; the metadata holds every finding.

Per environment, from its env file: TLS_MIN_DAYS, TLS_SELF_SIGNED, TLS_CA_FILE,
TLS_SERVER_NAME, BACKUP_MAX_AGE_HOURS and METRICS_URL (see the rules in rag_release.audit).
Needs the resources `readiness` (ReadinessSources) and `secrets` (SecretsProvider)."""

import json

import dagster as dg

from rag_release import settings
from rag_release.audit import RULES, Finding, Severity, ordered
from rag_release.audit.findings import errors, warnings
from rag_release.defs.readiness.evaluate import EVALUATORS
from rag_release.defs.readiness.resources import ReadinessSources
from rag_release.errors import RagReleaseError
from rag_release.resources.secrets import SecretsProvider

CHECK_NAMES = {
    "secrets": "no_literal_secrets",
    "db-passwords": "strong_db_passwords",
    "exposure": "only_edge_exposed",
    "resources": "limits_and_healthchecks",
    "tls": "edge_tls_valid",
    "backups": "backups_fresh_and_drilled",
    "monitoring": "monitoring_up",
}
BY_ENV = {
    "prod": tuple(CHECK_NAMES),
    "staging": ("secrets", "db-passwords", "exposure", "resources", "tls", "monitoring"),
    "dev": ("secrets", "resources"),
}


def readiness_checks(env_name: str, asset_key: str, *,
                     rules: tuple[str, ...] | None = None) -> list[dg.AssetChecksDefinition]:
    """The checks of `env_name`, attached to the asset `asset_key`: by default all seven in
    prod, all but backups in staging, the file rules in dev; `rules` picks others (a gate
    before the deploy would take the file rules, backups and monitoring)."""
    if env_name not in BY_ENV:
        raise ValueError(f"unknown environment '{env_name}'; expected one of {sorted(BY_ENV)}")
    unknown = set(rules or ()) - set(CHECK_NAMES)
    if unknown:
        raise ValueError(f"unknown readiness rules {sorted(unknown)}; expected some of "
                         f"{list(CHECK_NAMES)}")
    return [_check(env_name, asset_key, rule) for rule in rules or BY_ENV[env_name]]


def _check(env_name: str, asset_key: str, rule: str) -> dg.AssetChecksDefinition:
    evaluate = EVALUATORS[rule]

    @dg.asset_check(asset=asset_key, name=CHECK_NAMES[rule], blocking=True,
                    description=f"{env_name}: {RULES[rule]}.")
    def readiness_check(context: dg.AssetCheckExecutionContext, readiness: ReadinessSources,
                        secrets: SecretsProvider) -> dg.AssetCheckResult:
        excused = _excused(env_name, rule, readiness)
        if excused:
            context.log.info("Readiness %s of %s passes without evaluation: %s", rule,
                             env_name, excused)
            return dg.AssetCheckResult(passed=True, description=excused,
                                       metadata={"excused": excused})
        try:
            found = evaluate(context, env_name, readiness, secrets)
        except RagReleaseError as e:
            found = [Finding(rule, Severity.error, f"could not be evaluated: {e}")]
        return check_result(context, rule, found)

    return readiness_check


def _excused(env_name: str, rule: str, sources: ReadinessSources) -> str:
    """Why a rule is not evaluated, or "": waived by the environment file (READINESS_WAIVE, a
    comma-separated list of rules, shown in the UI), or a rule about a running stack when
    nothing runs in the environment yet (its first deploy has no edge and no data)."""
    path = sources.env_file(env_name)
    if path.is_file():
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            key, _, value = line.partition("=")
            if key.strip() == "READINESS_WAIVE" and rule in {
                    v.strip() for v in value.split(",")}:
                return f"waived by {path}:{number} (READINESS_WAIVE)"
    state = sources.deploy_dir(env_name) / "state.json"
    if rule in ("tls", "backups") and (not state.is_file() or not json.loads(
            state.read_text()).get("live")):
        return (f"nothing runs in {env_name} yet, so there is no edge and no data; this rule "
                "applies from the first deploy on")
    return ""


def check_result(context: dg.AssetCheckExecutionContext, rule: str,
                 found: list[Finding]) -> dg.AssetCheckResult:
    found = ordered([f.relative_to(settings.REPO_ROOT) for f in found])
    failing, doubtful = errors(found), warnings(found)
    context.log.info("Readiness %s: %d errors, %d warnings, %d notes", rule, len(failing),
                     len(doubtful), len(found) - len(failing) - len(doubtful))
    shown = failing + doubtful or found
    description = "\n".join(f.text() for f in shown) or f"{RULES[rule]}: nothing to report"
    return dg.AssetCheckResult(
        passed=not failing and not doubtful,
        severity=dg.AssetCheckSeverity.WARN if doubtful and not failing
        else dg.AssetCheckSeverity.ERROR,
        description=description,
        metadata={
            "errors": len(failing),
            "warnings": len(doubtful),
            "findings": dg.MetadataValue.json([f.to_dict() for f in found]),
            "report": dg.MetadataValue.md(_table(found)),
        },
    )


def _table(found: list[Finding]) -> str:
    if not found:
        return "No findings."
    rows = ["| severity | service | where | finding |", "| --- | --- | --- | --- |"]
    for f in found:
        subject = f"`{f.key}` {f.message}" if f.key else f.message
        rows.append(f"| {f.severity.value} | {f.service or '-'} | `{f.where or '-'}` | "
                    f"{subject.replace('|', '/')} |")
    return "\n".join(rows)
