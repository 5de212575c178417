#!/usr/bin/env bash
# Benchmarks the Slipway router against HAProxy and nginx (as proxies) in front of the same cheap nginx
# backend, and the backend directly. Installs what is missing (Debian packages), prints a markdown table.
#
#   bench/router/run.sh                    # defaults: 3 runs x 5 s, 50 connections, both layouts
#   RUNS=5 DURATION=10 bench/router/run.sh
#   TLS=1 ONLY=tls bench/router/run.sh      # HTTPS keep-alive: each proxy terminates TLS with the same
#                                          # certificate (EC P-256, TLS 1.3), plain HTTP to the backend
#
# Every proxy gets one worker thread and keep-alive on both sides; configs are written to $WORK.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/bench/router"
RUNS=${RUNS:-3}
DURATION=${DURATION:-5}
CONNS=${CONNS:-50}
WORK=${WORK:-$(mktemp -d /tmp/slipway-bench.XXXXXX)}
export WRK_REPORT="$here/report.lua"
TLS=${TLS:-0}
SCHEME=http
[[ $TLS == 1 ]] && SCHEME=https
P_EAST=19000 P_WEST=19001 P_SLIPWAY=19100 P_ADMIN=19101 P_HAPROXY=19200 P_HASTATS=19201 P_NGINX=19300
PIDS=()

log() { echo "[bench $(date -u +%T)] $*" >&2; }

install_missing() {
  local missing=()
  command -v haproxy >/dev/null || [[ -x /usr/sbin/haproxy ]] || missing+=(haproxy)
  command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx)
  command -v wrk >/dev/null || missing+=(wrk)
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >"$WORK/apt.log" 2>&1 \
      || { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >"$WORK/apt.log" 2>&1; }
  fi
}

cleanup() {
  for p in "${PIDS[@]}"; do
    kill "$p" 2>/dev/null || true
  done
}
trap cleanup EXIT

# Runs a command pinned to CPU $1 ("-": unpinned). It execs, so call it in a subshell (with & or in a
# pipeline): then $! is the command's own pid and killing it stops the command, not a wrapper shell.
on_cpu() {
  local cpu=$1; shift
  if [[ $cpu == - ]]; then exec "$@"; else exec taskset -c "$cpu" "$@"; fi
}

port_free() {
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null || return 0
    sleep 0.05
  done
  log "port $1 is still in use"; return 1
}

wait_port() {
  for _ in $(seq 1 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  log "nothing listens on $1"; return 1
}

nginx_common() {
  cat <<CONF
worker_processes 1;
error_log $WORK/$1.err warn;
pid $WORK/$1.pid;
events { worker_connections 8192; }
CONF
}

start_backend() { # name port cpu
  mkdir -p "$WORK/$1-tmp"
  { nginx_common "$1"; cat <<CONF
http {
  access_log off;
  client_body_temp_path $WORK/$1-tmp; proxy_temp_path $WORK/$1-tmp; fastcgi_temp_path $WORK/$1-tmp;
  uwsgi_temp_path $WORK/$1-tmp; scgi_temp_path $WORK/$1-tmp;
  keepalive_requests 10000000;
  keepalive_timeout 300s;
  server {
    listen 127.0.0.1:$2 backlog=4096;
    location /healthz { return 200 "ok\n"; }
    location / { return 200 "hello from $1\n"; }
  }
}
CONF
  } >"$WORK/$1.conf"
  on_cpu "$3" nginx -p "$WORK" -c "$WORK/$1.conf" -g 'daemon off;' &
  PIDS+=($!)
  eval "PID_$1=$!"
  wait_port "$2"
}

start_nginx_proxy() { # cpu
  mkdir -p "$WORK/nginx-proxy-tmp"
  { nginx_common nginx-proxy; cat <<CONF
http {
  access_log off;
  client_body_temp_path $WORK/nginx-proxy-tmp; proxy_temp_path $WORK/nginx-proxy-tmp;
  fastcgi_temp_path $WORK/nginx-proxy-tmp; uwsgi_temp_path $WORK/nginx-proxy-tmp; scgi_temp_path $WORK/nginx-proxy-tmp;
  keepalive_requests 10000000;
  keepalive_timeout 300s;
  upstream backend { server 127.0.0.1:$P_EAST; keepalive 1024; keepalive_requests 10000000; }
  server {
    listen 127.0.0.1:$P_NGINX backlog=4096$( [[ $TLS == 1 ]] && echo " ssl");
$( [[ $TLS == 1 ]] && echo "    ssl_certificate $WORK/tls/cert.pem; ssl_certificate_key $WORK/tls/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3; ssl_session_cache shared:SSL:1m;")
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Forwarded-Host \$host;
      proxy_set_header X-Request-Id \$request_id;
      proxy_connect_timeout 1s;
      proxy_read_timeout 10s;
    }
  }
}
CONF
  } >"$WORK/nginx-proxy.conf"
  on_cpu "$1" nginx -p "$WORK" -c "$WORK/nginx-proxy.conf" -g 'daemon off;' &
  PID_PROXY=$!
  PIDS+=($!)
  wait_port $P_NGINX
}

