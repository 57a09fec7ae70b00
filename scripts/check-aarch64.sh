#!/bin/sh
# Cross-builds bench_switch for aarch64 with Debian multiarch and runs its GoogleTest correctness
# tests under qemu-aarch64 (user-mode emulation). Correctness only: under emulation every timing
# is the emulator's, not an Arm CPU's, so nothing is timed and no figure is printed.
#   scripts/check-aarch64.sh [BUILD_DIR]     (default build-aarch64; needs root or sudo to install)
# Installs what is missing (arm64 as a dpkg foreign architecture, the :arm64 -dev packages, the
# cross compiler, qemu-user-static), only that; safe to run again.
# --can-run: exit 0 when this machine can run the check (Debian multiarch, root or sudo, an x86-64
# host), else print one line why and exit 1; nothing is installed.
set -eu
cd "$(dirname "$0")/.."
say() { echo "check-aarch64: $*"; }

if [ "$(id -u)" -eq 0 ]; then as_root=""; else as_root="sudo"; fi
# Headers-only and architecture-independent packages (nlohmann-json3-dev, libasio-dev) serve both
# architectures; every library the suite links comes as :arm64. liburing is for the io_uring
# mechanism where the tree has it.
cross_packages="g++-aarch64-linux-gnu qemu-user-static cmake make pkg-config nlohmann-json3-dev libasio-dev
  libbenchmark-dev:arm64 libboost-context-dev:arm64 libboost-fiber-dev:arm64 libfmt-dev:arm64 libgtest-dev:arm64
  libhwloc-dev:arm64 zlib1g-dev:arm64 liburing-dev:arm64"
missing=""
for p in $cross_packages; do
  command -v dpkg-query >/dev/null || break
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
why_not=""
if ! command -v dpkg >/dev/null || ! command -v apt-get >/dev/null; then why_not="no dpkg/apt-get (Debian multiarch needed)"
elif [ "$(dpkg --print-architecture)" != amd64 ]; then why_not="the host is $(dpkg --print-architecture), not amd64"
elif [ -n "$missing" ] && [ -n "$as_root" ] && ! sudo -n true 2>/dev/null; then
  why_not="not root and no password-less sudo to install what is missing:$missing"
fi
if [ "${1:-}" = "--can-run" ]; then
  [ -z "$why_not" ] && exit 0
  say "not run: $why_not"; exit 1
fi
[ -z "$why_not" ] || { say "cannot run: $why_not" >&2; exit 1; }
build=${1:-build-aarch64}

if [ -n "$missing" ]; then
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    say "adding arm64 as a dpkg foreign architecture"
    $as_root dpkg --add-architecture arm64
  fi
  say "installing$missing"
  $as_root apt-get -o DPkg::Lock::Timeout=600 update -qq
  # --no-remove: a Multi-Arch: same library must have one version in both architectures, so apt
  # may upgrade an amd64 package to the arm64 one's version, but it must never remove one.
  DEBIAN_FRONTEND=noninteractive $as_root apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-remove $missing >/dev/null
fi

echo "check-aarch64: correctness only: under qemu every timing is the emulator's, not an Arm CPU's; nothing is timed"
# A unity build at -O1, as for the sanitizers (scripts/sanitizer-tests.sh): never measured, and
# built much faster (-O1 takes a fifth less than -O3 here); src/CMakeLists.txt keeps the coroutine
# transfers at -O2, where GCC makes them tail calls.
cmake -B "$build" -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake -DBENCH_SWITCH_WERROR=ON -DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=16 \
  -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" >/dev/null
nice -n 19 cmake --build "$build" -j2

# Tests that mean nothing under qemu-user, excluded by name: each line is a ctest regex => why.
binary_tests=$(grep -v '^#' tests/runs_the_binary.regex | paste -sd'|')
excluded="
$binary_tests => they run the bench_switch binary (tests/runs_the_binary.regex): a program under qemu-user cannot exec another aarch64 program (no binfmt_misc entry for qemu is assumed), and those runs are bounded by timings
^(IdleTasks\\.AllAreAliveUntilReleased|Ring\\.ThreadsAreJoinedWhenTheRingEnds) => they count the threads in /proc/self/task, where qemu-user starts threads of its own when it likes (seen: one more after a ring of 100 threads was joined) and an exited thread is seen late
^(InvoluntarySwitch\\.|Refill\\.AShortWalk) => they need a clock-read loop far under the 1 us span threshold (3 us for the walk): emulated, the loop itself takes about that long
"
echo "check-aarch64: excluded under qemu:"
printf '%s\n' "$excluded" | sed -n 's/^\(.*\) => \(.*\)$/  \1: \2/p'
pattern=$(printf '%s\n' "$excluded" | sed -n 's/^\(.*\) => .*$/\1/p' | paste -sd'|')
nice -n 19 ctest --test-dir "$build" -j2 --timeout 120 --output-on-failure -E "$pattern"
echo "check-aarch64: passed (built for aarch64, correctness tests under $(qemu-aarch64-static --version | head -1))"
