"""Speed of the model against a tight numpy kernel, peak memory, and start-up (issue 15).

    python benchmarks/claimant_throughput.py            # 100,000 and 1,800,000 claimants
    python benchmarks/claimant_throughput.py --quick    # 10,000 and 100,000 claimants

Every size runs the whole-programme scenario (scenarios/two_tier.toml: its calendar of
469 weeks, referrals over 304 of them, 104 weeks on programme) with every weekly
accounting check on, as a user runs it; each run is its own process, so its peak
memory (the operating system's maximum resident size) is its own.

The **kernel** is the reference: plain numpy doing the core of a claimant-week as
tightly as it can be written (`kernel_run`), for the same claimants and weeks: each
week, over the claimants on programme (referred along the same referral path and
on programme for the same weeks), one uniform draw each; the job-finding hazard of
the searching from a 64-entry table indexed by a 6-bit barrier code, times their own
readiness and their locality's vacancies; the job-loss hazard of those in work from
a tenure table; job starts and losses from the one draw; the job-outcome trigger
when a job reaches its group's threshold; and the payment bincount over the
claimants who triggered one only. In-place ufuncs into buffers allocated once.
The model and the kernel are timed in pairs (kernel, model, kernel again, the kernel's
time the mean of its two), repeated (`--model-repeats`, 3 by default); each figure is
the median of the repeats, and a ratio the median of each pair's ratio, so it holds
on a machine whose speed drifts. (On this project's shared 2-core machine two runs a
minute apart once took 35.7 and 44.4 s at 1,800,000 claimants.)

**Start-up**: a whole `commissioning run --set area.claimants=1500` as a process, less
the same run's time inside a warm process measured just after it (a process that runs
it twice and times the second), the median over repeats of each such pair; against
`python -c "import mesa"` as a whole process. In wall seconds and in CPU seconds (the
process's own user and system time, which other processes on a shared machine disturb
less).

The model shares its largest weekly passes among the processor's cores at national
scale (`COMMISSIONING_THREADS`, model/parallel.py; the kernel is numpy's, one thread):
the wall-clock ratio is what a user waits, the CPU-seconds ratio what the work costs.

Claimant-weeks per second are claimants x calendar weeks / run seconds (the build
of the population and the organisations is reported apart). Each run's CPU seconds
(its process's own) are reported beside its wall seconds: on a machine shared with
other work the CPU figures, and their ratio, are the steadier. Targets (issue 15):
at 1,800,000 at most 3 x the kernel, peak memory under 400 MB; at 100,000 at least
25 million claimant-weeks per second; start-up at most mesa's import + 0.25 s.
Results are also written to benchmarks/results/claimant_throughput.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

SCENARIO = "two_tier"
STARTUP_CLAIMANTS = 1500

MODEL = """
import json, resource, sys, time
n = int(sys.argv[1])
from commissioning.model import CommissioningModel
start = time.perf_counter()
model = CommissioningModel(scenario=sys.argv[2], claimants=n)
built, built_cpu = time.perf_counter(), time.process_time()
model.run_model()
done, done_cpu = time.perf_counter(), time.process_time()
print(json.dumps({"claimants": n, "weeks": model.p["weeks"], "build_s": built - start,
                  "run_s": done - built, "run_cpu_s": done_cpu - built_cpu,
                  "fused": getattr(model, "fused", False),
                  "threads": getattr(model, "threads", 1), "peak_mb": resource.getrusage(
                      resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "job_outcome_rate": model.metrics()["job_outcome_rate"]}))
"""
KERNEL = """
import json, resource, sys
sys.path.insert(0, sys.argv[3])
from claimant_throughput import kernel_inputs, kernel_run
inputs = kernel_inputs(int(sys.argv[1]), sys.argv[2])
out = kernel_run(**inputs)
out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""
WARM_UP = """
import sys
from commissioning.model import CommissioningModel
CommissioningModel(scenario=sys.argv[1], claimants=2000).run_model()
from commissioning.model.claimant_kernels import libm_expm1_is_numpys
from commissioning.model._numpy_loops import expm1_loop
# which way the searching claimants' pass runs here
print(2 if libm_expm1_is_numpys() else int(expm1_loop() is not None))
"""
WARM = """
import contextlib, io, json, statistics, sys, time
from commissioning.cli.main import main
args = ["run", sys.argv[1], "--set", "area.claimants=" + sys.argv[2]]
times, cpu = [], []
for _ in range(2):  # the first warms the process up
    start, start_cpu = time.perf_counter(), time.process_time()
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(args) == 0
    times.append(time.perf_counter() - start)
    cpu.append(time.process_time() - start_cpu)
print(json.dumps({"warm_s": times[1], "times": times, "warm_cpu_s": cpu[1]}))
"""


# --- the kernel -------------------------------------------------------------------------

def kernel_inputs(n: int, scenario: str = SCENARIO, seed: int = 1) -> dict:
    """The kernel's claimants: the scenario's referral path, calendar and payment groups;
    barriers, readiness and localities drawn simply (the kernel's time does not depend
    on them). Who is referred when is the model's own schedule."""
    from commissioning.agents.claimant import referral_weeks
    from commissioning.model.scenario import load_scenario

    p = load_scenario(scenario).params
    rng = np.random.default_rng(seed)
    groups, localities = 9, p["localities"]
    code = (rng.random((n, 6)) < 0.3) @ (1 << np.arange(6))  # six barrier flags, 6 bits
    return {
        "weeks": p["weeks"], "programme_weeks": p["programme_weeks"],
        "referral_week": referral_weeks(n, p).astype(np.int64),
        "code": code.astype(np.uint8),
        "readiness": np.exp(0.5 * rng.standard_normal(n) - 0.125) * 0.012,
        "locality": rng.integers(0, localities, n).astype(np.intp),
        "group": rng.integers(0, groups, n).astype(np.intp),
        "holder": rng.integers(0, 40, n).astype(np.intp),
        "vacancies": 0.8 + 0.4 * rng.random((p["weeks"], localities)),
        "penalty": 0.8, "support": 1.3, "seed": seed,
    }


def kernel_run(weeks: int, programme_weeks: int, referral_week: np.ndarray, code: np.ndarray,
               readiness: np.ndarray, locality: np.ndarray, group: np.ndarray,
               holder: np.ndarray, vacancies: np.ndarray, penalty: float, support: float,
               seed: int, block: int = 16_384) -> dict:
    """The core of a claimant-week, as tight as plain numpy allows (see the module doc)."""
    n = len(code)
    popcount = np.array([bin(i).count("1") for i in range(64)])
    barrier_hazard = support * penalty ** popcount  # the 64-entry table
    tenure_cap = 521
    loss_table = 0.005 + 0.017 * np.exp(-np.arange(tenure_cap) / 13.5)
    threshold = np.where(np.arange(9) < 4, 26, 13).astype(np.int16)  # weeks to an outcome
    fee = np.linspace(1000.0, 3800.0, 9)
    orgs = int(holder.max()) + 1
    rng = np.random.default_rng(seed)

    in_work = np.zeros(n, bool)
    tenure = np.zeros(n, np.int16)
    paid = np.zeros(n, bool)
    payments = np.zeros(orgs)
    # The claimants on programme each week: a contiguous block of ids.
    his = np.searchsorted(referral_week, np.arange(weeks), side="right")
    los = np.searchsorted(referral_week, np.arange(weeks) - programme_weeks, side="right")
    m = min(int((his - los).max()), block)
    u, h, loss, thr = np.empty(m), np.empty(m), np.empty(m), np.empty(m, np.int16)
    event, kept, trigger = np.empty(m, bool), np.empty(m, bool), np.empty(m, bool)
    clamped, vac = np.empty(m, np.int16), np.empty(m)
    start, start_cpu = time.perf_counter(), time.process_time()
    claimant_weeks = 0
    for week in range(weeks):
        week_lo, week_hi = int(los[week]), int(his[week])
        claimant_weeks += week_hi - week_lo
        vac_week = vacancies[week]
        # In blocks that stay in the processor's cache between one pass and the next.
        for lo in range(week_lo, week_hi, block):
            hi = min(lo + block, week_hi)
            k = hi - lo
            sl = slice(lo, hi)
            uu, hh, ll, ev, kk, tr = u[:k], h[:k], loss[:k], event[:k], kept[:k], trigger[:k]
            w, t = in_work[sl], tenure[sl]
            rng.random(out=uu)  # one draw per claimant
            np.take(barrier_hazard, code[sl], out=hh)  # finding: the 64-entry barrier table
            np.multiply(hh, readiness[sl], out=hh)
            np.take(vac_week, locality[sl], out=vac[:k])  # vacancy gather
            np.multiply(hh, vac[:k], out=hh)
            np.minimum(t, tenure_cap - 1, out=clamped[:k])
            np.take(loss_table, clamped[:k], out=ll)  # losing: tenure table
            np.copyto(hh, ll, where=w)  # the hazard each faces: loss in work, else finding
            np.less(uu, hh, out=ev)  # a start for the searching, a loss for the working
            np.greater(w, ev, out=kk)  # in work and no loss
            np.not_equal(w, ev, out=w)  # starts join work, losses leave it
            np.add(t, 1, out=t)
            np.multiply(t, kk, out=t)  # tenure: +1 if kept, 0 if new or gone
            np.take(threshold, group[sl], out=thr[:k])
            np.equal(t, thr[:k], out=tr)  # outcome trigger
            np.greater(tr, paid[sl], out=tr)  # the first outcome only
            ids = np.flatnonzero(tr)
            if len(ids):
                ids += lo
                paid[ids] = True
                payments += np.bincount(holder[ids], weights=fee[group[ids]], minlength=orgs)
    run_s, run_cpu_s = time.perf_counter() - start, time.process_time() - start_cpu
    return {"claimants": n, "weeks": weeks, "run_s": run_s, "run_cpu_s": run_cpu_s,
            "active_claimant_weeks":
            claimant_weeks, "outcomes": int(paid.sum()), "paid": float(payments.sum())}


# --- the runs -----------------------------------------------------------------------------

def child(code: str, *args) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *map(str, args)], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def wall(cmd: list[str], repeats: int) -> tuple[list[float], list[float]]:
    """Whole-process wall and CPU (user + system) seconds of each run of `cmd`."""
    walls, cpus = [], []
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return walls, cpus


