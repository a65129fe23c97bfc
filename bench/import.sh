#!/usr/bin/env bash
# CSV import benchmark of MiniCRM (SQLite), beside the sqlite3 shell's .import, on 127.0.0.1.
#
#   bench/import.sh [--customers 1000000] [--big 5000000] [--orders 1000000] [--seed 7]
#                   [--runs 3] [--no-build]
#
# Steps: installs sqlite3 and curl when missing (apt-get, through sudo when not root);
# builds minicrm and minicrm_gen (Release) in build-bench/ (or $BENCH_BUILD_DIR);
# generates once into bench/out/ (reused while the parameters and the generator are
# unchanged) a customers CSV (--customers rows), an orders CSV naming those customers by
# email (--orders orders, one line per item), a database already holding --customers
# *other* customers, and a --big customers CSV for the memory check. Then per run:
#   - upload the customers CSV to `minicrm serve` on an empty database (sync import, one
#     curl): customers_empty_rows_per_s, and the server's peak RSS growth over its RSS
#     before the upload (VmHWM - VmRSS): customers_empty_rss_growth_mb;
#   - the same into the database holding other customers: customers_full_rows_per_s (and
#     _rss_growth_mb); then again while a loop POSTs single orders (one at a time, curl):
#     customers_full_with_writes_rows_per_s, and the latency of those small writes during
#     the import: concurrent_post_order_p50_ms/_p99_ms/_max_ms/_count;
#   - upload the orders CSV to that first database, restarted so the customer import's
#     checkpoint is not measured with it (customer aggregates maintained):
#     orders_rows_per_s (CSV lines per second), then checks every customer's aggregates
#     against the orders table (aggregate_mismatches, must be 0);
#   - `minicrm import customers` (the CLI) into an empty database: cli_customers_rows_per_s;
#   - the sqlite3 shell's `.import` of the same file into a table with the same columns and
#     the same indexes as MiniCRM's customers (unique email, name NOCASE, city), WAL, default
#     cache: sqlite3_shell_import_rows_per_s; and into a table without indexes:
#     sqlite3_shell_import_noindex_rows_per_s.
# Once (when --big > 0): upload the --big file to a fresh server: big_rss_growth_mb, to
# compare with customers_empty_rss_growth_mb (memory must not grow with the file).
# Output: one JSON line per figure ({"bench", "value", "unit", "run"}), then the medians
# (names suffixed _median); progress on stderr. Lines are appended to
# bench/out/results.jsonl. host_load_1m is recorded before each run: the machine is shared
# and other work skews every figure.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
OUT="$ROOT/bench/out"
BUILD_DIR=${BENCH_BUILD_DIR:-$ROOT/build-bench}

CUSTOMERS=1000000
BIG=5000000
ORDERS=1000000
SEED=7
RUNS=3
BUILD=1

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

while (($#)); do
  case "$1" in
    --customers) CUSTOMERS=$2; shift 2 ;;
    --big) BIG=$2; shift 2 ;;
    --orders) ORDERS=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) usage ;;
    *) echo "import.sh: unknown argument $1" >&2; usage ;;
  esac
done
for v in CUSTOMERS BIG ORDERS SEED RUNS; do
  [[ ${!v} =~ ^[0-9]+$ ]] || { echo "import.sh: --${v,,} must be a number" >&2; exit 2; }
done
((RUNS >= 1)) || { echo "import.sh: --runs must be >= 1" >&2; exit 2; }

log() { printf 'import.sh: %s\n' "$*" >&2; }

mkdir -p "$OUT"
RESULTS="$OUT/results.jsonl"
TMP=$(mktemp -d /tmp/minicrm-import-bench.XXXXXX)
SERVER_PIDS=()
LOOP_PID=""

