#!/usr/bin/env bash
# No-op redeploy of examples/acme-web to 3 simulated clusters, two builds side by side (docs/benchmarks.md,
# "Drift detection on the no-op path"): e.g. this checkout against an export of main, to measure what a
# change costs the no-op path. Each build deploys its own namespace once, then hyperfine times the no-op
# redeploys of both, RUNS (default 10) runs each, and reports medians and user CPU.
#
# Usage: bench/deploy/noop-ab.sh OTHER_CHECKOUT     (e.g. git archive main | tar -x -C /tmp/main-src)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
other="$(cd "${1:?usage: noop-ab.sh OTHER_CHECKOUT}" && pwd)"
runs="${RUNS:-10}"
work="$(mktemp -d /tmp/slipway-noop-ab.XXXXXX)"
mock_pid=""
cleanup() {
  if [[ -n "$mock_pid" ]] && kill -0 "$mock_pid" 2>/dev/null; then
    kill "$mock_pid"
    wait "$mock_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install -y hyperfine)" >&2; exit 2; }

"$root/slipway" --version >/dev/null
"$other/slipway" --version >/dev/null
(cd "$root" && mvn -B -o -q -pl testkit -am package dependency:build-classpath \
    -DskipTests -Dspotless.check.skip=true -Dmdep.outputFile="$work/cp.txt" -Dmdep.includeScope=runtime)
classpath="$root/core/target/classes:$root/testkit/target/classes:$(cat "$work/cp.txt")"
java -cp "$classpath" dev.slipway.testkit.MockClustersMain \
    --names east-1,east-2,west-1 --kubeconfig "$work/kubeconfig" >"$work/mock.log" 2>&1 &
mock_pid=$!
for _ in $(seq 1 300); do
  grep -q "kubeconfig written" "$work/mock.log" 2>/dev/null && break
  kill -0 "$mock_pid" 2>/dev/null || { cat "$work/mock.log" >&2; exit 1; }
  sleep 0.1
done
export KUBECONFIG="$work/kubeconfig" SLIPWAY_CLUSTERS="$root/examples/clusters.yaml" NO_COLOR=1
export SLIPWAY_SECRETS_DIR="$work/secrets" SLIPWAY_SECRETS_KEY="$work/secrets.key"

for side in this other; do
  cp -r "$root/examples/acme-web" "$work/app-$side"
  sed -i "s/namespace: acme-web}/namespace: noop-$side}/" "$work/app-$side/slipway.yaml"
done
"$root/slipway" deploy "$work/app-this" --env production >/dev/null
"$other/slipway" deploy "$work/app-other" --env production >/dev/null
# Both must really be no-ops, or the comparison is void.
"$root/slipway" deploy "$work/app-this" --env production | tee "$work/this.out"
"$other/slipway" deploy "$work/app-other" --env production | tee "$work/other.out"
echo "load average before timing: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
hyperfine --runs "$runs" --warmup 2 --export-json "$work/noop.json" \
    -n "no-op, this checkout" "$root/slipway deploy $work/app-this --env production" \
    -n "no-op, $other" "$other/slipway deploy $work/app-other --env production"
echo "load average after timing: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$work/noop.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(f'{r["command"]}: median {r["median"]:.3f} s, user CPU {r["user"]:.3f} s')
PY
