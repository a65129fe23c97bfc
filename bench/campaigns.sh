#!/usr/bin/env bash
# Campaign delivery benchmark of `minicrm serve` (SQLite, the mounted vendor simulator), on
# 127.0.0.1 only.
#
#   bench/campaigns.sh [--phases campaign,webhook,launch] [--customers 100000,1000000]
#                      [--batches 100,1] [--batch1-max 100000] [--runs 3]
#                      [--sim-latency 0:5] [--campaign-timeout 300]
#                      [--webhook-customers 1000000] [--duration 10s] [--connections 64]
#                      [--threads NPROC] [--launch-customers 1000000]
#                      [--orders-per-customer 0.1] [--seed 42] [--quiet-wait 120]
#                      [--quiet-busy 20] [--no-build]
#
# Databases: minicrm_gen writes N customers (and N x --orders-per-customer orders) once into
# bench/out/ (same file names and meta files as bench/http.sh and bench/segments.sh; reused
# while the parameters, the generator and the schema are unchanged). Every run works on a
# fresh copy, so every run starts from the same state. Every campaign selects every customer
# ({"totalSpend": {"$gte": 0}}) with a personalised template.
#
# Phases (--phases, in the order given):
#   campaign  for each size of --customers and each VENDOR_BATCH of --batches (VENDOR_BATCH=1
#             only up to --batch1-max recipients), per run: starts the server with the
#             in-process simulator (VENDOR_SIM_LATENCY_MS=--sim-latency, success rate 0.9,
#             VENDOR_SIM_SEED=--seed), waits for its customer index, then POSTs the campaign
#             and polls GET /api/v1/campaigns/:id every 100 ms until it is `completed` with
#             stats.pending == 0 and sent + failed == audienceSize.
#             campaign_total_s: POST sent -> that state seen (client clock, 100 ms polls);
#             campaign_server_s: the campaign's completedAt - createdAt (server clock);
#             launch_ms: the POST's own latency (it answers once the audience is written);
#             last_submit_s / last_update_s: the latest submitted_at / updated_at of its
#             communications after launchedAt (where the time went). Then GET
#             /api/v1/vendor/stats (duplicate keys must be 0, accepted == audience) and,
#             after SIGTERM (must exit 0), sqlite3 recounts the log: rows == audienceSize,
#             no PENDING, the campaign's counters == the recount, resends (attempts > 1),
#             and (with python3) every row's SENT/FAILED against the simulator's published
#             rule fnv1a64(seed:key) (the first 200,000 rows by id).
#   webhook   prepares once (cached in bench/out/): the --webhook-customers database with a
#             campaign of every customer launched with DISPATCH=off (all PENDING, nothing
#             sent), and the customer ids of its communications in id order (sqlite3). Per
#             run, on a copy, with DISPATCH=off: wrk -c --connections for --duration with
#             bench/lua/receipts.lua, one single receipt per request, each communication at
#             most once (FAILED for line i when i % 10 == 7, else SENT). Then, after SIGTERM,
#             sqlite3 checks every row: the ones the script issued have the expected status
#             (all but the last `connections / threads` of each thread, which may have been
#             in flight when wrk stopped: those are PENDING or the expected status), the
#             others are PENDING, the rows applied are at least wrk's 2xx answers, and the
#             campaign's counters equal a recount.
#   launch    per run, on a copy of the --launch-customers database with DISPATCH=off:
#             launch_post_ms is the latency of POST /api/v1/campaigns (curl's time_total),
#             which answers 201 only after the audience is materialised (the audience count,
#             the segment's members from one snapshot, the communications written in chunks
#             of 20,000 per transaction, launch_state 'ready'). Checked after SIGTERM: rows ==
#             audienceSize == customers, launch_state 'ready'.
# The host is shared: before each measured phase the script waits (up to --quiet-wait s)
# for the CPUs to be less than --quiet-busy % busy, not counting the server (started and
# waiting by then; campaign runs report its use meanwhile as server_idle_cpu_pct, percent
# of one core). Every JSON line carries host_load_1m (the 1-minute load average before the
# measurement when it is a run's figure, otherwise when written); run lines carry
# host_busy_pct (the sample before the run) and host_other_cpu_pct (CPU used during the
# measurement by processes other than the server, the client and this script's polling).
# Output: JSON lines on stdout ({"bench", "value", "unit", "run", ...}), then the medians
# over the runs (suffixed _median, with the per-run "values"); progress on stderr; the JSON
# lines are appended to bench/out/results.jsonl. Targets (issue 5; reported, not enforced):
# 100,000 recipients < 10 s and 1,000,000 < 90 s (campaign_total_s); receipts >= 20,000
# req/s at 64 connections; launching 1,000,000 < 3 s.
# Installs wrk, sqlite3, jq and curl when missing (scripts/install-deps.sh).
# --no-build uses the binaries already in the build directory. Environment: BENCH_BUILD_DIR
# overrides the build directory (default build-bench/ in the repository root).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
BENCH="$ROOT/bench"
OUT="$BENCH/out"
BUILD_DIR=${BENCH_BUILD_DIR:-$ROOT/build-bench}
LUA="$BENCH/lua/receipts.lua"

PHASES=campaign,webhook,launch
SIZES=100000,1000000
BATCHES=100,1
BATCH1_MAX=100000
RUNS=3
SIM_LATENCY=0:5
CAMPAIGN_TIMEOUT=300
WEBHOOK_CUSTOMERS=1000000
DURATION=10s
CONNECTIONS=64
THREADS=""
LAUNCH_CUSTOMERS=1000000
ORDERS_PER_CUSTOMER=0.1
SEED=42
QUIET_WAIT=120
QUIET_BUSY=20
BUILD=1
SUCCESS_RATE=0.9

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
}

while (($#)); do
  case "$1" in
    --phases) PHASES=$2; shift 2 ;;
    --customers) SIZES=$2; shift 2 ;;
    --batches) BATCHES=$2; shift 2 ;;
    --batch1-max) BATCH1_MAX=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --sim-latency) SIM_LATENCY=$2; shift 2 ;;
    --campaign-timeout) CAMPAIGN_TIMEOUT=$2; shift 2 ;;
    --webhook-customers) WEBHOOK_CUSTOMERS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --connections) CONNECTIONS=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --launch-customers) LAUNCH_CUSTOMERS=$2; shift 2 ;;
    --orders-per-customer) ORDERS_PER_CUSTOMER=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --quiet-wait) QUIET_WAIT=$2; shift 2 ;;
    --quiet-busy) QUIET_BUSY=$2; shift 2 ;;
    --no-build) BUILD=0; shift ;;
    -h|--help) usage ;;
    *) echo "campaigns.sh: unknown argument $1" >&2; usage ;;
  esac
