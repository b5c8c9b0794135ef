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

echo "demo: building the sample application"
"$BIN/rag-release" build >"$RUN/manifest.json"
echo "demo: release $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' \
  "$RUN/manifest.json") built; manifest in $RUN/manifest.json"
for env in dev staging prod; do
  echo "demo: promoting to $env"
  "$BIN/rag-release" promote "$env" >"$RUN/promote-$env.json"
done
"$BIN/rag-release" status
cat <<TEXT

The Dagster UI:   http://127.0.0.1:$UI_PORT   (webserver and daemon keep running)
Metrics:          http://127.0.0.1:${RAG_RELEASE_METRICS_PORT:-9464}/metrics
dev:              https://127.0.0.1:18443   staging: https://127.0.0.1:28443
prod:             https://127.0.0.1:38443   (CA: $RAG_RELEASE_HOME/deploy/ca/ca.pem)
Stop the background processes:  kill \$(cat $RUN/*.pid)
TEXT
