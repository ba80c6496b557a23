"""What the Explore and Compare pages show of their runs: numbers, pictures, a story, downloads.

The numbers are read from the runs' timelines at the tab's own week
(`measures.py`), so they answer the worksheet in its own words: a tile for
each quantity the lesson asks for, on one stated basis, rounded so the
changes it talks about show.

The pictures are drawn in the background (`solara.lab.use_task`): the page
keeps showing the last pictures, with a thin bar while the next are drawn,
so a click always gets an answer at once, and Play waits for the pictures of
each week before the next (`PageState.shown_week`).

Every component here takes the page's `tick` as an argument even where it
does not use it: Solara does not re-render a child whose arguments are
unchanged, so without it a number or a download's file name would stay at the
week it was first drawn.
"""

from __future__ import annotations

import html

import solara
import solara.lab

from commissioning.agents.claimant import STATUS_NAMES, SUPPORT_NAMES

from .downloads import pictures_png, readable_table
from .layout import DEFAULT, Layout
from .measures import (
    MEASURE,
    MEASURES,
    count,
    extra_cost_per_extra_job,
    extra_jobs,
    first_week,
    money,
    providers_held_contracts,
    routes_text,
    share,
    shown,
    with_programme,
)
from .pictures import Shown, frame
from .runs import Runs
from .settings import KNOBS
from .state import LAYOUT, PageState
from .timeline import STORY_FIELDS, Timeline
from .ui import Picture, Stat, download_bytes
from .weekly_charts import GROUPS


@solara.component
def Summary(runs: Runs, tick: int) -> None:
    """The Explore run at this week: a tile for every number the worksheet asks for."""
    t, w = runs.timelines[0], runs.week
    at = t.at
    when = runs.date()
    date = f" ({when:%B %Y})" if when is not None else ""
    help_ = {m.key: m.help for m in MEASURES}
    with solara.Div(classes=["stats"]):
        Stat("week", f"{w}", f"of {runs.weeks}{date}; {at('referrals', w):,.0f} of "
             f"{t.p['claimants']:,} claimants referred",
             "Weeks run so far. One step is one week.")
        first, paid = first_week(t, "job_outcomes", w), first_week(t, "paid_outcome", w)
        Stat("job outcomes", count(at("job_outcomes", w)),
             f"{share(at('job_outcome_rate', w))} of referrals; "
             + ("none yet" if first != first else f"the first in week {first:.0f}, "
                + ("not paid yet" if paid != paid else f"first paid in week {paid:.0f}")),
             help_["job_outcome_rate"])
        Stat("job outcomes, 0-1 barriers", share(at("job_outcome_rate_low_barrier", w)),
             "of referrals with few barriers", help_["low"])
        Stat("job outcomes, 3+ barriers", share(at("job_outcome_rate_high_barrier", w)),
             "of referrals with many barriers", help_["high"])
        Stat("weeks looking for work spent parked", share(at("parked_share", w)),
             f"so far; this week {share(at('parked_this_week', w))}", help_["parked"])
        Stat("the same people, no programme", share(at("no_programme_outcome_rate", w)),
             "reached a lasting job anyway (per referral)", help_["without"])
        Stat("added by the programme", MEASURE["added"].text(t, w),
             f"with it {share(with_programme(t, w))} of everyone referred: "
             f"{count(extra_jobs(t, w))} extra lasting jobs", help_["added"])
        Stat("paid by the commissioner", money(at("total_spend", w)),
             f"attachment fees {money(at('paid_attachment', w))}; service fees "
             f"{money(at('paid_service_fee', w))}; outcome payments "
             f"{money(at('paid_outcome', w))}", help_["spend"])
        Stat("paid to specialists", shown("specialists", t, w),
             f"routes to specialists used: {routes_text(t, w)}", help_["specialists"])
        bust = first_week(t, "providers_insolvent", w)
        Stat("providers gone bust", count(at("providers_insolvent", w)),
             f"of {providers_held_contracts(t)} with a contract"
             + ("" if bust != bust else f"; the first in week {bust:.0f}; charities: "
                f"{count(at('insolvent_third_sector', w))}"), help_["busts"])
        Stat("cost per job outcome", money(at("cost_per_job_outcome", w)),
             f"per extra lasting job: {shown('cost_per_extra', t, w)}", help_["cost_per_job"])