haproxy_config() { # servers...
  cat <<CONF
global
  nbthread 1
  maxconn 9000
defaults
  mode http
  timeout connect 1s
  timeout client 60s
  timeout server 10s
  timeout http-request 10s
  timeout http-keep-alive 300s
  option forwardfor
  retries 2
  option redispatch 1
frontend fe
  bind 127.0.0.1:$P_HAPROXY$( [[ $TLS == 1 ]] && echo " ssl crt $WORK/tls/haproxy.pem ssl-min-ver TLSv1.2")
  unique-id-format %[uuid()]
  unique-id-header X-Request-Id
  http-request set-header X-Forwarded-Proto $SCHEME
  http-request set-header X-Forwarded-Host %[req.hdr(host)]
  default_backend be
listen stats
  bind 127.0.0.1:$P_HASTATS
  stats enable
  stats uri /stats
backend be
  http-reuse always
CONF
  printf '  %s\n' "$@"
}

start_haproxy() { # cpu config-file
  on_cpu "$1" haproxy -f "$2" -db >"$WORK/haproxy.log" 2>&1 &
  PID_PROXY=$!
  PIDS+=($!)
  wait_port $P_HAPROXY
}

slipway_config() { # clusters-yaml
  cat <<CONF
listen: 127.0.0.1:$P_SLIPWAY
admin: 127.0.0.1:$P_ADMIN
defaults: {timeout: 10s, connectTimeout: 1s}
limits: {maxConnections: 20000, maxInFlight: 20000, idleTimeout: 300s}
$( [[ $TLS == 1 ]] && echo "tls: {certificates: [{hosts: [bench.test], chain: $WORK/tls/cert.pem, key: $WORK/tls/key.pem}]}")
backends:
  web:
$1
routes:
  - {name: web, backend: web}
CONF
}

start_slipway() { # cpu config-file
  SLIPWAY_JAVA_OPTS="-Xms64m -Xmx256m -Dslipway.router.threads=1 ${BENCH_JAVA_OPTS:-}" \
    on_cpu "$1" "$root/slipway" router --config "$2" >"$WORK/slipway.log" 2>&1 &
  PID_PROXY=$!
  PIDS+=($!)
  wait_port $P_SLIPWAY
}

stop_proxy() {
  kill "$PID_PROXY" 2>/dev/null || true
  wait "$PID_PROXY" 2>/dev/null || true
  port_free $P_SLIPWAY && port_free $P_HAPROXY && port_free $P_NGINX
}

# Runs wrk and prints its RESULT line. Args: cpu port connections seconds [script]
bench_once() {
  local script=${5:-$here/report.lua}
  local scheme=$SCHEME
  [[ $2 == "$P_EAST" ]] && scheme=http
  on_cpu "$1" wrk -t1 -c"$3" -d"$4"s --timeout 5s -s "$script" "$scheme://127.0.0.1:$2/" 2>&1 | grep '^RESULT' || echo "RESULT 0 0 0 0 0 0"
}

# Median of RUNS runs; prints "req/s p50 p99 errors".
bench_median() { # cpu port [script]
  for _ in $(seq 1 "$RUNS"); do bench_once "$1" "$2" "$CONNS" "$DURATION" "${3:-}"; done >"$WORK/runs.txt"
  awk '{r[NR]=$3; p[NR]=$4; q[NR]=$5; e+=$6+$7} END {
         n=asort(r); asort(p); asort(q); m=int((n+1)/2);
         printf "%.0f %.3f %.3f %d\n", r[m], p[m], q[m], e }' "$WORK/runs.txt"
}

rss_kib() { # pid: RSS of the process and its children (nginx workers)
  local total
  total=$(ps -o rss= -p "$1" 2>/dev/null | awk '{s+=$1} END {print s+0}')
  total=$((total + $(ps -o rss= --ppid "$1" 2>/dev/null | awk '{s+=$1} END {print s+0}')))
  echo "$total"
}

rss_at_1000() { # cpu port
  on_cpu "$1" wrk -t1 -c1000 -d5s -s "$here/report.lua" "$SCHEME://127.0.0.1:$2/" >"$WORK/rss-wrk.txt" 2>&1 &
  local w=$!
  sleep 3.5
  rss_kib "$PID_PROXY"
  wait "$w" || true
}

