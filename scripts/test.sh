#!/usr/bin/env bash
# Whole test suite: bring up the real stack (Postgres, NATS, Kafka) and run every test once.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/stack up
bash scripts/fetch-embedding-model.sh
set -a; source .stack/env; set +a
node scripts/run-tests.mjs "$@"