def startup(repeats: int) -> dict:
    """Whole-process start-up of `commissioning run` against importing mesa: wall seconds,
    and CPU seconds (what the process itself used, steadier on a shared machine)."""
    cli = [sys.executable, "-c", "import sys; from commissioning.cli.main import main; "
           "sys.exit(main())", "run", SCENARIO, "--set", f"area.claimants={STARTUP_CLAIMANTS}"]
    wall([sys.executable, "-c", "import mesa"], 1)  # warm the file cache
    wall(cli, 1)
    pairs = []
    for _ in range(repeats):  # each whole run beside its warm run, and mesa's import
        (whole,), (whole_cpu,) = wall(cli, 1)
        warm = child(WARM, SCENARIO, STARTUP_CLAIMANTS)
        (mesa,), (mesa_cpu,) = wall([sys.executable, "-c", "import mesa"], 1)
        pairs.append({"whole_s": whole, "warm_s": warm["warm_s"], "mesa_import_s": mesa,
                      "whole_cpu_s": whole_cpu, "warm_cpu_s": warm["warm_cpu_s"],
                      "mesa_import_cpu_s": mesa_cpu})
    python, python_cpu = wall([sys.executable, "-c", "pass"], repeats)
    med = statistics.median
    out = {k: med(p[k] for p in pairs) for k in pairs[0]}
    out.update(python_s=med(python), python_cpu_s=med(python_cpu), pairs=pairs,
               startup_s=med(p["whole_s"] - p["warm_s"] for p in pairs),
               startup_cpu_s=med(p["whole_cpu_s"] - p["warm_cpu_s"] for p in pairs))
    return out


