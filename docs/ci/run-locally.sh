#!/bin/sh
# Runs the `run:` steps of docs/ci/bench_switch.yml in order, as GitHub Actions would, in a fresh
# clone of this repository's committed HEAD (uncommitted changes are not in it), so the workflow is
# tested by its own commands. Steps marked `if: always()` run after a failure too; the script exits
# with the status of the first step that failed, like the job.
#
#   docs/ci/run-locally.sh WORK                     clone into WORK/clone, run the steps
#   docs/ci/run-locally.sh --inject-slowdown WORK   the same in WORK/clone-injected, built with
#                                                   -DBENCH_SWITCH_INJECT_SLOWDOWN=ON (one getppid
#                                                   syscall more per handoff: a known slowdown)
#
# The baseline folder is WORK/baselines, never the repository's. A first run has no baseline and
# exits 3 (nothing judged); accept its run as the baseline with
#   /usr/bin/python3 WORK/clone/scripts/compare.py --baseline-dir WORK/baselines --update-baseline \
#       WORK/clone/out/current.json
# then the injected run must exit 1 (a confirmed regression). docs/ci/README.md shows a session.
set -eu
clone=clone
flags=""
if [ "${1:-}" = "--inject-slowdown" ]; then
  clone=clone-injected
  flags="-DBENCH_SWITCH_INJECT_SLOWDOWN=ON"
  shift
fi
[ $# -eq 1 ] || { echo "usage: $0 [--inject-slowdown] WORK" >&2; exit 2; }
mkdir -p "$1"
work=$(cd "$1" && pwd)
repo=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
rev=$(git -C "$repo" rev-parse HEAD)
workflow="$repo/docs/ci/bench_switch.yml"

if [ ! -d "$work/$clone/.git" ]; then
  git clone -q --no-checkout "$repo" "$work/$clone"
else
  git -C "$work/$clone" fetch -q "$repo" "$rev"
fi
git -C "$work/$clone" checkout -q --detach "$rev"

# The job's env and its steps, one script each (a step with `uses:` is GitHub's own: left out here).
steps="$work/steps-$clone"
rm -rf "$steps" && mkdir -p "$steps"
/usr/bin/python3 - "$workflow" "$steps" <<'PY'
import pathlib, shlex, sys
import yaml
workflow, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
job = yaml.safe_load(workflow.read_text())["jobs"]["bench"]
env = "".join(f"export {k}=${{{k}:-{shlex.quote(str(v))}}}\n" for k, v in job.get("env", {}).items())
for i, step in enumerate(s for s in job["steps"] if "run" in s):
    always = "always" if "always()" in str(step.get("if", "")) else "normal"
    (out / f"{i:02d}-{always}.sh").write_text(f"# {step.get('name', '')}\nset -e\n{env}{step['run']}")
PY

export GITHUB_STEP_SUMMARY="$work/summary-$clone.md"
export BENCH_BASELINE_DIR="$work/baselines"
export BENCH_CMAKE_FLAGS="$flags"
: > "$GITHUB_STEP_SUMMARY"
first_failure=0
cd "$work/$clone"
for step in "$steps"/*.sh; do
  case "$step" in *-normal.sh) [ "$first_failure" -eq 0 ] || continue;; esac
  echo "run-locally: $(head -n 1 "$step" | cut -c3-)" >&2
  status=0
  bash "$step" || status=$?
  if [ "$status" -ne 0 ] && [ "$first_failure" -eq 0 ]; then
    echo "run-locally: the step failed with exit status $status" >&2
    first_failure=$status
  fi
done
echo "run-locally: job $( [ "$first_failure" -eq 0 ] && echo passed || echo "failed ($first_failure)" ); summary in $GITHUB_STEP_SUMMARY" >&2
exit "$first_failure"