MAIN_PID=$BASHPID
cleanup() {
  local rc=$?
  [[ $BASHPID == "$MAIN_PID" ]] || return 0
  [[ -n $LOOP_PID ]] && kill "$LOOP_PID" 2>/dev/null || true
  local pid
  for pid in "${SERVER_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${SERVER_PIDS[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

secs_since() { awk -v a="$1" -v b="$(now_ns)" 'BEGIN { printf "%.3f\n", (b - a) / 1e9 }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f\n", n / s; else print "null" }'; }

install_packages() { install_missing sqlite3 curl; }

# ---------------------------------------------------------------------------------------
# Output (as bench/http.sh)

declare -A SERIES=() UNITS=()
ORDER=()

emit() {  # name value unit [run]
  local name=$1 value=$2 unit=$3 run=${4:-} line
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

# ---------------------------------------------------------------------------------------
# Servers


kib() { awk -v k="$2" '$1 == k":" { print $2 }' "/proc/$1/status"; }

# Starts `minicrm serve` on DB; sets SERVER_PID and PORT; waits for /readyz and for the
# in-memory customer index to be loaded (its RSS is the baseline, not the import's).
start_server() {
  local db=$1 log="$TMP/server-$RANDOM.log"
  PORT=$(free_port)
  mkdir -p "$TMP/cwd"
  (cd "$TMP/cwd" && exec env ACCESS_LOG=off LOG_LEVEL=info HOST=127.0.0.1 PORT="$PORT" \
     DATABASE_URL="sqlite:$db" SQLITE_SYNCHRONOUS=FULL "$MINICRM" serve >"$log" 2>&1) &
  SERVER_PID=$!
  SERVER_PIDS+=("$SERVER_PID")
  SERVER_LOG=$log
  local t0
  t0=$(now_ns)
  until curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; do
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$log" >&2; die "the server exited while starting"; }
    (( ($(now_ns) - t0) < 300000000000 )) || die "the server was not ready within 300 s"
    sleep 0.05
  done
  until grep -q '"customer index loaded"' "$log"; do sleep 0.1; done
  sleep 0.5
}

stop_server() {
  kill -TERM "$SERVER_PID"
  local rc=0
  wait "$SERVER_PID" || rc=$?
  ((rc == 0)) || die "the server exited with $rc"
}

# Uploads CSV to PATH on the running server; prints "rows seconds" from the report.
upload() {
  local file=$1 path=$2 out="$TMP/upload.json" t0 s
  t0=$(now_ns)
  curl -sS -o "$out" -H 'Content-Type: text/csv' --data-binary @"$file" \
    "http://127.0.0.1:$PORT$path" || die "upload of $file failed"
  s=$(secs_since "$t0")
  grep -q '"summary"' "$out" || { cat "$out" >&2; die "no import report for $file"; }
  local received
  received=$(grep -o '"received":[0-9]*' "$out" | head -1 | cut -d: -f2)
  log "  $(grep -o '"summary":{[^}]*}' "$out")"
  echo "$received $s"
}

# ---------------------------------------------------------------------------------------
# Build and data

install_packages
for cmd in sqlite3 curl cmake ninja ss; do
  command -v "$cmd" >/dev/null || die "$cmd is not installed"
done
if ((BUILD)); then
  log "building in $BUILD_DIR"
  if [[ ! -f $BUILD_DIR/build.ninja ]]; then
    cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMINICRM_TESTS=OFF -DMINICRM_BENCH=ON >&2
  fi
  ninja -C "$BUILD_DIR" minicrm minicrm_gen >&2 || die "the build failed"
fi
MINICRM="$BUILD_DIR/minicrm"
GEN="$BUILD_DIR/minicrm_gen"
for bin in "$MINICRM" "$GEN"; do [[ -x $bin ]] || die "$bin is missing: build first"; done

NOW=2025-06-01T00:00:00Z  # fixed, so files are reused across days
FP=$(cat "$GEN" "$ROOT/src/store/sqlite/migrations.sql" | sha256sum | cut -c1-12)
CUST_CSV="$OUT/import-customers-$CUSTOMERS-s$SEED-$FP.csv"
ORDERS_CSV="$OUT/import-orders-$ORDERS-c$CUSTOMERS-s$SEED-$FP.csv"
OTHER_DB="$OUT/import-other-$CUSTOMERS-s$((SEED + 1000))-$FP.db"
BIG_CSV="$OUT/import-customers-$BIG-s$SEED-$FP.csv"
[[ -s $CUST_CSV ]] || "$GEN" customers --count "$CUSTOMERS" --seed "$SEED" --now "$NOW" --out "$CUST_CSV" >&2
[[ -s $ORDERS_CSV ]] || "$GEN" orders --count "$ORDERS" --customers "$CUSTOMERS" --seed "$SEED" \
  --now "$NOW" --out "$ORDERS_CSV" >&2
if [[ ! -s $OTHER_DB ]]; then
  rm -f "$OTHER_DB.tmp"
  "$MINICRM" migrate --database-url "sqlite:$OTHER_DB.tmp" >&2
  "$GEN" sqlite --customers "$CUSTOMERS" --orders 0 --seed "$((SEED + 1000))" --now "$NOW" \
    --db "$OTHER_DB.tmp" >&2
  rm -f "$OTHER_DB.tmp-wal" "$OTHER_DB.tmp-shm"
  mv "$OTHER_DB.tmp" "$OTHER_DB"
fi
if ((BIG > 0)) && [[ ! -s $BIG_CSV ]]; then
  "$GEN" customers --count "$BIG" --seed "$SEED" --now "$NOW" --out "$BIG_CSV" >&2
fi
ORDER_LINES=$(($(wc -l <"$ORDERS_CSV") - 1))
log "customers $CUST_CSV ($(du -h "$CUST_CSV" | cut -f1)), orders $ORDER_LINES lines"

AGG_SQL="
SELECT count(*) FROM customers c LEFT JOIN (
    SELECT customer_id, sum(amount) AS spend, count(*) AS n, max(order_date) AS last
    FROM orders WHERE status = 'completed' GROUP BY customer_id) o ON o.customer_id = c.id
WHERE c.order_spend != coalesce(o.spend, 0) OR c.order_visits != coalesce(o.n, 0)
   OR c.last_order_at IS NOT o.last;"

# The same columns and indexes as MiniCRM's customers table, for the shell's .import.
SHELL_SCHEMA="PRAGMA journal_mode=WAL;
CREATE TABLE customers_csv (name TEXT, email TEXT NOT NULL, phone TEXT, totalSpend TEXT,
  visits TEXT, lastActive TEXT, city TEXT);
CREATE UNIQUE INDEX customers_csv_email ON customers_csv (email);
CREATE INDEX customers_csv_name ON customers_csv (name COLLATE NOCASE);
CREATE INDEX customers_csv_city ON customers_csv (city);"

# Small writes during an import: POST /orders one at a time until the file $1 exists;
# latencies (ms) to $2.
post_loop() {
  local stop=$1 out=$2 cid=$3 body
  body="{\"customer\":\"$cid\",\"items\":[{\"name\":\"Tea\",\"quantity\":1,\"price\":1}]}"
  while [[ ! -e $stop ]]; do
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -H 'Content-Type: application/json' \
      -d "$body" "http://127.0.0.1:$PORT/api/v1/orders" >>"$out" || true
  done
}

# ---------------------------------------------------------------------------------------
# Runs

for run in $(seq 1 "$RUNS"); do
  emit host_load_1m "$(cut -d' ' -f1 /proc/loadavg)" load "$run"

  log "run $run: customers into an empty database over HTTP"
  db="$TMP/empty-$run.db"
  start_server "$db"
  before=$(kib "$SERVER_PID" VmRSS)
  read -r rows secs < <(upload "$CUST_CSV" /api/v1/customers/bulk)
  peak=$(kib "$SERVER_PID" VmHWM)
  emit customers_empty_rows_per_s "$(rate "$rows" "$secs")" rows/s "$run"
  emit customers_empty_seconds "$secs" s "$run"
  emit customers_empty_rss_growth_mb "$(( (peak - before) / 1024 ))" MB "$run"

  # A fresh server for the orders: started right after the customers, the orders import ran
  # while the background checkpointer still copied the customer import's WAL (~600 MB), so
  # it measured the two together.
  stop_server
  start_server "$db"
  log "run $run: orders ($ORDER_LINES lines) over HTTP"
  read -r rows secs < <(upload "$ORDERS_CSV" /api/v1/orders/bulk)
  emit orders_rows_per_s "$(rate "$rows" "$secs")" rows/s "$run"
  emit orders_seconds "$secs" s "$run"
  stop_server
  emit aggregate_mismatches "$(sqlite3 "$db" "$AGG_SQL")" count "$run"
  rm -f "$db" "$db-wal" "$db-shm"; rm -rf "$db.imports"

  log "run $run: customers into a database holding $CUSTOMERS others"
  db="$TMP/full-$run.db"
  cp "$OTHER_DB" "$db"
  start_server "$db"
  before=$(kib "$SERVER_PID" VmRSS)
  read -r rows secs < <(upload "$CUST_CSV" /api/v1/customers/bulk)
  peak=$(kib "$SERVER_PID" VmHWM)
  emit customers_full_rows_per_s "$(rate "$rows" "$secs")" rows/s "$run"
  emit customers_full_seconds "$secs" s "$run"
  emit customers_full_rss_growth_mb "$(( (peak - before) / 1024 ))" MB "$run"
  stop_server
  rm -f "$db" "$db-wal" "$db-shm"; rm -rf "$db.imports"

  log "run $run: the same, with concurrent POST /orders"
  cp "$OTHER_DB" "$db"
  start_server "$db"
  cid=$(curl -s -H 'Content-Type: application/json' \
    -d '{"name":"Bench Shop","email":"bench-shop@example.invalid"}' \
    "http://127.0.0.1:$PORT/api/v1/customers" | sed -E 's/.*"_id":"([0-9a-f]{24})".*/\1/')
  lat="$TMP/latency-$run.txt"; stopfile="$TMP/stop-$run"
  : >"$lat"; rm -f "$stopfile"
  post_loop "$stopfile" "$lat" "$cid" &
  LOOP_PID=$!
  read -r rows secs < <(upload "$CUST_CSV" /api/v1/customers/bulk)
  touch "$stopfile"; wait "$LOOP_PID" || true; LOOP_PID=""
  emit customers_full_with_writes_rows_per_s "$(rate "$rows" "$secs")" rows/s "$run"
  ok=$(awk '$1 == 201' "$lat" | wc -l)
  emit concurrent_post_order_count "$ok" count "$run"
  emit concurrent_post_order_errors "$(awk '$1 != 201' "$lat" | wc -l)" count "$run"
  if ((ok > 0)); then
    sorted=$(awk '$1 == 201 { printf "%.3f\n", $2 * 1000 }' "$lat" | sort -g)
    emit concurrent_post_order_p50_ms "$(awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}' <<<"$sorted")" ms "$run"
    emit concurrent_post_order_p99_ms "$(awk '{v[NR]=$1} END {i=int(NR*0.99); if (i<1) i=1; print v[i]}' <<<"$sorted")" ms "$run"
    emit concurrent_post_order_max_ms "$(tail -1 <<<"$sorted")" ms "$run"
  fi
  stop_server
  rm -f "$db" "$db-wal" "$db-shm"; rm -rf "$db.imports"

  log "run $run: the CLI into an empty database"
  db="$TMP/cli-$run.db"
  t0=$(now_ns)
  "$MINICRM" import customers "$CUST_CSV" --database-url "sqlite:$db" >"$TMP/cli.txt" 2>&1 ||
    { cat "$TMP/cli.txt" >&2; die "the CLI import failed"; }
  secs=$(secs_since "$t0")
  tail -1 "$TMP/cli.txt" >&2
  emit cli_customers_rows_per_s "$(rate "$CUSTOMERS" "$secs")" rows/s "$run"
  rm -f "$db" "$db-wal" "$db-shm"; rm -rf "$db.imports"

  log "run $run: sqlite3 shell .import (same columns and indexes)"
  db="$TMP/shell-$run.db"
  sqlite3 "$db" "$SHELL_SCHEMA" >/dev/null
  t0=$(now_ns)
  sqlite3 "$db" -cmd ".mode csv" ".import --skip 1 $CUST_CSV customers_csv" >&2
  secs=$(secs_since "$t0")
  emit sqlite3_shell_import_rows_per_s "$(rate "$CUSTOMERS" "$secs")" rows/s "$run"
  rm -f "$db" "$db-wal" "$db-shm"
  sqlite3 "$db" "PRAGMA journal_mode=WAL; CREATE TABLE customers_csv (name TEXT, email TEXT, phone TEXT, totalSpend TEXT, visits TEXT, lastActive TEXT, city TEXT);" >/dev/null
  t0=$(now_ns)
  sqlite3 "$db" -cmd ".mode csv" ".import --skip 1 $CUST_CSV customers_csv" >&2
  secs=$(secs_since "$t0")
  emit sqlite3_shell_import_noindex_rows_per_s "$(rate "$CUSTOMERS" "$secs")" rows/s "$run"
  rm -f "$db" "$db-wal" "$db-shm"
done

if ((BIG > 0)); then
  log "memory check: $BIG customers into an empty database over HTTP"
  db="$TMP/big.db"
  start_server "$db"
  before=$(kib "$SERVER_PID" VmRSS)
  read -r rows secs < <(upload "$BIG_CSV" /api/v1/customers/bulk)
  peak=$(kib "$SERVER_PID" VmHWM)
  emit big_rows "$rows" rows
  emit big_rows_per_s "$(rate "$rows" "$secs")" rows/s
  emit big_rss_growth_mb "$(( (peak - before) / 1024 ))" MB
  index=$(curl -s "http://127.0.0.1:$PORT/metrics" | awk '/^minicrm_customer_index_bytes/ { printf "%d", $2 / 1048576 }')
  emit big_customer_index_mb "${index:-0}" MB
  stop_server
  rm -f "$db" "$db-wal" "$db-shm"; rm -rf "$db.imports"
fi

for name in "${ORDER[@]}"; do
  emit "${name}_median" "$(median <<<"${SERIES[$name]}")" "${UNITS[$name]}"
done
