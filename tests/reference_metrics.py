"""Reference results: fixed seeds and scenarios whose metrics must not change by accident.

Speed work (issue 15) must leave every result as it was: the same seed gives the
same metrics, to the last digit where the arithmetic is unchanged, within 1e-12
where operations are reordered. `tests/test_results_unchanged.py` compares a few
small runs against `tests/data/reference_metrics.json`, written by this module.

When a change to the model is *meant* to change results, regenerate the file and
commit it with the change (say why in the commit message):

    python -m tests.reference_metrics --write

Without `--write` it runs the cases and prints how far each differs from the file.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

REFERENCE = Path(__file__).parent / "data" / "reference_metrics.json"
REGENERATE = "python -m tests.reference_metrics --write"
RELATIVE = 1e-12  # where operations may be reordered (sums, fused arithmetic)

#: (name, scenario, seed, size): small runs over the scenario's whole calendar, so
#: every week of the whole programme (referrals, follow-up, contract years) is covered.
CASES: tuple[tuple[str, str, int, int], ...] = (
    ("two_tier", "two_tier", 5, 800),
    ("locality", "locality", 6, 800),
    ("work_and_health_programme", "work_and_health_programme", 7, 1500),
)
WEEKLY_EVERY = 13  # weekly series sampled each quarter (and the last week)


def _plain(x):
    """JSON-safe numbers: NaN and infinities as strings, numpy scalars as Python ones."""
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple, np.ndarray)):
        return [_plain(v) for v in x]
    if x is None:
        return None
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, str):
        return x
    x = float(x)
    return repr(x) if not math.isfinite(x) else x


def case_results(scenario: str, seed: int, claimants: int, **overrides) -> dict:
    """Everything a run reports: final metrics, mapping metrics, the weekly series
    (sampled), each organisation's cash and the exits."""
    from commissioning.model import CommissioningModel

    model = CommissioningModel(scenario=scenario, seed=seed, claimants=claimants, **overrides)
    model.run_model()
    weekly = model.datacollector.get_model_vars_dataframe()
    rows = sorted(set(range(0, len(weekly), WEEKLY_EVERY)) | {len(weekly) - 1})
    return _plain({
        "metrics": model.metrics(),
        "mapping_metrics": model.metrics_by_year(),
        "weekly": {col: weekly[col].to_numpy()[rows].tolist() for col in weekly.columns},
        "cash": model.accounts.cash.tolist(),
        "exits": [list(e) for e in model.exits],
        "withdrawals": [list(e) for e in model.withdrawals],
    })


def all_results() -> dict:
    return {name: {"scenario": sc, "seed": seed, "claimants": n,
                   "results": case_results(sc, seed, n)} for name, sc, seed, n in CASES}


def _number(x):
    return float(x) if x in ("nan", "inf", "-inf") else x


def differences(expected, actual, path: str = "") -> list[str]:
    """Where `actual` differs from `expected`: integers, strings and structure exactly,
    floats within RELATIVE (NaN equals NaN)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict) or set(expected) != set(actual):
            return [f"{path}: keys differ"]
        return [d for k in expected for d in differences(expected[k], actual[k], f"{path}.{k}")]
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(expected) != len(actual):
            return [f"{path}: length differs"]
        return [d for i, (e, a) in enumerate(zip(expected, actual, strict=True))
                for d in differences(e, a, f"{path}[{i}]")]
    e, a = _number(expected), _number(actual)
    if isinstance(e, float) or isinstance(a, float):
        if not isinstance(e, (int, float)) or not isinstance(a, (int, float)):
            return [f"{path}: {expected!r} != {actual!r}"]
        e, a = float(e), float(a)
        if (math.isnan(e) and math.isnan(a)) or e == a:
            return []
        if math.isfinite(e) and math.isfinite(a) and abs(a - e) <= RELATIVE * max(abs(e), abs(a)):
            return []
        return [f"{path}: expected {e!r}, got {a!r}"]
    return [] if expected == actual else [f"{path}: expected {expected!r}, got {actual!r}"]


def identical(expected, actual) -> bool:
    """Bit for bit (NaN equals NaN): the arithmetic is unchanged."""
    return json.dumps(expected, sort_keys=True) == json.dumps(actual, sort_keys=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true",
                        help="(re)write tests/data/reference_metrics.json from the current code")
    args = parser.parse_args(argv)
    results = all_results()
    if args.write:
        REFERENCE.parent.mkdir(parents=True, exist_ok=True)
        tmp = REFERENCE.with_suffix(".tmp")
        tmp.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
        tmp.replace(REFERENCE)
        print(f"written {REFERENCE}")
        return 0
    stored = json.loads(REFERENCE.read_text())
    bad = 0
    for name in results:
        diff = differences(stored[name], results[name])
        same = identical(stored[name], results[name])
        print(f"{name}: {'identical' if same else 'within 1e-12' if not diff else 'DIFFERS'}")
        for d in diff[:10]:
            print("   ", d)
        bad += bool(diff)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
