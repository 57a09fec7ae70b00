"""What a reader needs to trust a figure: the machine, the interpreter, the revision (Google
Benchmark's context keys that mean something here, plus context.bench_switch)."""
import datetime
import os
import platform
import socket
import subprocess
import sys

from .kernel import MP

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def _read(path, default=None):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read().strip()
    except OSError:
        return default


def cpu_model():
    for line in (_read("/proc/cpuinfo") or "").splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name":
            return value.strip()
    return platform.processor() or "unknown"


def mhz_per_cpu():
    for line in (_read("/proc/cpuinfo") or "").splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "cpu MHz":
            return round(float(value))
    return 0


def caches():
    """CPU 0's caches, as Google Benchmark's context lists them."""
    out = []
    base = "/sys/devices/system/cpu/cpu0/cache"
    for index in sorted(os.listdir(base)) if os.path.isdir(base) else []:
        d = os.path.join(base, index)
        size = _read(os.path.join(d, "size"), "")
        shared = _read(os.path.join(d, "shared_cpu_list"), "")
        if not index.startswith("index") or not size:
            continue
        factor = {"K": 1024, "M": 1024 ** 2, "G": 1024 ** 3}.get(size[-1], 1)
        out.append({"type": _read(os.path.join(d, "type"), "Unknown"),
                    "level": int(_read(os.path.join(d, "level"), "0")),
                    "size": int(size.rstrip("KMG")) * factor,
                    "num_sharing": _count_cpu_list(shared)})
    return out


def _count_cpu_list(text):
    count = 0
    for part in filter(None, text.split(",")):
        low, _, high = part.partition("-")
        count += int(high or low) - int(low) + 1
    return count


def git_revision():
    """The revision of the repository this script lives in, '-dirty' when tracked files changed;
    'unknown' outside a repository or without git."""
    def git(*args):
        # --no-optional-locks: `status` would otherwise refresh (write) the index of the checkout.
        return subprocess.run(["git", "--no-optional-locks", "-C", PACKAGE_DIR, *args],
                              capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    try:
        revision = git("rev-parse", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return revision + ("-dirty" if dirty else "")


def machine_context(executable):
    """Google Benchmark's context keys that mean something here, plus context.bench_switch."""
    model, count, release = cpu_model(), len(os.sched_getaffinity(0)), os.uname().release
    governor = _read("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "host_name": socket.gethostname(),
        "executable": executable,
        "num_cpus": os.cpu_count(),
        "mhz_per_cpu": mhz_per_cpu(),
        "cpu_scaling_enabled": governor not in (None, "performance"),
        "caches": caches(),
        "load_avg": list(os.getloadavg()),
        "library_build_type": "release",
        "bench_switch": {
            "tool": "bench_switch",
            "schema_version": 1,
            "language": "python",
            "python_version": platform.python_version(),
            "python_implementation": platform.python_implementation(),
            "python_executable": sys.executable,
            "python_switch_interval_s": sys.getswitchinterval(),
            "multiprocessing_start_method": MP.get_start_method(),
            "git_revision": git_revision(),
            "cpu_model": model,
            "cpu_count": count,
            "kernel_release": release,
            "clocksource": _read("/sys/devices/system/clocksource/clocksource0/current_clocksource", "unknown"),
            "cpufreq_governor": governor or "none",
            "fingerprint": f"{model}|{count}|{release}",
        },
    }
