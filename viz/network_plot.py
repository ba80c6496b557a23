"""The referral network drawn for the app: who holds contracts, who sends claimants to whom.

Laid out in rows by role, not by a force layout: the commissioner at the
top, then the contract holders (primes or partnerships), the organisations
that work with claimants (case holders), and the specialists at the bottom
(in two staggered rows where a locality has many), each locality in a column
of its own. A vertical prime/subcontractor chain and local partnerships then
look like what they are, and an organisation sits in the same place every
week and in both regimes.

A provider that works across the whole area for several partnerships (the
large providers under locality commissioning) is drawn as a *branch* in each
locality's column, sized by the claimants it holds there, with its routes to
that locality's specialists. Drawn once at the side it made a dark fan of
routes across the picture that hid the point: each partnership sends its
claimants to local services (issue 16).

Colour is the kind of organisation (Okabe-Ito palette); a dot's area is the
number of claimants it works with now; one that has gone bust is hollow with
a cross; a line's width is the number of claimants sent along it so far, and
a route nobody has used yet is a thin dotted line. Sizes are in CSS pixels
for the layout the picture is drawn for (`layout.py`), and the text is the
page's own size. The key is a picture of its own (`NetworkKey`), shared by
the two networks of Compare.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from commissioning.model import CommissioningModel

from .blit import BlitFigure, WeekPicture
from .layout import Layout
from .panels import (
    KEY_COLUMN_GAP,
    KEY_GAP,
    KEY_HANDLE,
    KEY_ROW,
    TITLE_SIZE,
    best_key,
    stitch,
    text_width,
    wrap,
)
from .timeline import LiveTimeline, Timeline
from .ui import plain_title

#: Okabe-Ito colours by kind of organisation (the `kind` node attribute).
KIND_COLOURS: dict[str, str] = {
    "commissioner": "#000000",
    "prime": "#0072B2",
    "large provider": "#56B4E9",
    "partnership": "#CC79A7",
    "tier 1": "#E69F00",
    "tier 2": "#D55E00",
    "third sector": "#009E73",
}
KIND_LABELS: dict[str, str] = {
    "commissioner": "Commissioner (DWP): pays",
    "prime": "Prime contractor (whole area)",
    "large provider": "Large provider (whole area)",
    "partnership": "Local partnership (its locality)",
    "tier 1": "Subcontractor: works with claimants",
    "tier 2": "Specialist: housing, debt, health, ...",
    "third sector": "Charity (third sector)",
}
BRANCH_LABEL = "Large provider (whole area): a square in each locality"
ROW_Y = {"commissioner": 3.15, "contract holder": 2.3, "case holder": 1.4, "specialist": 0.55}
SPECIALIST_ROWS = (0.7, 0.25)  # two staggered rows when a locality has many specialists
ROW_LABELS = {3.15: "Commissioner", 2.3: "Hold the\ncontract", 1.4: "Work with\nclaimants",
              0.5: "Specialists"}
UNUSED = "#9a9a9a"
USED = "#3b3b3b"


def edge_width(referrals: np.ndarray | float, claimants: int) -> np.ndarray:
    """Line width (CSS px) for a number of referrals: area-like, on a scale fixed per model."""
    return 0.6 + 7.0 * np.sqrt(np.asarray(referrals, float) / max(claimants, 1))


@dataclass(frozen=True)
class Spot:
    """A dot in the picture: an organisation, or one locality's branch of a whole-area one."""

    node: int
    locality: int  # the column it is drawn in (-1: the whole area)
    branch: bool = False


