"""Race and memory span: cells side by side on the same task, data and seed; how far back each remembers."""

from dataclasses import replace

import streamlit as st

from explorer import compare, ui
from explorer.cells import CELLS
from explorer.figures.compare import RaceLoss, race_flow_figure, sweep_figure
from explorer.lessons import RACE_LESSONS as TEXT
from explorer.pagestate import RacePage, SweepPage
from explorer.presets import PRESETS
from explorer.tasks import TASKS
from explorer.train import ConfigError

P = "race"
RACE_KEY, SWEEP_KEY, CURSOR_KEY = f"{P}_handle", f"{P}_sweep_handle", f"{P}_cursor"
SWEEP = f"{P}_sweep"  # the sweep's widgets: race_sweep_<field>; its link keys: sweep_<field>
SWEEP_BASE = replace(PRESETS["race-quick"].config(), steps=500)
TITLES = {name: spec.title for name, spec in CELLS.items()}
ss = st.session_state

ui.through_app()
st.title("Race and memory span")


def configs_or_problems(make, *args) -> tuple[list, list[str]]:
    try:
        return make(*args, limits=ui.limits()), []
    except ConfigError as exc:
        return [], exc.problems


def stop(key: str) -> None:
    if (handle := ss.get(key)) is not None:
        handle.stop()


def apply_preset() -> None:
    """The preset's settings (and cells, if it names some) into the widgets (the picker's callback)."""
    preset = PRESETS[ss[f"{P}_preset"]]
    ui.widgets.put(P, preset.config())
    if preset.cells:
        ss[f"{P}_cells"] = list(preset.cells)


def sync_url() -> None:
    """The address bar: both tabs' settings and the cursor (called again by the race panel, whose
    cursor reruns only it)."""
    base = PRESETS[ss[f"{P}_preset"]].config()
    ui.url.sync((ui.widgets.current(P, RacePage()), RacePage()), (ui.widgets.current(P, base), base),
                (ui.widgets.current(SWEEP, SWEEP_BASE), SWEEP_BASE, "sweep_"),
                (ui.widgets.current(SWEEP, SweepPage()), SweepPage(), "sweep_"))


def start_race(configs) -> None:
    ui.hold(RACE_KEY, ui.submit("race", tuple(configs)))  # one job: its cells step in lockstep


def start_sweep(configs) -> None:
    layer = ui.jobs()
    ui.hold(SWEEP_KEY, compare.Sweep(configs, lambda cfg: layer.submit("train", cfg)).start())


notices, linked_run = [], False
if ui.url.first_visit(P):  # the link: preset and cells, then the race's and the sweep's settings
    page, notices = ui.url.load(P, RacePage())
    if PRESETS[page.preset].cells and "cells" not in st.query_params:  # a preset's link: its own cells
        ss[f"{P}_cells"] = list(PRESETS[page.preset].cells)
    for prefix, base, link in ((P, PRESETS[page.preset].config(), ""), (SWEEP, SWEEP_BASE, "sweep_")):
        notices += ui.url.load(prefix, base, link)[1]
    notices += ui.url.load(SWEEP, SweepPage(), "sweep_")[1]
    linked_run = ui.url.wants_run(notices)