def paired(n: int, repeats: int, here: str) -> dict:
    """The model at n claimants between two kernel runs, `repeats` times: the median of
    each figure, and of each pair's model/kernel ratio (a drift in the machine's speed
    during one pair moves that pair's ratio, not the median's)."""
    med, pairs = statistics.median, []
    for _ in range(repeats):
        k1 = child(KERNEL, n, SCENARIO, here)
        r = child(MODEL, n, SCENARIO)
        k2 = child(KERNEL, n, SCENARIO, here)
        r.update(kernel_s=(k1["run_s"] + k2["run_s"]) / 2,
                 kernel_cpu_s=(k1["run_cpu_s"] + k2["run_cpu_s"]) / 2,
                 kernel_peak_mb=max(k1["peak_mb"], k2["peak_mb"]),
                 active_claimant_weeks=k1["active_claimant_weeks"])
        pairs.append(r)
    out = dict(pairs[0])
    for key in ("run_s", "run_cpu_s", "build_s", "kernel_s", "kernel_cpu_s"):
        out[key] = med(p[key] for p in pairs)
    out.update(peak_mb=max(p["peak_mb"] for p in pairs),
               kernel_peak_mb=max(p["kernel_peak_mb"] for p in pairs),
               model_runs_s=[p["run_s"] for p in pairs],
               ratios=[p["run_s"] / p["kernel_s"] for p in pairs],
               ratio=med(p["run_s"] / p["kernel_s"] for p in pairs),
               ratio_cpu=med(p["run_cpu_s"] / p["kernel_cpu_s"] for p in pairs),
               claimant_weeks_per_s=n * out["weeks"] / out["run_s"],
               claimant_weeks_per_cpu_s=n * out["weeks"] / out["run_cpu_s"],
               kernel_claimant_weeks_per_s=n * out["weeks"] / out["kernel_s"], load=load())
    return out


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def processor() -> str:
    """The processor's name as the system gives it (Linux), else its architecture."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return f"{line.split(':', 1)[1].strip()} ({platform.machine()})"
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="small sizes: 10,000 and 100,000 claimants")
    parser.add_argument("--sizes", type=int, nargs="+", help="claimant counts to run")
    parser.add_argument("--repeats", type=int, default=5, help="start-up runs (median)")
    parser.add_argument("--model-repeats", type=int, default=3,
                        help="kernel-model-kernel runs at each size (median)")
    parser.add_argument("--no-startup", action="store_true", help="skip the start-up figures")
    args = parser.parse_args()
    sizes = args.sizes or ([10_000, 100_000] if args.quick else [100_000, 1_800_000])
    here = str(Path(__file__).resolve().parent)

    print(f"load average at start: {load()}", flush=True)
    # A first run after the code changed compiles numba's loops (seconds, and some 40 MiB
    # of LLVM's) and caches them: not the model's time or memory, so done before timing.
    start = time.perf_counter()
    warm = subprocess.run([sys.executable, "-c", WARM_UP, SCENARIO], check=True,
                          capture_output=True, text=True,
                          env={**os.environ, "COMMISSIONING_KERNELS": "numba"})
    print(f"numba's loops compiled or loaded from its cache in {time.perf_counter() - start:.1f} s",
          flush=True)
    # The same code's ratio to the kernel differs from one processor to another (numpy's
    # loops use what the processor offers; the searching pass runs one way or the other)
    way = warm.stdout.strip().splitlines()[-1]
    print(f"processor: {processor()}; the searching claimants' pass: " + {
        "2": "one compiled loop (numpy's expm1 is the C library's here)",
        "1": "two compiled loops a block with numpy's expm1 loop between them, the blocks "
             "in one compiled call (numpy's expm1 gives other last bits than the C "
             "library's here)",
        "0": "two compiled loops a block with numpy's expm1 between them, called from "
             "Python (numpy's expm1 gives other last bits than the C library's here, and "
             "its loop was not found)"}[way], flush=True)
    rows = []
    for n in sizes:
        r = paired(n, args.model_repeats, here)
        rows.append(r)
        runs = ", ".join(f"{x:.2f}" for x in r["model_runs_s"])
        print(f"{n:>10,} claimants x {r['weeks']} weeks: model {r['run_s']:6.2f} s ({runs}; "
              f"+{r['build_s']:.2f} s build), {r['claimant_weeks_per_s'] / 1e6:6.1f}M "
              f"claimant-weeks/s, peak {r['peak_mb']:,.0f} MiB | kernel {r['kernel_s']:5.2f} s, "
              f"peak {r['kernel_peak_mb']:,.0f} MiB | model/kernel {r['ratio']:.1f}x "
              f"({', '.join(f'{x:.1f}' for x in r['ratios'])}) | CPU: model "
              f"{r['run_cpu_s']:.2f} s, kernel {r['kernel_cpu_s']:.2f} s, {r['ratio_cpu']:.1f}x, "
              f"{r['claimant_weeks_per_cpu_s'] / 1e6:.1f}M claimant-weeks per CPU s | "
              f"{'numba' if r['fused'] else 'numpy'}, {r.get('threads', 1)} thread"
              f"{'s' if r.get('threads', 1) > 1 else ''} | load {r['load']}", flush=True)

    s = None
    if not args.no_startup:
        s = startup(args.repeats)
        for unit, key in (("wall", ""), ("CPU", "_cpu")):
            print(f"start-up ({unit}): commissioning run at {STARTUP_CLAIMANTS:,} claimants "
                  f"{s[f'whole{key}_s']:.2f} s whole, {s[f'warm{key}_s']:.2f} s warm: start-up "
                  f"{s[f'startup{key}_s']:.2f} s; python -c 'import mesa' "
                  f"{s[f'mesa_import{key}_s']:.2f} s (start-up / mesa "
                  f"{s[f'startup{key}_s'] / s[f'mesa_import{key}_s']:.2f}, beyond mesa "
                  f"{s[f'startup{key}_s'] - s[f'mesa_import{key}_s']:+.2f} s; bare python "
                  f"{s[f'python{key}_s']:.2f} s)", flush=True)

    print("\ntargets (issue 15):")
    national = next((r for r in rows if r["claimants"] == 1_800_000), None)
    if national:
        print(f"  1,800,000: {national['ratio']:.1f}x the kernel ({national['ratio_cpu']:.1f}x "
              f"in CPU seconds; target <= 3x), peak "
              f"{national['peak_mb']:,.0f} MiB = {national['peak_mb'] * 2**20 / 1e6:,.0f} million "
              "bytes (target < 400 MB)")
    small = next((r for r in rows if r["claimants"] == 100_000), None)
    if small:
        print(f"  100,000: {small['claimant_weeks_per_s'] / 1e6:.1f}M claimant-weeks/s "
              f"({small['claimant_weeks_per_cpu_s'] / 1e6:.1f}M per CPU second; target >= 25M)")
    if s:
        for unit, key in (("wall", ""), ("CPU", "_cpu")):
            print(f"  start-up ({unit}) {s[f'startup{key}_s']:.2f} s against mesa's import "
                  f"+ 0.25 s = {s[f'mesa_import{key}_s'] + 0.25:.2f} s")
    print(f"load average at end: {load()}")

    out = Path(__file__).parent / "results" / "claimant_throughput.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(), "machine": platform.machine(),
        "processor": processor(), "searching_pass_one_loop": way == "2",
        "searching_pass_blocks_compiled": way == "1",
        "scenario": SCENARIO, "runs": rows, "startup": s, "load_end": load(),
    }, indent=2))
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