layout_run() { # layout-name proxy-cpu load-cpu
  local name=$1 pcpu=$2 lcpu=$3
  log "layout $name: direct"
  R_direct=$(bench_median "$lcpu" $P_EAST)

  log "layout $name: slipway (warm-up first)"
  start_slipway "$pcpu" "$WORK/slipway.yaml"
  # C2 needs ~20 s of traffic to finish the hot path; until then its thread shares the pinned CPU.
  bench_once "$lcpu" $P_SLIPWAY "$CONNS" 20 >/dev/null
  R_slipway=$(bench_median "$lcpu" $P_SLIPWAY)
  if [[ $name == pinned ]]; then RSS_slipway=$(rss_at_1000 "$lcpu" $P_SLIPWAY); fi
  SLIPWAY_PID=$PID_PROXY
  stop_proxy

  log "layout $name: haproxy"
  start_haproxy "$pcpu" "$WORK/haproxy.cfg"
  bench_once "$lcpu" $P_HAPROXY "$CONNS" 2 >/dev/null
  R_haproxy=$(bench_median "$lcpu" $P_HAPROXY)
  if [[ $name == pinned ]]; then RSS_haproxy=$(rss_at_1000 "$lcpu" $P_HAPROXY); fi
  stop_proxy

  log "layout $name: nginx as proxy"
  start_nginx_proxy "$pcpu"
  bench_once "$lcpu" $P_NGINX "$CONNS" 2 >/dev/null
  R_nginx=$(bench_median "$lcpu" $P_NGINX)
  if [[ $name == pinned ]]; then RSS_nginx=$(rss_at_1000 "$lcpu" $P_NGINX); fi
  stop_proxy

  table "$name"
}

table() {
  local hap_rps hap_p99 direct_rps
  read -r direct_rps _ _ _ <<<"$R_direct"
  read -r hap_rps _ hap_p99 _ <<<"$R_haproxy"
  echo
  echo "### Layout: $1 ($RUNS runs x ${DURATION}s, $CONNS connections, median)"
  echo
  echo "| target | req/s | p50 ms | p99 ms | errors | req/s vs direct | req/s vs HAProxy | p99 vs HAProxy |"
  echo "|---|---|---|---|---|---|---|---|"
  for t in direct slipway haproxy nginx; do
    local v="R_$t" rps p50 p99 err
    read -r rps p50 p99 err <<<"${!v}"
    awk -v t="$t" -v rps="$rps" -v p50="$p50" -v p99="$p99" -v err="$err" -v d="$direct_rps" -v h="$hap_rps" -v hp="$hap_p99" \
      'BEGIN { printf "| %s | %d | %.2f | %.2f | %d | %.2f | %.2f | %.2f |\n", t, rps, p50, p99, err, rps/d, rps/h, (hp>0?p99/hp:0) }'
  done
}

paced_p99() { # cpu-proxy cpu-load rate
  local delay_ms
  delay_ms=$(awk -v c="$CONNS" -v r="$3" 'BEGIN { printf "%d", (c*1000/r < 1 ? 1 : c*1000/r) }')
  export WRK_DELAY_MS=$delay_ms
  echo "| target | offered req/s | achieved req/s | p50 ms | p99 ms |"
  echo "|---|---|---|---|---|"
  start_slipway "$1" "$WORK/slipway.yaml"
  bench_once "$2" $P_SLIPWAY "$CONNS" 20 >/dev/null
  read -r rps p50 p99 _ <<<"$(bench_median "$2" $P_SLIPWAY "$here/paced.lua")"
  echo "| slipway | $3 | $rps | $p50 | $p99 |"
  stop_proxy
  start_haproxy "$1" "$WORK/haproxy.cfg"
  read -r rps p50 p99 _ <<<"$(bench_median "$2" $P_HAPROXY "$here/paced.lua")"
  echo "| haproxy | $3 | $rps | $p50 | $p99 |"
  stop_proxy
}

now_ms() { date +%s%3N; }

