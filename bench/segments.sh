#!/usr/bin/env bash
# Segment-preview benchmark: POST /api/v1/campaigns/preview of `minicrm serve` (SQLite, the
# in-memory customer index) against plain SQL on the same file, on 127.0.0.1 only.
#
#   bench/segments.sh [--customers 1000000] [--also 5000000] [--calls 100] [--warmup 20]
#                     [--runs 3] [--also-runs RUNS] [--orders-per-customer 0.1] [--seed 42]
#                     [--limit 20] [--sql-calls 3] [--max-other-cpu 10] [--retries 2]
#                     [--quiet-wait 300] [--no-store-sql] [--no-probe] [--no-build]
#
# For each database size (--customers, then --also when given):
#   1. generates the database once into bench/out/ with minicrm_gen (customers x
#      --orders-per-customer orders; reused while the parameters, the generator and the
#      schema are unchanged; same file names and meta files as bench/http.sh),
#   2. with no server running: for every rule of the mix,
#      - sqlite_count_ms: a hand-written `SELECT count(*) FROM customers WHERE ...` over the
#        served columns (field "floor_sql"), in the sqlite3 shell,
#      - sqlite_shell_preview_ms: the two statements the server's SQL path runs (count, then
#        ORDER BY last_active DESC, id DESC LIMIT --limit), compiled from the rule by the
#        server's own compiler (minicrm_segbench sql; field "where"). The shell has no
#        minicrm_regexp, so a $regex runs as the shell's regexpi()/regexp() there (flagged
#        "regex_replaced"). "server_binds_match_placeholders" is false when the server's
#        SqlSegment binds its values in another order than its placeholders, i.e. when
#        the server itself runs a different query than the one timed here,
#      - store_sql_preview_ms: SqliteStore::previewSegment forced onto the SQL engine in
#        process (exactly the path the server takes before its index is loaded, including
#        RE2 and its own bind order; budget lifted, calls over the server's 2 s budget
#        counted; "total_correct" compares its total with the shell's count of the
#        intended query, within 0.01% of the customers since relative dates move with the
#        clock) (--no-store-sql skips it),
#      the shell ones with the server's reader pragmas (cache 8 MiB, mmap 2 GiB, temp_store
#      memory), one untimed warm-up then the median of 3 (`.timer on`, real time),
#   3. per run: starts `minicrm serve` (LOG_LEVEL=info, ACCESS_LOG=off, a free port), waits
#      for /readyz then for the log line "customer index loaded" (index_load_ms is the
#      server's own figure from that line; index_ready_ms the wall time from exec until the
#      line was seen, up to 1 s late since the log flushes every second), reads VmRSS and
#      VmHWM, then minicrm_segbench http sends, per rule, --warmup then --calls sequential
#      previews (limit --limit) over one keep-alive connection: p50/p99 per rule, with the
#      server's total, the selectivity (total / customers) and the SQL figures beside them;
#      then RSS again, SIGTERM (must exit 0) and the server's warnings/errors,
#   4. a start-up probe (--no-probe skips it): a fresh server, the rule mix sent once each
#      right after /readyz, while the index loads: what clients see meanwhile (statuses,
#      latency, and "engine": "sql" when the request was sent before the index was loaded,
#      which is when the server picks the SQL path).
# The host is shared: before each run the script waits (up to --quiet-wait s) for the CPUs
# to be less than 20% busy, reports host_load_1m and host_busy_pct, and measures the CPU
# used by other processes during the measured previews (host_other_cpu_pct: all busy CPU
# time minus the server's and the client's); above --max-other-cpu percent the measurement
# is discarded and repeated (up to --retries times; "attempt" says which one was kept).
# Output: JSON lines on stdout ({"bench", "value", "unit", "customers", "rule", "run", ...}),
# medians over the runs suffixed _median; progress on stderr; the JSON lines are appended to
# bench/out/results.jsonl. Targets (reported, not enforced): at 1M customers p50 < 20 ms
# (regex: < 150 ms) and p99 < 50 ms.
# Environment: BENCH_BUILD_DIR overrides the build directory (default build-bench/).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
BENCH="$ROOT/bench"
OUT="$BENCH/out"
BUILD_DIR=${BENCH_BUILD_DIR:-$ROOT/build-bench}

CUSTOMERS=1000000
ALSO=""
CALLS=100
WARMUP=20
RUNS=3
ALSO_RUNS=""
ORDERS_PER_CUSTOMER=0.1
SEED=42
LIMIT=20
SQL_CALLS=3
MAX_OTHER_CPU=10
RETRIES=2
QUIET_WAIT=300
QUIET_BUSY=20
STORE_SQL=1
PROBE=1
BUILD=1

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

