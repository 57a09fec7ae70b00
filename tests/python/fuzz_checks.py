"""What every fuzz case must give, whatever the input: one line on standard error naming the cause,
exit 1 or 2, within a bound, no traceback or core dump, and no process left behind."""
import os
import random
import resource
import signal
import subprocess
import time

BOUND_S = 5.0
CRASH_WORDS = ("Traceback", "terminate called", "Segmentation fault", "core dumped", "Aborted", "AddressSanitizer")


def rng(name):
    """A generator seeded by the test's name: the same cases every run, so a failure can be rerun."""
    return random.Random(name)


def limits(**kw):
    """A preexec_fn setting the given limits (resource.RLIMIT_<NAME>=value, soft and hard)."""
    def apply():
        for name, value in kw.items():
            resource.setrlimit(getattr(resource, f"RLIMIT_{name.upper()}"), (value, value))
    return apply


def leftovers(session):
    """Processes still in the session the case was started in (its children, orphaned)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session and int(pid) != session:  # field 6: session id
            found.append(int(pid))
    return found


def run_case(argv, env=None, preexec=None, bound_s=BOUND_S, cwd=None):
    """Runs argv in a session of its own; returns (exit status, stderr, seconds), killing it at the bound."""
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env, preexec_fn=preexec, start_new_session=True, cwd=cwd)
    try:
        _, err = proc.communicate(timeout=bound_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return None, "", time.monotonic() - t0, []
    left = leftovers(proc.pid)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    return proc.returncode, err.decode("utf-8", "replace"), time.monotonic() - t0, left


def problems(case, outcome, warnings_prefix="bench_switch: warning:", list_prefix=None):
    """The ways `outcome` of `case` falls short, as one string ("" when it does not). With
    `list_prefix`, an exit 1 may list several problems, one line each, every line starting so."""
    if outcome[0] is None:
        return f"{case}: still running after {outcome[2]:.1f} s"
    status, err, seconds, left = outcome
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith(warnings_prefix)]
    found = []
    if status not in (1, 2):
        found.append(f"exit {status}")
    listed = list_prefix is not None and status == 1 and lines and all(line.startswith(list_prefix) for line in lines)
    if len(lines) != 1 and not listed:
        found.append(f"{len(lines)} lines on stderr")
    if any(word in err for word in CRASH_WORDS):
        found.append("a crash or traceback")
    if left:
        found.append(f"left processes {left}")
    return f"{case}: {', '.join(found)}: {err[-600:]!r}" if found else ""
