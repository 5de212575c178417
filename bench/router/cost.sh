#!/usr/bin/env bash
# Cost of one request through the Slipway router: CPU time and bytes allocated per request, and where the
# event loop's CPU samples fall. Figures per request survive a busy machine where req/s and latency do not:
# run this to compare builds, run.sh to compare with HAProxy on a quiet machine.
#
#   bench/router/cost.sh                       # the CLI jar built from this tree
#   bench/router/cost.sh old.jar new.jar       # compare jars: rounds alternate between them
#   bench/router/cost.sh a.jar a.jar,-XX:TieredStopAtLevel=1   # same jar, extra JVM flags after commas
#   bench/router/cost.sh old.jar new.jar new.jar+telemetry    # +VARIANT: the config with, on top of the base one,
#       +accesslog (a JSON line per request), +spans (a span per request over OTLP), +telemetry (both), or
#       +telemetry-1pct (both, new traces sampled at 1%)
#   ROUNDS=5 DURATION=10 bench/router/cost.sh a.jar b.jar
#
# Each round starts the router (one event loop, pinned to CPU 1; nginx backend and wrk on CPU 0), warms it up,
# then records JFR (settings=profile) around one wrk run. Per round it prints CPU microseconds per request
# (whole JVM, and the busiest thread - the event loop), bytes allocated per request (event loop, whole JVM)
# and the number of CPU samples; then the median per jar. Recordings and a per-round profile (JfrCost.java)
# stay in $WORK. Needs wrk and nginx (apt-get install wrk nginx-light) and a JDK (java, jcmd).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/bench/router"
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
# Long enough for C2 to finish compiling the hot path: compiler threads still busy would share the pinned CPU.
WARMUP=${WARMUP:-30}
CONNS=${CONNS:-50}
WORK=${WORK:-$(mktemp -d /tmp/slipway-cost.XXXXXX)}
# The flags `slipway router` runs with (see ../../slipway), fixed here so every jar gets the same.
JAVA_FLAGS=${JAVA_FLAGS:--XX:+UseSerialGC -Xss1m -Xms64m -Xmx256m}
P_BACKEND=19000 P_ROUTER=19100 P_ADMIN=19101
PIDS=()

log() { echo "[cost $(date -u +%T)] $*" >&2; }
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

wait_port() {
  for _ in $(seq 1 400); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  log "nothing listens on $1"; return 1
}

port_free() {
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null || return 0
    sleep 0.05
  done
  log "port $1 is still in use"; return 1
}

# CPU ticks (utime + stime) of a process or a thread, from its stat file.
ticks() { sed 's/.*) //' "$1" | awk '{print $12 + $13}'; }

# "<tid> <ticks> <name>" for every thread of a process.
thread_ticks() {
  local pid=$1 t
  for t in /proc/"$pid"/task/*; do
    echo "${t##*/} $(ticks "$t/stat") $(tr ' ' _ <"$t/comm")"
  done
}

start_backend() {
  mkdir -p "$WORK/nginx-tmp"
  cat >"$WORK/backend.conf" <<CONF
worker_processes 1;
error_log $WORK/backend.err warn;
pid $WORK/backend.pid;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx-tmp; proxy_temp_path $WORK/nginx-tmp; fastcgi_temp_path $WORK/nginx-tmp;
  uwsgi_temp_path $WORK/nginx-tmp; scgi_temp_path $WORK/nginx-tmp;
  keepalive_requests 10000000;
  keepalive_timeout 300s;
  server {
    listen 127.0.0.1:$P_BACKEND backlog=4096;
    location / { return 200 "hello\n"; }
    # The OTLP collector of the +telemetry runs: takes every export and answers an empty (valid) response.
    location /v1/traces { default_type application/x-protobuf; return 200 ""; }
  }
}
CONF
  taskset -c 0 nginx -p "$WORK" -c "$WORK/backend.conf" -g 'daemon off;' &
  PIDS+=($!)
  wait_port $P_BACKEND
}

