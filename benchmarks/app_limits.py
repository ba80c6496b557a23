"""What one tab of the classroom app can cost at the app's limits (viz/limits.py), and per tab.

    python benchmarks/app_limits.py               # a model at the limits, and a worst-case tab
    python benchmarks/app_limits.py --tabs 5      # also: a real server and Chromium, 5 tabs

Three measurements, each in this process unless said otherwise:

1. **One model at every limit at once** (12 localities, 6 primes, 10
   end-to-end providers and 24 specialists per locality, 20,000 claimants,
   520 weeks), for each regime: building it, a week with the network and the
   charts redrawn as the pages draw them, panel by panel (median and slowest
   of 30), the redraw at the last week after a run to the end without
   pictures, and the memory it adds.
2. **A worst-case tab**: Explore, Compare (two models) and the Mesa view, all
   at the limits and all run to the end, with their pictures.
3. With `--tabs N`: **a real server** (`commissioning app`) and N Chromium
   tabs, each visiting Explore, Compare and the Mesa view at classroom scale;
   the server's memory idle and per tab.

docs/security.md quotes these figures. Results are also written to
benchmarks/results/app_limits.json.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests/app_server.py: one way to start the app

from commissioning.model import CommissioningModel, load_scenario  # noqa: E402
from commissioning.viz.layout import DEFAULT  # noqa: E402
from commissioning.viz.limits import APP_LIMITS  # noqa: E402
from commissioning.viz.mesa_page import SessionModel  # noqa: E402
from commissioning.viz.network_plot import NetworkFigure  # noqa: E402
from commissioning.viz.pictures import frame  # noqa: E402
from commissioning.viz.runs import Runs  # noqa: E402
from commissioning.viz.settings import Settings  # noqa: E402
from commissioning.viz.weekly_charts import Run, WeeklyCharts  # noqa: E402

AT_LIMITS = {name: APP_LIMITS[name] for name in
             ("claimants", "weeks", "referral_weeks", "localities", "primes",
              "end_to_end_per_locality", "specialists_per_locality")}
SET_AT_LIMITS = [f"{section}.{name}={value}" for (section, name), value in zip(
    (("area", "claimants"), ("run", "weeks"), ("area", "referral_weeks"), ("area", "localities"),
     ("providers", "primes"), ("providers", "end_to_end_per_locality"),
     ("providers", "specialists_per_locality")), AT_LIMITS.values(), strict=True)]


def rss() -> int:
    gc.collect()
    return psutil.Process().memory_info().rss


def draw_as_pages_do(network: NetworkFigure, charts: WeeklyCharts) -> None:
    """Every panel as its own PNG, as the Mesa view draws them each week (a page shows
    each panel as an image of its own; the whole figure is put together for downloads)."""
    for timeline in (*network.timelines, *charts.timelines):
        timeline.sync()
    for picture in network.pictures:
        picture.png(picture.t.done)
    network.key.png()
    week = min(t.done for t in charts.timelines)
    for chart in charts.charts:
        chart.png(week)


def one_model(regime: str, weeks: int = 30) -> dict:
    before = rss()
    started = time.perf_counter()
    model = CommissioningModel(regime=regime, **AT_LIMITS)
    build = time.perf_counter() - started
    pictures = (NetworkFigure([model], ["at the limits"]), WeeklyCharts([Run(model, regime)]))
    draw_as_pages_do(*pictures)
    steps = []
    for _ in range(weeks):
        started = time.perf_counter()
        model.step()
        draw_as_pages_do(*pictures)
        steps.append(time.perf_counter() - started)
    while model.running:
        model.step()
    started = time.perf_counter()
    draw_as_pages_do(*pictures)
    return {"organisations": len(model.orgs), "routes": model.network.number_of_edges(),
            "build_s": round(build, 2), "step_and_redraw_median_s": round(
                statistics.median(steps), 3), "step_and_redraw_slowest_s": round(max(steps), 3),
            "redraw_at_last_week_s": round(time.perf_counter() - started, 3),
            "memory_mb": round((rss() - before) / 1e6)}


def worst_tab() -> dict:
    def settings(name: str) -> Settings:
        return Settings.from_scenario(load_scenario(name, SET_AT_LIMITS), f"{name}.toml",
                                      APP_LIMITS["claimants"])

    before = rss()
    explore, compare = Runs([settings("locality")]), Runs([settings("two_tier"),
                                                           settings("locality")])
    mesa = SessionModel(claimants=APP_LIMITS["claimants"])
    mesa_pictures = (NetworkFigure([mesa], ["Mesa view"]), WeeklyCharts([Run(mesa, "mesa")]))
    for runs in (explore, compare):
        runs.step(APP_LIMITS["weeks"])
        frame(runs, runs.week, DEFAULT)  # the network, its key and the charts
    while mesa.running:
        mesa.step()
    for picture in mesa_pictures:
        picture.png()
    return {"models": 4, "memory_mb": round((rss() - before) / 1e6)}


def server_tabs(n: int) -> dict:
    from playwright.sync_api import expect, sync_playwright

    from tests.app_server import CHROMIUM, CHROMIUM_ARGS, running_app

    def server_memory(port: int) -> int:
        for p in psutil.process_iter(["cmdline"]):
            line = " ".join(p.info["cmdline"] or ())
            if "commissioning.viz.server" in line and f"--port {port}" in line:
                return p.memory_info().rss
        raise RuntimeError("server not found")

    with tempfile.TemporaryDirectory() as folder, \
            running_app(Path(folder) / "app.log", ["--max-sessions", str(n)]) as url:
        port = int(url.rstrip("/").rsplit(":", 1)[1])
        idle = server_memory(port)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for _ in range(n):
                page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
                page.goto(url)
                expect(page.get_by_role("button", name="Step", exact=True)).to_be_enabled(
                    timeout=90_000)
                page.get_by_role("tab", name="Compare").click()
                expect(page.locator(".comparison table")).to_be_visible(timeout=90_000)
                page.get_by_role("tab", name="Mesa view").click()
                expect(page.get_by_role("button", name="Reset")).to_be_visible(timeout=90_000)
            time.sleep(3)
            busy = server_memory(port)
            browser.close()
    return {"tabs": n, "server_idle_mb": round(idle / 1e6),
            "per_tab_mb": round((busy - idle) / n / 1e6)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tabs", type=int, default=0, help="also measure a real server")
    args = parser.parse_args()
    results: dict = {"date": datetime.now(UTC).isoformat(timespec="seconds"),
                     "python": platform.python_version(), "machine": platform.machine(),
                     "cores": psutil.cpu_count(), "load": [round(x, 1) for x in
                                                           psutil.getloadavg()],
                     "limits": AT_LIMITS}
    for regime in ("two_tier", "locality"):
        results[regime] = one_model(regime)
        print(regime, results[regime], flush=True)
    results["worst_tab"] = worst_tab()
    print("worst tab", results["worst_tab"], flush=True)
    if args.tabs:
        results["server"] = server_tabs(args.tabs)
        print("server", results["server"], flush=True)
    out = ROOT / "benchmarks" / "results" / "app_limits.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
