#!/usr/bin/env bash
# Control-plane benchmarks (docs/benchmarks.md), on embedded H2 and on PostgreSQL (SLIPWAY_BENCH_PG_URL, default
# jdbc:postgresql://127.0.0.1:5432/test; credentials from PGUSER/PGPASSWORD; a throwaway schema is created and dropped):
#   labs     10,000 live review labs in the store, then the time of GET /api/labs over HTTP and of one reaper sweep
#            with nothing expired (LabsBenchmark)
#   console  10,000 labs, 1,000 deploys and ~11,000 audit entries in the store, then the web console's pages over
#            HTTP with a session cookie: median and p95 per page (ConsoleBenchmark; RUNS and WARMUP per page, default
#            200 and 30)
#
# Usage: bench/server/run.sh [labs|console|all]   (default labs; each Markdown table is printed and kept in
#        bench/server/results/labs.md, console.md)
set -euo pipefail

mode="${1:-labs}"
case "$mode" in
  labs|console|all) ;;
  *) echo "usage: bench/server/run.sh [labs|console|all]" >&2; exit 2 ;;
esac
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/bench/server"
results="${RESULTS:-$here/results}"
work="$(mktemp -d /tmp/slipway-bench-server.XXXXXX)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$results"
pg_url="${SLIPWAY_BENCH_PG_URL:-jdbc:postgresql://127.0.0.1:5432/test}"

echo "== building the server (its shaded jar carries every dependency, the drivers included)"
(cd "$root" && mvn -B -o -q -pl server -am package -DskipTests -Dspotless.check.skip=true)
classpath="$root/server/target/slipway-server.jar"
javac -d "$work/classes" -cp "$classpath" "$here/LabsBenchmark.java" "$here/ConsoleBenchmark.java"
java_run=(java -Xshare:auto -Dlogback.configurationFile="$here/logback-bench.xml" -cp "$work/classes:$classpath")

if [[ "$mode" == labs || "$mode" == all ]]; then
  echo "== 10,000 labs; medians of 21 runs after 5 warm-up runs"
  mkdir -p "$work/labs"
  "${java_run[@]}" LabsBenchmark "$work/labs" "$pg_url" \
      2> "$work/labs.log" | tee "$results/labs.md" || { cat "$work/labs.log" >&2; exit 1; }
fi
if [[ "$mode" == console || "$mode" == all ]]; then
  echo "== console pages with 10,000 labs and 1,000 deploys; ${RUNS:-200} requests per page after ${WARMUP:-30} warm-up rounds"
  echo "   (load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
  mkdir -p "$work/console"
  "${java_run[@]}" -Druns="${RUNS:-200}" -Dwarmup="${WARMUP:-30}" ConsoleBenchmark "$work/console" "$pg_url" \
      2> "$work/console.log" | tee "$results/console.md" || { cat "$work/console.log" >&2; exit 1; }
  grep -h "filled the store" "$work/console.log" >&2 || true
  echo "   (load average after: $(cut -d' ' -f1-3 /proc/loadavg))"
fi
