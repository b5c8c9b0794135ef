"""`rag-release audit`: the production checklist on any compose project, this one or yours.

Exits 1 when a finding is an error, 0 otherwise, and 2 when a file given cannot be read. The
static rules read the files only; `--tls-url`, `--http-url`, `--backups` and `--metrics-url`
add the live rules, which need the stack running."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit

from rag_release.audit import AuditOptions, Finding, Severity, errors, load_project
from rag_release.audit import static_findings
from rag_release.audit.probes import probe_http, probe_tls
from rag_release.audit.report import render_json, render_text
from rag_release.audit.rules import backups, monitoring, tls
from rag_release.errors import AuditInputError

EXAMPLE = """examples:
  rag-release audit --compose docker-compose.yml
  rag-release audit -f compose/data.yml -f compose/app.yml -f compose/edge.yml \\
      --env-file envs/prod.env --profile '*' --json
  rag-release audit -f docker-compose.yml --tls-url https://127.0.0.1:443 \\
      --http-url http://127.0.0.1:80/ --metrics-url http://127.0.0.1:9464/metrics"""


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "audit", help="audit a compose project against the production checklist",
        description=__doc__, epilog=EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-f", "--compose", action="append", required=True, type=Path,
                        metavar="FILE", help="a compose file; repeat to merge several, in order")
    parser.add_argument("--env-file", action="append", default=[], type=Path, metavar="FILE",
                        help="variables for interpolation; repeatable (default: .env beside "
                             "the first compose file)")
    parser.add_argument("--profile", action="append", default=[], metavar="NAME",
                        help="enable a profile; '*' enables all (default: COMPOSE_PROFILES)")
    parser.add_argument("--env-name", choices=("dev", "staging", "prod"), default="prod",
                        help="whose rules apply: exposure is checked in staging and prod only")
    parser.add_argument("--edge", action="append", default=[], metavar="SERVICE",
                        help="a service that is the edge (besides one named `edge` or labelled "
                             "rag_release.role=edge)")
    parser.add_argument("--colored", action="append", default=[], metavar="SERVICE",
                        help="a service that runs in two colors side by side (blue-green)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    live = parser.add_argument_group("live rules, against the running stack")
    live.add_argument("--tls-url", metavar="URL", help="the edge's HTTPS address, "
                                                       "e.g. https://127.0.0.1:443")
    live.add_argument("--http-url", metavar="URL", help="a plain HTTP address that must "
                                                        "redirect to HTTPS")
    live.add_argument("--tls-min-days", type=int, metavar="N",
                      help="days the certificate must still be valid (default TLS_MIN_DAYS "
                           "or 14)")
    live.add_argument("--tls-ca-file", metavar="FILE", help="CA bundle the chain must verify "
                                                            "against (default TLS_CA_FILE)")
    live.add_argument("--tls-self-signed", action="store_true",
                      help="accept a certificate no trusted CA signed")
    live.add_argument("--backups", type=Path, metavar="DIR",
                      help="a backup store folder: one sub-folder with manifest.json a backup")
    live.add_argument("--backup-max-age-hours", type=float, default=backups.MAX_AGE_HOURS,
                      metavar="H", help="the newest good backup must be younger (default 26)")
    live.add_argument("--metrics-url", metavar="URL", help="a Prometheus metrics endpoint")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    options = AuditOptions(args.env_name, frozenset(args.edge), frozenset(args.colored))
    try:
        project = load_project(args.compose, args.env_file, args.profile, os.environ)
    except AuditInputError as e:
        print(f"rag-release audit: {e}", file=sys.stderr)
        return 2
    findings = static_findings(project, options) + _unknown_services(project, args)
    findings += live_findings(args, project.variables, options.env_name)
    render = render_json if args.json else render_text
    sys.stdout.write(render(project, options, findings))
    return 1 if errors(findings) else 0


def live_findings(args: argparse.Namespace, variables: dict[str, str],
                  env_name: str) -> list[Finding]:
    now = dt.datetime.now(dt.timezone.utc)
    found: list[Finding] = []
    if args.tls_url:
        policy = tls.TlsPolicy.from_values(variables, env_name)
        policy = tls.TlsPolicy(
            min_days=args.tls_min_days if args.tls_min_days is not None else policy.min_days,
            self_signed_ok=args.tls_self_signed or policy.self_signed_ok,
            ca_file=args.tls_ca_file or policy.ca_file, env_name=env_name)
        url = urlsplit(args.tls_url)
        probe = probe_tls(url.hostname or "127.0.0.1", url.port or 443, policy.ca_file,
                          variables.get("TLS_SERVER_NAME", ""))
        found += tls.certificate_findings(probe, policy, now)
    if args.http_url:
        found += tls.redirect_findings(probe_http(args.http_url))
    if args.backups:
        found += backups.findings(args.backups, now, args.backup_max_age_hours)
    if args.metrics_url:
        found += monitoring.metrics_findings(probe_http(args.metrics_url))
    return found


def _unknown_services(project, args: argparse.Namespace) -> list[Finding]:
    known = set(project.services) | set(project.skipped)
    return [Finding("load", Severity.warning, "is not a service of the project; check the "
                    "spelling", key=f"--{flag} {name}")
            for flag in ("edge", "colored") for name in getattr(args, flag) if name not in known]
