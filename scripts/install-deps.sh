#!/usr/bin/env bash
# Installs the Debian packages MiniCRM needs to build and test, skipping those already
# present. Uses sudo when not root. Debian 12 (bookworm).
set -euo pipefail

packages=(
  g++ cmake ninja-build ccache pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev libspdlog-dev libfmt-dev libcli11-dev libyaml-cpp-dev
  libcurl4-openssl-dev libgtest-dev libgmock-dev libre2-dev libssl-dev
  sqlite3 curl
  libcsv-dev
)
# --fuzz: also the clang toolchain and libFuzzer runtime for the fuzz targets (fuzz/).
if [[ ${1:-} == --fuzz ]]; then
  packages+=(clang libclang-rt-14-dev)
  shift
fi
packages+=("$@")

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "Installing missing packages: ${missing[*]}" >&2
sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