def _changed_settings(before: Runs, now: Runs) -> str:
    """What differs between two runs' settings, in words ("job outcome fee £2,400, was £1,200")."""
    a, b = before.settings[0], now.settings[0]
    parts = []
    if a.scenario_label != b.scenario_label:
        parts.append(f"scenario {now.titles[0]}, was {before.titles[0]}")
    for knob in KNOBS:
        va, vb = getattr(a, knob.name), getattr(b, knob.name)
        if va != vb:
            parts.append(f"{knob.phrase(vb)}, was {knob.format(va)}")
    return "; ".join(parts) or "the same settings"


#: What the comparison with the previous run shows, by measure.
AGAINST_BEFORE = ("job_outcome_rate", "low", "high", "parked", "with", "without", "added",
                  "extra_jobs", "spend", "busts", "cost_per_job")


@solara.component
def AgainstBefore(runs: Runs, before: Runs | None, tick: int) -> None:
    """This run against the one before, at the same week: what the change of settings did."""
    if before is None or not before.timelines or not runs.timelines:
        return
    w = runs.week
    a, b = before.timelines[0], runs.timelines[0]
    a.reach(w)
    w = min(w, a.done)
    rows = [("", "the run before", "this run", "change")]
    for key in AGAINST_BEFORE:
        m = MEASURE[key]
        va, vb = m.value(a, w), m.value(b, w)
        rows.append((m.name, m.shown(va), m.shown(vb), m.change(va, vb), m.help))
    per = extra_cost_per_extra_job(a, b, w)
    jobs = extra_jobs(b, w) - extra_jobs(a, w)
    spend = b.at("total_spend", w) - a.at("total_spend", w)
    if per == per:
        verdict = (f"Each extra lasting job this run added over the run before cost about "
                   f"{money(per)}: {money(spend)} more paid for {jobs:,.0f} more lasting jobs "
                   f"(against {money(b.at('cost_per_job_outcome', w))} per job outcome on "
                   "average).")
    else:
        verdict = (f"This run added {jobs:+,.0f} lasting jobs against the run before, for "
                   f"{'+' if spend >= 0 else '−'}{money(abs(spend))} paid: no extra job to "
                   "put a price on.")
    with solara.Details(f"Against the run before, at week {w}: {_changed_settings(before, runs)}",
                        expand=True):
        solara.HTML(tag="div", unsafe_innerHTML=table_html(rows), classes=["against"])
        solara.Text(verdict, classes=["verdict"])


