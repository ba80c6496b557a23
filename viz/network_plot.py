"""The referral network drawn for the app: who holds contracts, who refers claimants to whom.

The picture is laid out in rows by role, not by a force layout: the
commissioner at the top, then contract holders (primes or partnerships), case
holders, and specialists at the bottom, with each locality in its own column
and organisations serving the whole area in a column of their own. A vertical
prime/subcontractor chain and a horizontal local network then look like what
they are, and the same organisation sits in the same place in every week and
in both regimes. The layout depends only on the organisations, so it is
computed once per model and every redraw only changes sizes, widths and
colours of artists that already exist (a Figure reused, never pyplot: see
STACK.md "Speed of a redraw").

Colour is the kind of organisation (Okabe-Ito palette, safe for colour-blind
viewers); area is the number of claimants it is working with now (caseload,
or claimants in a specialist episode); an insolvent organisation is drawn
hollow with a cross; a line's width is the number of claimants referred along
it so far, and routes that carried nobody yet are thin dotted lines (a
starved tier-2 supply chain shows as a fan of dotted lines).
"""

from __future__ import annotations

import math
from collections import Counter

import networkx as nx
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from commissioning.model import CommissioningModel

from .blit import BlitFigure
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
    "commissioner": "Commissioner (DWP)",
    "prime": "Prime contractor",
    "large provider": "Large provider (lead partner)",
    "partnership": "Local partnership",
    "tier 1": "Subcontractor, tier 1 (holds cases)",
    "tier 2": "Subcontractor, tier 2 (specialist)",
    "third sector": "Third sector (charity)",
}
ROWS = {"commissioner": 3, "contract holder": 2, "case holder": 1, "specialist": 0}
ROW_LABELS = {3: "Commissioner", 2: "Contract\nholders", 1: "Case\nholders", 0: "Specialists"}
KEY_COLUMNS = 3
UNUSED = "#9a9a9a"
USED = "#3b3b3b"


def edge_width(referrals: np.ndarray | float, claimants: int) -> np.ndarray:
    """Line width (points) for a number of referrals: area-like, on a scale fixed per model."""
    return 0.5 + 9.0 * np.sqrt(np.asarray(referrals, float) / max(claimants, 1))


def node_area(load: np.ndarray | float, claimants: int) -> np.ndarray:
    """Marker area (points²) for the claimants an organisation works with now."""
    reference = max(claimants / 10, 1)
    return np.minimum(40 + 900 * np.asarray(load, float) / reference, 2500)


def role_layout(graph: nx.DiGraph) -> dict[int, tuple[float, float]]:
    """Positions by row (role) and column (whole area first, then each locality).

    Organisations serving the whole area share a column of their own, except
    in a row with no local organisations at all (primes under two-tier), where
    they spread over the full width, as a contract for the whole area does.
    """
    rows: dict[tuple[int, int], list[int]] = {}
    for node, data in graph.nodes(data=True):
        if data["kind"] != "commissioner":
            rows.setdefault((ROWS[data["role"]], data["locality"]), []).append(node)
    local_rows = {row for row, loc in rows if loc >= 0}
    spread = {key: nodes for key, nodes in rows.items() if key[1] < 0 and key[0] not in local_rows}
    columns = {key: nodes for key, nodes in rows.items() if key not in spread}
    blocks = sorted({loc for _, loc in columns})
    gap = {b: 2.0 if b < 0 else 1.0 for b in blocks}  # the big area-wide providers get room
    width = {b: gap[b] * max(len(v) for (_, loc), v in columns.items() if loc == b)
             for b in blocks}
    start, x = {}, 0.0
    for b in blocks:
        start[b] = x
        x += width[b] + 1.0  # a gap between columns
    total = x - 1.0
    pos: dict[int, tuple[float, float]] = {}
    for (row, loc), nodes in columns.items():
        nodes.sort(key=lambda n: (graph.nodes[n]["kind"], n))
        offset = (width[loc] - gap[loc] * len(nodes)) / 2
        for i, node in enumerate(nodes):
            pos[node] = (start[loc] + offset + gap[loc] * (i + 0.5), float(row))
    for (row, _), nodes in spread.items():
        for i, node in enumerate(sorted(nodes)):
            pos[node] = (total * (i + 0.5) / len(nodes), float(row))
    for node, data in graph.nodes(data=True):
        if data["kind"] == "commissioner":
            pos[node] = (total / 2, 3.0)
    return pos


