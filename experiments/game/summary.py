"""The debrief on one page, for a lesson's write-up: PNG or PDF, drawn offline by matplotlib.

The page has the headline, the table of runs on the same claimants, job outcomes week
by week in every run, the class's predictions against the results, and the events that
mattered. Pupils' names are not on it. Text is drawn as text, never as mathematics (a
scenario's name may hold a `$`).
"""

from __future__ import annotations

import io
import textwrap

from matplotlib.figure import Figure

from .debrief import NO_PROGRAMME, Debrief
from .observer import Event
from .predictions import histogram

COLOURS = ("#D55E00", "#0072B2", "#CC79A7", "#009E73", "#E69F00")  # Okabe-Ito
A4_LANDSCAPE = (11.69, 8.27)


def _text(ax, x: float, y: float, text: str, **kw) -> None:
    ax.text(x, y, text, transform=ax.transAxes, parse_math=False, va="top", **kw)


def draw(debrief: Debrief, events: list[Event]) -> Figure:
    """The one-page summary as a matplotlib Figure."""
    fig = Figure(figsize=A4_LANDSCAPE, dpi=100)
    fig.text(0.04, 0.965, textwrap.shorten(f"The Commissioning Game: {debrief.title}", 95),
             fontsize=15, fontweight="bold", parse_math=False, va="top")
    fig.text(0.04, 0.925, f"{debrief.claimants:,} claimants, seed {debrief.seed}, "
             f"{debrief.weeks} weeks. Every column has the same claimants and the same random "
             "numbers: a difference is the decisions', not luck.", fontsize=9.5,
             parse_math=False, va="top")

    words = fig.add_axes((0.04, 0.6, 0.6, 0.3))
    words.axis("off")
    lines = [textwrap.fill(s, 100) for s in debrief.headline + debrief.stories[:1]]
    _text(words, 0, 1, "\n".join(lines), fontsize=9.5, linespacing=1.4)

    table = fig.add_axes((0.04, 0.33, 0.6, 0.3))
    table.axis("off")
    _table(table, debrief)

    chart = fig.add_axes((0.7, 0.4, 0.28, 0.46))
    for k, (label, (weeks, values)) in enumerate(debrief.series().items()):
        style = dict(color="#777777", linestyle=":") if label == NO_PROGRAMME else dict(
            color=COLOURS[k % len(COLOURS)], linewidth=2.2 if k == 0 else 1.4)
        chart.plot(weeks, values, label=label, **style)
    chart.set_title("People in a lasting job, week by week", fontsize=10)
    chart.set_xlabel("week", fontsize=9)
    chart.legend(fontsize=8, frameon=False)
    chart.tick_params(labelsize=8)

    for k, pred in enumerate(debrief.predictions[:3]):
        ax = fig.add_axes((0.06 + 0.32 * k, 0.08, 0.26, 0.15))
        starts, counts = histogram(pred.question, list(pred.answers))
        width = (starts[1] - starts[0]) if len(starts) > 1 else 1
        ax.bar(starts + width / 2, counts, width=width * 0.9, color="#bbbbbb",
               label="the class's predictions")
        ax.axvline(pred.yours, color=COLOURS[0], linewidth=2.2, label="your class")
        ax.axvline(pred.model, color=COLOURS[1], linewidth=1.4, linestyle="--",
                   label="the model's own play")
        ax.set_xlim(pred.question.low, pred.question.high + width)
        ax.set_title(textwrap.fill(pred.question.text, 55), fontsize=8.5)
        ax.tick_params(labelsize=7.5)
        ax.yaxis.get_major_locator().set_params(integer=True)
        if k == 0:
            ax.legend(fontsize=7, frameon=False, loc="upper right")
    fig.text(0.04, 0.29, "Predictions (grey: how many pupils said each number) against what "
             "happened", fontsize=10, fontweight="bold", parse_math=False)
    notable = [e.text for e in events if e.kind == "bust"] + [
        e.text for e in events if e.kind == "left"]
    if notable:
        more = f" (and {len(notable) - 3} more)" if len(notable) > 3 else ""
        fig.text(0.04, 0.012, textwrap.shorten("  ".join(notable[:3]) + more, 190),
                 fontsize=7, parse_math=False, color="#444444")
    return fig


def _table(ax, debrief: Debrief) -> None:
    """The runs side by side, as text in columns (a row label, then one cell a run)."""
    columns = [c.replace("The model, ", "Model,\n").replace("No programme", "No\nprogramme")
               .replace("Your class", "Your\nclass") for c in debrief.columns]
    x0, width = 0.46, 0.54 / len(columns)
    rows = [("", columns), *[(label, list(cells)) for label, cells in debrief.rows]]
    step = 1.0 / (len(rows) + 1)
    for r, (label, cells) in enumerate(rows):
        y = 1 - (r + (r > 0)) * step
        bold = "bold" if r == 0 else "normal"
        _text(ax, 0, y, textwrap.shorten(label, 52), fontsize=8.5)
        for k, cell in enumerate(cells):
            _text(ax, x0 + (k + 0.5) * width, y, cell, fontsize=8.5, ha="center",
                  fontweight=bold, color=COLOURS[0] if k == 0 and r else "black")
        ax.axhline(y - 0.8 * step, color="#dddddd", linewidth=0.6)


def render(debrief: Debrief, events: list[Event], fmt: str = "png") -> bytes:
    """The summary as PNG or PDF bytes."""
    if fmt not in ("png", "pdf"):
        raise ValueError(f"a summary is a png or a pdf, not {fmt!r}")
    fig = draw(debrief, events)
    out = io.BytesIO()
    fig.savefig(out, format=fmt, dpi=150 if fmt == "png" else None)
    return out.getvalue()



