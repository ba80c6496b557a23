"""What a pupil takes away: the week-by-week numbers as a spreadsheet, and the pictures.

The CSV a class opens in a spreadsheet has columns named in words with their
units ("Job outcomes per referral (%)", "Paid by the commissioner (£)"),
shares as per cents and money in whole pounds, one row a week of each run, up
to the week on screen (issue 16: 69 machine-named columns of fractions). The
full record, every column the model's DataCollector keeps under its own
names, is a second download for those who program.

The pictures' PNG says what it is: the scenario(s), the settings and the week
are written across its top, over the network(s), the key and every chart.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from commissioning.model.parameters import PAYMENT_GROUPS

from .layout import Layout
from .panels import stitch
from .pictures import frame
from .runs import Runs
from .timeline import Timeline
from .weekly_charts import GROUPS

PRINTED = Layout(width=1400, scale=1.0, text=18.0)


def _pct(t: Timeline, key: str, w: int) -> np.ndarray:
    return np.round(100 * t.series(key, w), 2)


def _pounds(t: Timeline, *keys: str, w: int) -> np.ndarray:
    return np.round(sum(t.series(k, w) for k in keys), 0)


COLUMNS: tuple[tuple[str, Callable[[Timeline, int], np.ndarray]], ...] = (
    ("Claimants referred so far", lambda t, w: t.series("referrals", w)),
    ("Job outcomes so far", lambda t, w: t.series("job_outcomes", w)),
    ("Job outcomes per referral (%)", lambda t, w: _pct(t, "job_outcome_rate", w)),
    ("Job outcomes, 0-1 barriers (%)", lambda t, w: _pct(t, "job_outcome_rate_low_barrier", w)),
    ("Job outcomes, 3+ barriers (%)", lambda t, w: _pct(t, "job_outcome_rate_high_barrier", w)),
    ("Lasting jobs with the programme (% of everyone referred)",
     lambda t, w: np.round(100 * (t.series("no_programme_outcome_rate", w)
                                  + t.series("additional_job_outcome_rate", w)), 2)),
    ("Lasting jobs, the same people with no programme (%)",
     lambda t, w: _pct(t, "no_programme_outcome_rate", w)),
    ("Added by the programme (percentage points)",
     lambda t, w: _pct(t, "additional_job_outcome_rate", w)),
    ("Weeks looking for work spent parked, so far (%)", lambda t, w: _pct(t, "parked_share", w)),
    ("Looking for work, parked this week (%)", lambda t, w: _pct(t, "parked_this_week", w)),
    ("Paid by the commissioner so far (£)", lambda t, w: _pounds(t, "total_spend", w=w)),
    ("of which attachment fees (£)", lambda t, w: _pounds(t, "paid_attachment", w=w)),
    ("of which service fees (£)", lambda t, w: _pounds(t, "paid_service_fee", w=w)),
    ("of which outcome payments (£)", lambda t, w: _pounds(t, "paid_outcome", w=w)),
    ("Paid to specialists so far (£)",
     lambda t, w: _pounds(t, "paid_specialist_fee", "paid_specialist_outcome", w=w)),
    ("Providers' own money spent so far (£)", lambda t, w: _pounds(t, "provider_funds_used", w=w)),
    ("Providers gone bust so far", lambda t, w: t.series("providers_insolvent", w)),
    ("of which charities", lambda t, w: t.series("insolvent_third_sector", w)),
    ("Cost per job outcome (£)", lambda t, w: _pounds(t, "cost_per_job_outcome", w=w)),
    ("Charities' share of the money (%)", lambda t, w: _pct(t, "third_sector_share_of_spend", w)),
    *((f"Job outcomes per referral, {GROUPS[g][0].lower()} (%)",
       lambda t, w, g=g: _pct(t, f"job_outcome_rate_{g}", w)) for g in PAYMENT_GROUPS),
)


def readable_table(runs: Runs) -> pd.DataFrame:
    """The runs' weeks to the week on screen, in words and units a spreadsheet user reads."""
    frames = []
    w = runs.week
    for title, settings, t in zip(runs.titles, runs.settings, runs.timelines, strict=True):
        weeks = np.arange(min(w, t.done) + 1)
        data: dict[str, object] = {"Scenario": title, "Week": weeks}
        if t.date(0) is not None:
            data["Date"] = [t.date(int(k)).isoformat() for k in weeks]
        data["Seed"] = settings.seed
        data["Claimants"] = settings.claimants
        for name, column in COLUMNS:
            data[name] = column(t, w)
        frames.append(pd.DataFrame(data))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def header_png(runs: Runs, width: float = PRINTED.width, size: float = PRINTED.text) -> bytes:
    """A strip of text for the top of the pictures: what they show, and at which week."""
    import io
    import textwrap

    when = runs.date()
    week = f"Week {runs.week} of {runs.weeks}" + (f" ({when:%B %Y})" if when else "")
    lines = [week, *(f"{title}. {s.describe()}." for title, s in
                     zip(runs.titles, runs.settings, strict=True))]
    wrapped = [piece for line in lines for piece in textwrap.wrap(line, int(width / (0.55 * size)))]
    height = (len(wrapped) * 1.35 + 1.0) * size
    fig = Figure(figsize=(width / 72, height / 72), dpi=72 * PRINTED.scale)
    for k, line in enumerate(wrapped):
        fig.text(0.4 * size / width, 1 - (0.5 + 1.35 * k) * size / height, line, va="top",
                 fontsize=size * (1.1 if k == 0 else 1.0), parse_math=False,
                 fontweight="bold" if k == 0 else "normal")
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


def pictures_png(runs: Runs) -> bytes:
    """Every picture of the runs at the week on screen, under a header saying what they are."""
    shown = frame(runs, runs.week, PRINTED)
    networks = [s.png for s in shown if s.name.startswith("network:") and s.png]
    key = [s.png for s in shown if s.name == "key" and s.png]
    charts = [s.png for s in shown if not s.name.startswith("network:") and s.name != "key"
              and s.png]
    rows = [[n] for n in networks] + [key] + [charts[i:i + 2] for i in range(0, len(charts), 2)]
    return stitch([r for r in rows if r], header=header_png(runs))
