#!/usr/bin/env bash
# Control-plane benchmark (docs/benchmarks-server.md): 10,000 live review labs in the store, then the time of
# GET /api/labs over HTTP and of one reaper sweep with nothing expired, on embedded H2 and on PostgreSQL
# (SLIPWAY_BENCH_PG_URL, default jdbc:postgresql://127.0.0.1:5432/test; credentials from PGUSER/PGPASSWORD).
#
# Usage: bench/server/run.sh        (the Markdown table is printed and kept in bench/server/results/)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/bench/server"
results="${RESULTS:-$here/results}"
work="$(mktemp -d /tmp/slipway-bench-server.XXXXXX)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$results"

echo "== building the server and its classpath"
(cd "$root" && mvn -B -o -q -pl server -am package dependency:build-classpath \
    -DskipTests -Dspotless.check.skip=true -Dmdep.outputFile="$work/cp.txt" -Dmdep.includeScope=runtime)
classpath="$root/server/target/classes:$root/store/target/classes:$root/kube/target/classes:$root/core/target/classes:$(cat "$work/cp.txt")"
javac -d "$work/classes" -cp "$classpath" "$here/LabsBenchmark.java"

echo "== 10,000 labs; medians of 21 runs after 5 warm-up runs"
java -Xshare:auto -Dlogback.configurationFile="$here/logback-bench.xml" -cp "$work/classes:$classpath" LabsBenchmark "$work" "${SLIPWAY_BENCH_PG_URL:-jdbc:postgresql://127.0.0.1:5432/test}" \
    2> "$work/bench.log" | tee "$results/labs.md" || { cat "$work/bench.log" >&2; exit 1; }
