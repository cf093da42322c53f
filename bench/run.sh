#!/usr/bin/env bash
# Measures twilioguard against its peers (issue 8) and writes the
# benchmarks section of ../BENCHMARKS.md. Everything runs on 127.0.0.1 and
# stops by itself: about 12 minutes with the defaults. Flags are passed to
# cmd/benchrun, e.g. bench/run.sh -rounds 3 -wrk 5s.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v wrk >/dev/null; then
  echo "wrk is missing: apt-get update && apt-get install -y wrk" >&2
  exit 1
fi
npm ci --prefix node --no-audit --no-fund --loglevel=error
exec go run ./cmd/benchrun "$@"
