#!/usr/bin/env bash
# The load run of issue 6: twilioguard serve on 127.0.0.1 under wrk for 60
# seconds, genuine, forged and malformed calls mixed; writes the load
# section of ../BENCHMARKS.md and exits 1 on any 5xx, socket error,
# unexpected status or unbounded RSS.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v wrk >/dev/null; then
  echo "wrk is missing: apt-get update && apt-get install -y wrk" >&2
  exit 1
fi
exec go run ./cmd/benchrun -load 60s "$@"
