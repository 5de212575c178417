#!/usr/bin/env bash
# Deploy benchmark (docs/benchmarks.md): examples/acme-web (53 objects) to a group of 3 simulated
# clusters with `./slipway deploy`, against `kubectl apply --server-side` of the same rendered manifests to
# the same API servers, and against a plain sequential fabric8 apply loop (second baseline), plus the no-op
# redeploy and the CLI's cold start. Medians of RUNS (default 7) runs, via hyperfine.
#
# Usage: bench/deploy/run.sh            (results in bench/deploy/results/)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/bench/deploy"
runs="${RUNS:-7}"
results="${RESULTS:-$here/results}"
work="$(mktemp -d /tmp/slipway-bench.XXXXXX)"
mkdir -p "$results"
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
command -v kubectl >/dev/null || { echo "needs kubectl (the baseline)" >&2; exit 2; }

echo "== building (slipway jar, testkit classpath)"
"$root/slipway" --version >/dev/null
# A class-data archive older than the jar no longer matches it: drop it so the launcher makes a new one.
if [[ "$root/cli/target/slipway.jsa" -ot "$root/cli/target/slipway.jar" ]]; then
  rm -f "$root/cli/target/slipway.jsa"
fi
"$root/slipway" --version
(cd "$root" && mvn -B -o -q -pl testkit -am package dependency:build-classpath \
    -DskipTests -Dspotless.check.skip=true -Dmdep.outputFile="$work/cp.txt" -Dmdep.includeScope=runtime)
classpath="$root/testkit/target/classes:$(cat "$work/cp.txt")"
# The core jar from this build, not from ~/.m2.
classpath="$root/core/target/classes:$classpath"

echo "== starting 3 simulated clusters"
java -cp "$classpath" dev.slipway.testkit.MockClustersMain \
    --names east-1,east-2,west-1 --kubeconfig "$work/kubeconfig" >"$work/mock.log" 2>&1 &
mock_pid=$!
for _ in $(seq 1 300); do
  grep -q "kubeconfig written" "$work/mock.log" 2>/dev/null && break
  kill -0 "$mock_pid" 2>/dev/null || { cat "$work/mock.log" >&2; exit 1; }
  sleep 0.1
done
grep -q "kubeconfig written" "$work/mock.log" || { echo "clusters did not start" >&2; cat "$work/mock.log" >&2; exit 1; }
cat "$work/mock.log"

export KUBECONFIG="$work/kubeconfig"
export SLIPWAY_CLUSTERS="$root/examples/clusters.yaml"
export SLIPWAY_SECRETS_DIR="$work/secrets" SLIPWAY_SECRETS_KEY="$work/secrets.key"
export NO_COLOR=1

# Every timed first deploy goes to a namespace nobody used before, so each run is a real first deploy.
cat >"$work/fresh.sh" <<FRESH
#!/usr/bin/env bash
set -euo pipefail
n=\$(( \$(cat "$work/counter" 2>/dev/null || echo 0) + 1 ))
echo "\$n" >"$work/counter"
rm -rf "$work/app" "$work/rendered"
cp -r "$root/examples/acme-web" "$work/app"
sed -i "s/namespace: acme-web}/namespace: bench-\$n}/" "$work/app/slipway.yaml"
echo "bench-\$n" >"$work/namespace"
mkdir -p "$work/rendered"
# One render for all clusters; each cluster's part starts with a "# cluster NAME, ..." line. The baselines
# get the Namespace object first, as slipway creates it too.
"$root/slipway" render "$work/app" --env production | awk -v dir="$work/rendered" -v ns="bench-\$n" '
  /^# cluster / { name = \$3; sub(/,\$/, "", name); file = dir "/" name ".yaml";
                  print "apiVersion: v1\\nkind: Namespace\\nmetadata:\\n  name: " ns "\\n---" > file; next }
  { print >> file }'
