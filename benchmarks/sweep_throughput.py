"""Sweep throughput: runs per minute serially and on a LocalCluster of 2 workers.

    python benchmarks/sweep_throughput.py             # 120 runs per mode (~11 minutes)
    python benchmarks/sweep_throughput.py --repeat 3  # interleaved trials, fastest counts

Each mode runs the same sweep (both regimes, six attachment-fee levels, at the
size a researcher uses: 10,000 claimants over 260 weeks) through the real
sweep code path (`experiments.sweeps.run.run_sweep` through `experiments.executor`:
Parquet file per run, fsync, lock) in a fresh process, into its own output
folder. Timed from the start of the sweep to the last file written, so a
LocalCluster's start-up (and its workers' first imports) counts against it;
"steady" excludes that start-up. The three
modes must give identical metrics, run for run. Target (issue 5): 2 workers
at least 1.7 times as fast as serial. Results also go to
benchmarks/results/sweep_throughput.json.

The machine should be otherwise idle: another busy process on a 2-core
machine takes a worker's core. So the CPU time that other processes used
during each mode (all busy time in /proc/stat minus this benchmark's own
processes, sampled from /proc) and the CPU time the host stole from this
virtual machine are printed and recorded beside the figures,
and a control runs the same runs on two plain processes
(`ProcessPoolExecutor`, no Dask, no files): what the machine allowed at the
time. The LocalCluster's share of the control's speed is Dask's own cost,
whatever else the machine was doing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path

POINTS = (0.5, 0.75, 1.0, 1.25, 1.5, 1.75)  # attachment fee x scenario value
SWEEP = """
[sweep]
name = "throughput"
scenarios = ["two_tier", "locality"]
design = "grid"
replicates = {replicates}
set = ["area.claimants=10000", "run.weeks=260"]

[vary."payments.attachment_fee"]
scale = true
values = [{values}]
"""
CHILD = """
import json, sys, time
from commissioning.experiments.sweeps.design import Design
from commissioning.experiments.sweeps.file import read_sweep
from commissioning.experiments.sweeps.run import run_sweep
from commissioning.experiments.sweeps.store import ResultStore

def control(design, workers):
    # The same runs on plain processes (no Dask, no files): what the machine can do now.
    from concurrent.futures import ProcessPoolExecutor

    from commissioning.experiments.sweeps.run import execute_run

    with ProcessPoolExecutor(workers) as pool:
        start = time.perf_counter()
        list(pool.map(_import_model_and_wait, [0.5] * workers))  # one import in each
        startup = time.perf_counter() - start
        outcomes = list(pool.map(execute_run, (design.task(i) for i in range(design.n_runs))))
    return {"runs": len(outcomes), "seconds": time.perf_counter() - start,
            "startup_s": startup, "failed": sum(o.row["status"] != "ok" for o in outcomes)}


def _import_model_and_wait(seconds):
    from commissioning.experiments.executor import _import_model
    _import_model()
    time.sleep(seconds)  # so that every process gets one


def main():
    path, out, workers = sys.argv[1], sys.argv[2], int(sys.argv[3])
    design = Design(read_sweep(path))
    if workers < 0:
        print(json.dumps(control(design, -workers)))
        return
    start = time.perf_counter()
    s = run_sweep(design, ResultStore(out), workers=workers, progress=False)
    print(json.dumps({"runs": s.ran, "seconds": time.perf_counter() - start,
                      "startup_s": s.startup_seconds, "failed": s.failed_now}))

if __name__ == "__main__":
    main()