failover_run() { # which: slipway|haproxy
  start_backend east $P_EAST -
  start_backend west $P_WEST -
  if [[ $1 == slipway ]]; then
    start_slipway - "$WORK/slipway-failover.yaml"; port=$P_SLIPWAY
    bench_once - $port "$CONNS" 3 >/dev/null
  else
    start_haproxy - "$WORK/haproxy-failover.cfg"; port=$P_HAPROXY
  fi
  bench_once - $port "$CONNS" 8 >"$WORK/failover-$1.txt" &
  local w=$!
  sleep 2
  local killed_at diverted_at=""
  killed_at=$(now_ms)
  kill -KILL $(ps -o pid= --ppid "$PID_east") "$PID_east" 2>/dev/null || true
  for _ in $(seq 1 200); do
    if [[ $1 == slipway ]]; then
      # The router records when the endpoint stopped taking traffic; polling alone would add curl's latency.
      local cfg
      cfg=$(curl -s "127.0.0.1:$P_ADMIN/config" | tr -d ' \n' || true)
      if grep -q '"name":"east","weight":1,"healthy":false' <<<"$cfg"; then
        diverted_at=$(grep -o '"unavailableSinceMillis":[0-9]*' <<<"$cfg" | cut -d: -f2 | sort -n | tail -1 || true)
        diverted_at=${diverted_at:-$(now_ms)}
        break
      fi
    else
      if curl -s "127.0.0.1:$P_HASTATS/stats;csv" | grep -q '^be,east,.*,DOWN'; then diverted_at=$(now_ms); break; fi
    fi
    sleep 0.02
  done
  wait "$w" || true
  stop_proxy
  kill "$PID_west" 2>/dev/null || true; wait "$PID_west" 2>/dev/null || true
  port_free $P_WEST
  local errs divert
  errs=$(awk '{print $6+$7}' "$WORK/failover-$1.txt")
  divert=$([[ -n $diverted_at ]] && echo "$((diverted_at - killed_at)) ms" || echo "not within 4 s")
  echo "| $1 | $(awk '{print $2}' "$WORK/failover-$1.txt") | $errs | $divert |"
}

main() {
  # 1,000 connections through a proxy need ~2,000 descriptors per process; HAProxy asks for 2 x maxconn.
  ulimit -n "$(ulimit -Hn)"
  install_missing
  if [[ $TLS == 1 ]]; then
    mkdir -p "$WORK/tls"
    # One certificate for all three proxies; OpenSSL 3 writes the key as PKCS#8, as the router wants it.
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=bench.test \
      -addext subjectAltName=DNS:bench.test,IP:127.0.0.1 \
      -keyout "$WORK/tls/key.pem" -out "$WORK/tls/cert.pem" 2>"$WORK/tls/openssl.log"
    chmod 600 "$WORK/tls/key.pem"
    cat "$WORK/tls/cert.pem" "$WORK/tls/key.pem" >"$WORK/tls/haproxy.pem"
  fi
  log "building the CLI (once) and writing configs to $WORK"
  # A fresh build: re-shading over an existing jar can keep stale classes of other modules.
  rm -f "$root/cli/target/slipway.jar"
  "$root/slipway" --version >/dev/null
  slipway_config "    clusters: [{name: east, endpoints: [127.0.0.1:$P_EAST]}]" >"$WORK/slipway.yaml"
  slipway_config "    healthCheck: {path: /healthz, interval: 1s, timeout: 500ms, fall: 2, rise: 2}
    clusters:
      - {name: east, endpoints: [127.0.0.1:$P_EAST]}
      - {name: west, endpoints: [127.0.0.1:$P_WEST]}" >"$WORK/slipway-failover.yaml"
  haproxy_config "server east 127.0.0.1:$P_EAST" >"$WORK/haproxy.cfg"
  haproxy_config "option httpchk GET /healthz" "server east 127.0.0.1:$P_EAST check" "server west 127.0.0.1:$P_WEST check" >"$WORK/haproxy-failover.cfg"

  echo "## Router benchmark ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, $(uname -r), clients over $SCHEME," \
       "load average $(cut -d' ' -f1 /proc/loadavg) at the start)"
  if [[ ${ONLY:-} == tls ]]; then
    start_backend east $P_EAST 0
    layout_run pinned 1 0
    echo
    echo "RSS at 1,000 keep-alive $SCHEME connections (pinned layout): slipway $((RSS_slipway / 1024)) MiB," \
         "haproxy $((RSS_haproxy / 1024)) MiB, nginx $((RSS_nginx / 1024)) MiB;" \
         "load average $(cut -d' ' -f1 /proc/loadavg) at the end"
    return
  fi
  if [[ ${ONLY:-} != failover ]]; then
  start_backend east $P_EAST 0
  layout_run pinned 1 0
  echo
  echo "RSS at 1,000 keep-alive connections (pinned layout): slipway $((RSS_slipway / 1024)) MiB," \
       "haproxy $((RSS_haproxy / 1024)) MiB, nginx $((RSS_nginx / 1024)) MiB"
  echo
  echo "### p99 at 50% of HAProxy's max rate (pinned)"
  echo
  read -r hap_rps _ <<<"$R_haproxy"
  paced_p99 1 0 $((hap_rps / 2))
  layout_run unpinned - -
  kill "$PID_east" 2>/dev/null || true; wait "$PID_east" 2>/dev/null || true
  port_free $P_EAST
  fi
  echo
  echo "### Failover: kill the east cluster 2 s into an 8 s run ($CONNS connections, unpinned)"
  echo
  echo "| proxy | requests | failed | time to divert |"
  echo "|---|---|---|---|"
  failover_run slipway
  failover_run haproxy
}

main "$@"