one_round() { # jar[,flag...][+telemetry] label round
  local spec=$1 config="$WORK/router.yaml"
  if [[ $spec == *+* ]]; then config="$WORK/router-${spec##*+}.yaml"; spec=${spec%+*}; fi
  [[ -f $config ]] || { log "no variant ${config##*/router-}"; return 1; }
  local jar=${spec%%,*} extra="" label=$2 n=$3 rec="$WORK/$2-$3.jfr"
  [[ $spec == *,* ]] && extra=${spec#*,}
  # shellcheck disable=SC2086
  # JFR runs from the start: a JVM that starts JFR later recompiles its hot code (seconds of C2 on the pinned
  # CPU, inside the measured run). The recording of the measured run is a second one, started after warm-up.
  taskset -c 1 java $JAVA_FLAGS ${extra//,/ } -XX:StartFlightRecording:settings=profile,maxage=1m \
    -Dslipway.router.threads=1 -jar "$jar" router --config "$config" \
    >"$WORK/$label-$n.log" 2>&1 &
  local pid=$!
  PIDS+=($pid)
  wait_port $P_ROUTER
  taskset -c 0 wrk -t1 -c"$CONNS" -d"${WARMUP}s" "http://127.0.0.1:$P_ROUTER/" >/dev/null
  jcmd "$pid" JFR.start name=cost settings=profile >/dev/null
  local before after
  before=$(thread_ticks "$pid")
  local p0; p0=$(ticks /proc/"$pid"/stat)
  local requests
  requests=$(taskset -c 0 wrk -t1 -c"$CONNS" -d"${DURATION}s" --timeout 5s -s "$here/report.lua" \
    "http://127.0.0.1:$P_ROUTER/" | awk '/^RESULT/ {print $2; bad=$6+$7} END {if (bad) print "errors: " bad > "/dev/stderr"}')
  local p1; p1=$(ticks /proc/"$pid"/stat)
  after=$(thread_ticks "$pid")
  jcmd "$pid" JFR.stop name=cost filename="$rec" >/dev/null
  kill "$pid"; wait "$pid" 2>/dev/null || true
  port_free $P_ROUTER
  local hz loop
  hz=$(getconf CLK_TCK)
  # The busiest thread over the run is the event loop; the three busiest go to the round's report.
  join <(sort <<<"$before") <(sort <<<"$after") | awk -v hz="$hz" '{print ($4-$2)*1000/hz " ms " $3}' \
    | sort -rn | head -3 >"$WORK/$label-$n.threads"
  loop=$(join <(sort <<<"$before") <(sort <<<"$after") | awk '{d=$4-$2; if (d>m) {m=d}} END {print m+0}')
  java "$here/JfrCost.java" "$rec" "$requests" >"$WORK/$label-$n.txt"
  read -r _ loop_bytes all_bytes samples < <(head -1 "$WORK/$label-$n.txt")
  awk -v l="$label" -v n="$n" -v r="$requests" -v p=$((p1 - p0)) -v t="$loop" -v hz="$hz" \
      -v lb="$loop_bytes" -v ab="$all_bytes" -v s="$samples" \
    'BEGIN { printf "ROUND %s %d requests=%d cpu_us_per_req=%.2f loop_cpu_us_per_req=%.2f loop_bytes_per_req=%d jvm_bytes_per_req=%d loop_samples=%d\n",
             l, n, r, p*1e6/hz/r, t*1e6/hz/r, lb, ab, s }'
  echo "  busiest threads: $(paste -sd, "$WORK/$label-$n.threads")"
}

main() {
  local jars=("$@")
  if ((${#jars[@]} == 0)); then
    "$root/slipway" --version >/dev/null
    jars=("$root/cli/target/slipway.jar")
  fi
  ulimit -n "$(ulimit -Hn)"
  cat >"$WORK/router.yaml" <<CONF
listen: 127.0.0.1:$P_ROUTER
admin: 127.0.0.1:$P_ADMIN
defaults: {timeout: 10s, connectTimeout: 1s}
limits: {maxConnections: 20000, maxInFlight: 20000, idleTimeout: 300s}
backends:
  web:
    clusters: [{name: east, endpoints: [127.0.0.1:$P_BACKEND]}]
routes:
  - {name: web, backend: web}
CONF
  # The per-request writers: a JSON access log line, a span exported over OTLP, or both (every request, or 1%).
  local access="accessLog: {path: $WORK/access.log}"
  local spans="tracing: {sampleRatio: 1.0, otlp: {endpoint: \"http://127.0.0.1:$P_BACKEND/v1/traces\"}}"
  local sampled="tracing: {sampleRatio: 0.01, otlp: {endpoint: \"http://127.0.0.1:$P_BACKEND/v1/traces\"}}"
  printf '%s\n' "$(cat "$WORK/router.yaml")" "$access" >"$WORK/router-accesslog.yaml"
  printf '%s\n' "$(cat "$WORK/router.yaml")" "$spans" >"$WORK/router-spans.yaml"
  printf '%s\n' "$(cat "$WORK/router.yaml")" "$access" "$spans" >"$WORK/router-telemetry.yaml"
  printf '%s\n' "$(cat "$WORK/router.yaml")" "$access" "$sampled" >"$WORK/router-telemetry-1pct.yaml"
  log "results and recordings in $WORK"
  start_backend
  for n in $(seq 1 "$ROUNDS"); do
    local i=0
    for jar in "${jars[@]}"; do
      i=$((i + 1))
      log "round $n: $jar"
      one_round "$jar" "jar$i" "$n" | tee -a "$WORK/rounds.txt"
    done
  done
  echo
  echo "| jar | rounds | CPU us/request (JVM) | CPU us/request (event loop) | bytes/request (event loop) | bytes/request (JVM) |"
  echo "|---|---|---|---|---|---|"
  local i=0
  for jar in "${jars[@]}"; do
    i=$((i + 1))
    grep "^ROUND jar$i " "$WORK/rounds.txt" | sed 's/[a-z_]*=//g' | awk -v j="$jar" '
      { c[NR]=$5; l[NR]=$6; b[NR]=$7; a[NR]=$8 }
      END { n=asort(c); asort(l); asort(b); asort(a); m=int((n+1)/2);
            printf "| %s | %d | %.2f | %.2f | %d | %d |\n", j, n, c[m], l[m], b[m], a[m] }'
  done
}

main "$@"