def place(t: Timeline) -> tuple[dict[Spot, tuple[float, float]], dict[int, float]]:
    """Positions of every spot (x in columns, y by role), and each locality column's centre."""
    data = t.record.node_data
    split = set(t.record.whole_area)
    localities = t.record.localities
    rows: dict[tuple[str, int], list[Spot]] = {}
    for node in t.record.nodes:
        d = data[node]
        if d["kind"] == "commissioner":
            continue
        if node in split:
            for loc in range(localities):
                rows.setdefault((d["role"], loc), []).append(Spot(node, loc, True))
        else:
            rows.setdefault((d["role"], d["locality"]), []).append(Spot(node, d["locality"]))
    local_roles = {role for role, loc in rows if loc >= 0}
    # A role with no local organisations (primes) spreads over the whole width; any other
    # whole-area organisation gets a column of its own at the left.
    spread = {k: v for k, v in rows.items() if k[1] < 0 and k[0] not in local_roles}
    columns = {k: v for k, v in rows.items() if k not in spread}

    def width_of(role: str, spots: list[Spot]) -> float:
        n = len(spots)
        return math.ceil(n / 2) if role == "specialist" and n > 6 else n

    blocks = sorted({loc for _, loc in columns})
    width = {b: max(width_of(r, v) for (r, loc), v in columns.items() if loc == b)
             for b in blocks}
    start, x = {}, 0.0
    for b in blocks:
        start[b] = x
        x += width[b] + 0.8
    total = max(x - 0.8, 1.0)
    pos: dict[Spot, tuple[float, float]] = {}
    for (role, loc), spots in columns.items():
        spots.sort(key=lambda s: (data[s.node]["kind"], s.node))
        if role == "specialist" and len(spots) > 6:
            per_row = math.ceil(len(spots) / 2)
            for i, spot in enumerate(spots):
                row, k = divmod(i, per_row)
                shift = 0.25 if row else -0.25
                offset = (width[loc] - per_row) / 2
                pos[spot] = (start[loc] + offset + k + 0.5 + shift * 0.5, SPECIALIST_ROWS[row])
        else:
            offset = (width[loc] - len(spots)) / 2
            for i, spot in enumerate(spots):
                pos[spot] = (start[loc] + offset + i + 0.5, ROW_Y[role])
    for (role, _), spots in spread.items():
        for i, spot in enumerate(sorted(spots, key=lambda s: s.node)):
            pos[spot] = (total * (i + 0.5) / len(spots), ROW_Y[role])
    for node in t.record.nodes:
        if data[node]["kind"] == "commissioner":
            pos[Spot(node, -1)] = (total / 2, ROW_Y["commissioner"])
    centres = {b: start[b] + width[b] / 2 for b in blocks}
    return pos, centres


