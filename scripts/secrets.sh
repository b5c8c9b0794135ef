#!/usr/bin/env bash
# Creates the demo's secrets, one file per secret name in RAG_RELEASE_SECRETS_DIR (mode 0600),
# the way Docker secrets are mounted. Existing secrets are kept: a database initialised with a
# password must keep getting it.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${RAG_RELEASE_SECRETS_DIR:-${RAG_RELEASE_HOME:-$REPO/.rag-release}/secrets}"
mkdir -p "$DIR"
chmod 700 "$DIR"
umask 077
for env in DEV STAGING PROD; do
  for name in POSTGRES_PASSWORD REDIS_PASSWORD JWT_SECRET N8N_ENCRYPTION_KEY; do
    file="$DIR/${env}_${name}"
    [[ -s "$file" ]] || openssl rand -hex 24 >"$file"
  done
done
echo "secrets: $(ls "$DIR" | wc -l) secrets in $DIR"
