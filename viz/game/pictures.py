"""Pictures of a room: its network and charts (the app's own), predictions, the debrief's lines.

The network and the weekly charts are the Explore page's (`NetworkFigure`,
`WeeklyCharts`), built once per room and redrawn when a turn has run, under the room's
lock so a picture never shows a week half-run. The predictions' histogram and the
debrief's chart are small matplotlib figures of their own (a Figure, never pyplot).
"""

from __future__ import annotations

import io
import textwrap
import threading

from matplotlib.figure import Figure

from commissioning.experiments.game.debrief import NO_PROGRAMME, Debrief
from commissioning.experiments.game.predictions import histogram
from commissioning.experiments.game.room import Room
from commissioning.experiments.game.store import STORE
from commissioning.experiments.game.summary import COLOURS

from ..network_plot import NetworkFigure
from ..weekly_charts import Run, WeeklyCharts

_FIGURES: dict[str, tuple[NetworkFigure, WeeklyCharts]] = {}
_LOCK = threading.Lock()


def _figures(room: Room) -> tuple[NetworkFigure, WeeklyCharts]:
    with _LOCK:
        for code in [c for c in _FIGURES if STORE.get(c) is None and c != room.code]:
            del _FIGURES[code]  # rooms closed since: let their pictures go
        if room.code not in _FIGURES:
            title = f"Room {room.code}: {room.scenario.name}"
            _FIGURES[room.code] = (NetworkFigure([room.model], [title]),
                                   WeeklyCharts([Run(room.model, "your class")]))
        return _FIGURES[room.code]


def network_png(room: Room) -> bytes:
    with room.lock:
        return _figures(room)[0].png()


def charts_png(room: Room) -> bytes:
    with room.lock:
        return _figures(room)[1].png()


def _png(fig: Figure) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


def predictions_png(room: Room) -> bytes:
    """The class's predictions so far, one small histogram a question."""
    answers = room.answers()
    fig = Figure(figsize=(10, 3.4), dpi=90, layout="constrained")  # text read from the back
    axes = fig.subplots(1, len(room.questions))
    for ax, q in zip(axes, room.questions, strict=True):
        starts, counts = histogram(q, answers[q.key])
        width = (starts[1] - starts[0]) if len(starts) > 1 else 1
        ax.bar(starts + width / 2, counts, width=width * 0.9, color="#0072B2")
        ax.set_xlim(q.low, q.high + width)
        ax.set_title(q.short or textwrap.shorten(q.text, 30), fontsize=17)
        ax.set_ylim(0, max(1, int(counts.max()) + 1))
        ax.set_xlabel(f"{len(answers[q.key])} answers", fontsize=16)
        ax.tick_params(labelsize=15)
        ax.yaxis.get_major_locator().set_params(integer=True)
    return _png(fig)


def debrief_png(debrief: Debrief) -> bytes:
    """People in a lasting job week by week, in every run and with no programme."""
    fig = Figure(figsize=(9, 4.2), dpi=90, layout="constrained")
    ax = fig.subplots()
    for k, (label, (weeks, values)) in enumerate(debrief.series().items()):
        style = dict(color="#777777", linestyle=":", linewidth=2) if label == NO_PROGRAMME \
            else dict(color=COLOURS[k % len(COLOURS)], linewidth=3 if k == 0 else 1.8)
        ax.plot(weeks, values, label=label, **style)
    ax.set_title("People in a lasting job, week by week (the same claimants in every run)",
                 fontsize=14)
    ax.set_xlabel("week", fontsize=13)
    ax.tick_params(labelsize=12)
    ax.legend(fontsize=12, frameon=False)
    return _png(fig)
