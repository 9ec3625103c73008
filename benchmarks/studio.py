"""How long the studio takes from Run to the numbers and to the charts, measured in Chromium.

Starts the studio as ``make ui`` does (``solara run viz.app --production``), with
Solara's asset CDN pointed at a closed port so that anything not installed
would fail to load, and drives Debian's Chromium with Playwright. Each round
opens the What-if page, waits until it is set up (as a person would read it
first), presses Run on the default what-if (execution_push against
foundations_first, 20 seeds each, 156 weeks: 40 runs) and records, in the
page's own clock (``performance.now()``, from a ``MutationObserver``):

* ``numbers``: Run to the summary ("After 156 weeks ...") on screen;
* ``charts``: Run to every chart (every metric and the layer stacks) drawn
  by Vega-Lite from the new results.

Then, in the same page, the horizon is moved one week and Run pressed again
(``again_*``): the case of a user trying a change. The first round pays for
loading the compiled mechanisms and composing the presets and is reported
apart (``first``). A script, not a test: the times depend on the machine and
its load::

    python benchmarks/studio.py                 # 5 rounds, JSON to results/studio.json
    python benchmarks/studio.py --rounds 3 --json /tmp/studio.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
# The studio measured is this checkout's (its server runs with PYTHONPATH=ROOT), so its charts are counted here.
sys.path.insert(0, str(ROOT))
from viz.scenario import METRICS  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHARTS = len(METRICS) + 1  # every metric and the layer stacks
SETTLE_S = 3.0  # between the page showing and Run: a person reads the page first
WAIT_MS = 180_000

# Records, in the page's clock, when the summary shows and when every chart has drawn results newer
# than those on the page when Run was pressed.
WATCH = """
(charts) => {
  const drawn = () => Array.from(document.querySelectorAll('.orgstack-chart')).map(e => e.dataset.drawn || '');
  const before = new Set(drawn().filter(t => t));
  const summary = () => Array.from(document.querySelectorAll('.v-alert')).some(
    e => /After \\d+ weeks?, /.test(e.innerText) && !window.__seenSummaries.has(e.innerText));
  window.__seenSummaries = new Set(Array.from(document.querySelectorAll('.v-alert')).map(e => e.innerText));
  window.__marks = {};
  const check = () => {
    const now = performance.now();
    if (!window.__marks.numbers && summary()) { window.__marks.numbers = now; }
    const fresh = drawn().filter(t => t && !before.has(t));
    if (!window.__marks.charts && window.__marks.numbers && fresh.length >= charts) { window.__marks.charts = now; }
    if (window.__marks.charts) { observer.disconnect(); }
  };
  const observer = new MutationObserver(check);
  observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  const run = Array.from(document.querySelectorAll('button')).find(b => b.innerText.trim() === 'RUN' || b.innerText.trim() === 'Run');
  window.__marks.start = performance.now();
  run.click();
}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_studio(port: int) -> subprocess.Popen:
    """Start the studio as ``make ui`` does, with no asset CDN to fall back on."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
        "SOLARA_ASSETS_CDN": "http://127.0.0.1:9/",
    }
    solara = Path(sys.executable).parent / "solara"
    command = [str(solara), "run", "viz.app", "--host", "127.0.0.1", "--port", str(port), "--production"]
    server = subprocess.Popen(
        [*command, "--no-check-version"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read()
            return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise SystemExit("the studio did not start within 120 s")


def press_run(page: Page) -> dict[str, float]:
    """Press Run and return the seconds from Run to the numbers and to the charts."""
    page.evaluate(WATCH, CHARTS)
    page.wait_for_function("() => window.__marks.charts", timeout=WAIT_MS)
    marks = page.evaluate("() => window.__marks")
    return {
        "numbers": (marks["numbers"] - marks["start"]) / 1000,
        "charts": (marks["charts"] - marks["start"]) / 1000,
    }


def one_round(browser, base: str) -> dict[str, float]:
    """Open the What-if page, Run the default what-if, then change the horizon and Run again."""
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    outside: list[str] = []

    def only_local(route) -> None:
        if route.request.url.startswith("http://127.0.0.1"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    page.goto(base + "/")
    page.get_by_text("Press Run to simulate the plans").wait_for(timeout=WAIT_MS)
    time.sleep(SETTLE_S)
    first = press_run(page)
    knob = page.locator(".v-input__slider", has_text="Horizon").first.get_by_role("slider")
    knob.focus()
    knob.press("ArrowLeft")
    page.get_by_text("Horizon: 155 weeks").wait_for(timeout=WAIT_MS)
    time.sleep(SETTLE_S)
    again = press_run(page)
    page.close()
    if outside:
        raise SystemExit(f"the page asked for something off this machine: {outside[:3]}")
    return {**first, "again_numbers": again["numbers"], "again_charts": again["charts"]}


def summarise(rounds: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    keys = rounds[0].keys()
    return {
        key: {
            "median_s": round(statistics.median(r[key] for r in rounds), 3),
            "min_s": round(min(r[key] for r in rounds), 3),
            "max_s": round(max(r[key] for r in rounds), 3),
        }
        for key in keys
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds after the first (default 5)")
    parser.add_argument("--json", type=Path, default=ROOT / "results" / "studio.json", help="where to write")
    args = parser.parse_args(argv)
    port = free_port()
    server = start_studio(port)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-dev-shm-usage"],
            )
            base = f"http://127.0.0.1:{port}"
            first = one_round(browser, base)
            rounds = [one_round(browser, base) for _ in range(args.rounds)]
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    result = {
        "machine": f"{platform.node()} ({os.cpu_count()} cores), {platform.python_version()}",
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "first": {k: round(v, 3) for k, v in first.items()},
        "rounds": summarise(rounds),
        "each": [{k: round(v, 3) for k, v in r.items()} for r in rounds],
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(f"first round (loads the mechanisms): {result['first']}")
    for key, stats in result["rounds"].items():
        print(
            f"{key:>14}: median {stats['median_s']:.2f} s (min {stats['min_s']:.2f}, max {stats['max_s']:.2f})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
