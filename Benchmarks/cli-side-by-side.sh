#!/usr/bin/env bash
# The command-line tool's own overhead, whole process, for this build and (optionally) another
# build of cairn, interleaved in one run so both see the same machine:
#  - `cairn ls --sort val_accuracy` over 1,000 runs of the tracker benchmark's store
#    (10 params, 3 metrics × 100 steps);
#  - the same over a store made by a real sweep: 1,000 one-epoch quickstart runs (~17 metrics
#    each, the per-class accuracies among them);
#  - `cairn exec` start-up: parsing, opening the store and looking the run up (a hash no run
#    has, so it ends there);
#  - `cairn-bench schedule`: the per-run overhead of a sweep and the 2-worker speed-up.
#   Benchmarks/cli-side-by-side.sh [OTHER_RELEASE_DIR]   (a directory holding another cairn and cairn-bench)
#   CAIRN_RELEASE_DIR=dir to measure a build made elsewhere instead of building this one.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${CAIRN_RELEASE_DIR:-}" ]; then
  swift build -c release --product cairn >/dev/null
  swift build -c release --product cairn-bench >/dev/null
fi
here=${CAIRN_RELEASE_DIR:-.build/release}
other=${1:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
$here/cairn-bench tracker --runs 1000 --keep "$work/bench" >/dev/null
# The real store: made once, by this build, read by both (the schema is the same).
$here/cairn sweep experiments/quickstart.yaml --set train.epochs=1 --set 'train.seed=range(0,1000)' \
  --store "$work/real" >/dev/null

python3 - "$here" "$other" "$work" <<'PY'
import statistics, subprocess, sys, time
here, other, work = sys.argv[1], sys.argv[2], sys.argv[3]
builds = [("this build", here)] + ([("other build", other)] if other else [])
def once(args):
    s = time.perf_counter()
    subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (time.perf_counter() - s) * 1e3
cases = [
    ("ls --sort val_accuracy, 1,000 bench runs", lambda b: [f"{b}/cairn", "ls", "--store", f"{work}/bench", "--sort", "val_accuracy"]),
    ("ls --sort val_accuracy, 1,000 real runs", lambda b: [f"{b}/cairn", "ls", "--store", f"{work}/real", "--sort", "val_accuracy"]),
    ("exec start-up (lookup of a missing run)", lambda b: [f"{b}/cairn", "exec", "f" * 64, "--attempt", "1", "--store", f"{work}/real"]),
]
print(f"{'whole process, ms':<44}" + "".join(f"{n + ' best':>18}{'median':>9}" for n, _ in builds))
for label, make in cases:
    times = {n: [] for n, _ in builds}
    for _ in range(3):  # warm the page cache for both
        for n, b in builds: once(make(b))
    for _ in range(25):  # interleaved: both builds see the same moments of the machine
        for n, b in builds: times[n].append(once(make(b)))
    print(f"{label:<44}" + "".join(f"{min(times[n]):>18.1f}{statistics.median(times[n]):>9.1f}" for n, _ in builds))
for n, b in builds:
    out = subprocess.run([f"{b}/cairn-bench", "schedule", "--json"], capture_output=True, text=True, check=True).stdout
    print(f"cairn-bench schedule ({n}): " + " | ".join(l for l in out.strip().split("\n") if not l.startswith("{")))
PY