done
CPUS=$(getconf _NPROCESSORS_ONLN)
HZ=$(getconf CLK_TCK)
THREADS=${THREADS:-$CPUS}
for v in BATCH1_MAX RUNS CAMPAIGN_TIMEOUT WEBHOOK_CUSTOMERS CONNECTIONS THREADS LAUNCH_CUSTOMERS \
         SEED QUIET_WAIT QUIET_BUSY; do
  [[ ${!v} =~ ^[0-9]+$ ]] || { echo "campaigns.sh: --${v,,} must be a number" >&2; exit 2; }
done
[[ $SIZES =~ ^[0-9]+(,[0-9]+)*$ ]] || { echo "campaigns.sh: --customers must be N[,N...]" >&2; exit 2; }
[[ $BATCHES =~ ^[0-9]+(,[0-9]+)*$ ]] || { echo "campaigns.sh: --batches must be N[,N...]" >&2; exit 2; }
[[ $PHASES =~ ^(campaign|webhook|launch)(,(campaign|webhook|launch))*$ ]] ||
  { echo "campaigns.sh: --phases takes campaign, webhook and launch, comma-separated" >&2; exit 2; }
[[ $SIM_LATENCY =~ ^[0-9]+:[0-9]+$ ]] || { echo "campaigns.sh: --sim-latency must be MIN:MAX (ms)" >&2; exit 2; }
[[ $DURATION =~ ^[0-9]+[smh]?$ ]] || { echo "campaigns.sh: --duration must be like 10s" >&2; exit 2; }
[[ $ORDERS_PER_CUSTOMER =~ ^[0-9]+(\.[0-9]+)?$ ]] ||
  { echo "campaigns.sh: --orders-per-customer must be a number" >&2; exit 2; }
((RUNS >= 1 && THREADS >= 1 && CONNECTIONS >= THREADS)) ||
  { echo "campaigns.sh: --runs and --threads must be >= 1, --connections >= --threads" >&2; exit 2; }
IFS=, read -r -a SIZE_LIST <<<"$SIZES"
IFS=, read -r -a BATCH_LIST <<<"$BATCHES"
IFS=, read -r -a PHASE_LIST <<<"$PHASES"

log() { printf 'campaigns.sh: %s\n' "$*" >&2; }

mkdir -p "$OUT"
RESULTS="$OUT/results.jsonl"
TMP=$(mktemp -d /tmp/minicrm-cbench.XXXXXX)
SERVER_PID=""
WATCHDOG_PID=""
BUSY=0
SERVER_IDLE_PCT=0
WORK_DB="$OUT/campaigns-run.db"

MAIN_PID=$BASHPID
cleanup() {
  local rc=$?
  [[ $BASHPID == "$MAIN_PID" ]] || return 0  # not in subshells
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  if [[ -n $WATCHDOG_PID ]]; then kill "$WATCHDOG_PID" 2>/dev/null || true; fi
  rm -f "$WORK_DB" "$WORK_DB-wal" "$WORK_DB-shm"
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A sleep without a fork: read from a pipe nobody writes, with a timeout.
exec {NAP_FD}<> <(:)
iso_ms() { date -d "$1" +%s%3N; }  # ISO-8601 (...Z) -> Unix ms

# ---------------------------------------------------------------------------------------
# Output: every line goes to stdout and results.jsonl, with host_load_1m. Figures that
# repeat over runs are remembered for the medians, keyed by their "case" field.

load_1m() { cut -d' ' -f1 /proc/loadavg; }

emit_json() { printf '%s\n' "$1"; printf '%s\n' "$1" >>"$RESULTS"; }
# A JSON line from a tool (minicrm_gen, the fsync probe), with the host's load added.
emit_tool() { emit_json "$(jq -c --argjson l "$(load_1m)" '. + {host_load_1m: $l}' <<<"$1")"; }

# emit NAME VALUE UNIT [jq-object-of-extra-fields]
emit() {
  local name=$1 value=$2 unit=$3 extra=${4:-'{}'}
  emit_json "$(jq -nc --arg b "$name" --argjson v "$value" --arg u "$unit" --argjson x "$extra" \
    --argjson l "$(load_1m)" '{bench: $b, value: $v, unit: $u} + {host_load_1m: $l} + $x')"
}

declare -A SERIES=() SERIES_META=() SERIES_LOAD=()
SERIES_ORDER=()

# series NAME VALUE UNIT EXTRA: emit and remember for the median. EXTRA carries "case"
# (what the runs repeat) and "run".
series() {
  local name=$1 value=$2 unit=$3 extra=$4
  emit "$name" "$value" "$unit" "$extra"
  local key
  key="$(jq -r '.case' <<<"$extra")|$name"
  if [[ -z ${SERIES[$key]+x} ]]; then
    SERIES_ORDER+=("$key")
    SERIES[$key]=""
    SERIES_LOAD[$key]=""
    SERIES_META[$key]=$(jq -c --arg u "$unit" \
      '{case, phase, customers, vendor_batch, target, target_unit} | with_entries(select(.value != null)) + {unit: $u}' <<<"$extra")
  fi
  SERIES[$key]+="$value "
  SERIES_LOAD[$key]+="$(jq '.host_load_1m // null' <<<"$extra") "
}

median() { tr ' ' '\n' | grep -v '^$' | grep -v '^null$' | sort -g | awk '{v[NR]=$1} END {
  if (NR == 0) { print "null"; exit }
  if (NR % 2) m = v[(NR + 1) / 2]; else m = (v[NR / 2] + v[NR / 2 + 1]) / 2;
  printf "%.6g\n", m }'; }

emit_medians() {
  local key name meta m values loads
  for key in "${SERIES_ORDER[@]}"; do
    name=${key##*|}
    meta=${SERIES_META[$key]}
    m=$(median <<<"${SERIES[$key]}")
    values=$(tr ' ' '\n' <<<"${SERIES[$key]}" | grep -v '^$' | jq -sc .)
    loads=$(tr ' ' '\n' <<<"${SERIES_LOAD[$key]}" | grep -v '^$' | jq -sc .)
    emit_json "$(jq -nc --arg b "${name}_median" --argjson v "$m" --argjson x "$meta" \
      --argjson vs "$values" --argjson ls "$loads" --argjson l "$(load_1m)" \
      '{bench: $b, value: $v} + $x + {values: $vs, runs: ($vs | length), host_load_1m: $l,
        host_load_1m_runs: $ls}
       + (if $x.target then {meets_target: (if $v == null then false
            elif $x.target_unit == "min" then $v >= $x.target else $v < $x.target end)} else {} end)')"
  done
}

# ---------------------------------------------------------------------------------------
# Host load


# Prints "busy server": the CPU busy percent of the whole host over $1 seconds not counting
# the server under test (when one runs: the host is quiet when nobody else works), and the
# server's own use in percent of one core.
busy_pct() {
  local ab at bb bt s0=0 s1=0
  read -r ab at <<<"$(cpu_jiffies)"
  [[ -n $SERVER_PID ]] && s0=$(proc_jiffies "$SERVER_PID")
  nap "$1"
  read -r bb bt <<<"$(cpu_jiffies)"
  [[ -n $SERVER_PID ]] && s1=$(proc_jiffies "$SERVER_PID")
  awk -v b=$((bb - ab - (s1 - s0))) -v s=$((s1 - s0)) -v t=$((bt - at)) -v c="$CPUS" 'BEGIN {
    if (b < 0) b = 0
    printf "%.1f %.1f\n", (t > 0 ? 100 * b / t : 0), (t > 0 ? 100 * s * c / t : 0) }'
}