def column_centres(graph: nx.DiGraph, pos: dict[int, tuple[float, float]]) -> dict[int, float]:
    """The middle of each locality's column (and of the whole-area column, if any)."""
    xs: dict[int, list[float]] = {}
    for node, data in graph.nodes(data=True):
        if data["kind"] != "commissioner" and (data["locality"] >= 0 or data["role"] ==
                                                "case holder"):
            xs.setdefault(data["locality"], []).append(pos[node][0])
    return {loc: (min(v) + max(v)) / 2 for loc, v in xs.items()}


class NetworkDrawing:
    """One model's referral network on one Axes; `update` restyles it for the current week."""

    def __init__(self, ax: Axes, model: CommissioningModel, title: str, blit: BlitFigure,
                 label_space: float, dot_scale: float = 1.0):
        self.ax, self.model, self.dot_scale = ax, model, dot_scale
        self.claimants = int(model.p["claimants"])
        graph = model.referral_network()
        self.nodes = list(graph.nodes)
        self.edges = list(graph.edges)
        self.pos = role_layout(graph)
        xy = np.array([self.pos[n] for n in self.nodes])
        self.xy = xy
        self.kinds = [graph.nodes[n]["kind"] for n in self.nodes]
        self.colours = np.array([to_rgba(KIND_COLOURS[k]) for k in self.kinds])
        self.unused = blit.add_dynamic(LineCollection(
            [], colors=UNUSED, linewidths=0.7, linestyles=(0, (2, 3)), zorder=1))
        self.used = blit.add_dynamic(LineCollection([], colors=USED, alpha=0.5, zorder=2))
        ax.add_collection(self.unused)
        ax.add_collection(self.used)
        self.dots = blit.add_dynamic(ax.scatter(xy[:, 0], xy[:, 1], s=40, c=self.colours,
                                                edgecolors=self.colours, linewidths=1.5,
                                                zorder=3))
        self.crosses = blit.add_dynamic(ax.scatter([], [], marker="x", s=110, c="black",
                                                   linewidths=2.2, zorder=4))
        left, right = xy[:, 0].min() - 0.8, xy[:, 0].max() + 0.8
        ax.set_xlim(left - label_space / (1 - label_space) * (right - left), right)
        ax.set_ylim(-0.95, 3.45)
        for row, label in ROW_LABELS.items():
            ax.text(0.0, row, label, ha="left", va="center", fontsize=12.5,
                    transform=ax.get_yaxis_transform())
        for loc, centre in column_centres(graph, self.pos).items():
            name = "whole\narea" if loc < 0 else f"locality {loc + 1}"
            ax.text(centre, -0.5, name, ha="center", va="top", fontsize=12.5, color="#333333")
        ax.set_axis_off()
        ax.set_title(plain_title(title), fontsize=15, loc="left", fontweight="bold",
                     parse_math=False)  # a scenario's name: never mathematics
        self.update()

    def update(self) -> None:
        """Copy this week's referrals, loads and exits onto the artists."""
        graph = self.model.referral_network()
        if len(graph.edges) != len(self.edges):  # an exit handed claimants to someone new
            self.edges = list(graph.edges)
        refs = np.array([graph.edges[e]["referrals"] for e in self.edges], float)
        segments = np.array([(self.pos[a], self.pos[b]) for a, b in self.edges])
        used = refs > 0
        self.used.set_segments(segments[used])
        self.used.set_linewidths(edge_width(refs[used], self.claimants))
        self.unused.set_segments(segments[~used])
        nodes = graph.nodes
        load = np.array([max(nodes[n].get("caseload", 0), nodes[n].get("in_episode", 0))
                         for n in self.nodes], float)
        area = np.maximum(node_area(load, self.claimants) * self.dot_scale, 30)
        area[[k == "commissioner" for k in self.kinds]] = 260 * self.dot_scale
        self.dots.set_sizes(area)
        gone = np.array([nodes[n].get("insolvent_week") is not None for n in self.nodes])
        face = self.colours.copy()
        face[gone] = (1, 1, 1, 1)
        self.dots.set_facecolors(face)
        self.crosses.set_offsets(self.xy[gone] if gone.any() else np.empty((0, 2)))


