"""The posterior: reading it, drawing from it, summarising it, and the shipped point.

`posterior.csv` (written by `commissioning calibrate` at the end of every
generation) holds the accepted parameter sets of the fit's last finished
generation, each with its weight. Its parameter columns are named as
`--set` names them (`claimants.base_hazard.jsa_25_plus`); other columns
(distance, seed, targets) are kept for reading, not used here.

A draw is a row picked with probability equal to its weight (with
replacement): K draws are a sample of plausible worlds, each as likely as the
fit says. A draw is applied to a scenario as the fit applied it: a fitted
payment group of a per-group parameter moves its linked groups by the same
ratio (`fitting.FREE_PARAMETERS`).

The shipped point (`choose_point`) is the posterior's best-supported set, by
this rule: of the last generation's sets, the `select` nearest the data in
their own run are each run again on `PICK_SEEDS` seeds common to all of
them, and so is the posterior's weighted mean; the one whose runs are on
average nearest the data, with a small pull towards the middle of each
published range, is shipped. One run per set is what ABC accepts on; ten common
seeds, as many as `check-fit` uses, separate a set that fits from one that was
lucky (with four, the ESA ex-IB rate, about 260 referrals an area, read 3.0% for
every candidate of the 2026-12-06 fit, against 4.7% on check-fit's ten).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from commissioning.model.parameters import BY_NAME, PAYMENT_GROUPS, SECTIONS
from commissioning.model.scenario import ScenarioError, check_value

from .fitting import FREE_PARAMETERS, FreeParameter, apply

#: Seeds each candidate for the shipped point is run on (common to every candidate).
PICK_SEEDS = 10
#: The pull towards the middle of each range when choosing the shipped point.
PICK_CENTRE = 0.05
#: The posterior interval reported for each parameter.
INTERVAL = (0.05, 0.95)


def parameter_columns(columns: Sequence[str]) -> list[str]:
    """Columns that name a model parameter (section.name or section.name.group)."""
    out = []
    for col in columns:
        parts = str(col).split(".")
        if len(parts) not in (2, 3) or parts[0] not in SECTIONS:
            continue
        p = BY_NAME.get(parts[1])
        if p is None or p.section != parts[0]:
            continue
        if len(parts) == 3 and (p.kind != "per_group" or parts[2] not in PAYMENT_GROUPS):
            continue
        out.append(col)
    return out


def free_parameter(key: str) -> FreeParameter:
    """The fitted parameter of this name (with its linked groups), or a plain one."""
    known = {fp.key: fp for fp in FREE_PARAMETERS}
    return known.get(key, FreeParameter(key, -math.inf, math.inf))


def read_posterior(path: str | Path, option: str = "--posterior") -> pd.DataFrame:
    """A posterior.csv, checked: weights, at least one parameter column, values in range."""
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(str(path), option, "a posterior.csv written by `commissioning "
                            "calibrate --out DIR` (DIR/posterior.csv)")
    try:
        table = pd.read_csv(path)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ScenarioError(str(path), option, f"a CSV file ({exc})") from None
    if "weight" not in table.columns:
        raise ScenarioError(str(path), "weight", "a column of weights (posterior.csv from "
                            "`commissioning calibrate`)")
    params = parameter_columns(table.columns)
    if not params:
        raise ScenarioError(str(path), "columns", "at least one parameter column named as "
                            "--set names it (e.g. claimants.base_hazard.jsa_25_plus)")
    if not len(table):
        raise ScenarioError(str(path), "rows", "at least one accepted parameter set")
    w = pd.to_numeric(table["weight"], errors="coerce")
    if w.isna().any() or (w < 0).any() or not w.sum() > 0:
        raise ScenarioError(str(path), "weight", "weights of at least 0 that add up to more "
                            "than 0")
    for col in params:
        p = BY_NAME[col.split(".")[1]]
        for i, v in enumerate(table[col]):
            check_value(p, v.item() if hasattr(v, "item") else v, str(path),
                        f"{col} (row {i + 2})", p.default)
    table = table.assign(weight=w / w.sum())
    table.attrs["parameters"] = params
    return table


def draw(posterior: pd.DataFrame, k: int, seed: int) -> list[dict[str, float]]:
    """K parameter sets drawn with probability equal to their weight (with replacement)."""
    params = posterior.attrs.get("parameters") or parameter_columns(posterior.columns)
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(posterior), size=k, replace=True,
                      p=posterior["weight"].to_numpy(float))
    return [{c: float(posterior[c].iloc[r]) for c in params} for r in rows]


def apply_draw(params: dict[str, Any], values: dict[str, float],
               baseline: dict[str, Any] | None = None) -> dict[str, Any]:
    """A scenario's parameters with one posterior draw set, as the fit sets them.

    The fit is of the two-tier baseline; a scenario takes a drawn value only
    where it has the baseline's value (it inherits the fitted one). A value a
    scenario sets itself, such as the share of outcome payments its own contract
    holder passes on (`[contract]`), is its own and stays.
    """
    from commissioning.model.parameters import defaults

    baseline = defaults() if baseline is None else baseline
    free = [free_parameter(k) for k in values]
    mine = [(fp, v) for fp, v in zip(free, values.values(), strict=True)
            if fp.current(params) == fp.current(baseline)]
    return apply(params, [fp for fp, _ in mine], [v for _, v in mine])


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    order = np.argsort(values, kind="stable")
    v, w = np.asarray(values, float)[order], np.asarray(weights, float)[order]
    cum = np.cumsum(w) - 0.5 * w
    return float(np.interp(q * w.sum(), cum, v))


def summary(posterior: pd.DataFrame, free: Sequence[FreeParameter],
            point: dict[str, float]) -> pd.DataFrame:
    """Per free parameter: prior range, shipped point, posterior mean, sd and interval."""
    w = posterior["weight"].to_numpy(float)
    rows = []
    for fp in free:
        x = posterior[fp.key].to_numpy(float)
        mean = float(np.sum(w * x))
        sd = float(math.sqrt(max(np.sum(w * (x - mean) ** 2), 0.0)))
        rows.append({"parameter": fp.key, "prior_low": fp.low, "prior_high": fp.high,
                     "fitted": point[fp.key], "posterior_mean": mean, "posterior_sd": sd,
                     "posterior_low": weighted_quantile(x, w, INTERVAL[0]),
                     "posterior_median": weighted_quantile(x, w, 0.5),
                     "posterior_high": weighted_quantile(x, w, INTERVAL[1])})
    return pd.DataFrame(rows)


def vary_tables(table: pd.DataFrame) -> str:
    """The posterior intervals as a sweep file's [vary] tables (for the sensitivity sweeps).

    A payment group's fitted value with linked groups becomes a multiplier of
    the scenario's own values (`scale = true`, the linked groups in `also`), as
    the fit moves them; the multipliers are relative to the shipped point.
    """
    lines = ["# The fitted parameters' 90% posterior intervals as [vary] tables for a sweep",
             "# file (written by `commissioning calibrate`; scenarios/sweeps/ use them)."]
    for r in table.itertuples():
        fp = free_parameter(r.parameter)
        p = BY_NAME[fp.name]
        low, high = r.posterior_low, r.posterior_high
        if not low < high:
            continue
        lines += ["", f'[vary."{r.parameter}"]']
        if fp.linked:
            lines += ["scale = true", f"low = {low / r.fitted:.4g}",
                      f"high = {high / r.fitted:.4g}", "also = [" + ", ".join(
                          f'"{fp.key.rsplit(".", 1)[0]}.{g}"' for g in fp.linked) + "]"]
            continue
        if p.kind == "int":
            low, high = math.floor(low), math.ceil(high)
        lines += [f"low = {low:.6g}", f"high = {high:.6g}"]
    return "\n".join(lines) + "\n"
