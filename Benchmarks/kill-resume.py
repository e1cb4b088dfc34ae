#!/usr/bin/env python3
"""Work lost to a kill at a random moment: a Fashion-MNIST run of the seed model is killed
(SIGKILL to its process) at a random time, the scheduler's retry resumes it, and the log says
how much training the kill threw away: from the end of the epoch the retry resumed from to the
moment of the kill, in epochs (counted from the run's process start, so its data loading is
counted as lost work too: an overestimate). Every resumed run must end with the uninterrupted
run's final checkpoint.

    python3 Benchmarks/kill-resume.py [--cairn .build/release/cairn] [--trials 10] [--epochs 4]
"""
import argparse, json, os, random, shutil, signal, subprocess, sys, tempfile, time

p = argparse.ArgumentParser()
p.add_argument("--cairn", default=".build/release/cairn")
p.add_argument("--trials", type=int, default=10)
p.add_argument("--epochs", type=int, default=4)
p.add_argument("--seed", type=int, default=1)
a = p.parse_args()
random.seed(a.seed)
work = tempfile.mkdtemp(prefix="cairn-kill-")
args = ["run", "experiments/fashion-mlp.yaml", "--set", f"train.epochs={a.epochs}", "--json"]

def events(store, h):
    with open(f"{store}/events/{h}.jsonl") as f:
        return [json.loads(l) for l in f if l.strip()]

try:
    t0 = time.time()
    ref = json.loads(subprocess.run([a.cairn] + args + ["--store", f"{work}/ref"], capture_output=True, text=True, check=True).stdout.splitlines()[-1])
    total = time.time() - t0
    run = ref["runs"][0]
    h, want = run["hash"], run["checkpoint_sha256"]
    per_epoch = [e["values"]["epoch_seconds"] for e in events(f"{work}/ref", h) if e["type"] == "metrics" and e["kind"] == "machine"]
    print(f"uninterrupted: {total:.1f} s, {a.epochs} epochs of {sum(per_epoch) / len(per_epoch):.2f} s")
    lost = []
    for t in range(a.trials):
        store = f"{work}/t{t}"
        proc = subprocess.Popen([a.cairn] + args + ["--store", store, "--retries", "1"], stdout=subprocess.PIPE, text=True)
        lease = f"{store}/leases/{h}.lease"
        while not os.path.exists(lease) or not open(lease).read().strip():  # the run's process has started
            time.sleep(0.005)
        start = time.time()
        at = random.uniform(0.3, total - 0.5)
        time.sleep(at)
        pid = json.loads(open(lease).read())["holder"]["pid"]
        os.kill(pid, signal.SIGKILL)
        killed_at = time.time() - start
        out = json.loads(proc.communicate()[0].splitlines()[-1])
        ev = events(store, h)
        starts = [e for e in ev if e["type"] == "start"]
        resumed = starts[-1].get("resumed_from_epoch", 0) if len(starts) > 1 else None
        # When attempt 1 reached each epoch's end: its epoch times, from its start.
        first = ev[: ev.index(starts[1])] if len(starts) > 1 else ev
        ends = [0.0]
        for e in first:
            if e["type"] == "metrics" and e["kind"] == "machine":
                ends.append(ends[-1] + e["values"]["epoch_seconds"])
        epoch = sum(per_epoch) / len(per_epoch)
        thrown = (killed_at - ends[resumed or 0]) / epoch if resumed is not None else 0.0
        same = out["runs"][0]["checkpoint_sha256"] == want
        lost.append(thrown)
        print(f"trial {t}: killed {killed_at:5.2f} s in; resumed from epoch {resumed}; lost {thrown:.2f} epochs; checkpoint {'identical' if same else 'DIFFERS'}")
        if not same: sys.exit(1)
    print(f"work lost to a kill: max {max(lost):.2f} epochs, mean {sum(lost) / len(lost):.2f} (over {len(lost)} random kills)")
finally:
    shutil.rmtree(work, ignore_errors=True)
