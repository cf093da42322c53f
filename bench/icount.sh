#!/usr/bin/env bash
# Instructions per call of one Go benchmark of this folder, counted by
# valgrind's callgrind: a figure the machine's noise does not move, to
# compare two versions of the code. Usage: bench/icount.sh BenchmarkOursHandler
#
# One thread (GOMAXPROCS=1: idle threads spinning for work would add
# instructions at random), no collector (GOGC=off), no async preemption;
# the count of 10,000 calls is taken from that of 30,000, so that start-up
# cancels out. Valgrind does not emulate the SHA instructions: the MAC's
# share is overstated, the rest is not.
set -euo pipefail
cd "$(dirname "$0")"
name=${1:?usage: icount.sh BenchmarkName}
command -v valgrind >/dev/null || { echo "valgrind is missing: apt-get install -y valgrind" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
CGO_ENABLED=0 go test -c -o "$work/bench.test" .
if ! "$work/bench.test" -test.list "^$name\$" | grep -qx "$name"; then
  echo "no benchmark $name in bench/: see go test -list . in bench/" >&2
  exit 1
fi

count() { # count N: instructions for N calls, start-up included
  GOMAXPROCS=1 GOGC=off GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind \
    --callgrind-out-file="$work/cg.out" "$work/bench.test" -test.run '^$' \
    -test.bench "^$name\$" -test.benchtime "$1x" >/dev/null 2>"$work/err"
  sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$work/err"
}
a=$(count 10000)
b=$(count 30000)
echo "$name: $(((b - a) / 20000)) instructions per call"
