#!/usr/bin/env bash
# Loading your own data, side by side in one run: a numeric CSV (~200 MB: 420,000 rows × 50
# columns of "%.6f", the last column the target) and the same values as a float32 .npy pair,
# loaded by Cairn (`cairn-bench load`: parse, hash, hold out the test rows — what a run does)
# and by pandas.read_csv (C engine) and np.load. Interleaved, best of three each, every load
# in a fresh process; peak memory is the load's increase of the process's peak RSS.
#
#   Benchmarks/data-load.sh [FILE]      (FILE made if absent; default /tmp/cairn-load/c200.csv)
#   CAIRN_RELEASE_DIR=.build/release Benchmarks/data-load.sh   # skip the build
# Needs: pip install pandas numpy
set -euo pipefail
cd "$(dirname "$0")/.."
file=${1:-${TMPDIR:-/tmp}/cairn-load/c200.csv}
bin=${CAIRN_RELEASE_DIR:-}
if [ -z "$bin" ]; then
  swift build -c release --product cairn-bench >&2
  bin=$(swift build -c release --show-bin-path)
fi
[ -f "$file" ] || python3 Benchmarks/anchors/pandas_csv_load.py --make "$file" --rows 420000 >&2
out=$(mktemp -d)
for i in 1 2 3; do
  "$bin/cairn-bench" load "$file" --json | tail -1 > "$out/csv.$i"
  "$bin/cairn-bench" load "$file.features.npy" --targets "$file.targets.npy" --json | tail -1 > "$out/npy.$i"
  python3 Benchmarks/anchors/pandas_csv_load.py "$file" --repeat 1 2>/dev/null | tail -1 > "$out/pandas.$i"
done
python3 - "$out" <<'PY'
import json, sys, glob
d = sys.argv[1]
def best(kind):
    runs = [json.load(open(f)) for f in sorted(glob.glob(f"{d}/{kind}.*"))]
    return runs
csv, npy, pd = best("csv"), best("npy"), best("pandas")
def row(name, secs, mbs, peak, matrix):
    print(f"  {name:38s} {secs:6.3f} s  {mbs:7.1f} MB/s  peak +{peak/1e6:6.1f} MB  ({peak/matrix:.2f}× the float32 matrix)")
c = min(csv, key=lambda r: r["seconds"]); n = min(npy, key=lambda r: r["seconds"])
matrix = c["matrix_bytes"]
print(f"{c['bytes']/1e6:.1f} MB CSV, {c['rows']} rows; float32 matrix {matrix/1e6:.1f} MB; best of {len(csv)} interleaved")
row("cairn load (csv: parse + hash + split)", c["seconds"], c["mb_per_second"], c["peak_rss_increase_bytes"], matrix)
for key, label in [("pandas", 'pandas.read_csv(engine="c")'), ("pandas_f32", "pandas.read_csv(dtype=float32)")]:
    b = min((r[key] for r in pd), key=lambda r: r["seconds"])
    row(label, b["seconds"], b["mb_per_second"], b["peak_rss_increase_bytes"], matrix)
row("cairn load (npy pair)", n["seconds"], n["mb_per_second"], n["peak_rss_increase_bytes"], matrix)
b = min((r["numpy"] for r in pd), key=lambda r: r["seconds"])
row("np.load (npy pair)", b["seconds"], b["mb_per_second"], b["peak_rss_increase_bytes"], matrix)
p = min((r["pandas"] for r in pd), key=lambda r: r["seconds"])
print(f"  cairn csv / pandas: {p['seconds']/c['seconds']:.2f}× the speed")
PY
rm -rf "$out"
