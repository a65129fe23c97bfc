#!/usr/bin/env bash
# HTTP benchmark of `minicrm serve` (SQLite) against an nginx baseline, on 127.0.0.1 only.
#
#   bench/http.sh [--customers 1000000] [--orders N] [--seed 42] [--duration 15s]
#                 [--connections 64] [--threads NPROC] [--runs 3] [--warmup 2s] [--no-build]
#
# Steps: installs wrk, nginx-light and sqlite3 when missing (apt-get, through sudo when
# not root); builds minicrm, minicrm_gen and minicrm_fsync_probe (Release) in build-bench/
# (or $BENCH_BUILD_DIR); generates the database once into bench/out/ (reused while the
# parameters and the generator are unchanged); measures fsync latency on that disk; then for
# each run, on a fresh copy of the generated database:
#   - starts `minicrm serve` (ACCESS_LOG=off, LOG_LEVEL=warn, a free port), times exec to
#     the first 200 of /readyz, reads VmRSS 0.5 s later (idle_rss_at_ready_mb), waits for
#     the customer index to load (minicrm_customer_index_loaded) and reads the idle VmRSS
#     again (idle_rss_mb, and its anonymous part idle_rss_anon_mb), then once more after a
#     preview that reads every customer's email (rss_after_text_preview_mb),
#   - wrk GET /api/v1/customers/:id (random ids), then POST /api/v1/orders (random
#     customers, 1-2 items), both with bench/lua/minicrm.lua,
#   - SIGTERM, which must exit 0,
#   - checks every customer's order aggregates against the orders table (sqlite3),
#   - runs nginx (worker_processes = the server's io threads = online CPUs) returning a fixed
#     small JSON body, under the same wrk load, and stops it by its pid file.
# Output: one JSON line per figure on stdout ({"bench", "value", "unit", "run"}), then the
# medians over the runs (names suffixed _median); progress on stderr. The JSON lines are also
# appended to bench/out/results.jsonl. Besides the headline figures each run reports
# host_load_1m (the load average before it starts: anything else running skews everything),
# p50s, wrk's error counts (*_http_errors: status >= 400; *_socket_errors), the server's exit
# code and drain time, and post_orders_committed (orders stored by the POST run; at least
# wrk's request count, since requests in flight at the end are committed too). A 2 s GET
# warm-up (--warmup, 0 to skip) precedes the measured GET run.
#
# --no-build uses the binaries already in the build directory (for when the tree does not
# build at the moment). Environment: BENCH_BUILD_DIR overrides the build directory (default build-bench/ in the
# repository root).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
BENCH="$ROOT/bench"
OUT="$BENCH/out"
BUILD_DIR=${BENCH_BUILD_DIR:-$ROOT/build-bench}
LUA="$BENCH/lua/minicrm.lua"

CUSTOMERS=1000000
ORDERS=""
SEED=42
DURATION=15s
CONNECTIONS=64
THREADS=""
RUNS=3
WARMUP=2s
BUILD=1

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

while (($#)); do
  case "$1" in
    --customers) CUSTOMERS=$2; shift 2 ;;
    --orders) ORDERS=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) usage ;;
    *) echo "http.sh: unknown argument $1" >&2; usage ;;
  esac
done
ORDERS=${ORDERS:-$CUSTOMERS}
for v in CUSTOMERS ORDERS SEED CONNECTIONS RUNS; do
  [[ ${!v} =~ ^[0-9]+$ ]] || { echo "http.sh: --${v,,} must be a number" >&2; exit 2; }
done
((RUNS >= 1)) || { echo "http.sh: --runs must be >= 1" >&2; exit 2; }
CPUS=$(getconf _NPROCESSORS_ONLN)  # what std::thread::hardware_concurrency() reports
IO_THREADS=$CPUS                  # the server's default (IO_THREADS=0: one per core)
THREADS=${THREADS:-$CPUS}

log() { printf 'http.sh: %s\n' "$*" >&2; }

mkdir -p "$OUT"
RESULTS="$OUT/results.jsonl"
TMP=$(mktemp -d /tmp/minicrm-bench.XXXXXX)
SERVER_PID=""
NGINX_PID_FILE=""
WATCHDOG_PID=""

