#!/usr/bin/env python3
"""`cairn ui` and MLflow's UI on the same runs, in headless Chromium, one after the other.

The tracker benchmark's workload (runs × 10 params × 3 metrics × 100 steps) recorded into a
Cairn store by `cairn-bench tracker --keep` and into MLflow by Benchmarks/anchors/mlflow_tracker.py
--keep. For each store size, it measures:
  - navigation to a rendered runs table (from `driver.get` to the rows on screen), median of 5;
  - a re-sort and a re-filter on the open page (click to redrawn table), median of 5;
  - parallel coordinates of every run drawn (the chart's own timer), and a brush's redraw;
  - the server's resident memory (VmHWM) after all of it;
  - all assets together, gzipped;
  - an epoch's end (the line appended to a run's event log) to the updated chart on an open page.

    python3 -m venv .build/browser-venv && .build/browser-venv/bin/pip install selenium mlflow
    swift build -c release --product cairn && swift build -c release --product cairn-ui && swift build -c release --product cairn-bench
    .build/browser-venv/bin/python Benchmarks/dashboard-side-by-side.py --runs 1000 10000 [--mlflow-store N=DIR ...]
"""
import argparse
import gzip
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

os.environ.setdefault("SE_OFFLINE", "true")
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REL = os.path.join(ROOT, ".build", "release")


def browser(profile):
    o = webdriver.ChromeOptions()
    o.binary_location = "/usr/bin/chromium"
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000", "--user-data-dir=" + profile]:
        o.add_argument(a)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def hwm_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmHWM:\s+(\d+)", f.read()).group(1)) / 1024


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def median_ms(f, n=5):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        f()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def renders(d):
    return int(d.find_element(By.ID, "app").get_attribute("data-renders") or 0)


def cairn_figures(store, d, work):
    port = free_port()
    server = subprocess.Popen([os.path.join(REL, "cairn-ui"), "--store", store, "--port", str(port)], stdout=subprocess.PIPE, text=True)
    server.stdout.readline()
    base = f"http://127.0.0.1:{port}/"
    out = {}
    try:
        def navigate():
            d.get(base)
            WebDriverWait(d, 60).until(lambda d: d.find_element(By.ID, "app").get_attribute("data-ready") == "true")
        navigate()  # once to warm the page cache, as MLflow's
        out["navigate_ms"] = median_ms(navigate)
        out["rows_shown"] = len(d.find_elements(By.CSS_SELECTOR, "#runs tbody tr"))

        # Timed inside the page, from the person's action (a header clicked, a filter submitted)
        # to the table drawn again with the server's answer: no WebDriver round trip or typing in it.
        act = """
            const [kind, arg, done] = arguments;
            const app = document.getElementById('app');
            const before = +app.dataset.renders;
            const t0 = performance.now();
            new MutationObserver((_, o) => { if (+app.dataset.renders > before) { o.disconnect(); done(performance.now() - t0); } })
              .observe(app, { attributes: true, attributeFilter: ['data-renders'] });
            if (kind === 'sort') [...document.querySelectorAll('#runs thead th')].find((th) => th.textContent.replace(/[ ▾▴]/g, '') === arg).click();
            else { const f = document.querySelector('form.filters'); f.elements.where.value = arg; f.requestSubmit(); }
        """
        d.set_script_timeout(30)
        sorts = [d.execute_async_script(act, "sort", ["val_accuracy", "val_loss"][i % 2]) for i in range(6)]
        filters = [d.execute_async_script(act, "filter", ['optimizer = "adam" and val_accuracy >= 0.5', "lr < 0.01"][i % 2]) for i in range(6)]
        out["resort_ms"] = statistics.median(sorts)
        out["refilter_ms"] = statistics.median(filters)

        d.get(base + "sweeps/bench")
        WebDriverWait(d, 120).until(lambda d: d.find_element(By.ID, "app").get_attribute("data-ready") == "true")
        pc = d.find_element(By.ID, "parcoords")
        out["parcoords_rows"] = int(pc.get_attribute("data-rows"))
        out["parcoords_draw_ms"] = float(pc.get_attribute("data-draw-ms"))
        # A brush on the metric axis (the last): drag over its upper part; the chart times its redraw.
        label = pc.find_elements(By.CSS_SELECTOR, ".pc-axes span")[-1]
        canvas = pc.find_element(By.CSS_SELECTOR, "canvas")
        x = label.rect["x"] + label.rect["width"] / 2 - (canvas.rect["x"] + canvas.rect["width"] / 2)
        top = -canvas.rect["height"] / 2 + 40
        webdriver.ActionChains(d).move_to_element_with_offset(canvas, int(x), int(top)).click_and_hold().move_by_offset(0, int(canvas.rect["height"] / 3)).release().perform()
        WebDriverWait(d, 10).until(lambda d: pc.get_attribute("data-selected") != str(out["parcoords_rows"]))
        out["brush_selected"] = int(pc.get_attribute("data-selected"))
        out["brush_redraw_ms"] = float(pc.get_attribute("data-draw-ms"))
        out["server_rss_mb"] = hwm_mb(server.pid)
        total = 0
        for name in ["app.js", "charts.js", "style.css"]:
            with urllib.request.urlopen(base + "assets/" + name) as r:
                total += len(gzip.compress(r.read(), 9))
        out["assets_gzip_bytes"] = total
        # Idle, with a page and its event stream open: CPU seconds the server uses in 30 s.
        d.get(base)
        WebDriverWait(d, 60).until(lambda d: d.find_element(By.ID, "app").get_attribute("data-ready") == "true")
        before = cpu_seconds(server.pid)
        time.sleep(30)
        out["idle_cpu_s_per_30s"] = round(cpu_seconds(server.pid) - before, 3)
    finally:
        server.send_signal(2)
        server.wait(20)
    return out


