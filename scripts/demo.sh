#!/usr/bin/env bash
# Sets everything up, builds the bundled sample application, promotes it dev -> staging -> prod,
# and leaves the Dagster UI (webserver and daemon) and the metrics exporter running.
# Safe to run again: unchanged inputs are skipped and a release already live stays.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export RAG_RELEASE_HOME="${RAG_RELEASE_HOME:-$REPO/.rag-release}"
export DAGSTER_HOME="${DAGSTER_HOME:-$REPO/.dagster}"
export RAG_RELEASE_SECRETS_DIR="${RAG_RELEASE_SECRETS_DIR:-$RAG_RELEASE_HOME/secrets}"
UI_PORT="${RAG_RELEASE_UI_PORT:-3000}"

"$REPO/scripts/setup.sh"
"$REPO/scripts/secrets.sh"
cd "$REPO"
BIN="$REPO/.venv/bin"
RUN="$RAG_RELEASE_HOME/run"
mkdir -p "$RUN"

start() {  # name, then the command; started once, its pid kept in $RUN/<name>.pid
  local name=$1; shift
  if [[ -f "$RUN/$name.pid" ]] && kill -0 "$(cat "$RUN/$name.pid")" 2>/dev/null; then
    echo "demo: $name already runs (pid $(cat "$RUN/$name.pid"))"
    return
  fi
  nohup "$@" >"$RUN/$name.log" 2>&1 &
  echo $! >"$RUN/$name.pid"
  echo "demo: started $name (pid $!, log $RUN/$name.log)"
}

start metrics "$BIN/python" -m rag_release.metrics
start dagster-daemon "$BIN/dagster-daemon" run -w "$REPO/workspace.yaml"
start dagster-webserver "$BIN/dagster-webserver" -w "$REPO/workspace.yaml" -h 127.0.0.1 \
  -p "$UI_PORT"

quiet() {  # run a rag-release verb with its Dagster log in $RUN/demo.log; show it on failure
  if ! "$BIN/rag-release" "$@" 2>>"$RUN/demo.log"; then
    grep '^rag-release' "$RUN/demo.log" | tail -1 >&2
    echo "demo: rag-release $* failed; the run's log is in $RUN/demo.log" >&2
    exit 1
  fi
}

echo "demo: building the sample application"
quiet build >"$RUN/manifest.json"
echo "demo: release $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' \
  "$RUN/manifest.json") built; manifest in $RUN/manifest.json"
backup_prod() {
  echo "demo: backing up prod (pg_dump, BGSAVE, volumes) and drilling the restore"
  quiet backup prod >"$RUN/backup-prod.json"
}
prod_live() {
  "$BIN/rag-release" status --json | python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["prod"]["live"] else 1)'
}
for env in dev staging; do
  echo "demo: promoting to $env"
  quiet promote "$env" >"$RUN/promote-$env.json"
done
# once prod runs, its gate wants a fresh backup whose restore drill passed
if prod_live; then backup_prod; fi
echo "demo: promoting to prod"
quiet promote prod >"$RUN/promote-prod.json"
backup_prod
"$BIN/rag-release" status
cat <<TEXT

The Dagster UI:   http://127.0.0.1:$UI_PORT   (webserver and daemon keep running)
Metrics:          http://127.0.0.1:${RAG_RELEASE_METRICS_PORT:-9464}/metrics
dev:              https://127.0.0.1:18443   staging: https://127.0.0.1:28443
prod:             https://127.0.0.1:38443   (CA: $RAG_RELEASE_HOME/deploy/ca/ca.pem)
Stop the background processes:  kill \$(cat $RUN/*.pid)
TEXT