def _legend(fig: Figure, kinds: set[str], claimants: int, ncol: int) -> None:
    handles = [Line2D([], [], ls="", marker="o", ms=11, color=KIND_COLOURS[k], label=KIND_LABELS[k])
               for k in KIND_COLOURS if k in kinds]
    handles.append(Line2D([], [], ls="", marker="x", ms=10, mew=2.2, color="black",
                          label="Insolvent (exited)"))
    handles.append(Line2D([], [], ls="", marker="o", ms=7, mfc="white", mec="#555555",
                          label="Dot area: claimants worked with now"))
    for n in (10, 100, 1000):
        handles.append(Line2D([], [], color=USED, alpha=0.5, lw=float(edge_width(n, claimants)),
                              label=f"{n:,} claimants referred"))
    handles.append(Line2D([], [], color=UNUSED, lw=0.7, ls=(0, (2, 3)),
                          label="Route not used yet"))
    fig.legend(handles=handles, loc="lower center", ncol=ncol, fontsize=12, frameon=False,
               handlelength=2.4, columnspacing=1.2)


class NetworkFigure:
    """The network of one model (Explore) or two side by side (Compare), as a PNG each week.

    Built once per set of models (the layout never changes); `png` restyles the
    dynamic artists for the current week and pastes them over the cached
    background (`BlitFigure`).
    """

    def __init__(self, models: list[CommissioningModel], titles: list[str],
                 width: float = 11.0, dpi: int = 90):
        pair = len(models) > 1
        kinds = {d["kind"] for m in models for _, d in m.referral_network().nodes(data=True)}
        key_rows = math.ceil((len(kinds) + 6) / KEY_COLUMNS)  # kinds, then 6 more entries
        key = 0.35 + 0.26 * key_rows  # inches kept for the key below the networks
        height = (4.2 if pair else 3.9) + key
        self.fig = Figure(figsize=(width, height), dpi=dpi)
        self.blit = BlitFigure(self.fig)
        axes = self.fig.subplots(1, len(models), squeeze=False)[0]
        self.fig.subplots_adjust(left=0.005, right=0.995, top=1 - 0.42 / height,
                                 bottom=key / height, wspace=0.03)
        self.drawings = [NetworkDrawing(ax, m, t, self.blit, 0.2 if pair else 0.11,
                                        0.45 if pair else 1.0)
                         for ax, m, t in zip(axes, models, titles, strict=True)]
        _legend(self.fig, kinds, max(int(m.p["claimants"]) for m in models), KEY_COLUMNS)

    def png(self) -> bytes:
        """This week's picture."""
        for d in self.drawings:
            d.update()
        return self.blit.png()

    def full_png(self) -> bytes:
        """This week's picture, drawn in full at print quality (for a download)."""
        for d in self.drawings:
            d.update()
        return self.blit.full_png(dpi=150)


PLURALS = {"prime": "primes", "large provider": "large providers",
           "partnership": "local partnerships", "tier 1": "tier-1 subcontractors",
           "tier 2": "tier-2 specialists", "third sector": "charities (third sector)"}


def describe(model: CommissioningModel) -> str:
    """A sentence about the network: organisations of each kind, routes to specialists used."""
    graph = model.referral_network()
    counts = Counter(d["kind"] for _, d in graph.nodes(data=True) if d["kind"] != "commissioner")
    parts = [f"{n} {PLURALS[k]}" for k, n in
             sorted(counts.items(), key=lambda kv: list(KIND_COLOURS).index(kv[0]))]
    to_specialists = [(a, b) for a, b, d in graph.edges(data=True)
                      if graph.nodes[b]["role"] == "specialist"]
    used = sum(graph.edges[e]["referrals"] > 0 for e in to_specialists)
    insolvent = sum(d.get("insolvent_week") is not None for _, d in graph.nodes(data=True))
    return (f"{sum(counts.values())} organisations: {', '.join(parts)}. "
            f"Routes to specialists used so far: {used} of {len(to_specialists)}. "
            f"Insolvent so far: {insolvent}.")