MAIN_PID=$BASHPID
cleanup() {
  local rc=$?
  [[ $BASHPID == "$MAIN_PID" ]] || return 0  # not in subshells
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  if [[ -n $NGINX_PID_FILE && -s $NGINX_PID_FILE ]]; then
    kill -TERM "$(cat "$NGINX_PID_FILE")" 2>/dev/null || true
  fi
  [[ -n $WATCHDOG_PID ]] && kill "$WATCHDOG_PID" 2>/dev/null || true
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A sleep without a fork: read from a pipe nobody writes, with a timeout.
exec {NAP_FD}<> <(:)


# ---------------------------------------------------------------------------------------
# Packages

install_packages() { install_missing wrk nginx-light:nginx sqlite3; }

# ---------------------------------------------------------------------------------------
# Output

declare -A SERIES=() UNITS=()
ORDER=()

emit() {  # name value unit [run]
  local name=$1 value=$2 unit=$3 run=${4:-}
  local line
  if [[ -n $run ]]; then
    line=$(printf '{"bench":"%s","value":%s,"unit":"%s","run":%s}' "$name" "$value" "$unit" "$run")
    if [[ -z ${SERIES[$name]+x} ]]; then ORDER+=("$name"); SERIES[$name]=""; fi
    SERIES[$name]+="$value "
    UNITS[$name]=$unit
  else
    line=$(printf '{"bench":"%s","value":%s,"unit":"%s"}' "$name" "$value" "$unit")
  fi
  printf '%s\n' "$line"
  printf '%s\n' "$line" >>"$RESULTS"
}


median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{v[NR]=$1} END {
  if (NR == 0) { print "null"; exit }
  if (NR % 2) m = v[(NR + 1) / 2]; else m = (v[NR / 2] + v[NR / 2 + 1]) / 2;
  printf "%.6g\n", m }'; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.4f\n", a / b; else print "null" }'; }

# ---------------------------------------------------------------------------------------
# Ports and processes




rss_mb() { awk -v k="${2:-VmRSS}:" '$1 == k { printf "%.1f\n", $2 / 1024 }' "/proc/$1/status"; }

# Runs wrk; prints the WRK_RESULT fields as shell assignments (w_requests=..., w_rps=...).
run_wrk() {  # label port duration mode
  local label=$1 port=$2 duration=$3 mode=$4 out="$TMP/wrk-$1.txt"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$duration" --latency -s "$LUA" \
    "http://127.0.0.1:$port" -- "$mode" "$IDS" >"$out" 2>&1 || {
    cat "$out" >&2
    die "wrk ($label) failed"
  }
  local result
  result=$(grep '^WRK_RESULT ' "$out" | tail -1) || { cat "$out" >&2; die "wrk ($label): no result line"; }
  sed -n '/Thread Stats/,/ 99%/p' "$out" | sed 's/^/    /' >&2
  grep -E 'requests in|Non-2xx|Socket errors' "$out" | sed 's/^/    /' >&2 || true
  local kv
  for kv in ${result#WRK_RESULT }; do printf 'w_%s\n' "$kv"; done
}

# ---------------------------------------------------------------------------------------
# Build and data

install_packages
for cmd in wrk nginx sqlite3 cmake ninja; do
  command -v "$cmd" >/dev/null || die "$cmd is not installed"
done

if ((BUILD)); then
  log "building in $BUILD_DIR"
  if [[ ! -f $BUILD_DIR/build.ninja ]]; then
    cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMINICRM_TESTS=OFF -DMINICRM_BENCH=ON >&2
  fi
  ninja -C "$BUILD_DIR" minicrm minicrm_gen minicrm_fsync_probe >&2 ||
    die "the build failed (--no-build runs the binaries already in $BUILD_DIR)"
fi
MINICRM="$BUILD_DIR/minicrm"
GEN="$BUILD_DIR/minicrm_gen"
PROBE="$BUILD_DIR/minicrm_fsync_probe"
for bin in "$MINICRM" "$GEN" "$PROBE"; do [[ -x $bin ]] || die "$bin is missing: build first"; done

KEY="c$CUSTOMERS-o$ORDERS-s$SEED"
DB="$OUT/minicrm-$KEY.db"
IDS="$OUT/minicrm-$KEY.ids"
META="$OUT/minicrm-$KEY.meta"
# The data depends on the parameters, the generator (with the core code it links: item
# encoding, ids) and the schema.
FINGERPRINT="customers=$CUSTOMERS orders=$ORDERS seed=$SEED $(cat "$GEN" \
  "$ROOT/src/store/sqlite/migrations.sql" | sha256sum | cut -c1-16)"

if [[ -f $DB && -f $IDS && -f $META && $(head -1 "$META") == "$FINGERPRINT" ]]; then
  log "reusing $DB ($(sed -n 2p "$META"))"
