#!/usr/bin/env bash
# Start the storage emulators the tests talk to, on loopback only:
#   S3 via moto's server (PyPI) and Azure Blob via azurite (npm).
# `scripts/emulators.sh start` prints `export …` lines for the test runner to eval;
# `scripts/emulators.sh stop` ends them. State lives in target/emulators/.
set -euo pipefail
cd "$(dirname "$0")/.."
state="${CARGO_TARGET_DIR:-$PWD/target}/emulators"
say() { printf '\033[1;34m[emulators]\033[0m %s\n' "$*" >&2; }

free_port() { .venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

wait_http() { # url, name, pid (up to 60 s: node starts slowly on a loaded 2-core machine)
  for _ in $(seq 1 300); do
    if curl -s -o /dev/null "$1"; then return 0; fi
    kill -0 "$3" 2>/dev/null || { say "$2 exited early; its log:"; cat "$state/$2.log" >&2; return 1; }
    sleep 0.2
  done
  say "$2 did not answer at $1"; return 1
}

stop() {
  for name in moto azurite; do
    if [ -f "$state/$name.pid" ]; then
      kill "$(cat "$state/$name.pid")" 2>/dev/null || true
      rm -f "$state/$name.pid"
    fi
  done
}

start() {
  stop
  mkdir -p "$state"
  local s3_port az_port
  s3_port=$(free_port)
  az_port=$(free_port)

  .venv/bin/moto_server -H 127.0.0.1 -p "$s3_port" >"$state/moto.log" 2>&1 &
  echo $! >"$state/moto.pid"
  scripts/emulators/node_modules/.bin/azurite-blob --blobHost 127.0.0.1 --blobPort "$az_port" \
    --inMemoryPersistence --skipApiVersionCheck --silent >"$state/azurite.log" 2>&1 &
  echo $! >"$state/azurite.pid"

  wait_http "http://127.0.0.1:$s3_port/" moto "$(cat "$state/moto.pid")"
  wait_http "http://127.0.0.1:$az_port/" azurite "$(cat "$state/azurite.pid")"

  # moto does not check signatures: a plain PUT makes the bucket.
  curl -sf -X PUT "http://127.0.0.1:$s3_port/fotobase-test" >/dev/null
  AZURITE_URL="http://127.0.0.1:$az_port" .venv/bin/python - <<'PY'
import os
from azure.storage.blob import BlobServiceClient
key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
conn = (f"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={key};"
        f"BlobEndpoint={os.environ['AZURITE_URL']}/devstoreaccount1;")
BlobServiceClient.from_connection_string(conn).create_container("fotobase-test")
PY
  say "moto on 127.0.0.1:$s3_port, azurite on 127.0.0.1:$az_port"
  cat <<ENV
export FOTOBASE_TEST_S3_URL=s3://fotobase-test/conformance
export AWS_ENDPOINT=http://127.0.0.1:$s3_port
export AWS_ALLOW_HTTP=true
export AWS_ACCESS_KEY_ID=fotobase-test
export AWS_SECRET_ACCESS_KEY=fotobase-test
export AWS_REGION=us-east-1
export FOTOBASE_TEST_AZURE_URL=az://fotobase-test/conformance
export AZURE_STORAGE_USE_EMULATOR=true
export AZURITE_BLOB_STORAGE_URL=http://127.0.0.1:$az_port
ENV
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
