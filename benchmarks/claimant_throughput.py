"""Speed of the model: claimant-weeks per second, peak memory, and Mesa's Boltzmann for scale.

    python benchmarks/claimant_throughput.py            # 10k, 100k and 1.8m claimants
    python benchmarks/claimant_throughput.py --quick    # 10k and 100k only

Each size runs in its own process (so peak memory is that run's own), on the
two-tier baseline over 260 weeks with every weekly accounting check on, as a
user runs it. Mesa's Boltzmann wealth example runs at 100,000 agents on a grid
with one agent per cell, the density of the example's own default (100 agents
on 10 x 10). Targets (issue 3): claimant-weeks per second at 100,000 claimants
at least 10 x Boltzmann's agent-steps per second at 100,000 agents, and the
national-scale run (1.8m claimants, the Work Programme's referrals) in under
2 minutes. Results are also written to benchmarks/results/claimant_throughput.json.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

WEEKS = 260
CHILD = """
import json, resource, sys, time
n, weeks = int(sys.argv[1]), int(sys.argv[2])
from commissioning.model import CommissioningModel
start = time.perf_counter()
model = CommissioningModel(claimants=n, weeks=weeks)
built = time.perf_counter()
model.run_model()
done = time.perf_counter()
print(json.dumps({"claimants": n, "weeks": weeks, "build_s": built - start,
                  "run_s": done - built, "peak_mb": resource.getrusage(
                      resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "job_outcome_rate": model.metrics()["job_outcome_rate"]}))
"""
BOLTZMANN = """
import json, math, resource, sys, time
n, steps = int(sys.argv[1]), int(sys.argv[2])
from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannWealth
side = math.ceil(math.sqrt(n))
model = BoltzmannWealth(n=n, width=side, height=side, seed=1)
start = time.perf_counter()
for _ in range(steps):
    model.step()
elapsed = time.perf_counter() - start
print(json.dumps({"agents": n, "steps": steps, "grid": side, "run_s": elapsed,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def child(code: str, *args) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *map(str, args)], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the national-scale run")
    parser.add_argument("--boltzmann-steps", type=int, default=5)
    args = parser.parse_args()
    sizes = [10_000, 100_000] + ([] if args.quick else [1_800_000])

    rows = []
    for n in sizes:
        r = child(CHILD, n, WEEKS)
        r["claimant_weeks_per_s"] = n * WEEKS / r["run_s"]
        rows.append(r)
        print(f"{n:>10,} claimants x {WEEKS} weeks: {r['run_s']:7.1f} s run "
              f"(+{r['build_s']:.1f} s build), {r['claimant_weeks_per_s']:>12,.0f} "
              f"claimant-weeks/s, peak {r['peak_mb']:,.0f} MB", flush=True)

    b = child(BOLTZMANN, 100_000, args.boltzmann_steps)
    b["agent_steps_per_s"] = b["agents"] * b["steps"] / b["run_s"]
    print(f"Mesa Boltzmann wealth, 100,000 agents on {b['grid']}x{b['grid']}: "
          f"{b['agent_steps_per_s']:>12,.0f} agent-steps/s, peak {b['peak_mb']:,.0f} MB")

    at_100k = next(r for r in rows if r["claimants"] == 100_000)["claimant_weeks_per_s"]
    ratio = at_100k / b["agent_steps_per_s"]
    print(f"\nratio at 100,000: {ratio:.1f}x Boltzmann (target >= 10x): "
          f"{'met' if ratio >= 10 else 'NOT met'}")
    national = next((r for r in rows if r["claimants"] == 1_800_000), None)
    if national:
        total = national["run_s"] + national["build_s"]
        print(f"national scale (1.8m x 260 weeks): {total:.0f} s (target < 120 s): "
              f"{'met' if total < 120 else 'NOT met'}")

    out = Path(__file__).parent / "results" / "claimant_throughput.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(), "machine": platform.machine(),
        "runs": rows, "boltzmann": b, "ratio_at_100k": ratio,
        "national_total_s": (national["run_s"] + national["build_s"]) if national else math.nan,
    }, indent=2))
    print(f"written {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