else
  log "generating $CUSTOMERS customers and $ORDERS orders into $DB"
  # The meta file is written last: without it the data is never reused.
  rm -f "$META" "$DB" "$DB-wal" "$DB-shm" "$IDS"
  "$MINICRM" migrate --database-url "sqlite:$DB" >&2
  gen_json=$("$GEN" sqlite --customers "$CUSTOMERS" --orders "$ORDERS" --seed "$SEED" \
    --db "$DB" --ids-out "$IDS")
  if [[ -s $DB-wal ]]; then die "the generator left a non-empty WAL behind"; fi
  rm -f "$DB-wal" "$DB-shm"
  printf '%s\n%s\n' "$FINGERPRINT" "$gen_json" >"$META"
  emit_raw "$gen_json"
fi
BASE_ORDERS=$(sqlite3 "$DB" "SELECT count(*) FROM orders")

log "fsync probe in $OUT"
sync -f "$OUT/"  # write back what the generator left dirty first
emit_raw "$("$PROBE" "$OUT")"

WORK_DB="$OUT/run.db"

AGG_SQL="
SELECT count(*) FROM customers c LEFT JOIN (
    SELECT customer_id, sum(amount) AS spend, count(*) AS n, max(order_date) AS last
    FROM orders WHERE status = 'completed' GROUP BY customer_id) o ON o.customer_id = c.id
WHERE c.order_spend != coalesce(o.spend, 0) OR c.order_visits != coalesce(o.n, 0)
   OR c.last_order_at IS NOT o.last;"

# ---------------------------------------------------------------------------------------
# Runs

log "runs=$RUNS duration=$DURATION connections=$CONNECTIONS wrk threads=$THREADS" \
    "server io threads=$IO_THREADS cpus=$CPUS"
for run in $(seq 1 "$RUNS"); do
  log "run $run/$RUNS: fresh copy of the database"
  rm -f "$WORK_DB" "$WORK_DB-wal" "$WORK_DB-shm"
  cp "$DB" "$WORK_DB"
  sync -f "$WORK_DB"  # no write-back of the copy during the measurements
  # Other work on the machine skews every figure: record the load average before each run.
  emit host_load_1m "$(cut -d' ' -f1 /proc/loadavg)" load "$run"

  port=$(free_port)
  SERVER_LOG="$TMP/server-$run.log"
  mkdir -p "$TMP/cwd"  # no .env from the repository is read
  t0=$(now_ns)
  (cd "$TMP/cwd" && exec env ACCESS_LOG=off LOG_LEVEL=warn HOST=127.0.0.1 PORT="$port" \
     DATABASE_URL="sqlite:$WORK_DB" "$MINICRM" serve >"$SERVER_LOG" 2>&1) &
  SERVER_PID=$!
  until http_ok "$port" /readyz; do
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$SERVER_LOG" >&2; die "the server exited while starting"; }
    (( ($(now_ns) - t0) < 120000000000 )) || die "the server was not ready within 120 s"
    nap 0.001
  done
  t1=$(now_ns)
  emit start_to_ready_ms "$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.1f", d / 1e6 }')" ms "$run"
  nap 0.5
  emit idle_rss_at_ready_mb "$(rss_mb "$SERVER_PID")" MB "$run"
  # The customer index loads in the background after ready: the idle figure is taken once
  # it has (its allowance is 64 bytes per customer on top of 50 MB).
  t2=$(now_ns)
  until curl -s "http://127.0.0.1:$port/metrics" | grep -q '^minicrm_customer_index_loaded 1'; do
    (( ($(now_ns) - t2) < 120000000000 )) || die "the customer index did not load within 120 s"
    nap 0.05
  done
  emit index_load_ms "$(awk -v d=$(($(now_ns) - t2)) 'BEGIN { printf "%.1f", d / 1e6 }')" ms "$run"
  nap 0.5
  emit idle_rss_mb "$(rss_mb "$SERVER_PID")" MB "$run"
  emit idle_rss_anon_mb "$(rss_mb "$SERVER_PID" RssAnon)" MB "$run"
  # The index's text (names, emails, phones) lives in a mapped file and is mapped in when a
  # preview reads it: the resident figure after one preview that reads every email.
  curl -s -o /dev/null -X POST -H 'Content-Type: application/json' \
    -d '{"segmentRules":{"email":{"$regex":"@"}}}' "http://127.0.0.1:$port/api/v1/campaigns/preview"
  emit rss_after_text_preview_mb "$(rss_mb "$SERVER_PID")" MB "$run"
  log "server pid $SERVER_PID on 127.0.0.1:$port"

  if [[ $WARMUP != 0 && $WARMUP != 0s ]]; then
    log "warm-up GET $WARMUP"
    run_wrk "warmup-$run" "$port" "$WARMUP" get >/dev/null
  fi

  log "wrk GET /api/v1/customers/:id for $DURATION"
  res=$(run_wrk "get-$run" "$port" "$DURATION" get)
  eval "$res"
  get_rps=$w_rps
  emit get_customer_rps "$w_rps" req/s "$run"
  emit get_customer_p50_ms "$w_p50_ms" ms "$run"
  emit get_customer_p99_ms "$w_p99_ms" ms "$run"
  emit get_customer_http_errors "$w_http_errors" count "$run"
  emit get_customer_socket_errors $((w_connect_errors + w_read_errors + w_write_errors + w_timeouts)) count "$run"

  log "wrk POST /api/v1/orders for $DURATION"
  res=$(run_wrk "post-$run" "$port" "$DURATION" post)
  eval "$res"
  post_requests=$w_requests
  emit post_order_rps "$w_rps" req/s "$run"
  emit post_order_p50_ms "$w_p50_ms" ms "$run"
  emit post_order_p99_ms "$w_p99_ms" ms "$run"
  emit post_order_http_errors "$w_http_errors" count "$run"
  emit post_order_socket_errors $((w_connect_errors + w_read_errors + w_write_errors + w_timeouts)) count "$run"

  log "stopping the server (SIGTERM)"
  t0=$(now_ns)
  kill -TERM "$SERVER_PID"
  (read -r -t 60 -u "$NAP_FD" _ || kill -KILL "$SERVER_PID" 2>/dev/null) &
  WATCHDOG_PID=$!
  rc=0
  wait "$SERVER_PID" || rc=$?
  t1=$(now_ns)
  kill "$WATCHDOG_PID" 2>/dev/null || true
  wait "$WATCHDOG_PID" 2>/dev/null || true
  WATCHDOG_PID=""
  SERVER_PID=""
  emit server_exit_code "$rc" code "$run"
  emit stop_ms "$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.1f", d / 1e6 }')" ms "$run"
  if ((rc != 0)); then
    log "the server exited with status $rc; its log:"
    tail -20 "$SERVER_LOG" >&2
  elif grep -qv '^minicrm: serving on' "$SERVER_LOG"; then
    log "server log (warnings and errors):"
    grep -v '^minicrm: serving on' "$SERVER_LOG" | tail -20 >&2
  fi

  log "checking customer aggregates against the orders table"
  mismatches=$(sqlite3 "$WORK_DB" "$AGG_SQL")
  emit aggregates_mismatches "$mismatches" count "$run"
  orders_now=$(sqlite3 "$WORK_DB" "SELECT count(*) FROM orders")
  emit post_orders_committed $((orders_now - BASE_ORDERS)) count "$run"
  if ((orders_now - BASE_ORDERS < post_requests)); then
    log "warning: wrk counted $post_requests answered POSTs but only $((orders_now - BASE_ORDERS)) orders were stored"
  fi

  log "nginx baseline (worker_processes $IO_THREADS)"
  nport=$(free_port)
  NG="$TMP/nginx-$run"
  mkdir -p "$NG"
  cat >"$NG/nginx.conf" <<EOF