# Waits until the host is < QUIET_BUSY % busy; sets BUSY (the last sample) and
# SERVER_IDLE_PCT (the waiting server's CPU use then, percent of one core). Runs in this
# shell (not in $(...)), so that a signal stops it at once.
wait_quiet() {
  local start
  start=$(now_ns)
  while :; do
    read -r BUSY SERVER_IDLE_PCT <<<"$(busy_pct 2)"
    if awk -v p="$BUSY" -v q="$QUIET_BUSY" 'BEGIN { exit !(p < q) }'; then break; fi
    if (($(now_ns) - start > QUIET_WAIT * 1000000000)); then
      log "the host is still ${BUSY}% busy after ${QUIET_WAIT}s: measuring anyway"
      break
    fi
    log "host ${BUSY}% busy without the server (others' builds?): waiting"
    nap 5
  done
}

# busy_jiffies total_jiffies own_jiffies: others' share of all CPUs, percent
other_cpu_pct() {
  awk -v b="$1" -v t="$2" -v c="$3" 'BEGIN { o = b - c; if (o < 0) o = 0; printf "%.1f\n", (t > 0 ? 100 * o / t : 0) }'
}

# Measurement window bookkeeping: window_start, then window_end sets OTHER_PCT and
# SERVER_CPU_S (the server's CPU seconds in the window).
window_start() {
  read -r W_B0 W_T0 <<<"$(cpu_jiffies)"
  W_S0=$(proc_jiffies "$SERVER_PID")
  times >"$TMP/times"
  W_C0=$(children_cpu_ms)
  W_SELF0=$(proc_jiffies "$MAIN_PID")
}
window_end() {
  local b1 t1 s1 c1 self1 own
  read -r b1 t1 <<<"$(cpu_jiffies)"
  s1=$(proc_jiffies "$SERVER_PID")
  times >"$TMP/times"
  c1=$(children_cpu_ms)
  self1=$(proc_jiffies "$MAIN_PID")
  # The server, this script and its finished children (curl, jq, wrk).
  own=$(( (s1 - W_S0) + (self1 - W_SELF0) + (c1 - W_C0) * HZ / 1000 ))
  OTHER_PCT=$(other_cpu_pct $((b1 - W_B0)) $((t1 - W_T0)) "$own")
  SERVER_CPU_S=$(awk -v j=$((s1 - W_S0)) -v hz="$HZ" 'BEGIN { printf "%.2f", j / hz }')
}

# ---------------------------------------------------------------------------------------
# Ports and the server