def live_latency(d, work):
    """An epoch's end to the updated chart: a long run into a fresh store, its page open."""
    store = os.path.join(work, "live")
    cairn = os.path.join(REL, "cairn")
    subprocess.run([cairn, "run", "experiments/quickstart.yaml", "--store", store, "--set", "train.epochs=1"], cwd=ROOT, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen([os.path.join(REL, "cairn-ui"), "--store", store, "--port", str(port)], stdout=subprocess.PIPE, text=True)
    server.stdout.readline()
    base = f"http://127.0.0.1:{port}/"
    run = subprocess.Popen([cairn, "run", "experiments/quickstart.yaml", "--store", store, "--set", "train.epochs=40", "--set", "model.hidden=[1024,1024]",
                            "--set", "train.lr=0.001", "--threads", "1"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lat = []
    try:
        hash_ = None
        deadline = time.time() + 60
        while hash_ is None and time.time() < deadline:
            time.sleep(0.01)
            with urllib.request.urlopen(base + "api/runs?status=running") as r:
                rows = json.load(r)["rows"]
            hash_ = rows[0]["hash"] if rows else None
        d.get(base + "runs/" + hash_)
        WebDriverWait(d, 30).until(lambda d: d.find_element(By.ID, "app").get_attribute("data-ready") == "true")
        # The page notes when each new point count appears (wall clock, the same as this process's).
        d.execute_script("""window.__seen = {}; new MutationObserver(() => { const b = document.querySelector("#curves .chart-box[data-metric='val_accuracy']");
            if (b && !(b.dataset.points in window.__seen)) window.__seen[b.dataset.points] = Date.now(); }).observe(document.getElementById('app'), {subtree: true, childList: true, attributes: true});""")
        log = os.path.join(store, "events", hash_ + ".jsonl")
        written = {}
        seen_epochs = 0
        deadline = time.time() + 120
        while run.poll() is None and time.time() < deadline:
            with open(log) as f:
                epochs = sum(1 for line in f if '"scope":"epoch"' in line and '"val_accuracy"' in line)
            if epochs > seen_epochs:
                for e in range(seen_epochs + 1, epochs + 1):
                    written[e] = time.time() * 1000
                seen_epochs = epochs
            time.sleep(0.002)
        time.sleep(1.5)
        seen = {int(k): v for k, v in d.execute_script("return window.__seen").items()}
        lat = [seen[e] - written[e] for e in written if e in seen and e > 1]
    finally:
        if run.poll() is None:
            run.kill()
        server.send_signal(2)
        server.wait(20)
    return {"epochs_seen": len(lat), "median_ms": statistics.median(lat) if lat else None, "max_ms": max(lat) if lat else None}


def mlflow_figures(store, d, work):
    port = free_port()
    env = dict(os.environ, MLFLOW_SERVER_ALLOWED_HOSTS="*")
    server = subprocess.Popen([sys.executable, "-m", "mlflow", "ui", "--backend-store-uri", f"sqlite:///{store}/mlflow.db", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(base + "/health", timeout=1)
                break
            except Exception:
                time.sleep(0.1)
        from mlflow.tracking import MlflowClient
        c = MlflowClient(tracking_uri=f"sqlite:///{store}/mlflow.db")
        exp = c.get_experiment_by_name("bench")
        newest = c.search_runs([exp.experiment_id], max_results=1, order_by=["attributes.start_time DESC"])[0].info.run_name

        def navigate():
            d.get(f"{base}/#/experiments/{exp.experiment_id}/runs")
            WebDriverWait(d, 120).until(lambda d: d.find_elements(By.XPATH, f"//*[text()='{newest}']"))
        navigate()
        out = {"navigate_ms": median_ms(navigate)}
        # The server is gunicorn/uvicorn plus workers: all their memory.
        pids = [server.pid] + [int(p) for p in subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()]
        out["server_rss_mb"] = sum(hwm_mb(p) for p in pids if os.path.exists(f"/proc/{p}"))
    finally:
        server.terminate()
        server.wait(30)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--mlflow-store", action="append", default=[], help="N=DIR: an MLflow store of N runs made earlier (mlflow_tracker.py --keep DIR)")
    ap.add_argument("--no-mlflow", action="store_true")
    ap.add_argument("--no-live", action="store_true")
    args = ap.parse_args()
    made = dict(s.split("=", 1) for s in args.mlflow_store)
    work = tempfile.mkdtemp(prefix="cairn-ui-bench-")
    d = browser(os.path.join(work, "profile"))
    results = {}
    try:
        for n in args.runs:
            store = os.path.join(work, f"cairn-{n}")
            subprocess.run([os.path.join(REL, "cairn-bench"), "tracker", "--runs", str(n), "--keep", store], check=True, capture_output=True)
            r = {"cairn": cairn_figures(store, d, work)}
            if not args.no_mlflow:
                m = made.get(str(n))
                if not m:
                    m = os.path.join(work, f"mlflow-{n}")
                    subprocess.run([sys.executable, os.path.join(ROOT, "Benchmarks/anchors/mlflow_tracker.py"), "--runs", str(n), "--keep", m], check=True, capture_output=True)
                r["mlflow"] = mlflow_figures(m, d, work)
            results[n] = r
            print(n, "runs:", json.dumps(r), flush=True)
        if not args.no_live:
            results["live"] = live_latency(d, work)
            print("live:", json.dumps(results["live"]), flush=True)
    finally:
        d.quit()
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