worker_processes $IO_THREADS;
pid $NG/nginx.pid;
error_log $NG/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 75s;
  client_body_temp_path $NG/body;
  proxy_temp_path $NG/proxy;
  fastcgi_temp_path $NG/fastcgi;
  uwsgi_temp_path $NG/uwsgi;
  scgi_temp_path $NG/scgi;
  server {
    listen 127.0.0.1:$nport;
    location / {
      default_type application/json;
      return 200 '{"ok":true,"data":{"service":"nginx","status":"ok"}}';
    }
  }
}
EOF
  NGINX_PID_FILE="$NG/nginx.pid"
  nginx -p "$NG" -c "$NG/nginx.conf" -e "$NG/error.log" >&2
  for _ in $(seq 1000); do http_ok "$nport" / && break; nap 0.01; done
  http_ok "$nport" / || die "nginx did not answer on port $nport"
  res=$(run_wrk "nginx-$run" "$nport" "$DURATION" plain)
  eval "$res"
  emit nginx_rps "$w_rps" req/s "$run"
  emit nginx_p50_ms "$w_p50_ms" ms "$run"
  emit nginx_p99_ms "$w_p99_ms" ms "$run"
  emit get_vs_nginx_ratio "$(ratio "$get_rps" "$w_rps")" ratio "$run"
  npid=$(cat "$NGINX_PID_FILE")
  kill -TERM "$npid"
  for _ in $(seq 500); do kill -0 "$npid" 2>/dev/null || break; nap 0.01; done
  kill -0 "$npid" 2>/dev/null && die "nginx (pid $npid) did not stop"
  NGINX_PID_FILE=""
done
rm -f "$WORK_DB" "$WORK_DB-wal" "$WORK_DB-shm"

for name in "${ORDER[@]}"; do
  emit "${name}_median" "$(median <<<"${SERIES[$name]}")" "${UNITS[$name]}"
done