def table_html(rows: list[tuple]) -> str:
    """A table: the first row is the header; a row's fifth cell (if any) is its hover text."""
    head, *body = rows
    cells = "".join(f"<th>{html.escape(str(c))}</th>" for c in head)
    out = [f"<table><thead><tr>{cells}</tr></thead><tbody>"]
    for row in body:
        name, *values = row[:4]
        hover = f' title="{html.escape(row[4])}"' if len(row) > 4 else ""
        out.append(f"<tr><th scope='row'{hover}>{html.escape(str(name))}</th>"
                   + "".join(f"<td>{html.escape(str(v))}</td>" for v in values) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


PLAIN_STATUS = {"not yet referred": "not referred yet", "not attached": "referred, did not start",
                "searching": "looking for work", "in work": "in work",
                "in work after programme": "in work, programme over",
                "left the programme": "left the programme"}


def follow_sentence(t: Timeline, i: int, week: int) -> str:
    """One claimant's story up to a week, in a sentence or two."""
    c = t.claimant(i)
    row = dict(zip(STORY_FIELDS, t.story(i, week), strict=True))
    group = GROUPS[c.payment_group][0]
    barriers = ", ".join(c.barriers) or "none"
    text = (f"Claimant {i}: {group.lower()}, {len(c.barriers)} barrier(s) to work "
            f"({barriers}), locality {c.locality + 1}")
    status = STATUS_NAMES[row["status"]]
    if status == "not yet referred":
        when = ("this week, at the next step" if c.referral_week <= week
                else f"in week {c.referral_week}")
        return f"{text}. To be referred {when}."
    text += f", referred in week {c.referral_week}. Now {PLAIN_STATUS[status]}"
    if status == "searching":
        text += f", getting {SUPPORT_NAMES[row['support']]} support"
    if row["case_holder"] >= 0 and status in ("searching", "in work"):
        text += f"; case held by {t.record.node_data[row['case_holder']]['name']}"
    text += f". Parked {row['weeks_parked']} of {row['weeks_searching']} weeks looking for work"
    treated = [b for k, b in enumerate(_barrier_names()) if row["mitigated"] >> k & 1]
    if treated:
        text += f"; a specialist helped with {', '.join(treated)}"
    outcome = row["job_outcome_week"]
    over = status in ("left the programme", "in work after programme")
    text += (f". Job outcome in week {outcome}." if 0 <= outcome <= week
             else ". No job outcome." if over else ". No job outcome yet.")
    return text


def _barrier_names() -> tuple[str, ...]:
    from commissioning.model.parameters import BARRIERS

    return tuple(BARRIERS)


@solara.component
def FollowClaimant(runs: Runs, tick: int, number: solara.Reactive[int]) -> None:
    """One claimant to follow week by week (a class can pick a person and watch them)."""
    t = runs.timelines[0]
    n = int(t.p["claimants"])
    with solara.Div(classes=["follow"]):
        with solara.Row(gap="12px", style={"align-items": "center"}):
            solara.HTML(tag="span", unsafe_innerHTML="Follow claimant number",
                        classes=["control-label"],
                        attributes={"title": "Type a claimant's number to read their story "
                                             "week by week."})
            solara.InputInt("", value=number, dense=True, classes=["follow-number"],
                            style={"max-width": "7rem", "min-width": "7rem"})
        i = number.value
        if 0 <= i < n:
            solara.Text(follow_sentence(t, i, runs.week), classes=["follow-text"])
        else:
            solara.Text(f"Claimants are numbered 0 to {n - 1:,}.", classes=["follow-text"])


@solara.component
def Pictures(runs: Runs, state: PageState, tick: int) -> None:
    """The network(s), their key and the charts at this week, drawn in the background."""
    layout: Layout = LAYOUT.value or DEFAULT

    def draw() -> tuple[int, list[Shown]]:
        week = runs.week
        try:
            return week, frame(runs, week, layout)
        finally:
            if state.runs.peek() is runs:
                state.shown_week.set(week)

    task = solara.lab.use_task(draw, dependencies=[id(runs), tick, layout],
                               prefer_threaded=True, raise_error=False)
    result = task.value if task.finished else task.latest
    if task.pending:
        solara.ProgressLinear(True, classes=["drawing"])
        if result is None:
            solara.Text("Drawing the pictures…", classes=["help"])
    if task.error:
        solara.Error(f"Could not draw the pictures: {task.exception}")
    if not result:
        return
    _, pictures = result
    networks = [p for p in pictures if p.name.startswith("network:")]
    others = [p for p in pictures if not p.name.startswith("network:") and p.name != "key"]
    key = [p for p in pictures if p.name == "key"]
    columns = layout.network_columns if len(networks) > 1 else 1
    with solara.Div(classes=["pictures"],
                    style={"grid-template-columns": f"repeat({columns}, minmax(0, 1fr))"}):
        for p in networks:
            with solara.Div(classes=["picture-cell"]):
                Picture(p.png, p.alt, p.failure, p.text, p.width)
                solara.Text(p.caption, classes=["picture-caption"])
    for p in key:
        Picture(p.png, p.alt, p.failure, p.text, p.width)
    with solara.Div(classes=["pictures"],
                    style={"grid-template-columns": f"repeat({layout.columns}, minmax(0, 1fr))"}):
        for p in others:
            with solara.Div(classes=["picture-cell"]):
                Picture(p.png, p.alt, p.failure, p.text, p.width)


@solara.component
def Downloads(runs: Runs, tick: int, stem: str) -> None:
    """The weekly numbers as CSV (in words, or every column) and the pictures as one PNG.

    `tick` is only there to re-render the buttons (their file names) each week.
    """
    name = f"{stem}_seed{runs.settings[0].seed}_week{runs.week}" if runs.settings else stem

    with solara.Row(classes=["downloads"], gap="12px", style={"flex-wrap": "wrap"}):
        solara.FileDownload(download_bytes(lambda: readable_table(runs).to_csv(index=False),
                                           "the weekly numbers"),
                            filename=f"{name}.csv", label="Weekly numbers (CSV)",
                            mime_type="text/csv")
        solara.FileDownload(download_bytes(lambda: runs.weekly_table().to_csv(index=False),
                                           "every weekly column"),
                            filename=f"{name}_all_columns.csv",
                            label="Every weekly column (CSV, for programmers)",
                            mime_type="text/csv")
        solara.FileDownload(download_bytes(lambda: pictures_png(runs), "the pictures"),
                            filename=f"{name}_pictures.png", label="Pictures (PNG)",
                            mime_type="image/png")
