#!/usr/bin/env python3
"""The dashboard in a real browser (Debian's chromium and chromium-driver, through Selenium).

Records the quickstart sweep into a fresh store, reproduces one of its runs, serves the store
with `cairn ui`, and loads every page as a person would, asserting on what the page shows:
the rows and their hashes, the reproduction badge, the parallel coordinates, one curve per
run, no JavaScript error, no request to any host but the server. Then it starts a long run
into the same store and watches its page gain epochs without a reload. Saves a screenshot of
each page into the screenshot folder.

    python3 Tests/browser/dashboard_test.py .build/debug/cairn SCREENSHOT_DIR
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

os.environ.setdefault("SE_OFFLINE", "true")  # Selenium must not download a driver
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

BAD_WHERE = "?where=train.lr%20%3C"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    if not condition:
        failures.append(what)


def cairn(*args, **kw):
    return subprocess.run([CAIRN, *args], cwd=ROOT, capture_output=True, text=True, check=True, **kw)


def api(path):
    with urllib.request.urlopen(BASE + path, timeout=20) as r:
        return json.load(r)


def ready(driver, url, timeout=20):
    driver.get(url)
    waiting(driver, timeout).until(lambda d: d.find_element(By.ID, "app").get_attribute("data-ready") == "true")


def waiting(driver, timeout):
    """A wait that looks again when a live update replaced the element it was reading."""
    return WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,))


def shot(driver, name):
    driver.save_screenshot(os.path.join(SHOTS, name + ".png"))


def console_errors(driver):
    """SEVERE entries since the last call (reading the log empties it), but for the 400 the test asks for."""
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE" and BAD_WHERE not in e["message"]]


def foreign_requests(driver):
    names = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name).concat([location.href])")
    return [n for n in names if not n.startswith(BASE)]


CAIRN = os.path.abspath(sys.argv[1])
SHOTS = os.path.abspath(sys.argv[2])
os.makedirs(SHOTS, exist_ok=True)
work = tempfile.mkdtemp(prefix="cairn-browser-")
store = os.path.join(work, "runs")
server = None
long_run = None
driver = None
try:
    sweep = json.loads(cairn("sweep", "sweeps/quickstart.yaml", "--store", store, "--json").stdout.strip().splitlines()[-1])
    runs = json.loads(cairn("ls", "--store", store, "--json").stdout)
    hashes = [r["hash"] for r in runs]
    sweep_hash = sweep.get("sweep") or sweep.get("sweep_hash")
    reproduced = hashes[0]
    cairn("reproduce", reproduced, "--store", store)

    server = subprocess.Popen([CAIRN, "ui", "--store", store, "--port", "0"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    line = server.stdout.readline()
    PRINTED = re.search(r"(http://\S+)", line).group(1)
    BASE = PRINTED.split("?")[0]
    print("serving at", BASE, flush=True)

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000",
              "--user-data-dir=" + os.path.join(work, "profile")]:
        options.add_argument(a)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)

    # The printed URL, as a person opens it: its token becomes a cookie, so the pages can write.
    ready(driver, PRINTED)
    # Runs: every run's row and short hash, the reproduction badge.
    ready(driver, BASE)
    rows = driver.find_elements(By.CSS_SELECTOR, "#runs tbody tr")
    check(len(rows) == len(hashes), f"runs page lists {len(rows)} rows for {len(hashes)} runs")
    text = driver.find_element(By.ID, "runs").text
    check(all(h[:12] in text for h in hashes), "every run's short hash is on the runs page")
    badges = driver.find_elements(By.CSS_SELECTOR, "#runs .badge.reproduced")
    check(len(badges) == 1 and badges[0].text == "reproduced", "the reproduced run has its badge")
    check("cairn ls" in driver.find_element(By.ID, "command").text, "the equivalent cairn ls command is shown")
    shot(driver, "runs")
    # A filter typed into the page, applied by the server; the URL holds it.
    box = driver.find_element(By.NAME, "where")
    box.clear()
    box.send_keys("train.lr < 0.02")
    box.submit()
    waiting(driver, 10).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#runs tbody tr")) == 8)
    check("where=train.lr%20%3C%200.02" in driver.current_url, "the filter is in the permalink")
    driver.find_element(By.XPATH, "//th[text()='val_accuracy']").click()
    waiting(driver, 10).until(lambda d: "sort=val_accuracy" in d.current_url)
    ready(driver, driver.current_url)  # the permalink reloads to the same table
    heads = [th.text.strip(" ▾▴") for th in driver.find_elements(By.CSS_SELECTOR, "#runs thead th")]
    column = heads.index("val_accuracy") + 1
    values = [float(td.text) for td in driver.find_elements(By.CSS_SELECTOR, f"#runs tbody tr td:nth-child({column})")]
    check(len(values) == 8 and values == sorted(values, reverse=True), f"sorted by val_accuracy, best first: {values}")
    # A malformed filter: the page says what the CLI says.
    driver.get(BASE + BAD_WHERE)
    message = driver.find_element(By.ID, "failure").text
    check(message.startswith("--where: expected a value after <"), f"a malformed where shows the CLI's message: {message!r}")
    shot(driver, "runs-bad-where")
    check(console_errors(driver) == [], f"no JavaScript console errors on the runs page: {console_errors(driver)}")

    # Sweep: parallel coordinates of every run, the scatter, seed groups.
    ready(driver, BASE + "sweeps/" + sweep_hash)
    pc = driver.find_element(By.ID, "parcoords")
    check(pc.find_elements(By.CSS_SELECTOR, "canvas.parcoords") != [], "the sweep page draws parallel coordinates")
    check(pc.get_attribute("data-rows") == str(len(hashes)), f"parallel coordinates of {pc.get_attribute('data-rows')} runs")
    axes = [s.text for s in pc.find_elements(By.CSS_SELECTOR, ".pc-axes span")]
    check({"lr", "hidden", "seed", "val_accuracy"} <= set(axes), f"axes named {axes}")
    check(len(driver.find_elements(By.CSS_SELECTOR, "#scatter circle.point")) == len(hashes), "one scatter point per run")
    groups = driver.find_elements(By.CSS_SELECTOR, "#seed-groups tbody tr")
    check(len(groups) == 6, f"{len(groups)} seed groups of 2 runs")
    shot(driver, "sweep")

    # Run: the reproduction sentence, curves, checkpoints, the spec.
    ready(driver, BASE + "runs/" + reproduced[:10])
    checked = driver.find_element(By.ID, "checked").text
    check("reproduced bit-identical on" in checked, f"the run page says {checked!r}")
    boxes = driver.find_elements(By.CSS_SELECTOR, "#curves .chart-box")
    check(len(boxes) >= 2 and all(len(b.find_elements(By.CSS_SELECTOR, "path.series")) == 1 for b in boxes), f"{len(boxes)} curves, one series each")
    check(len(driver.find_elements(By.CSS_SELECTOR, "#checkpoints tbody tr")) >= 1, "checkpoints are listed")
    check('"train"' in driver.find_element(By.ID, "spec").text, "the canonical spec is shown")
    # A tag added on the page is written (token header, same origin) and shown.
    driver.find_element(By.ID, "tag-input").send_keys("best")
    driver.find_element(By.ID, "tag-input").submit()
    try:
        waiting(driver, 10).until(lambda d: "best" in d.find_element(By.ID, "tags").text)
        shown = True
    except Exception:
        shown = False
    check(shown, f"a tag added on the run page is shown ({driver.find_element(By.ID, 'write-error').text!r})")
    check(api("api/runs?tag=best")["total"] == 1, "and written to the store")
    shot(driver, "run")

    # Compare: one series per run.
    ready(driver, BASE + "compare?runs=" + ",".join(h[:12] for h in hashes))
    series = driver.find_elements(By.CSS_SELECTOR, "#compare-chart path.series")
    check(len(series) == len(hashes), f"the compare chart has {len(series)} series for {len(hashes)} runs")
    shot(driver, "compare")
    ready(driver, BASE + "compare?runs=" + hashes[0][:12] + "," + hashes[1][:12])
    check(driver.find_element(By.ID, "diff-metrics").text != "", "two runs: their diff")
    shot(driver, "compare-two")

    errors = console_errors(driver)
    check(errors == [], f"no JavaScript console errors: {errors}")
    check(foreign_requests(driver) == [], "no request to any host but the server")

    # Live: a run's new epochs appear on its open page without a reload.
    long_run = subprocess.Popen([CAIRN, "run", "experiments/quickstart.yaml", "--store", store, "--set", "train.epochs=150",
                                 "--set", "model.hidden=[512,512]", "--set", "train.lr=0.001"], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    running = []
    while time.time() < deadline and not running:
        running = [r["hash"] for r in api("api/runs?status=running")["rows"]]
        time.sleep(0.05)
    check(running != [], "the long run is running")
    if running:
        ready(driver, BASE + "runs/" + running[0])
        driver.execute_script("window.__sameDocument = true")
        box = "#curves .chart-box[data-metric='val_accuracy']"
        points = lambda d: int(d.execute_script(f"const b = document.querySelector(\"{box}\"); return b ? +b.dataset.points : 0"))
        start = points(driver)
        waiting(driver, 60).until(lambda d: points(d) > start + 1)
        check(driver.execute_script("return window.__sameDocument === true"), f"epochs {start} → {points(driver)} appeared without a reload")
        shot(driver, "run-live")
    check(console_errors(driver) == [], "no JavaScript console errors on the live page")
finally:
    # Ctrl-C to the server while the browser still has the page, its event stream and its
    # kept-alive connections open: it must stop at once, and cleanly.
    for p in (long_run, server):
        if p and p.poll() is None:
            p.send_signal(2)
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    if server:
        check(server.returncode == 0, f"cairn ui exits 0 on Ctrl-C with a page open (it gave {server.returncode})")
    if driver:
        driver.quit()
    shutil.rmtree(work, ignore_errors=True)

print(f"{len(failures)} failure(s); screenshots in {SHOTS}")
sys.exit(1 if failures else 0)