while (($#)); do
  case "$1" in
    --customers) CUSTOMERS=$2; shift 2 ;;
    --also) ALSO=$2; shift 2 ;;
    --calls) CALLS=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --also-runs) ALSO_RUNS=$2; shift 2 ;;
    --orders-per-customer) ORDERS_PER_CUSTOMER=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --limit) LIMIT=$2; shift 2 ;;
    --sql-calls) SQL_CALLS=$2; shift 2 ;;
    --max-other-cpu) MAX_OTHER_CPU=$2; shift 2 ;;
    --retries) RETRIES=$2; shift 2 ;;
    --quiet-wait) QUIET_WAIT=$2; shift 2 ;;
    --no-store-sql) STORE_SQL=0; shift ;;
    --no-probe) PROBE=0; shift ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) usage ;;
    *) echo "segments.sh: unknown argument $1" >&2; usage ;;
  esac
done
ALSO_RUNS=${ALSO_RUNS:-$RUNS}
for v in CUSTOMERS CALLS WARMUP RUNS ALSO_RUNS SEED LIMIT SQL_CALLS RETRIES QUIET_WAIT; do
  [[ ${!v} =~ ^[0-9]+$ ]] || { echo "segments.sh: --${v,,} must be a number" >&2; exit 2; }
done
[[ -z $ALSO || $ALSO =~ ^[0-9]+$ ]] || { echo "segments.sh: --also must be a number" >&2; exit 2; }
[[ $ORDERS_PER_CUSTOMER =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "segments.sh: --orders-per-customer must be a number" >&2; exit 2; }
[[ $MAX_OTHER_CPU =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "segments.sh: --max-other-cpu must be a number" >&2; exit 2; }
((RUNS >= 1 && ALSO_RUNS >= 1 && CALLS >= 1 && SQL_CALLS >= 1)) ||
  { echo "segments.sh: --runs, --also-runs, --calls and --sql-calls must be >= 1" >&2; exit 2; }
CPUS=$(getconf _NPROCESSORS_ONLN)
HZ=$(getconf CLK_TCK)

log() { printf 'segments.sh: %s\n' "$*" >&2; }

mkdir -p "$OUT"
RESULTS="$OUT/results.jsonl"
TMP=$(mktemp -d /tmp/minicrm-segbench.XXXXXX)
SERVER_PID=""
WATCHDOG_PID=""

MAIN_PID=$BASHPID
cleanup() {
  local rc=$?
  [[ $BASHPID == "$MAIN_PID" ]] || return 0
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  [[ -n $WATCHDOG_PID ]] && kill "$WATCHDOG_PID" 2>/dev/null || true
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

exec {NAP_FD}<> <(:)
now_ms() { date +%s%3N; }

# ---------------------------------------------------------------------------------------
# Packages

install_packages() { install_missing sqlite3 jq; }

# ---------------------------------------------------------------------------------------
# Output: every line goes to stdout and results.jsonl. Figures that repeat over runs are
# remembered for the medians, keyed by (customers, rule, bench).

declare -A SERIES=() SERIES_META=()
SERIES_ORDER=()

BUFFER=""  # when set, lines are held in this file (a measurement that may be discarded)
emit_json() {
  if [[ -n $BUFFER ]]; then printf '%s\n' "$1" >>"$BUFFER"; return; fi
  printf '%s\n' "$1"
  printf '%s\n' "$1" >>"$RESULTS"
}

# emit NAME VALUE UNIT [jq-object-of-extra-fields]
emit() {
  local name=$1 value=$2 unit=$3 extra=${4:-'{}'}
  emit_json "$(jq -nc --arg b "$name" --argjson v "$value" --arg u "$unit" --argjson x "$extra" \
    '{bench: $b, value: $v, unit: $u} + $x')"
}

# series NAME VALUE UNIT EXTRA: emit and remember for the median (EXTRA must carry
# customers and, when per rule, rule; "run" is part of EXTRA).
series() {
  local name=$1 value=$2 unit=$3 extra=$4
  emit "$name" "$value" "$unit" "$extra"
  local key
  key="$(jq -r '[.customers, (.rule // "")] | join("|")' <<<"$extra")|$name"
  if [[ -z ${SERIES[$key]+x} ]]; then
    SERIES_ORDER+=("$key")
    SERIES[$key]=""
    # The fields that stay the same across runs.
    SERIES_META[$key]=$(jq -c --arg u "$unit" \
      'del(.run, .attempt, .returned, .statuses, .host_other_cpu_pct, .calls, .min_ms, .mean_ms, .max_ms, .total_changed, .misordered, .reconnects, .meets_target) + {unit: $u}' <<<"$extra")
  fi
  [[ $value == null ]] || SERIES[$key]+="$value "
}

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{v[NR]=$1} END {
  if (NR == 0) { print "null"; exit }
  if (NR % 2) m = v[(NR + 1) / 2]; else m = (v[NR / 2] + v[NR / 2 + 1]) / 2;
  printf "%.6g\n", m }'; }

emit_medians() {  # customers
  local key name meta m
  for key in "${SERIES_ORDER[@]}"; do
    [[ $key == "$1|"* ]] || continue
    name=${key##*|}
    meta=${SERIES_META[$key]}
    m=$(median <<<"${SERIES[$key]}")
    local n
    n=$(wc -w <<<"${SERIES[$key]}")
    emit_json "$(jq -nc --arg b "${name}_median" --argjson v "$m" --argjson n "$n" --argjson x "$meta" \
      '{bench: $b, value: $v} + $x + {runs: $n}')"
  done
}

# ---------------------------------------------------------------------------------------
# Host load


busy_pct() {  # CPU busy percent of the whole host over $1 seconds
  local ab at bb bt
  read -r ab at <<<"$(cpu_jiffies)"
  nap "$1"
  read -r bb bt <<<"$(cpu_jiffies)"
  awk -v b=$((bb - ab)) -v t=$((bt - at)) 'BEGIN { printf "%.1f\n", (t > 0 ? 100 * b / t : 0) }'
}

wait_quiet() {  # waits until the host is < QUIET_BUSY % busy; prints the last sample
  local start pct
  start=$(now_ns)
  while :; do
    pct=$(busy_pct 2)
    if awk -v p="$pct" -v q="$QUIET_BUSY" 'BEGIN { exit !(p < q) }'; then break; fi
    if (($(now_ns) - start > QUIET_WAIT * 1000000000)); then
      log "the host is still ${pct}% busy after ${QUIET_WAIT}s: measuring anyway"
      break
    fi
    log "host ${pct}% busy (others' builds?): waiting"
    nap 5
  done
  echo "$pct"
}

load_1m() { cut -d' ' -f1 /proc/loadavg; }

other_cpu_pct() {  # busy_jiffies total_jiffies own_ms: others' share of all CPUs, percent
  awk -v b="$1" -v t="$2" -v c="$3" -v hz="$HZ" \
    'BEGIN { o = b - c * hz / 1000; if (o < 0) o = 0; printf "%.1f\n", (t > 0 ? 100 * o / t : 0) }'
}

# ---------------------------------------------------------------------------------------
# Ports and the server




status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
kb_to_mb() { awk -v k="$1" 'BEGIN { printf "%.1f\n", k / 1024 }'; }

# start_server DB LOG: sets SERVER_PID, PORT, T_START (ns) and READY_MS.
start_server() {
  local db=$1 logf=$2
  PORT=$(free_port)
  mkdir -p "$TMP/cwd"  # no .env from the repository is read
  T_START=$(now_ns)
  (cd "$TMP/cwd" && exec env ACCESS_LOG=off LOG_LEVEL=info HOST=127.0.0.1 PORT="$PORT" \
     DATABASE_URL="sqlite:$db" "$MINICRM" serve >"$logf" 2>&1) &
  SERVER_PID=$!
  until http_ok "$PORT" /readyz; do
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$logf" >&2; die "the server exited while starting"; }
    (($(now_ns) - T_START < 120000000000)) || die "the server was not ready within 120 s"
    nap 0.002
  done
  READY_MS=$(ms_since "$T_START")
}

# Waits for the index; sets INDEX_LINE (the log line) and INDEX_SEEN_MS.
wait_index() {
  local logf=$1
  while :; do
    INDEX_LINE=$(grep -m1 '"msg":"customer index loaded"' "$logf" || true)
    [[ -n $INDEX_LINE ]] && break
    if grep -q '"msg":"customer index failed' "$logf"; then
      grep '"level":"error"' "$logf" >&2
      die "the customer index failed to load"
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 "$logf" >&2; die "the server exited while loading its index"; }
    (($(now_ns) - T_START < 1800000000000)) || die "the index was not loaded within 30 min"
    nap 0.05
  done
  INDEX_SEEN_MS=$(ms_since "$T_START")
}

# stop_server: sets STOP_RC and STOP_MS.
stop_server() {
  local t0
  t0=$(now_ns)
  kill -TERM "$SERVER_PID"
  (read -r -t 60 -u "$NAP_FD" _ || kill -KILL "$SERVER_PID" 2>/dev/null) &
  WATCHDOG_PID=$!
  STOP_RC=0
  wait "$SERVER_PID" || STOP_RC=$?
  STOP_MS=$(ms_since "$t0")
  kill "$WATCHDOG_PID" 2>/dev/null || true
  wait "$WATCHDOG_PID" 2>/dev/null || true
  WATCHDOG_PID=""
  SERVER_PID=""
}


# ---------------------------------------------------------------------------------------
# The rule mix. JSON in API.md syntax; the floor is the hand-written WHERE over the served
# columns ({now-Nd} becomes now - N days in ms when it runs). Money is in paise in SQL.
# The constants are set for minicrm_gen's distributions (bench/gen/generate.cpp): cities
# Zipf(1) over 40 with 5% none, gmail 35% of emails, visits geometric(0.12), spend
# log-normal (median 3,000 INR), last activity skewed to the present.

RULES=(example city_in3 email_regex tree20 sel50_avg_order sel10_frequent sel1_big_spenders)
declare -A RULE_JSON RULE_FLOOR RULE_LEVEL RULE_TARGET_P50
RULE_JSON[example]='{"$or":[{"totalSpend":{"$gt":10000},"visits":{"$lt":3}},{"lastActive":{"$lt":"now-90d"}}]}'
RULE_FLOOR[example]='(total_spend > 1000000 AND visits < 3) OR last_active < {now-90d}'
RULE_JSON[city_in3]='{"city":{"$in":["Kolkata","Pune","Ahmedabad"]}}'
RULE_FLOOR[city_in3]="city IN ('Kolkata','Pune','Ahmedabad')"
RULE_JSON[email_regex]='{"email":{"$regex":"@gmail\\.com$","$options":"i"}}'
RULE_FLOOR[email_regex]="email LIKE '%@gmail.com'"
RULE_TARGET_P50[email_regex]=150
# 20 nodes as the parser counts them ($and/$or/$not nodes, implicit ANDs, predicates).
RULE_JSON[tree20]='{"$and":[{"$or":[{"city":{"$in":["Mumbai","Delhi","Bengaluru"]}},{"$and":[{"visits":{"$gte":5}},{"totalSpend":{"$gt":5000}}]}]},{"lastActive":{"$not":{"$lt":"now-365d"}}},{"$or":[{"phone":{"$exists":true},"createdAt":{"$lt":"now-30d"}},{"avgOrderValue":{"$gte":2000}}]},{"$or":[{"$and":[{"visits":{"$lt":20}},{"city":{"$not":{"$in":["Dubai","Singapore"]}}}]},{"totalSpend":{"$not":{"$lte":100000}}}]}]}'
RULE_FLOOR[tree20]="(city IN ('Mumbai','Delhi','Bengaluru') OR (visits >= 5 AND total_spend > 500000)) AND NOT (last_active < {now-365d}) AND ((phone IS NOT NULL AND created_at < {now-30d}) OR (CASE WHEN visits > 0 THEN total_spend - 200000 * visits ELSE -200000 END) >= 0) AND ((visits < 20 AND (city IS NULL OR city NOT IN ('Dubai','Singapore'))) OR NOT (total_spend <= 10000000))"
RULE_JSON[sel50_avg_order]='{"avgOrderValue":{"$gte":450}}'
RULE_FLOOR[sel50_avg_order]='(CASE WHEN visits > 0 THEN total_spend - 45000 * visits ELSE -45000 END) >= 0'
RULE_LEVEL[sel50_avg_order]='~50%'
# (Not a recent-activity rule: "now-7d" moves against the generator's fixed --now during
# the day, and so would the selectivity.)
RULE_JSON[sel10_frequent]='{"visits":{"$gte":18}}'
RULE_FLOOR[sel10_frequent]='visits >= 18'
RULE_LEVEL[sel10_frequent]='~10%'
RULE_JSON[sel1_big_spenders]='{"totalSpend":{"$gte":45000}}'
RULE_FLOOR[sel1_big_spenders]='total_spend >= 4500000'
RULE_LEVEL[sel1_big_spenders]='~1%'

# The selectivity band a rule falls in: "~50%" (42-58%), "~10%" (8-12.5%), "~1%" (0.8-1.25%).
band() {
  awk -v s="$1" 'BEGIN {
    if (s >= 0.42 && s <= 0.58) print "~50%"; else if (s >= 0.08 && s <= 0.125) print "~10%";
    else if (s >= 0.008 && s <= 0.0125) print "~1%"; else print "" }'
}

floor_sql() {  # rule now_ms: the hand-written WHERE with its dates resolved
  local sql=${RULE_FLOOR[$1]} now=$2 n
  while [[ $sql =~ \{now-([0-9]+)d\} ]]; do
    n=${BASH_REMATCH[1]}
    sql=${sql//"{now-${n}d}"/$((now - n * 86400000))}
  done
  printf '%s' "$sql"
}

# Runs SQL statements in the sqlite3 shell with the server's reader pragmas: one untimed
# warm-up, then 3 timed repetitions. Prints "median_ms result" (the median of the summed
# real times of the statements of one repetition; result: the first statement's first
# value).
SHELL_REPS=3
shell_time() {  # db sql...
  local db=$1
  shift
  local script="$TMP/shell.sql" out="$TMP/shell.out" res="$TMP/shell.res" nstmt=$#
  {
    echo "PRAGMA cache_size=-8192; PRAGMA temp_store=MEMORY; PRAGMA mmap_size=2147483648;"
    echo ".output $res"
    printf '%s\n' "$@"  # warm-up (its result is kept)
    echo ".output /dev/null"
    echo ".timer on"
    for _ in $(seq "$SHELL_REPS"); do printf '%s\n' "$@"; done
  } >"$script"
  sqlite3 -bail "$db" <"$script" >"$out" 2>&1 || { cat "$out" >&2; die "sqlite3 failed on $db"; }
  local result
  result=$(head -1 "$res")
  grep '^Run Time: real' "$out" | awk -v n="$nstmt" '{ s += $4 * 1000; if (NR % n == 0) { print s; s = 0 } }' |
    median | awk -v r="$result" '{ printf "%.3f %s\n", $1, r }'
}

# ---------------------------------------------------------------------------------------
# Build

install_packages
for cmd in sqlite3 jq cmake ninja awk; do command -v "$cmd" >/dev/null || die "$cmd is not installed"; done

if ((BUILD)); then
  log "building in $BUILD_DIR"
  if [[ ! -f $BUILD_DIR/build.ninja ]]; then
    cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMINICRM_TESTS=OFF \
      -DMINICRM_BENCH=ON >&2
  fi
  ninja -C "$BUILD_DIR" minicrm minicrm_gen minicrm_segbench >&2 ||
    die "the build failed (--no-build runs the binaries already in $BUILD_DIR)"
fi
MINICRM="$BUILD_DIR/minicrm"
GEN="$BUILD_DIR/minicrm_gen"
SEGBENCH="$BUILD_DIR/minicrm_segbench"
for bin in "$MINICRM" "$GEN" "$SEGBENCH"; do [[ -x $bin ]] || die "$bin is missing: build first"; done

RULES_FILE="$TMP/rules.tsv"
for r in "${RULES[@]}"; do printf '%s\t%s\n' "$r" "${RULE_JSON[$r]}"; done >"$RULES_FILE"

# ---------------------------------------------------------------------------------------
# One database size

bench_size() {
  local N=$1 runs=$2
  local ORDERS
  ORDERS=$(awk -v n="$N" -v r="$ORDERS_PER_CUSTOMER" 'BEGIN { printf "%d", n * r }')
  local KEY="c$N-o$ORDERS-s$SEED"
  local DB="$OUT/minicrm-$KEY.db" IDS="$OUT/minicrm-$KEY.ids" META="$OUT/minicrm-$KEY.meta"
  local FINGERPRINT
  FINGERPRINT="customers=$N orders=$ORDERS seed=$SEED $(cat "$GEN" \
    "$ROOT/src/store/sqlite/migrations.sql" | sha256sum | cut -c1-16)"
  local C="{\"customers\":$N}"

  if [[ -f $DB && -f $IDS && -f $META && $(head -1 "$META") == "$FINGERPRINT" ]]; then
    log "reusing $DB ($(sed -n 2p "$META"))"
  else
    log "generating $N customers and $ORDERS orders into $DB"
    rm -f "$META" "$DB" "$DB-wal" "$DB-shm" "$IDS"
    local t0 gen_json
    t0=$(now_ns)
    "$MINICRM" migrate --database-url "sqlite:$DB" >&2
    gen_json=$("$GEN" sqlite --customers "$N" --orders "$ORDERS" --seed "$SEED" --db "$DB" \
      --ids-out "$IDS")
    [[ -s $DB-wal ]] && die "the generator left a non-empty WAL behind"
    rm -f "$DB-wal" "$DB-shm"
    printf '%s\n%s\n' "$FINGERPRINT" "$gen_json" >"$META"
    emit_json "$gen_json"
    emit gen_total_s "$(awk -v d=$(($(now_ns) - t0)) 'BEGIN { printf "%.1f", d / 1e9 }')" s \
      "$(jq -c --argjson o "$ORDERS" '. + {orders: $o}' <<<"$C")"
  fi
  emit db_size_mb "$(awk -v b="$(stat -c %s "$DB")" 'BEGIN { printf "%.1f", b / 1048576 }')" MB "$C"
  local ACTUAL
  ACTUAL=$(sqlite3 "$DB" "SELECT count(*) FROM customers")
  ((ACTUAL == N)) || die "$DB holds $ACTUAL customers, expected $N"

  # --- SQL figures, no server running --------------------------------------------------
  local NOW TOLERANCE
  # Relative dates ("now-90d") move with the clock between two counts: totals of such rules
  # taken minutes apart may differ by a few customers.
  TOLERANCE=$(awk -v n="$N" 'BEGIN { t = n * 0.0001; printf "%d", (t < 5 ? 5 : t) }')
  declare -A FLOOR_MS=() FLOOR_COUNT=() SHELL_MS=() SHELL_COUNT=() STORE_MS=() NODES=()
  local LEVELS_SEEN=()
  local pct r line count_sql rows_sql ms cnt fsql sql_attempt b0 t0j c0 b1 t1j c1 sql_other
  for sql_attempt in $(seq 1 $((RETRIES + 1))); do
    pct=$(wait_quiet)
    NOW=$(now_ms)
    "$SEGBENCH" sql --rules "$RULES_FILE" --now-ms "$NOW" --limit "$LIMIT" >"$TMP/sql.jsonl"
    BUFFER="$TMP/sql-phase.jsonl"
    : >"$BUFFER"
    read -r b0 t0j <<<"$(cpu_jiffies)"
    times >"$TMP/times"
    c0=$(children_cpu_ms)
    emit host_load_1m "$(load_1m)" load "$(jq -c --argjson p "$pct" --argjson a "$sql_attempt" '. + {phase: "sql", host_busy_pct: $p, attempt: $a}' <<<"$C")"
    for r in "${RULES[@]}"; do
      line=$(jq -c --arg r "$r" 'select(.rule == $r)' "$TMP/sql.jsonl")
      NODES[$r]=$(jq -r .nodes <<<"$line")
      fsql=$(floor_sql "$r" "$NOW")
      log "[$N] $r: sqlite3 count (hand-written)"
      read -r ms cnt <<<"$(shell_time "$DB" "SELECT count(*) FROM customers WHERE $fsql;")"
      FLOOR_MS[$r]=$ms
      FLOOR_COUNT[$r]=$cnt
      emit sqlite_count_ms "$ms" ms "$(jq -nc --argjson c "$N" --arg r "$r" --arg f "${RULE_FLOOR[$r]}" \
        --argjson n "$cnt" --argjson reps "$SHELL_REPS" \
        '{customers: $c, rule: $r, count: $n, selectivity: (($n / $c * 10000 | round) / 10000),
          floor_sql: $f, stat: "median", reps: $reps}')"

      count_sql=$(jq -r .count_sql <<<"$line")
      rows_sql=$(jq -r .rows_sql <<<"$line")
      log "[$N] $r: sqlite3 shell, the server's SQL-path statements"
      read -r ms cnt <<<"$(shell_time "$DB" "$count_sql" "$rows_sql")"
      SHELL_MS[$r]=$ms
      emit sqlite_shell_preview_ms "$ms" ms "$(jq -nc --argjson c "$N" --arg r "$r" --argjson n "$cnt" \
        --argjson l "$line" --argjson reps "$SHELL_REPS" \
        '{customers: $c, rule: $r, count: $n, selectivity: (($n / $c * 10000 | round) / 10000),
          regex_replaced: $l.regex_replaced, stat: "median", reps: $reps, where: $l.where,
          server_binds_match_placeholders: $l.binds_match_placeholders}')"
      SHELL_COUNT[$r]=$cnt
    done
    if ((STORE_SQL)); then
      log "[$N] in-process SqliteStore previews on the SQL engine ($SQL_CALLS calls per rule)"
      "$SEGBENCH" store --db "$DB" --rules "$RULES_FILE" --engine sql --calls "$SQL_CALLS" \
        --warmup 1 --limit "$LIMIT" >"$TMP/store.jsonl"
      while IFS= read -r line; do
        r=$(jq -r .rule <<<"$line")
        STORE_MS[$r]=$(jq -r .p50_ms <<<"$line")
        emit store_sql_preview_ms "${STORE_MS[$r]}" ms "$(jq -c --argjson c "$N" --argjson want "${SHELL_COUNT[$r]}" \
          --argjson tol "$TOLERANCE" \
          '{customers: $c, rule: .rule, total: .total, selectivity: ((.total / $c * 10000 | round) / 10000),
            expected_total: $want, total_diff: (.total - $want),
            total_correct: ((.total - $want | fabs) <= $tol), tolerance: $tol,
            stat: "median", calls: .calls, min_ms: .min_ms, max_ms: .max_ms,
            over_2s_budget: .over_2s_budget} + (if .error then {error: .error} else {} end)' <<<"$line")"
        if ! jq -e --argjson want "${SHELL_COUNT[$r]}" --argjson tol "$TOLERANCE" \
          '(.total - $want | fabs) <= $tol' <<<"$line" >/dev/null; then
          log "[$N] $r: the server's SQL path counted $(jq -r .total <<<"$line"), the same SQL with each value at its own placeholder ${SHELL_COUNT[$r]}"
        fi
      done <"$TMP/store.jsonl"
    fi
    read -r b1 t1j <<<"$(cpu_jiffies)"
    times >"$TMP/times"
    c1=$(children_cpu_ms)
    sql_other=$(other_cpu_pct $((b1 - b0)) $((t1j - t0j)) $((c1 - c0)))
    BUFFER=""
    if awk -v o="$sql_other" -v m="$MAX_OTHER_CPU" 'BEGIN { exit !(o > m) }' && ((sql_attempt <= RETRIES)); then
      log "[$N] SQL figures, attempt $sql_attempt: other processes used ${sql_other}% of the CPUs: repeating"
      emit discarded_attempt "$sql_other" pct "$(jq -c --argjson a "$sql_attempt" '. + {phase: "sql", attempt: $a, why: "host_other_cpu_pct above --max-other-cpu"}' <<<"$C")"
      continue
    fi
    while IFS= read -r line; do emit_json "$line"; done <"$TMP/sql-phase.jsonl"
    emit host_other_cpu_pct "$sql_other" pct "$(jq -c --argjson a "$sql_attempt" '. + {phase: "sql", attempt: $a}' <<<"$C")"
    break
  done

  # --- the server, per run -------------------------------------------------------------
  local run attempt logf busy other
  for run in $(seq 1 "$runs"); do
    busy=$(wait_quiet)
    local RC="{\"customers\":$N,\"run\":$run}"
    emit host_load_1m "$(load_1m)" load "$(jq -c --argjson p "$busy" '. + {host_busy_pct: $p}' <<<"$RC")"
    logf="$TMP/server-$N-$run.log"
    log "[$N] run $run/$runs: starting the server"
    start_server "$DB" "$logf"
    series start_to_ready_ms "$READY_MS" ms "$RC"
    wait_index "$logf"
    local il_ms il_bytes il_customers
    il_ms=$(sed 's/^.*"msg":/{"msg":/' <<<"$INDEX_LINE" | jq -r .ms)
    il_bytes=$(sed 's/^.*"msg":/{"msg":/' <<<"$INDEX_LINE" | jq -r .bytes)
    il_customers=$(sed 's/^.*"msg":/{"msg":/' <<<"$INDEX_LINE" | jq -r .customers)
    log "[$N] index loaded in ${il_ms} ms (seen after ${INDEX_SEEN_MS} ms)"
    nap 0.5
    series index_load_ms "$il_ms" ms "$(jq -c --argjson n "$il_customers" '. + {index_customers: $n, source: "server log"}' <<<"$RC")"
    series index_ready_ms "$INDEX_SEEN_MS" ms "$(jq -c '. + {note: "exec to log line seen; log flushes every 1 s"}' <<<"$RC")"
    series index_bytes_mb "$(awk -v b="$il_bytes" 'BEGIN { printf "%.1f", b / 1048576 }')" MB "$RC"
    series rss_after_index_mb "$(kb_to_mb "$(status_kb "$SERVER_PID" VmRSS)")" MB "$RC"
    series rss_peak_during_load_mb "$(kb_to_mb "$(status_kb "$SERVER_PID" VmHWM)")" MB "$RC"

    local kept=""
    for attempt in $(seq 1 $((RETRIES + 1))); do
      local b0 t0j s0 b1 t1j s1 client_cpu
      read -r b0 t0j <<<"$(cpu_jiffies)"
      s0=$(proc_jiffies "$SERVER_PID")
      "$SEGBENCH" http --port "$PORT" --rules "$RULES_FILE" --calls "$CALLS" --warmup "$WARMUP" \
        --limit "$LIMIT" >"$TMP/http.jsonl" || die "the preview client failed"
      read -r b1 t1j <<<"$(cpu_jiffies)"
      s1=$(proc_jiffies "$SERVER_PID")
      client_cpu=$(jq -r 'select(.client_cpu_ms) | .client_cpu_ms' "$TMP/http.jsonl")
      other=$(other_cpu_pct $((b1 - b0 - (s1 - s0))) $((t1j - t0j)) "$client_cpu")
      if awk -v o="$other" -v m="$MAX_OTHER_CPU" 'BEGIN { exit !(o > m) }' && ((attempt <= RETRIES)); then
        log "[$N] run $run attempt $attempt: other processes used ${other}% of the CPUs: repeating"
        emit discarded_attempt "$other" pct "$(jq -c --argjson a "$attempt" '. + {attempt: $a, why: "host_other_cpu_pct above --max-other-cpu"}' <<<"$RC")"
        wait_quiet >/dev/null
        continue
      fi
      kept=$attempt
      break
    done
    emit host_other_cpu_pct "$other" pct "$(jq -c --argjson a "$kept" '. + {attempt: $a}' <<<"$RC")"

    while IFS= read -r line; do
      r=$(jq -r '.rule // empty' <<<"$line")
      [[ -n $r ]] || continue
      local total sel lvl bnd tgt50 extra
      total=$(jq -r .total <<<"$line")
      sel=$(awk -v t="$total" -v n="$N" 'BEGIN { printf "%.4f", t / n }')
      bnd=$(band "$sel")
      lvl=${RULE_LEVEL[$r]:-$bnd}
      [[ -n $bnd ]] && LEVELS_SEEN+=("$bnd")
      tgt50=${RULE_TARGET_P50[$r]:-20}
      extra=$(jq -c --arg r "$r" --argjson sel "$sel" --arg lvl "$lvl" --arg bnd "$bnd" \
        --argjson nodes "${NODES[$r]}" --argjson fms "${FLOOR_MS[$r]}" --argjson fcnt "${FLOOR_COUNT[$r]}" \
        --arg fsql "${RULE_FLOOR[$r]}" --argjson sms "${SHELL_MS[$r]}" \
        --argjson stms "${STORE_MS[$r]:-null}" --argjson a "$kept" --argjson o "$other" --argjson l "$line" \
        '. + {rule: $r, selectivity: $sel, level: (if $lvl == "" then null else $lvl end),
              band: (if $bnd == "" then null else $bnd end), nodes: $nodes, total: $l.total,
              returned: $l.returned, calls: $l.calls, min_ms: $l.min_ms, mean_ms: $l.mean_ms,
              max_ms: $l.max_ms, statuses: $l.statuses, total_changed: $l.total_changed,
              misordered: $l.misordered, reconnects: $l.reconnects,
              sqlite_count_ms: $fms, sqlite_count: $fcnt, floor_sql: $fsql,
              sqlite_shell_preview_ms: $sms, store_sql_preview_ms: $stms,
              attempt: $a, host_other_cpu_pct: $o}
            + (if $l.error then {error: $l.error} else {} end)' <<<"$RC")
      series preview_p50_ms "$(jq -r .p50_ms <<<"$line")" ms \
        "$(jq -c --argjson t "$tgt50" --argjson v "$(jq -r .p50_ms <<<"$line")" '. + {target_ms: $t, meets_target: ($v < $t)}' <<<"$extra")"
      series preview_p99_ms "$(jq -r .p99_ms <<<"$line")" ms \
        "$(jq -c --argjson v "$(jq -r .p99_ms <<<"$line")" '. + {target_ms: 50, meets_target: ($v < 50)}' <<<"$extra")"
      if [[ $(jq -r '.statuses | keys | join(",")' <<<"$line") != 200 ]]; then
        log "[$N] $r: non-200 answers $(jq -c .statuses <<<"$line"): $(jq -r '.error // ""' <<<"$line")"
      fi
    done <"$TMP/http.jsonl"

    series rss_after_previews_mb "$(kb_to_mb "$(status_kb "$SERVER_PID" VmRSS)")" MB "$RC"
    series rss_peak_mb "$(kb_to_mb "$(status_kb "$SERVER_PID" VmHWM)")" MB "$RC"
    log "[$N] run $run: stopping the server (SIGTERM)"
    stop_server
    series server_exit_code "$STOP_RC" code "$RC"
    series stop_ms "$STOP_MS" ms "$RC"
    local problems
    problems=$(log_problems "$logf")
    emit server_log_problems "$(jq length <<<"$problems")" count "$(jq -c --argjson p "$problems" '. + {lines: $p}' <<<"$RC")"
    if ((STOP_RC != 0)); then
      log "the server exited with status $STOP_RC; its log:"
      tail -20 "$logf" >&2
    fi
  done

  # --- start-up probe: previews while the index loads ------------------------------------
  if ((PROBE)); then
    log "[$N] start-up probe: the rule mix once each while the index loads"
    emit host_load_1m "$(load_1m)" load "$(jq -c '. + {phase: "startup probe"}' <<<"$C")"
    logf="$TMP/server-$N-probe.log"
    start_server "$DB" "$logf"
    "$SEGBENCH" http --port "$PORT" --rules "$RULES_FILE" --calls 1 --warmup 0 \
      --limit "$LIMIT" >"$TMP/probe.jsonl" || die "the preview client failed (probe)"
    wait_index "$logf"
    # When the index was loaded, in Unix ms: the log line's time (UTC, ms).
    local loaded_at
    loaded_at=$(sed 's/^{"time":"\([^"]*\)".*/\1/' <<<"$INDEX_LINE")
    loaded_at=$(date -d "$loaded_at" +%s%3N)
    while IFS= read -r line; do
      r=$(jq -r '.rule // empty' <<<"$line")
      [[ -n $r ]] || continue
      emit preview_during_load_ms "$(jq -r .max_ms <<<"$line")" ms "$(jq -c --arg r "$r" --argjson at "$loaded_at" \
        --argjson t0 "$((T_START / 1000000))" --argjson l "$line" \
        '. + {rule: $r, statuses: $l.statuses, total: $l.total,
              sent_after_start_ms: ($l.end_unix_ms - $l.max_ms - $t0 | floor),
              answered_after_start_ms: ($l.end_unix_ms - $t0),
              index_loaded_after_start_ms: ($at - $t0),
              engine: (if $at <= ($l.end_unix_ms - $l.max_ms) then "index" else "sql" end)}
            + (if $l.error then {error: $l.error} else {} end)' <<<"$C")"
    done <"$TMP/probe.jsonl"
    stop_server
    local problems
    problems=$(log_problems "$logf")
    emit server_log_problems "$(jq length <<<"$problems")" count "$(jq -c --argjson p "$problems" --argjson rc "$STOP_RC" '. + {phase: "startup probe", exit_code: $rc, lines: $p}' <<<"$C")"
  fi

  emit_medians "$N"
  # Coverage of the selectivity levels.
  local lv
  for lv in '~50%' '~10%' '~1%'; do
    [[ " ${LEVELS_SEEN[*]} " == *" $lv "* ]] || log "[$N] warning: no rule selected $lv of the customers"
  done
}

log "cpus=$CPUS calls=$CALLS warmup=$WARMUP runs=$RUNS limit=$LIMIT sizes=$CUSTOMERS${ALSO:+ $ALSO}"
bench_size "$CUSTOMERS" "$RUNS"
if [[ -n $ALSO ]]; then bench_size "$ALSO" "$ALSO_RUNS"; fi
