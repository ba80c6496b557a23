"""One server for a class: 30 pupils opening the app at once, then stepping together.

    python benchmarks/classroom_load.py                    # 30 sessions, no browser
    python benchmarks/classroom_load.py --browsers 4       # and 4 real Chromium tabs
    python benchmarks/classroom_load.py --sessions 30 --steps 20

Without browsers, each session is a thread doing on the server what a tab's
clicks make it do (Solara runs each tab's clicks on a thread of its own, in
one process): opening Explore (its run, at week 0, and every picture of it,
drawn for a 1280x720 screen), then, all together, pressing Step: a week of
the run, every number on the page, every picture. Each step's latency is
the time from the press to all of that being ready to send. Three classes:

- **one experiment**: every pupil has the same settings (a lesson): they
  share one run and its pictures (`viz/timeline.py`, `viz/pictures.py`);
- **own seeds**: every pupil has a different seed (the worksheet's "Seed
  used"): nothing is shared, the worst case;
- **fastest Play**: the same class playing at the fastest speed (13 weeks a
  picture) to week 156.

It reports the time for a page to open (the last of 30 pupils asking at
once), each step's latency (median, 90th percentile, slowest), how many
weeks a second a pupil's Play makes, and the process's memory. What Solara
adds (turning the page into widgets and sending them) is not in these
figures; `--browsers N` measures it, with N real tabs on a real server
(`commissioning app`): each opened at once, then Step pressed in all of
them together. docs/teaching.md quotes these figures. Results are also
written to benchmarks/results/classroom_load.json.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests/app_server.py: one way to start the app

from commissioning.viz.layout import Layout  # noqa: E402
from commissioning.viz.measures import MEASURES, shown  # noqa: E402
from commissioning.viz.pictures import frame  # noqa: E402
from commissioning.viz.runs import Runs  # noqa: E402
from commissioning.viz.sessions import give_memory_back  # noqa: E402
from commissioning.viz.settings import Settings  # noqa: E402
from commissioning.viz.state import load_shipped  # noqa: E402
from commissioning.viz.views import follow_sentence  # noqa: E402

#: The layout a 1280x720 projector reports (main column 880 px, text 18 px).
PROJECTOR = Layout(880, 1.0, 18.0)


def quantiles(seconds: list[float]) -> dict:
    ordered = sorted(seconds)
    return {"median_s": round(statistics.median(ordered), 3),
            "p90_s": round(ordered[int(0.9 * (len(ordered) - 1))], 3),
            "max_s": round(ordered[-1], 3), "n": len(ordered)}


def rss_mb() -> float:
    return psutil.Process().memory_info().rss / 1e6


def page_work(runs: Runs) -> None:
    """What the Explore page computes for a week: every number, the story, every picture."""
    t, w = runs.timelines[0], runs.week
    for m in MEASURES:
        shown(m.key, t, w)
    follow_sentence(t, 5, w)
    for picture in frame(runs, w, PROJECTOR):
        assert picture.png, picture.failure


def a_class(sessions: int, steps: int, weeks: int, seeds: list[int]) -> dict:
    """`sessions` threads open Explore at once, then step together `steps` times."""
    scenario = load_shipped("two_tier.toml")
    opened: list[float] = [0.0] * sessions
    latencies: list[float] = []
    held: list[Runs | None] = [None] * sessions
    lock = threading.Lock()
    start_together = threading.Barrier(sessions)
    step_together = threading.Barrier(sessions)
    failures: list[str] = []

    def pupil(i: int) -> None:
        try:
            start_together.wait()
            t0 = time.perf_counter()
            runs = held[i] = Runs([Settings.from_scenario(scenario, "two_tier.toml",
                                                          seed=seeds[i])])
            page_work(runs)
            opened[i] = time.perf_counter() - t0
            for _ in range(steps):
                step_together.wait()
                t0 = time.perf_counter()
                runs.step(weeks)
                page_work(runs)
                with lock:
                    latencies.append(time.perf_counter() - t0)
        except Exception as exc:  # a benchmark reports, it does not hide
            failures.append(f"{type(exc).__name__}: {exc}")
            start_together.abort()
            step_together.abort()

    before = rss_mb()
    threads = [threading.Thread(target=pupil, args=(i,)) for i in range(sessions)]
    t0 = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - t0
    if failures:
        raise RuntimeError(failures[0])
    busy = rss_mb()
    held.clear()
    gc.collect()
    give_memory_back()  # as the server does when a tab closes (viz/sessions.py)
    median_step = statistics.median(latencies)
    return {"sessions": sessions, "steps": steps, "weeks_per_step": weeks,
            "open": quantiles(opened), "step": quantiles(latencies),
            "weeks_per_second_per_pupil": round(weeks / median_step, 2),
            "elapsed_s": round(elapsed, 1), "memory_before_mb": round(before),
            "memory_busy_mb": round(busy), "memory_after_mb": round(rss_mb())}


def browsers(n: int, steps: int) -> dict:
    """N real tabs on a real server: opened at once, then Step pressed in all together."""
    from playwright.sync_api import expect, sync_playwright

    from tests.app_server import CHROMIUM, CHROMIUM_ARGS, running_app

    def server_mb(url: str) -> float:
        port = url.rstrip("/").rsplit(":", 1)[1]
        for p in psutil.process_iter(["cmdline"]):
            line = " ".join(p.info["cmdline"] or ())
            if "commissioning.viz.server" in line and f"--port {port}" in line:
                return p.memory_info().rss / 1e6
        return float("nan")

    with tempfile.TemporaryDirectory() as folder, running_app(Path(folder) / "app.log") as url:
        idle = server_mb(url)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            pages = [browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
                     for _ in range(n)]
            t0 = time.perf_counter()
            for page in pages:
                page.goto(url, wait_until="commit")
            opened = []
            for page in pages:  # all were asked for at once: each counts from t0
                expect(page.locator(".picture img")).to_have_count(9, timeout=120_000)
                opened.append(time.perf_counter() - t0)
            latencies = []
            for k in range(1, steps + 1):
                t0 = time.perf_counter()
                for page in pages:
                    page.get_by_role("button", name="Step", exact=True).click(no_wait_after=True)
                for page in pages:
                    expect(page.get_by_text(f"Week {k} of")).to_be_visible(timeout=60_000)
                    page.wait_for_function("() => !document.querySelector('.drawing')",
                                           timeout=60_000)
                    latencies.append(time.perf_counter() - t0)
            busy = server_mb(url)
            for page in pages:  # the class leaves: each tab says so, as a closed tab does
                page.close(run_before_unload=True)
            time.sleep(30)
            after = server_mb(url)
            browser.close()
    return {"tabs": n, "open": quantiles(opened), "step": quantiles(latencies),
            "server_idle_mb": round(idle), "server_busy_mb": round(busy),
            "server_after_mb": round(after)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--browsers", type=int, default=0, help="also N real Chromium tabs")
    parser.add_argument("--classes", default="one experiment,own seeds,fastest Play",
                        help="which classes to run (comma-separated)")
    args = parser.parse_args()
    n = args.sessions
    results: dict = {"date": datetime.now(UTC).isoformat(timespec="seconds"),
                     "python": platform.python_version(), "cores": os.cpu_count(),
                     "load_average": [round(x, 2) for x in os.getloadavg()], "classes": {}}
    classes = {"one experiment": dict(weeks=1, seeds=[1] * n),
               "own seeds": dict(weeks=1, seeds=list(range(1, n + 1))),
               "fastest Play": dict(weeks=13, seeds=[1] * n)}
    for name, spec in ((k, v) for k, v in classes.items() if k in args.classes.split(",")):
        steps = 12 if spec["weeks"] == 13 else args.steps
        results["classes"][name] = r = a_class(n, steps, spec["weeks"], spec["seeds"])
        print(f"{name:15} {n} sessions: page open median {r['open']['median_s']:.2f} s, "
              f"last {r['open']['max_s']:.2f} s; a step ({spec['weeks']} week"
              f"{'s' if spec['weeks'] > 1 else ''}) median {r['step']['median_s']:.2f} s, "
              f"90th percentile {r['step']['p90_s']:.2f} s, slowest {r['step']['max_s']:.2f} s "
              f"({r['weeks_per_second_per_pupil']} weeks a second each); memory "
              f"{r['memory_before_mb']} -> {r['memory_busy_mb']} MB, "
              f"{r['memory_after_mb']} MB after they left", flush=True)
    if args.browsers:
        results["browsers"] = b = browsers(args.browsers, min(args.steps, 10))
        print(f"{args.browsers} Chromium tabs: page open median {b['open']['median_s']:.2f} s, "
              f"last {b['open']['max_s']:.2f} s; a step median {b['step']['median_s']:.2f} s, "
              f"90th percentile {b['step']['p90_s']:.2f} s, slowest {b['step']['max_s']:.2f} s; "
              f"server memory {b['server_idle_mb']} -> {b['server_busy_mb']} MB, "
              f"{b['server_after_mb']} MB 30 s after they closed")
    print(f"load average at the start: {results['load_average']}")
    out = ROOT / "benchmarks" / "results" / "classroom_load.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
