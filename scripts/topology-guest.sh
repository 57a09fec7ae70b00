#!/bin/sh
# Boots a guest with a bigger topology than this machine's, under QEMU's emulator (TCG), and runs
# bench_switch --topology and a short run inside it: the check that every placement lands on the
# right pair of CPUs on a machine with SMT, two packages and two NUMA nodes (docs/TOPOLOGY.md).
# The figures such a guest gives mean nothing (every CPU is emulated); the pairs do.
#
#   scripts/topology-guest.sh [BUILD_DIR]     (default: build; needs root for nothing)
#
# Needs qemu-system-x86, a Debian kernel image (linux-image-cloud-amd64), busybox-static and cpio;
# it installs what is missing as scripts/install-deps.sh does. The guest's console is printed.
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
binary="$build/bench_switch"
[ -x "$binary" ] || { echo "topology-guest: no $binary: build the suite first" >&2; exit 2; }

missing=""
for p in qemu-system-x86 linux-image-cloud-amd64 busybox-static cpio; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "topology-guest: installing$missing"
  if [ "$(id -u)" -eq 0 ]; then as_root=""; else as_root="sudo"; fi
  DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
kernel=$(ls /boot/vmlinuz-*cloud-amd64 2>/dev/null | sort -V | tail -1)
[ -n "$kernel" ] || { echo "topology-guest: no cloud kernel image in /boot" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
root="$work/root"
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp"
cp /bin/busybox "$root/bin/busybox"
for tool in sh mount grep sed cat poweroff sleep; do ln -s busybox "$root/bin/$tool"; done
# The binary and every library it loads, at their own paths (the loader too).
cp "$binary" "$root/bench_switch"
for lib in $(ldd "$binary" | grep -o '/[^ ]*'); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
cat > "$root/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
echo "== guest: bench_switch --topology"
/bench_switch --topology
echo "== guest: a short run of every placement of thread_futex and the c2c matrix"
/bench_switch --benchmark_filter='switch/thread_futex/|c2c' --benchmark_repetitions=2 --benchmark_min_time=0.01 \
  --c2c-budget=60 --json /tmp/guest.json
echo "== guest: json begins"
cat /tmp/guest.json
echo "== guest: json ends"
echo "== guest: done"
poweroff -f
INIT
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initrd.gz"

echo "topology-guest: booting $(basename "$kernel"): 2 packages x 2 cores x 2 threads, 2 NUMA nodes (TCG: slow)"
# QEMU's warnings about CPU features TCG lacks go to a file, shown only if the guest fails to run.
status=0
timeout 1200 qemu-system-x86_64 -accel tcg -cpu Skylake-Client -m 2G \
  -smp 8,sockets=2,cores=2,threads=2 \
  -object memory-backend-ram,id=m0,size=1G -object memory-backend-ram,id=m1,size=1G \
  -numa node,nodeid=0,cpus=0-3,memdev=m0 -numa node,nodeid=1,cpus=4-7,memdev=m1 \
  -kernel "$kernel" -initrd "$work/initrd.gz" -append "console=ttyS0 quiet panic=-1" \
  -display none -serial stdio -monitor none -no-reboot > "$work/console" 2> "$work/qemu.err" || status=$?
# The console without the JSON, then what each entry recorded, read from the JSON on this side.
sed '/== guest: json begins/,/== guest: json ends/d' "$work/console" | tr -d '\r' | grep -v '^\[' || true
sed -n '/== guest: json begins/,/== guest: json ends/p' "$work/console" | tr -d '\r' | sed '1d;$d' > "$work/guest.json"
if [ "$status" -ne 0 ] || ! [ -s "$work/guest.json" ]; then
  cat "$work/qemu.err" >&2
  echo "topology-guest: the guest did not finish its run (status $status)" >&2
  exit 1
fi
echo "== what each placement measured on (from the guest's JSON)"
/usr/bin/python3 - "$work/guest.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
seen = set()
for e in doc["benchmarks"]:
    if e.get("run_type") != "iteration" or e.get("family") != "switch" or e["name"] in seen:
        continue
    seen.add(e["name"])
    where = e.get("error_message") if e.get("error_occurred") else \
        f"cpus {e.get('cpus', e.get('cpus_allowed'))}  relation {e.get('relation', 'scheduler')}  " \
        f"numa {e.get('numa_nodes', '-')}  ksw {e.get('kernel_switches_per_switch', 0):.2f}"
    print(f"  {e['placement']:<14} {where}")
c2c = doc.get("summaries", {}).get("c2c")
if c2c:
    print(f"  c2c matrix over cpus {[c['cpu'] for c in c2c['cpus']]} ({c2c['pus']}): "
          f"{c2c['pairs_measured']} of {c2c['pairs_total']} pairs measured, both carriers")
PY