# http_get PORT PATH: one GET over bash's /dev/tcp (no process spawned, so polling costs
# next to no CPU); sets HTTP_BODY; true on a 200.
http_get() {
  local port=$1 path=$2 fd response=""
  HTTP_BODY=""
  { exec {fd}<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || return 1
  { printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$path" "$port" >&"$fd"; } 2>/dev/null || true
  IFS= read -r -d '' -t 10 response <&"$fd" || true
  exec {fd}>&-
  [[ $response == "HTTP/1.1 200"* ]] || return 1
  HTTP_BODY=${response#*$'\r\n\r\n'}
}

# parse_campaign BODY: sets status aud pend sent failed completed_at created_at (the
# caller's locals) from a GET /api/v1/campaigns/:id answer, without a jq process.
parse_campaign() {
  local b=$1
  [[ $b =~ \"status\":\"([a-z]+)\",\"createdBy\" ]] || return 1
  status=${BASH_REMATCH[1]}
  [[ $b =~ \"audienceSize\":([0-9]+),\"stats\":\{\"pending\":([0-9]+),\"sent\":([0-9]+),\"failed\":([0-9]+) ]] || return 1
  aud=${BASH_REMATCH[1]} pend=${BASH_REMATCH[2]} sent=${BASH_REMATCH[3]} failed=${BASH_REMATCH[4]}
  completed_at=""
  [[ $b =~ \"completedAt\":\"([^\"]+)\" ]] && completed_at=${BASH_REMATCH[1]}
  [[ $b =~ \"createdAt\":\"([^\"]+)\" ]] && created_at=${BASH_REMATCH[1]}
  return 0
}

# start_server DB LOG [ENV=VALUE...]: sets SERVER_PID, PORT and T_START (ns); waits for
# /readyz, then for the customer index (segment queries and launches use it once loaded).
start_server() {
  local db=$1 logf=$2
  shift 2
  PORT=$(free_port)
  mkdir -p "$TMP/cwd"  # no .env from the repository is read
  T_START=$(now_ns)
  (cd "$TMP/cwd" && exec env ACCESS_LOG=off LOG_LEVEL=info HOST=127.0.0.1 PORT="$PORT" \
     DATABASE_URL="sqlite:$db" "$@" "$MINICRM" serve >"$logf" 2>&1) &
  SERVER_PID=$!
  until http_ok "$PORT" /readyz; do
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$logf" >&2; die "the server exited while starting"; }
    (($(now_ns) - T_START < 120000000000)) || die "the server was not ready within 120 s"
    nap 0.005
  done
  until grep -q '"msg":"customer index loaded"' "$logf"; do
    if grep -q '"msg":"customer index failed' "$logf"; then
      grep '"level":"error"' "$logf" >&2
      die "the customer index failed to load"
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 "$logf" >&2; die "the server exited while loading its index"; }
    (($(now_ns) - T_START < 600000000000)) || die "the index was not loaded within 10 min"
    nap 0.05
  done
}

# stop_server: SIGTERM; sets STOP_RC and STOP_MS.
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


# The server's write-path counters from /metrics, as a JSON object.
store_metrics() {
  curl -s --max-time 10 "http://127.0.0.1:$PORT/metrics" |
    awk '/^minicrm_store_(write_batches|write_jobs|wal_syncs|checkpoints)_total / {
           sub(/^minicrm_store_/, "", $1); sub(/_total$/, "", $1); printf "%s %s\n", $1, $2 }' |
    jq -Rn '[inputs | split(" ") | {(.[0]): (.[1] | tonumber)}] | add // {}'
}

fresh_copy() {  # src: a fresh working copy at $WORK_DB, written back to disk
  rm -f "$WORK_DB" "$WORK_DB-wal" "$WORK_DB-shm"
  cp "$1" "$WORK_DB"
  sync -f "$WORK_DB"  # no write-back of the copy during the measurement
}

# The campaign of every customer.
CAMPAIGN_MESSAGE='Hi {{firstName|there}}, {{city|your city}} has a new offer for you'
campaign_body() {  # name
  jq -nc --arg n "$1" --arg m "$CAMPAIGN_MESSAGE" \
    '{name: $n, message: $m, segmentRules: {totalSpend: {"$gte": 0}}}'
}

# post_campaign NAME: POSTs the campaign; sets POST_CODE, POST_MS (curl's time_total),
# POST_T0 (ns, just before), CAMPAIGN_ID and AUDIENCE.
post_campaign() {
  campaign_body "$1" >"$TMP/campaign.json"
  POST_T0=$(now_ns)
  local w
  w=$(curl -s -o "$TMP/post.json" -w '%{http_code} %{time_total}' --max-time 900 \
    -H 'Content-Type: application/json' --data-binary @"$TMP/campaign.json" \
    "http://127.0.0.1:$PORT/api/v1/campaigns") || die "POST /api/v1/campaigns failed (curl)"
  read -r POST_CODE POST_MS <<<"$w"
  POST_MS=$(awk -v s="$POST_MS" 'BEGIN { printf "%.1f", s * 1000 }')
  [[ $POST_CODE == 201 ]] || { cat "$TMP/post.json" >&2; die "POST /api/v1/campaigns answered $POST_CODE"; }
  CAMPAIGN_ID=$(jq -r .data._id "$TMP/post.json")
  AUDIENCE=$(jq -r .data.audienceSize "$TMP/post.json")
}

# ---------------------------------------------------------------------------------------
# Build and data

"$ROOT/scripts/install-deps.sh" wrk jq >&2
for cmd in wrk sqlite3 jq curl cmake ninja awk; do command -v "$cmd" >/dev/null || die "$cmd is not installed"; done

if ((BUILD)); then
  log "building in $BUILD_DIR"
  if [[ ! -f $BUILD_DIR/build.ninja ]]; then
    cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMINICRM_TESTS=OFF \
      -DMINICRM_BENCH=ON >&2
  fi
  ninja -C "$BUILD_DIR" minicrm minicrm_gen minicrm_fsync_probe >&2 ||
    die "the build failed (--no-build runs the binaries already in $BUILD_DIR)"
fi
MINICRM="$BUILD_DIR/minicrm"
GEN="$BUILD_DIR/minicrm_gen"
PROBE="$BUILD_DIR/minicrm_fsync_probe"
for bin in "$MINICRM" "$GEN" "$PROBE"; do [[ -x $bin ]] || die "$bin is missing: build first"; done
PYTHON=$(command -v python3 || true)

# ensure_db N: generates (or reuses) the database of N customers; sets DB and DB_KEY.
ensure_db() {
  local n=$1 orders
  orders=$(awk -v n="$n" -v r="$ORDERS_PER_CUSTOMER" 'BEGIN { printf "%d", n * r }')
  DB_KEY="c$n-o$orders-s$SEED"
  DB="$OUT/minicrm-$DB_KEY.db"
  local ids="$OUT/minicrm-$DB_KEY.ids" meta="$OUT/minicrm-$DB_KEY.meta" fingerprint
  fingerprint="customers=$n orders=$orders seed=$SEED $(cat "$GEN" \
    "$ROOT/src/store/sqlite/migrations.sql" | sha256sum | cut -c1-16)"
  if [[ -f $DB && -f $ids && -f $meta && $(head -1 "$meta") == "$fingerprint" ]]; then
    log "reusing $DB ($(sed -n 2p "$meta"))"
  else
    log "generating $n customers and $orders orders into $DB"
    rm -f "$meta" "$DB" "$DB-wal" "$DB-shm" "$ids"
    local t0 gen_json
    t0=$(now_ns)
    "$MINICRM" migrate --database-url "sqlite:$DB" >&2
    gen_json=$("$GEN" sqlite --customers "$n" --orders "$orders" --seed "$SEED" --db "$DB" \
      --ids-out "$ids")
    [[ -s $DB-wal ]] && die "the generator left a non-empty WAL behind"
    rm -f "$DB-wal" "$DB-shm"
    printf '%s\n%s\n' "$fingerprint" "$gen_json" >"$meta"
    emit_tool "$gen_json"
    emit gen_total_s "$(awk -v d=$(($(now_ns) - t0)) 'BEGIN { printf "%.1f", d / 1e9 }')" s \
      "{\"customers\":$n,\"orders\":$orders}"
  fi
  local actual
  actual=$(sqlite3 "$DB" "SELECT count(*) FROM customers")
  ((actual == n)) || die "$DB holds $actual customers, expected $n"
}

# ---------------------------------------------------------------------------------------
# Phase: campaign

# Checks a finished campaign's log in the stopped server's database; prints a JSON object.
recount_campaign() {  # db campaign_hex
  local row
  row=$(sqlite3 -separator ' ' "$1" "
    SELECT c.audience_size, c.pending, c.sent, c.failed, c.cancelled, c.status,
           coalesce(c.launch_state, 'null'), coalesce(c.launched_at, 0), coalesce(c.completed_at, 0),
           c.created_at, r.n, r.pending, r.sent, r.failed, r.cancelled, r.resent,
           r.max_attempts, coalesce(r.last_submit, 0), r.last_update, r.unrendered, r.customers
    FROM campaigns c, (
      SELECT count(*) AS n, coalesce(sum(status = 'PENDING'), 0) AS pending,
             coalesce(sum(status = 'SENT'), 0) AS sent, coalesce(sum(status = 'FAILED'), 0) AS failed,
             coalesce(sum(status = 'CANCELLED'), 0) AS cancelled,
             coalesce(sum(attempts > 1), 0) AS resent, coalesce(max(attempts), 0) AS max_attempts,
             max(submitted_at) AS last_submit, coalesce(max(updated_at), 0) AS last_update,
             coalesce(sum(status != 'CANCELLED' AND message IS NULL), 0) AS unrendered,
             count(DISTINCT customer_id) AS customers
      FROM communications WHERE campaign_id = x'$2') r
    WHERE c.id = x'$2';")
  [[ -n $row ]] || die "campaign $2 not found in $1"
  local a
  read -r -a a <<<"$row"
  jq -nc --argjson v "[$(IFS=,; printf '%s' "${a[*]:0:5}"),\"${a[5]}\",\"${a[6]}\",$(IFS=,; printf '%s' "${a[*]:7}")]" '
    {audience_size: $v[0], counters: {pending: $v[1], sent: $v[2], failed: $v[3], cancelled: $v[4]},
     status: $v[5], launch_state: $v[6],
     recount: {rows: $v[10], pending: $v[11], sent: $v[12], failed: $v[13], cancelled: $v[14]},
     distinct_customers: $v[20], resent_rows: $v[15], max_attempts: $v[16],
     last_submit_s: (if $v[17] > 0 then (($v[17] - $v[7]) / 1000) else null end),
     last_update_s: (($v[18] - $v[7]) / 1000),
     launched_after_create_ms: ($v[7] - $v[9]),
     unrendered_rows: $v[19]}
    | . + {counters_match_recount: (.counters == (.recount | del(.rows))),
           rows_match_audience: (.recount.rows == .audience_size and .distinct_customers == .audience_size)}'
}

# Recomputes the simulator's outcome (API.md: FAILED exactly when fnv1a64(seed:key) mod
# 10000 < (1 - rate) * 10000) for the first LIMIT rows by id; prints {checked, mismatches}.
outcome_check() {  # db campaign_hex limit
  if [[ -z $PYTHON ]]; then echo '{"checked":0,"mismatches":null,"note":"no python3"}'; return; fi
  sqlite3 -separator ' ' "$1" "SELECT lower(hex(id)), status FROM communications
    WHERE campaign_id = x'$2' ORDER BY id LIMIT $3" |
    "$PYTHON" -c '
import sys
seed, rate = sys.argv[1], float(sys.argv[2])
checked = bad = 0
for line in sys.stdin:
    key, status = line.split()
    h = 14695981039346656037
    for c in (seed + ":" + key).encode():
        h = ((h ^ c) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    want = "FAILED" if (h % 10000) < (1.0 - rate) * 10000.0 else "SENT"
    checked += 1
    bad += status != want
print("{\"checked\":%d,\"mismatches\":%d}" % (checked, bad))
' "$SEED" "$SUCCESS_RATE"
}

campaign_run() {  # size batch run
  local n=$1 batch=$2 run=$3
  local case_name="campaign_${n}_batch${batch}"
  local target=10
  ((n >= 1000000)) && target=90
  ((n != 100000 && n != 1000000)) && target=null
  local logf="$TMP/server-$case_name-$run.log"
  fresh_copy "$DB"
  log "[$case_name] run $run/$RUNS: starting the server (VENDOR_BATCH=$batch, latency $SIM_LATENCY ms)"
  start_server "$WORK_DB" "$logf" VENDOR_BATCH="$batch" VENDOR_SIM_LATENCY_MS="$SIM_LATENCY" \
    VENDOR_SIM_SUCCESS_RATE="$SUCCESS_RATE" VENDOR_SIM_SEED="$SEED"
  local load
  wait_quiet
  load=$(load_1m)
  local RC
  RC=$(jq -nc --arg c "$case_name" --argjson n "$n" --argjson b "$batch" --argjson r "$run" \
    --argjson l "$load" --argjson p "$BUSY" --argjson t "$target" --arg lat "$SIM_LATENCY" \
    --argjson si "$SERVER_IDLE_PCT" \
    '{case: $c, phase: "campaign", customers: $n, vendor_batch: $b, sim_latency_ms: $lat,
      run: $r, host_load_1m: $l, host_busy_pct: $p, server_idle_cpu_pct: $si}
     + (if $t then {target: $t, target_unit: "max"} else {} end)')

  window_start
  post_campaign "bench $case_name run $run"
  ((AUDIENCE == n)) || die "the campaign's audience is $AUDIENCE, expected $n"
  local deadline=$((POST_T0 + CAMPAIGN_TIMEOUT * 1000000000)) done_ns="" state="" t
  local status="" aud=0 pend=0 sent=0 failed=0 completed_at="" created_at=""
  while :; do
    if http_get "$PORT" "/api/v1/campaigns/$CAMPAIGN_ID" && parse_campaign "$HTTP_BODY"; then
      t=$(now_ns)
      state="$status $aud $pend $sent $failed"
      if [[ $status == completed ]] && ((pend == 0 && sent + failed == aud)); then
        done_ns=$t
        break
      fi
      if [[ $status != running ]]; then
        log "[$case_name] run $run: the campaign is $status (pending $pend, sent $sent, failed $failed)"
        break
      fi
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 "$logf" >&2; die "the server exited during the campaign"; }
    if (($(now_ns) > deadline)); then
      log "[$case_name] run $run: not done after ${CAMPAIGN_TIMEOUT}s: $state"
      break
    fi
    nap 0.1
  done
  window_end
  local total_s=null server_s=null
  if [[ -n $done_ns ]]; then
    total_s=$(awk -v d=$((done_ns - POST_T0)) 'BEGIN { printf "%.3f", d / 1e9 }')
    server_s=$(awk -v a="$(iso_ms "$created_at")" -v b="$(iso_ms "$completed_at")" 'BEGIN { printf "%.3f", (b - a) / 1000 }')
  fi
  local vstats metrics
  vstats=$(curl -s --max-time 10 "http://127.0.0.1:$PORT/api/v1/vendor/stats" | jq -c .data || true)
  vstats=${vstats:-null}
  metrics=$(store_metrics || true)
  metrics=${metrics:-null}
  log "[$case_name] run $run: ${total_s}s (launch ${POST_MS} ms, server ${server_s}s); vendor $vstats"
  stop_server
  local rec outcome problems
  rec=$(recount_campaign "$WORK_DB" "$CAMPAIGN_ID")
  outcome=$(outcome_check "$WORK_DB" "$CAMPAIGN_ID" 200000)
  problems=$(log_problems "$logf")

  local meets=null
  if [[ $target != null ]]; then
    meets=false
    [[ $total_s != null ]] && meets=$(awk -v v="$total_s" -v t="$target" 'BEGIN { print (v < t) ? "true" : "false" }')
  fi
  series campaign_total_s "$total_s" s "$(jq -c --argjson rec "$rec" --argjson o "$OTHER_PCT" \
    --argjson cpu "$SERVER_CPU_S" --argjson v "$vstats" --argjson m "$metrics" \
    --arg final "$state" --argjson ok "$meets" --argjson to "$([[ $total_s == null ]] && echo true || echo false)" \
    '. + {meets_target: $ok, timed_out: $to, host_other_cpu_pct: $o, server_cpu_s: $cpu,
          vendor: $v, store: $m, last_seen: $final}' <<<"$RC")"
  series campaign_server_s "$server_s" s "$(jq -c 'del(.target, .target_unit) + {note: "completedAt - createdAt"}' <<<"$RC")"
  series launch_ms "$POST_MS" ms "$(jq -c 'del(.target, .target_unit) + {note: "POST /api/v1/campaigns latency, dispatch on"}' <<<"$RC")"
  series last_submit_s "$(jq '.last_submit_s' <<<"$rec")" s "$(jq -c 'del(.target, .target_unit) + {note: "latest submitted_at - launchedAt"}' <<<"$RC")"
  series last_update_s "$(jq '.last_update_s' <<<"$rec")" s "$(jq -c 'del(.target, .target_unit) + {note: "latest updated_at - launchedAt"}' <<<"$RC")"
  local rate=null
  [[ $total_s != null ]] && rate=$(awk -v n="$n" -v s="$total_s" 'BEGIN { printf "%.0f", n / s }')
  series campaign_msgs_per_s "$rate" msg/s "$(jq -c 'del(.target, .target_unit)' <<<"$RC")"
  series server_cpu_s "$SERVER_CPU_S" s "$(jq -c 'del(.target, .target_unit)' <<<"$RC")"
  series host_other_cpu_pct "$OTHER_PCT" pct "$(jq -c 'del(.target, .target_unit)' <<<"$RC")"

  # Correctness: emitted as counts (0 is right) with the details.
  local dup problems_n ok
  dup=$(jq '.duplicateKeys // null' <<<"$vstats")
  emit vendor_duplicate_keys "$dup" count "$(jq -c --argjson v "$vstats" '. + {vendor: $v}' <<<"$RC")"
  emit counters_vs_recount_mismatch "$(jq 'if .counters_match_recount then 0 else 1 end' <<<"$rec")" count \
    "$(jq -c --argjson r "$rec" '. + {detail: $r}' <<<"$RC")"
  emit outcome_mismatches "$(jq '.mismatches' <<<"$outcome")" count \
    "$(jq -c --argjson x "$outcome" '. + $x + {rule: "fnv1a64(seed:key) mod 10000 < (1 - rate) * 10000"}' <<<"$RC")"
  problems_n=$(jq length <<<"$problems")
  emit server_log_problems "$problems_n" count "$(jq -c --argjson p "$problems" --argjson rc "$STOP_RC" \
    --argjson s "$STOP_MS" '. + {exit_code: $rc, stop_ms: $s, lines: $p}' <<<"$RC")"
  ok=$(jq -n --argjson r "$rec" --argjson v "$vstats" --argjson o "$outcome" --argjson rc "$STOP_RC" --argjson n "$n" '
    $r.counters_match_recount and $r.rows_match_audience and $r.recount.pending == 0
    and $v.duplicateKeys == 0 and $v.accepted == $n and ($o.mismatches // 0) == 0 and $rc == 0')
  [[ $ok == true ]] || log "[$case_name] run $run: CORRECTNESS PROBLEM: log $rec vendor $vstats outcomes $outcome exit $STOP_RC"
}

phase_campaign() {
  local n batch run
  for n in "${SIZE_LIST[@]}"; do
    ensure_db "$n"
    for batch in "${BATCH_LIST[@]}"; do
      if ((batch == 1 && n > BATCH1_MAX)); then
        log "[campaign $n] VENDOR_BATCH=1 skipped (above --batch1-max $BATCH1_MAX)"
        continue
      fi
      for run in $(seq 1 "$RUNS"); do campaign_run "$n" "$batch" "$run"; done
    done
  done
}

# ---------------------------------------------------------------------------------------
# Phase: webhook

# Prepares (or reuses) the database with one launched, undispatched campaign of every
# customer; sets WH_DB, WH_IDS, WH_CAMPAIGN.
prepare_webhook_db() {
  ensure_db "$WEBHOOK_CUSTOMERS"
  local base=$DB
  WH_DB="$OUT/receipts-$DB_KEY.db"
  WH_IDS="$OUT/receipts-$DB_KEY.ids"
  local meta="$OUT/receipts-$DB_KEY.meta" fingerprint
  fingerprint="$(head -1 "$OUT/minicrm-$DB_KEY.meta") $(sha256sum "$MINICRM" | cut -c1-16)"
  if [[ -f $WH_DB && -f $WH_IDS && -f $meta && $(head -1 "$meta") == "$fingerprint" ]]; then
    WH_CAMPAIGN=$(sed -n 2p "$meta")
    log "reusing $WH_DB (campaign $WH_CAMPAIGN)"
    return
  fi
  log "preparing $WH_DB: a campaign of every customer, launched with DISPATCH=off"
  rm -f "$meta" "$WH_DB" "$WH_DB-wal" "$WH_DB-shm" "$WH_IDS"
  cp "$base" "$WH_DB"
  start_server "$WH_DB" "$TMP/server-webhook-prepare.log" DISPATCH=off
  post_campaign "bench receipts"
  ((AUDIENCE == WEBHOOK_CUSTOMERS)) || die "the campaign's audience is $AUDIENCE, expected $WEBHOOK_CUSTOMERS"
  stop_server
  ((STOP_RC == 0)) || die "the server exited with $STOP_RC while preparing $WH_DB"
  [[ -s $WH_DB-wal ]] && sqlite3 "$WH_DB" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
  rm -f "$WH_DB-wal" "$WH_DB-shm"
  sqlite3 "$WH_DB" "SELECT lower(hex(customer_id)) FROM communications
    WHERE campaign_id = x'$CAMPAIGN_ID' ORDER BY id" >"$WH_IDS"
  local lines
  lines=$(wc -l <"$WH_IDS")
  ((lines == WEBHOOK_CUSTOMERS)) || die "$WH_IDS holds $lines ids, expected $WEBHOOK_CUSTOMERS"
  WH_CAMPAIGN=$CAMPAIGN_ID
  printf '%s\n%s\n' "$fingerprint" "$WH_CAMPAIGN" >"$meta"
}

webhook_run() {  # run
  local run=$1 logf="$TMP/server-webhook-$1.log"
  fresh_copy "$WH_DB"
  log "[webhook] run $run/$RUNS: starting the server (DISPATCH=off)"
  start_server "$WORK_DB" "$logf" DISPATCH=off
  local load RC
  wait_quiet
  load=$(load_1m)
  RC=$(jq -nc --argjson n "$WEBHOOK_CUSTOMERS" --argjson r "$run" --argjson l "$load" \
    --argjson p "$BUSY" --argjson c "$CONNECTIONS" --argjson t "$THREADS" --arg d "$DURATION" \
    '{case: "webhook", phase: "webhook", customers: $n, connections: $c, wrk_threads: $t,
      duration: $d, run: $r, host_load_1m: $l, host_busy_pct: $p}')
  log "[webhook] wrk -t$THREADS -c$CONNECTIONS -d$DURATION POST /api/v1/delivery/receipt"
  local out="$TMP/wrk-webhook-$run.txt"
  window_start
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$LUA" \
    "http://127.0.0.1:$PORT" -- "$WH_CAMPAIGN" "$WH_IDS" "$THREADS" >"$out" 2>&1 ||
    { cat "$out" >&2; die "wrk failed"; }
  window_end
  sed -n '/Thread Stats/,/ 99%/p' "$out" | sed 's/^/    /' >&2
  grep -E 'requests in|Non-2xx|Socket errors' "$out" | sed 's/^/    /' >&2 || true
  local result kv
  result=$(grep '^WRK_RESULT ' "$out" | tail -1) || { cat "$out" >&2; die "wrk: no result line"; }
  local w_requests w_rps w_p50_ms w_p99_ms w_http_errors w_connect_errors w_read_errors \
    w_write_errors w_timeouts w_duration_s w_p90_ms w_max_ms w_mean_ms
  for kv in ${result#WRK_RESULT }; do printf -v "w_${kv%%=*}" '%s' "${kv#*=}"; done
  local issued_values="" issued_total=0 exhausted=0 idx n ex line
  while read -r line; do
    idx=${line#*index=}; idx=${idx%% *}
    n=${line#*issued=}; n=${n%% *}
    ex=${line#*exhausted=}
    issued_values+="${issued_values:+,}($idx,$n)"
    issued_total=$((issued_total + n))
    exhausted=$((exhausted + ex))
  done < <(grep '^WRK_THREAD ' "$out")
  [[ -n $issued_values ]] || die "wrk: no WRK_THREAD lines"
  local metrics
  metrics=$(store_metrics)
  stop_server

  # Every row against what the script sent. Thread t sent lines t, t+T, ...: line i is its
  # (i / T)-th; the last K = connections / threads it issued may not have been answered.
  # Line 0 is never sent: wrk calls request() once in thread 0 to check the script.
  local K=$((CONNECTIONS / THREADS)) row
  row=$(sqlite3 -separator ' ' "$WORK_DB" "
    CREATE TEMP TABLE issued (t INTEGER PRIMARY KEY, n INTEGER NOT NULL);
    INSERT INTO issued VALUES $issued_values;
    WITH r AS (
      SELECT row_number() OVER (ORDER BY id) - 1 AS i, status FROM communications
      WHERE campaign_id = x'$WH_CAMPAIGN'
    ), s AS (
      SELECT r.i AS i, r.i / $THREADS AS j, issued.n AS n, r.status AS status,
             CASE WHEN r.i % 10 = 7 THEN 'FAILED' ELSE 'SENT' END AS want
      FROM r JOIN issued ON issued.t = r.i % $THREADS
    )
    SELECT count(*),
           coalesce(sum(j < n - $K AND status = want), 0),
           coalesce(sum(j < n - $K AND status = 'PENDING' AND i != 0), 0),
           coalesce(sum(j < n AND status NOT IN (want, 'PENDING')), 0),
           coalesce(sum(j >= n - $K AND j < n AND status = want), 0),
           coalesce(sum(j >= n AND status != 'PENDING'), 0),
           coalesce(sum(status != 'PENDING'), 0),
           coalesce(sum(status = 'SENT'), 0), coalesce(sum(status = 'FAILED'), 0)
    FROM s;
    SELECT pending, sent, failed, cancelled, status FROM campaigns WHERE id = x'$WH_CAMPAIGN';")
  local a
  read -r -a a <<<"$(tr '\n' ' ' <<<"$row")"
  local check
  check=$(jq -nc --argjson v "[$(IFS=,; printf '%s' "${a[*]:0:13}")]" --arg st "${a[13]}" \
    --argjson issued "$issued_total" --argjson answered "$w_requests" --argjson herr "$w_http_errors" \
    --argjson k "$K" --argjson threads "$THREADS" '
    {rows: $v[0], issued: $issued, answered: $answered, http_errors: $herr,
     note: "issued: lines handed out by request(); answered: responses wrk counted",
     applied_as_expected: $v[1], issued_not_applied: $v[2], wrong_status: $v[3],
     in_flight_window_applied: $v[4], in_flight_window: ($k * $threads),
     applied_but_not_issued: $v[5], applied: $v[6],
     recount: {pending: ($v[0] - $v[6]), sent: $v[7], failed: $v[8]},
     counters: {pending: $v[9], sent: $v[10], failed: $v[11], cancelled: $v[12]},
     campaign_status: $st}
    | . + {counters_match_recount: (.counters.pending == .recount.pending and
             .counters.sent == .recount.sent and .counters.failed == .recount.failed and
             .counters.cancelled == 0),
           applied_covers_answers: (.applied >= (.answered - .http_errors))}')

  series receipts_rps "$w_rps" req/s "$(jq -c --argjson o "$OTHER_PCT" --argjson cpu "$SERVER_CPU_S" \
    --argjson m "$metrics" --argjson req "$w_requests" --argjson d "$w_duration_s" \
    '. + {target: 20000, target_unit: "min", meets_target: null, requests: $req, duration_s: $d,
          host_other_cpu_pct: $o, server_cpu_s: $cpu, store: $m}' <<<"$RC" |
    jq -c --argjson rps "$w_rps" '.meets_target = ($rps >= 20000)')"
  series receipts_p50_ms "$w_p50_ms" ms "$(jq -c --argjson p90 "$w_p90_ms" --argjson mean "$w_mean_ms" \
    --argjson max "$w_max_ms" '. + {p90_ms: $p90, mean_ms: $mean, max_ms: $max}' <<<"$RC")"
  series receipts_p99_ms "$w_p99_ms" ms "$RC"
  series server_cpu_s "$SERVER_CPU_S" s "$RC"
  series host_other_cpu_pct "$OTHER_PCT" pct "$RC"
  emit receipts_http_errors "$w_http_errors" count "$RC"
  emit receipts_socket_errors $((w_connect_errors + w_read_errors + w_write_errors + w_timeouts)) count "$RC"
  # wrk calls request() again when the first write of a request would block, so an issued
  # line may never have been sent: issued_not_applied (line 0 aside) is reported, not counted
  # as a problem; a lost acknowledged receipt shows as applied < answered.
  local bad
  bad=$(jq '.wrong_status + .applied_but_not_issued + (if .counters_match_recount then 0 else 1 end)
            + (if .applied_covers_answers then 0 else 1 end)' <<<"$check")
  emit receipts_check_problems "$bad" count "$(jq -c --argjson c "$check" --argjson e "$exhausted" \
    --argjson rc "$STOP_RC" --argjson p "$(log_problems "$logf")" \
    '. + {detail: $c, threads_out_of_ids: $e, exit_code: $rc, server_log_problems: $p}' <<<"$RC")"
  ((exhausted == 0)) || log "[webhook] run $run: $exhausted wrk thread(s) ran out of ids: use more --webhook-customers or a shorter --duration"
  ((bad == 0)) || log "[webhook] run $run: CORRECTNESS PROBLEM: $check"
}

phase_webhook() {
  prepare_webhook_db
  local run
  for run in $(seq 1 "$RUNS"); do webhook_run "$run"; done
}

# ---------------------------------------------------------------------------------------
# Phase: launch

launch_run() {  # run
  local run=$1 logf="$TMP/server-launch-$1.log"
  fresh_copy "$DB"
  log "[launch] run $run/$RUNS: starting the server (DISPATCH=off)"
  start_server "$WORK_DB" "$logf" DISPATCH=off
  local load RC
  wait_quiet
  load=$(load_1m)
  RC=$(jq -nc --argjson n "$LAUNCH_CUSTOMERS" --argjson r "$run" --argjson l "$load" --argjson p "$BUSY" \
    '{case: "launch", phase: "launch", customers: $n, run: $r, host_load_1m: $l, host_busy_pct: $p,
      target: 3000, target_unit: "max"}')
  window_start
  post_campaign "bench launch run $run"
  window_end
  log "[launch] run $run: POST answered in $POST_MS ms, audience $AUDIENCE"
  local metrics
  metrics=$(store_metrics)
  stop_server
  local rec
  rec=$(recount_campaign "$WORK_DB" "$CAMPAIGN_ID")
  series launch_post_ms "$POST_MS" ms "$(jq -c --argjson o "$OTHER_PCT" --argjson cpu "$SERVER_CPU_S" \
    --argjson m "$metrics" --argjson a "$AUDIENCE" --argjson rec "$rec" --argjson v "$POST_MS" \
    '. + {audience: $a, meets_target: ($v < 3000), host_other_cpu_pct: $o, server_cpu_s: $cpu,
          store: $m, launch_state: $rec.launch_state, rows: $rec.recount.rows,
          note: "POST /api/v1/campaigns latency (curl time_total); answers after the audience is written"}' <<<"$RC")"
  series launch_rows_per_s "$(awk -v n="$AUDIENCE" -v ms="$POST_MS" 'BEGIN { printf "%.0f", n / ms * 1000 }')" rows/s \
    "$(jq -c 'del(.target, .target_unit)' <<<"$RC")"
  series server_cpu_s "$SERVER_CPU_S" s "$(jq -c 'del(.target, .target_unit)' <<<"$RC")"
  local ok
  ok=$(jq -n --argjson r "$rec" --argjson n "$LAUNCH_CUSTOMERS" --argjson rc "$STOP_RC" '
    $r.launch_state == "ready" and $r.recount.rows == $n and $r.audience_size == $n
    and $r.counters.pending == $n and $r.counters_match_recount and $rc == 0')
  emit launch_check_problems "$([[ $ok == true ]] && echo 0 || echo 1)" count \
    "$(jq -c --argjson r "$rec" --argjson rc "$STOP_RC" --argjson p "$(log_problems "$logf")" \
      '. + {detail: $r, exit_code: $rc, server_log_problems: $p} | del(.target, .target_unit)' <<<"$RC")"
  [[ $ok == true ]] || log "[launch] run $run: CORRECTNESS PROBLEM: $rec (exit $STOP_RC)"
}

phase_launch() {
  ensure_db "$LAUNCH_CUSTOMERS"
  local run
  for run in $(seq 1 "$RUNS"); do launch_run "$run"; done
}

# ---------------------------------------------------------------------------------------

log "cpus=$CPUS phases=$PHASES runs=$RUNS sizes=$SIZES batches=$BATCHES sim latency=$SIM_LATENCY ms"
sync -f "$OUT/"
emit_tool "$("$PROBE" "$OUT")"
for phase in "${PHASE_LIST[@]}"; do
  case "$phase" in
    campaign) phase_campaign ;;
    webhook) phase_webhook ;;
    launch) phase_launch ;;
  esac
done
emit_medians