class NetworkPicture(WeekPicture):
    """One run's referral network, for a layout; `png(week)` draws the network of that week."""

    def __init__(self, layout: Layout, timeline: Timeline, title: str,
                 width: float | None = None):
        self.layout, self.t = layout, timeline
        s = self.size = layout.text
        w = self.width = float(width or layout.width)
        self.claimants = int(timeline.p["claimants"])
        self.pos, centres = place(timeline)
        self.spots = list(self.pos)
        self.index = {spot: k for k, spot in enumerate(self.spots)}
        data = timeline.record.node_data
        self.node_row = {n: k for k, n in enumerate(timeline.record.nodes)}
        self.branch_row = {n: k for k, n in enumerate(timeline.record.whole_area)}
        self.kinds = [data[spot.node]["kind"] for spot in self.spots]
        xy = np.array([self.pos[spot] for spot in self.spots])
        self.xy = xy
        labels_w = max(text_width(line, s) for label in ROW_LABELS.values()
                       for line in label.split("\n")) + 0.6 * s
        title = plain_title(title, 70)
        if text_width(title, TITLE_SIZE * s, bold=True) > w - 0.6 * s:
            title = wrap(title, w - 0.6 * s - 4, TITLE_SIZE * s * 1.07)
        title_h = (1.6 + 1.2 * title.count("\n")) * TITLE_SIZE * s + 0.3 * s
        area_h = float(np.clip(0.5 * w, 15 * s, 26 * s))
        names_h = 2.8 * s if any(loc < 0 for loc in centres) else 1.8 * s
        h = self.height = title_h + area_h + names_h
        self.fig = Figure(figsize=(w / 72, h / 72), dpi=72 * layout.scale)
        self.blit = BlitFigure(self.fig)
        ax = self.ax = self.fig.add_axes([labels_w / w, names_h / h, 1 - labels_w / w - 0.01,
                                          area_h / h])
        left, right = xy[:, 0].min() - 0.6, xy[:, 0].max() + 0.6
        ax.set_xlim(left, right)
        ax.set_ylim(-0.05, 3.45)
        ax.set_axis_off()
        # The biggest dot fits the tightest gap between two neighbours in a row.
        px_per_unit = (1 - labels_w / w - 0.01) * w / (right - left)
        self.biggest = float(np.clip(0.8 * px_per_unit * self._tightest(), 8, 30)) ** 2
        self.unused = self._moving(LineCollection([], colors=UNUSED, linewidths=0.8,
                                                  linestyles=(0, (2, 3)), alpha=0.7, zorder=1))
        self.used = self._moving(LineCollection([], colors=USED, alpha=0.45, zorder=2))
        ax.add_collection(self.unused)
        ax.add_collection(self.used)
        self.colours = np.array([to_rgba(KIND_COLOURS[k]) for k in self.kinds])
        branch = np.array([spot.branch for spot in self.spots])
        self.is_branch = branch
        self.dots = self._moving(ax.scatter(xy[~branch, 0], xy[~branch, 1], s=30,
                                            c=self.colours[~branch], linewidths=1.5,
                                            edgecolors=self.colours[~branch], zorder=3))
        self.branch_dots = self._moving(ax.scatter(
            xy[branch, 0], xy[branch, 1], s=30, marker="s", c=self.colours[branch],
            linewidths=1.5, edgecolors=self.colours[branch], zorder=3)) if branch.any() else None
        self.crosses = self._moving(ax.scatter([], [], marker="x", c="black", zorder=4,
                                               linewidths=1.6))
        for y, label in ROW_LABELS.items():
            self.fig.text(0.25 * s / w, (names_h + (y + 0.05) / 3.5 * area_h) / h, label,
                          ha="left", va="center", fontsize=s, linespacing=1.05)
        for loc, centre in centres.items():
            name = "whole area" if loc < 0 else f"locality {loc + 1}"
            ax.annotate(name, (centre, -0.05), xycoords="data", xytext=(0, -0.3 * s),
                        textcoords="offset points", ha="center", va="top", fontsize=s,
                        color="#333333", annotation_clip=False)
        self.fig.text(0.25 * s / w, 1 - 0.3 * s / h, title, ha="left",
                      va="top", fontsize=TITLE_SIZE * s, fontweight="bold", parse_math=False)

    def _moving(self, artist):
        return self.blit.add_dynamic(artist)

    def _tightest(self) -> float:
        by_row: dict[float, list[float]] = {}
        for x, y in self.xy:
            by_row.setdefault(round(y, 2), []).append(x)
        gaps = [np.diff(sorted(xs)).min() for xs in by_row.values() if len(xs) > 1]
        return float(min(gaps)) if gaps else 1.0

    def _area(self, load: np.ndarray) -> np.ndarray:
        reference = max(self.claimants / 10, 1)
        smallest = 40.0
        return np.minimum(smallest + (self.biggest - smallest) * np.sqrt(load / reference),
                          self.biggest)

    def show(self, week: int) -> None:
        """Copy a week's referrals, loads and exits onto the artists."""
        net = self.t.network(week)
        row, branch_row = self.node_row, self.branch_row
        data = self.t.record.node_data
        segments, widths = [], []
        relation = self.t.record.relation
        for (a, b), refs in zip(net.edges, net.referrals, strict=True):
            if relation.get((a, b)) == "pays for episodes" and not refs:
                continue  # money, not a route claimants take
            sa, sb = self._spot(a, data[b]["locality"]), self._spot(b, data[a]["locality"])
            if sa is None or sb is None:
                continue
            segments.append((self.pos[sa], self.pos[sb]))
            widths.append(refs)
        segments = np.array(segments).reshape(-1, 2, 2)
        refs = np.array(widths, float)
        used = refs > 0
        self.used.set_segments(segments[used])
        self.used.set_linewidths(edge_width(refs[used], self.claimants))
        self.unused.set_segments(segments[~used])
        load = np.array([net.branch_load[branch_row[spot.node], spot.locality] if spot.branch
                         else net.load[row[spot.node]] for spot in self.spots], float)
        area = self._area(load)
        area[[k == "commissioner" for k in self.kinds]] = min(self.biggest, 300)
        holders = [self.t.record.node_data[spot.node]["role"] == "contract holder"
                   for spot in self.spots]
        area[holders] = np.maximum(area[holders], 0.55 * self.biggest)  # who holds the money
        gone = np.array([net.gone[row[spot.node]] for spot in self.spots])
        insolvent = np.array([net.insolvent[row[spot.node]] for spot in self.spots])
        face = self.colours.copy()
        face[gone] = (1, 1, 1, 1)
        plain = ~self.is_branch
        self.dots.set_sizes(area[plain])
        self.dots.set_facecolors(face[plain])
        if self.branch_dots is not None:
            self.branch_dots.set_sizes(area[self.is_branch])
            self.branch_dots.set_facecolors(face[self.is_branch])
        self.crosses.set_offsets(self.xy[insolvent] if insolvent.any() else np.empty((0, 2)))
        self.crosses.set_sizes(np.full(int(insolvent.sum()), 0.5 * self.biggest))

    def _spot(self, node: int, other_locality: int) -> Spot | None:
        """Where an edge's end is drawn: the organisation, or its branch in the other's locality."""
        if node in self.branch_row:
            loc = other_locality if other_locality >= 0 else 0
            return Spot(node, loc, True)
        data = self.t.record.node_data[node]
        return Spot(node, data["locality"] if data["kind"] != "commissioner" else -1)


