#!/usr/bin/env bash
# Quick start, step 1: install what is missing, then run one job end to end
# (Redis if needed, a worker, the API; a sample paragraph to out/sample.wav).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec pnpm demo "$@"
