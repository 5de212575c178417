#!/usr/bin/env bash
# Rollout benchmark (docs/benchmarks.md, "Rollout benchmark"): on two stand-in clusters with real HTTP backends
# on the nodePorts the deploy assigned, a router fed by the clusters and the rollout controller on the real
# clock: time from a breach to all traffic on stable, failed requests during an abort and during a rollout to
# 100 %, and the router's latency with the fed config against the same config started statically.
# Medians of RUNS runs (default 5); INTERVAL is the analysis interval in seconds (default 1, the smallest the
# spec allows).
#
# Usage: bench/rollout/run.sh        (the Markdown table is printed and kept in bench/rollout/results/)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/bench/rollout"
results="${RESULTS:-$here/results}"
runs="${RUNS:-5}"
interval="${INTERVAL:-1}"
work="$(mktemp -d /tmp/slipway-bench-rollout.XXXXXX)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$results"

echo "== building the rollout module, the testkit and their classpath"
(cd "$root" && mvn -B -q -pl rollout,testkit -am package org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
    -DskipTests -Dspotless.check.skip=true -Dmdep.outputFile="$work/cp.txt" -Dmdep.includeScope=test)
classpath=""
for m in rollout kube router api core testkit; do
  classpath="$classpath:$root/$m/target/classes"
done
classpath="${classpath#:}:$(cat "$work/cp.txt")"
javac -d "$work/classes" -cp "$classpath" "$here/RolloutBenchmark.java"

echo "== $runs runs, analysis interval ${interval}s (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
java -Dlogback.configurationFile="$root/bench/server/logback-bench.xml" -cp "$work/classes:$classpath" RolloutBenchmark "$work" "$runs" "$interval" \
    2> "$work/bench.log" | tee "$results/rollout.md" || { tail -50 "$work/bench.log" >&2; exit 1; }
echo "(load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))"
