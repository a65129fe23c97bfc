# shellcheck shell=bash
# Helpers shared by the benchmark scripts (sourced, not run). They talk to 127.0.0.1 only.
# The sourcing script defines log() and, where used, RESULTS, TMP and NAP_FD.

die() { log "error: $*"; exit 1; }

now_ns() { date +%s%N; }
ms_since() { awk -v d=$(($(now_ns) - $1)) 'BEGIN { printf "%.1f", d / 1e6 }'; }

# Sleeps without spawning a process: a read that times out on a pipe nobody writes.
nap() { read -r -t "$1" -u "$NAP_FD" _ || true; }

# Installs the Debian packages that are missing (apt-get, through sudo when not root). Each
# argument is PACKAGE or PACKAGE:COMMAND; a package counts as present when dpkg has it
# installed or its command (default: the package name) is on the PATH.
install_missing() {
  local missing=() spec pkg cmd
  for spec in "$@"; do
    pkg=${spec%%:*}
    cmd=${spec#*:}
    dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null | grep -qx installed && continue
    command -v "$cmd" >/dev/null 2>&1 && continue
    missing+=("$pkg")
  done
  ((${#missing[@]} == 0)) && return 0
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || die "not root and no sudo: install ${missing[*]} first"
    sudo=(sudo)
  fi
  log "installing ${missing[*]}"
  "${sudo[@]}" apt-get update -qq >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >&2
}

# Appends a ready-made JSON line to stdout and the results file.
emit_raw() { printf '%s\n' "$1"; printf '%s\n' "$1" >>"$RESULTS"; }

port_in_use() {
  local p=$1
  if command -v ss >/dev/null 2>&1; then
    [[ -n $(ss -Htln "sport = :$p" 2>/dev/null) ]]
  else
    { exec {probe}<>"/dev/tcp/127.0.0.1/$p"; } 2>/dev/null || return 1
    exec {probe}>&-
    return 0
  fi
}

free_port() {
  local p
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 40000))
    port_in_use "$p" || { echo "$p"; return 0; }
  done
  die "no free port found"
}

# One HTTP/1.1 GET over bash's /dev/tcp (no process spawned); true on a 200.
http_ok() {
  local port=$1 path=$2 fd line
  { exec {fd}<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || return 1
  { printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$path" "$port" >&"$fd"; } 2>/dev/null || true
  line=""
  IFS= read -r -t 5 line <&"$fd" || true
  exec {fd}>&-
  [[ $line == "HTTP/1.1 200"* ]]
}

# CPU ms used by this shell's finished children (and theirs), as of the last
# `times >"$TMP/times"`, which must run in this very shell (not in a $(...) subshell).
children_cpu_ms() {
  awk 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] }
       printf "%.0f\n", t * 1000 }' "$TMP/times"
}

cpu_jiffies() {  # prints "busy total" over all CPUs
  local _c u n s i w q sq st _rest
  read -r _c u n s i w q sq st _rest </proc/stat
  echo "$((u + n + s + q + sq + st)) $((u + n + s + i + w + q + sq + st))"
}

proc_jiffies() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# Warnings and errors of a server log, as a JSON array (at most 20).
log_problems() {
  { grep -E '"level":"(warning|warn|error|critical)"' "$1" || true; } | head -20 |
    jq -R . | jq -sc .
}