python3 "$here/split_crds.py" "$work"/rendered/*.yaml >/dev/null
FRESH
chmod +x "$work/fresh.sh"

cat >"$work/kubectl-apply.sh" <<KUBECTL
#!/usr/bin/env bash
set -euo pipefail
ns=\$(cat "$work/namespace")
for c in east-1 east-2 west-1; do
  # --validate=false: client-side validation needs the server's OpenAPI document, which the simulated
  # API servers do not publish; the API server itself still validates what it stores.
  # Two applies, as with any kubectl deploy that ships a CRD and its objects together (see split_crds.py).
  kubectl --context "\$c" --request-timeout=30s apply --server-side --validate=false --field-manager=bench \\
      -f "$work/rendered/\$c.crds.yaml" >/dev/null
  kubectl --context "\$c" --request-timeout=30s wait --for condition=established --timeout=60s customresourcedefinitions.apiextensions.k8s.io --all >/dev/null
  kubectl --context "\$c" --request-timeout=30s apply --server-side --validate=false --field-manager=bench \\
      -f "$work/rendered/\$c.rest.yaml" >/dev/null
done
KUBECTL
chmod +x "$work/kubectl-apply.sh"

cat >"$work/fabric8-apply.sh" <<FABRIC8
#!/usr/bin/env bash
set -euo pipefail
# Same JVM flags as ./slipway, class-data archive included, so only the work done differs.
if [[ -f "$work/seqapply.jsa" ]]; then cds=(-XX:SharedArchiveFile="$work/seqapply.jsa" -Xshare:auto)
else cds=(-XX:ArchiveClassesAtExit="$work/seqapply.jsa" -Xlog:cds=off -Xlog:cds+dynamic=off); fi
exec java "\${cds[@]}" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss1m -cp "$work/seqapply.jar:$(cat "$work/cp.txt")" \
    SequentialApply "$work/kubeconfig" \
    east-1="$work/rendered/east-1.yaml" east-2="$work/rendered/east-2.yaml" west-1="$work/rendered/west-1.yaml"
FABRIC8
chmod +x "$work/fabric8-apply.sh"

# Packaged as a jar next to jars only: class-data archives refuse directories on the class path.
javac -d "$work/seqapply" -cp "$(cat "$work/cp.txt")" "$here/SequentialApply.java"
jar --create --file "$work/seqapply.jar" -C "$work/seqapply" .

echo "== kubectl against the simulated API servers (must apply all objects, or the comparison is void)"
"$work/fresh.sh"
"$work/kubectl-apply.sh" >"$results/kubectl-check.log" 2>&1 || { cat "$results/kubectl-check.log" >&2; exit 1; }
for c in east-1 east-2 west-1; do
  echo "  $c: $(kubectl --context "$c" get configmaps,deployments,services -n "$(cat "$work/namespace")" -o name | wc -l) configmaps/deployments/services after kubectl apply"
done

# The launcher records its class-data archive for cluster commands (cli/target/slipway-cluster.jsa) at the
# exit of the first deploy after a build: hyperfine's warm-up run below, so the timed runs use it.
echo "load average before timing: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores" | tee "$results/load.txt"
echo "== first deploy: slipway vs baseline ($runs runs each, a fresh namespace per run)"
baselines=(-n "kubectl apply --server-side" "$work/kubectl-apply.sh"
           -n "fabric8 sequential SSA loop" "$work/fabric8-apply.sh")
hyperfine --runs "$runs" --warmup 1 --prepare "$work/fresh.sh" --export-json "$results/first-deploy.json" \
    -n "slipway deploy" "$root/slipway deploy $work/app --env production" \
    "${baselines[@]}"

echo "== no-op redeploy (same app, already deployed)"
"$work/fresh.sh"
"$root/slipway" deploy "$work/app" --env production >"$results/noop-setup.log"
hyperfine --runs "$runs" --warmup 1 --export-json "$results/noop-deploy.json" \
    -n "slipway deploy (no change)" "$root/slipway deploy $work/app --env production"
# What a no-op redeploy reports (0 writes is asserted against the clusters' request logs in
# cli/src/test/java/dev/slipway/cli/DeployCommandsTest.java).
"$root/slipway" deploy "$work/app" --env production | tee "$results/noop-output.txt"

echo "== CLI cold start"
hyperfine --runs "$((runs > 10 ? runs : 10))" --warmup 2 --export-json "$results/cold-start.json" \
    -n "slipway --version" "$root/slipway --version"

echo "load average after timing: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$results/load.txt"
python3 - "$results" <<'PY'
import json, sys, pathlib
r = pathlib.Path(sys.argv[1])
def medians(name):
    return {x["command"]: x["median"] for x in json.loads((r / name).read_text())["results"]}
first = medians("first-deploy.json")
noop = medians("noop-deploy.json")["slipway deploy (no change)"]
cold = medians("cold-start.json")["slipway --version"]
s = first["slipway deploy"]
lines = ["| measurement | median (s) | ratio |", "|---|---|---|"]
for name, t in first.items():
    lines.append(f"| first deploy: {name} | {t:.3f} | {t / s:.2f}× slipway |")
k = first["kubectl apply --server-side"]
f = first["fabric8 sequential SSA loop"]
lines.append(f"| slipway first deploy / kubectl | | {s / k:.2f}× (target ≤ 1.0×) |")
lines.append(f"| slipway first deploy / fabric8 loop | | {s / f:.2f}× |")
lines.append(f"| no-op redeploy | {noop:.3f} | {noop / s:.2f}× first deploy (target ≤ 0.3×) |")
lines.append(f"| cold start `./slipway --version` | {cold:.3f} | (target ≤ 0.5 s) |")
out = "\n".join(lines)
(r / "summary.md").write_text(out + "\n")
print(out)
PY