"""
MODES = (("serial (no Dask)", 0), ("LocalCluster, 2 workers", 2),
         ("control: 2 plain processes", -2))
SERIAL, TWO, CONTROL = range(3)  # places in MODES


def cpu_seconds() -> tuple[float, float]:
    """(busy, stolen) CPU seconds of the whole machine so far (Linux /proc/stat).

    Busy is time the CPUs ran anything (idle and iowait excluded); stolen
    ("steal") is time a virtual machine's CPUs were ready but the host ran
    something else: on a shared host it slows every mode without any process
    here using the CPU.
    """
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(fields[:7]) - fields[3] - fields[4]) / tick, fields[7] / tick


def _proc_table() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds so far) for every process (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                text = Path(f"/proc/{entry}/stat").read_text()
            except OSError:  # gone meanwhile
                continue
            fields = text[text.rindex(")") + 2:].split()
            table[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    return table


class OwnCpu(threading.Thread):
    """CPU seconds used by this process's descendants (sampled twice a second).

    rusage cannot count them: Dask's workers are grandchildren that are not
    always reaped through this process. A process started during the trial is
    counted from its birth; at most half a second of each one's end is missed.
    """

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.seen: dict[int, float] = {}
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.5):
            self.sample()

    def sample(self) -> None:
        table = _proc_table()
        children: dict[int, list[int]] = {}
        for pid, (ppid, _) in table.items():
            children.setdefault(ppid, []).append(pid)
        stack = list(children.get(os.getpid(), []))
        while stack:
            pid = stack.pop()
            self.seen[pid] = table[pid][1]
            stack += children.get(pid, [])

    def stop(self) -> float:
        self.sample()
        self.done.set()
        return sum(self.seen.values())


def run_mode(sweep: Path, out: Path, workers: int) -> dict:
    script = out.parent / "child.py"
    script.write_text(CHILD)
    result = subprocess.run([sys.executable, str(script), str(sweep), str(out), str(workers)],
                            check=True, capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def metrics(out: Path):
    import pandas as pd

    from commissioning.model.metrics import FINAL_KEYS

    table = pd.read_parquet(out / "runs").sort_values("run_id")
    return table[["run_id", "seed", *FINAL_KEYS]].reset_index(drop=True)


def trial(sweep: Path, out: Path, label: str, workers: int) -> dict:
    """One timed sweep in a fresh process, with the CPU other processes took meanwhile."""
    monitor = OwnCpu()
    busy, stolen = cpu_seconds()
    monitor.start()
    r = run_mode(sweep, out, workers)
    busy_after, stolen_after = cpu_seconds()
    others = busy_after - busy - monitor.stop()
    r.update(mode=label, workers=workers, other_processes_cpu_s=max(others, 0.0),
             stolen_cpu_s=stolen_after - stolen,
             runs_per_min=60 * r["runs"] / r["seconds"],
             steady_runs_per_min=60 * r["runs"] / (r["seconds"] - r["startup_s"]))
    print(f"{label:<28} {r['runs']} runs in {r['seconds']:6.1f} s "
          f"(start-up {r['startup_s']:.1f} s): {r['runs_per_min']:5.1f} runs/min, "
          f"steady {r['steady_runs_per_min']:5.1f}   [other processes: "
          f"{r['other_processes_cpu_s']:.0f} CPU-s, stolen by the host: "
          f"{r['stolen_cpu_s']:.0f} CPU-s]", flush=True)
    return r


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=120,
                        help="runs per mode (a multiple of 12; default 120: a LocalCluster's "
                             "few seconds of start-up weigh on a shorter sweep)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="trials per mode, interleaved; the fastest counts (default 1)")
    args = parser.parse_args()
    replicates = max(1, args.runs // (2 * len(POINTS)))
    trials: list[dict] = []
    identical = True
    with tempfile.TemporaryDirectory() as tmp:
        sweep = Path(tmp) / "throughput.toml"
        sweep.write_text(SWEEP.format(replicates=replicates,
                                      values=", ".join(map(str, POINTS))))
        reference = None
        for k in range(args.repeat):
            for label, workers in MODES:
                out = Path(tmp) / f"out-{workers}-{k}"
                trials.append(trial(sweep, out, label, workers))
                if workers < 0:  # the control writes nothing
                    continue
                numbers = metrics(out)
                reference = numbers if reference is None else reference
                identical &= numbers.equals(reference)
                shutil.rmtree(out)
    best = [max((t for t in trials if t["workers"] == w), key=lambda t: t["runs_per_min"])
            for _, w in MODES]
    serial = best[SERIAL]["runs_per_min"]
    for r in best:
        r["speedup"] = r["runs_per_min"] / serial
    two = best[TWO]["speedup"]
    if args.repeat > 1:
        print("\nfastest of each mode:")
        for r in best:
            print(f"  {r['mode']:<28} {r['runs_per_min']:5.1f} runs/min "
                  f"(steady {r['steady_runs_per_min']:5.1f}), {r['speedup']:.2f}x serial")
    print(f"\nidentical results in every mode: {identical}")
    print(f"2 workers vs serial: {two:.2f}x (target >= 1.7x): "
          f"{'met' if two >= 1.7 else 'NOT met'}")
    print(f"2 plain processes vs serial (what the machine allowed): "
          f"{best[CONTROL]['speedup']:.2f}x; the LocalCluster reached "
          f"{best[TWO]['runs_per_min'] / best[CONTROL]['runs_per_min']:.0%} "
          "of that")
    out = Path(__file__).parent / "results" / "sweep_throughput.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(), "machine": platform.machine(),
        "cores": os.cpu_count(), "run_size": "10,000 claimants x 260 weeks",
        "runs_per_mode": best[SERIAL]["runs"], "best": best, "trials": trials,
        "identical_results": identical, "speedup_2_workers": two,
        "speedup_2_plain_processes": best[CONTROL]["speedup"],
    }, indent=2))
    print(f"written {out}")
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