class NetworkKey(WeekPicture):
    """The network's key, as a picture of its own (one for both networks of Compare)."""

    def __init__(self, layout: Layout, timelines: list[Timeline], width: float | None = None):
        s = self.size = layout.text
        w = self.width = float(width or layout.width)
        kinds = {t.record.node_data[n]["kind"] for t in timelines for n in t.record.nodes}
        branches = any(t.record.whole_area for t in timelines)
        claimants = max(int(t.p["claimants"]) for t in timelines)
        handles = [Line2D([], [], ls="", marker="o", ms=12, color=KIND_COLOURS[k],
                          label=KIND_LABELS[k]) for k in KIND_COLOURS
                   if k in kinds and not (branches and k == "large provider")]
        if branches:
            handles.append(Line2D([], [], ls="", marker="s", ms=11,
                                  color=KIND_COLOURS["large provider"],
                                  label=BRANCH_LABEL))
        handles += [
            Line2D([], [], ls="", marker="x", ms=10, mew=2.0, color="black",
                   label="Gone bust (hollow, with a cross)"),
            Line2D([], [], ls="", marker="o", ms=7, mfc="white", mec="#555555",
                   label="Bigger dot: more claimants now"),
            *(Line2D([], [], color=USED, alpha=0.45, lw=float(edge_width(n, claimants)),
                     label=f"{n:,} claimants sent along it") for n in (10, 100, 1000)),
            Line2D([], [], color=UNUSED, lw=0.8, ls=(0, (2, 3)), label="Route not used yet"),
        ]
        labels, plan = best_key([h.get_label() for h in handles], w - 0.5 * s, s)
        for handle, label in zip(handles, labels, strict=True):
            handle.set_label(label)
        h = self.height = plan.height + 0.6 * s
        self.fig = Figure(figsize=(w / 72, h / 72), dpi=72 * layout.scale)
        key = self.fig.legend(handles=handles, loc="upper left", ncols=plan.columns,
                              bbox_to_anchor=(0.25 * s / w, 1 - 0.3 * s / h), fontsize=s,
                              frameon=False, borderaxespad=0, borderpad=0,
                              handlelength=KEY_HANDLE, handletextpad=KEY_GAP,
                              columnspacing=KEY_COLUMN_GAP, labelspacing=KEY_ROW - 1.0)
        for text in key.get_texts():
            text.set_parse_math(False)
        self.blit = BlitFigure(self.fig)


PLURALS = {"prime": "primes", "large provider": "large providers",
           "partnership": "local partnerships", "tier 1": "subcontractors working with claimants",
           "tier 2": "specialists", "third sector": "charities"}


def describe(t: Timeline, week: int) -> str:
    """A sentence about the network in a week: organisations of each kind, routes, closures."""
    data = t.record.node_data
    counts = Counter(data[n]["kind"] for n in t.record.nodes if data[n]["kind"] != "commissioner")
    parts = [f"{n} {PLURALS[k]}" for k, n in
             sorted(counts.items(), key=lambda kv: list(KIND_COLOURS).index(kv[0]))]
    net = t.network(week)
    to_specialists = [k for k, (_, b) in enumerate(net.edges) if data[b]["role"] == "specialist"]
    used = int(sum(net.referrals[k] > 0 for k in to_specialists))
    return (f"{sum(counts.values())} organisations: {', '.join(parts)}. "
            f"Routes to specialists used so far: {used} of {len(to_specialists)}. "
            f"Gone bust so far: {int(net.insolvent.sum())}.")


class NetworkFigure:
    """The network of live models (the Mesa view's, a game's) as one picture, week by week.

    Kept for pages that step a model of their own: `png()` draws the current week.
    """

    def __init__(self, models: list[CommissioningModel], titles: list[str],
                 width: float = 11.0, dpi: int = 90, text: float = 16.0):
        self.timelines = [LiveTimeline(m) for m in models]
        self.layout = Layout(width=int(width * dpi), scale=1.0, text=text)
        per = self.layout.width if len(models) == 1 else self.layout.panel_width(2)
        self.pictures = [NetworkPicture(self.layout, t, title, per)
                         for t, title in zip(self.timelines, titles, strict=True)]
        self.key = NetworkKey(self.layout, self.timelines)

    def png(self) -> bytes:
        for t in self.timelines:
            t.sync()
        return stitch([[p.png(p.t.done) for p in self.pictures], [self.key.png()]])

    def full_png(self) -> bytes:
        return self.png()
