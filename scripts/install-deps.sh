#!/bin/sh
# Installs the Debian/Ubuntu packages bench_switch needs, only those missing. Safe to run again.
set -eu
packages="cmake g++ make git
  libbenchmark-dev libbenchmark-tools libboost-context-dev libboost-fiber-dev libfmt-dev nlohmann-json3-dev libcli11-dev libgtest-dev zlib1g-dev libhwloc-dev pkg-config
  liburing-dev libasio-dev
  python3 python3-matplotlib python3-numpy python3-scipy python3-pytest python3-yaml
  golang-go
  linux-perf valgrind"
missing=""
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing$missing"
if [ "$(id -u)" -eq 0 ]; then as_root=""; else as_root="sudo"; fi
$as_root apt-get update -qq
# linux-perf is Debian's name; Ubuntu's is linux-tools-common: a missing one is not fatal.
DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq $(echo "$missing" | sed 's/ linux-perf//') >/dev/null
case "$missing" in *linux-perf*) DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq linux-perf >/dev/null 2>&1 \
  || echo "install-deps: perf not installed (only needed for the perf bench cross-check)";; esac