ui.url.notify(notices)
race_tab, sweep_tab = st.tabs(["Race", "Memory span sweep"])
with race_tab:
    intro = st.empty()  # says the picked preset's task, known once its widgets are drawn
    a, b, c, d = st.columns([3, 4, 2, 1])
    page = ui.widgets.form(P, RacePage(), ["preset", "cells"], into=[a, b],
                           on_change={"preset": apply_preset})
    preset = PRESETS[page.preset]
    racing_task, raced_len = TASKS[preset.config().task], preset.config().seq_len
    intro.markdown(TEXT["race"].format(task=racing_task.title, seq_len=raced_len,
                                       baseline=racing_task.baseline(raced_len).label))
    settings = ui.widgets.form(P, preset.config(), ["steps", "seed"], into=[c, d])
    st.caption(preset.lesson)
    race_configs, problems = configs_or_problems(compare.race_configs, settings, list(page.cells))
    start, halt, _ = st.columns([1, 1, 4])
    if start.button("Start race", key=f"{P}_start", type="primary", disabled=bool(problems)):
        ss.pop(CURSOR_KEY, None)  # the new race records other steps
        start_race(race_configs)  # here, not in a callback: the configs hold this very click's settings
    elif linked_run and not problems:
        start_race(race_configs)
    if halt.button("Stop", key=f"{P}_stop"):
        stop(RACE_KEY)
    for problem in problems:
        st.warning(problem)
    race = st.session_state.get(RACE_KEY)
    racing = race is not None and race.snapshot().active

    @ui.live_fragment(racing)
    def race_panel() -> None:
        if race is None:
            st.info("Choose the cells and press **Start race**.")
            return
        snap = race.snapshot()
        if snap.queue_position:
            st.info(f"{snap.queue_position} in the queue — the server trains {ui.jobs().capacity()} runs "
                    "at a time; this race starts when a worker is free.")
        if snap.error:
            st.error(snap.error)
        for cell, run in snap.runs.items():
            done = min(run.step / run.config.steps, 1.0)
            st.progress(done, text=f"{TITLES[cell]}: {run.status.text} — step {run.step} of "
                                   f"{run.config.steps}")
        steps = sorted({t.step for run in snap.runs.values() for t in run.traces})
        if not snap.active and len(steps) > 1:
            if ss.get(CURSOR_KEY) not in steps:  # left from another race, or 0: the last
                ss[CURSOR_KEY] = steps[-1]
            cursor = ui.widgets.form(P, RacePage(), ["cursor"], into=st.container(),
                                     context={"steps": steps}).cursor
            sync_url()
        else:
            cursor = snap.step
        first = next(iter(snap.runs.values())).config
        baseline = TASKS[first.task].baseline(first.seq_len)
        # the curves take only the steps they have not seen; the cursor line once the race is over
        loss = RaceLoss(TITLES, baseline=baseline.loss, baseline_label=baseline.label,
                        cursor=None if snap.active else cursor)
        ui.live_curve(f"{P}_loss_chart", loss, race, lambda s: (
            {c: (r.history.columns["step"], r.history.columns["loss"]) for c, r in s.runs.items()},))
        shown = {cell: compare.nearest_trace(run.traces, cursor) for cell, run in snap.runs.items()}
        shown = {cell: t for cell, t in shown.items() if t is not None}
        if shown:
            ui.live_chart(f"{P}_flow_chart", lambda: race_flow_figure(
                {c: t.grad_norm[0, 0] for c, t in shown.items()}, TITLES,
                {c: t.cell_grad_norm[0, 0] for c, t in shown.items() if t.cell_grad_norm is not None},
                {c: t.step for c, t in shown.items()}),
                version=(first, *((c, t.step) for c, t in shown.items())))  # a new recording, a new figure
            st.markdown(TEXT["flow"])
        if not snap.active:
            with st.expander("Run one cell's race as a PyTorch script", icon=":material/code:"):
                for cell, run in snap.runs.items():
                    ui.script_download(run.config, f"{P}_dl_script_{cell}")
        if racing and not snap.active:
            st.rerun()  # the race ended: redraw once, with the cursor

    race_panel()

with sweep_tab:
    st.markdown(TEXT["sweep"])
    a, b = st.columns(2)
    chosen = ui.widgets.form(SWEEP, SweepPage(), ["cells", "lens"], into=[a, b])
    a, b, c = st.columns(3)
    base = ui.widgets.form(SWEEP, SWEEP_BASE, ["steps", "lr", "seed"], into=[a, b, c])
    sweep_configs, sweep_problems = configs_or_problems(compare.sweep_configs, base, list(chosen.cells),
                                                        list(chosen.lens))
    start, halt, _ = st.columns([1, 1, 4])
    if start.button("Run sweep", key=f"{P}_sweep_start", type="primary", disabled=bool(sweep_problems)):
        start_sweep(sweep_configs)
    if halt.button("Stop", key=f"{P}_sweep_stop"):
        stop(SWEEP_KEY)
    for problem in sweep_problems:
        st.warning(problem)
    sweep = st.session_state.get(SWEEP_KEY)
    sweeping = sweep is not None and sweep.snapshot().active

    @ui.live_fragment(sweeping)
    def sweep_panel() -> None:
        if sweep is None:
            st.info("Choose cells and lengths and press **Run sweep**. Points already computed are reused.")
            return
        snap = sweep.snapshot()
        now = snap.current and f" · training {TITLES[snap.current.cell]} at T={snap.current.seq_len}"
        queued = f" · {snap.queue_position} in the queue" if snap.queue_position else ""
        st.progress(snap.progress, text=f"**{snap.status.capitalize()}** — {len(snap.results)} of "
                                        f"{len(snap.configs)} points{now or ''}{queued}")
        if snap.error:
            st.error(snap.error)
        task = TASKS[snap.configs[0].task]
        lens = sorted({c.seq_len for c in snap.configs})
        results = {cell: {c.seq_len: p.metric for c, p in snap.results.items() if c.cell == cell}
                   for cell in dict.fromkeys(c.cell for c in snap.configs)}
        ui.live_chart(f"{P}_sweep_chart", lambda: sweep_figure(
            lens, results, TITLES, {t: task.baseline(t).metric for t in lens}, metric=task.metric_name,
            baseline_label=task.baseline(lens[0]).label), version=(tuple(snap.configs), len(snap.results)))
        if sweeping and not snap.active:
            st.rerun()

    sweep_panel()
sync_url()
