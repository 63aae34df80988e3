"""Race and memory span: cells side by side on the same task, data and seed; how far back each remembers."""

from dataclasses import replace

import streamlit as st

from explorer import compare, ui
from explorer.cells import CELLS
from explorer.figures.compare import RaceLoss, race_flow_figure, sweep_figure
from explorer.lessons import RACE_LESSONS as TEXT
from explorer.presets import PRESETS
from explorer.tasks import TASKS
from explorer.train import ConfigError

P = "race"
RACE_KEY, SWEEP_KEY, CURSOR_KEY = f"{P}_handle", f"{P}_sweep_handle", f"{P}_cursor"
RACE_PRESETS = ("race-quick", "classic-adding", "race-ablations", "race-jordan-sine", "race-jordan-adding")
SWEEP_LENGTHS = (5, 10, 25, 50, 100, 200)
TITLES = {name: spec.title for name, spec in CELLS.items()}
CELL_NAMES = list(CELLS)
STEPS = (50, 100, 200, 300, 500, 1000, 2000, 3000)
RATES = (1e-3, 3e-3, 1e-2, 3e-2)

ui.through_app()
st.title("Race and memory span")


def configs_or_problems(make, *args) -> tuple[list, list[str]]:
    try:
        return make(*args, limits=ui.limits()), []
    except ConfigError as exc:
        return [], exc.problems


def stop(key: str) -> None:
    if (handle := st.session_state.get(key)) is not None:
        handle.stop()


def preset_steps() -> None:
    """The preset's step budget (and cells, if it names some) into the widgets (the picker's callback)."""
    preset = PRESETS[st.session_state[f"{P}_preset"]]
    st.session_state[f"{P}_steps"] = preset.config().steps
    if preset.cells:
        st.session_state[f"{P}_cells"] = list(preset.cells)


def start_race(configs) -> None:
    st.session_state.pop(CURSOR_KEY, None)  # the new race records other steps
    ui.hold(RACE_KEY, ui.submit("race", tuple(configs)))  # one job: its cells step in lockstep


def start_sweep(configs) -> None:
    layer = ui.jobs()
    ui.hold(SWEEP_KEY, compare.Sweep(configs, lambda cfg: layer.submit("train", cfg)).start())


race_tab, sweep_tab = st.tabs(["Race", "Memory span sweep"])
with race_tab:
    st.markdown(TEXT["race"])
    if f"{P}_steps" not in st.session_state:
        st.session_state[f"{P}_preset"] = RACE_PRESETS[0]
        preset_steps()
    a, b, c, d = st.columns([3, 4, 2, 1])
    preset = PRESETS[a.selectbox("Settings", RACE_PRESETS, format_func=lambda n: PRESETS[n].title,
                                 key=f"{P}_preset", on_change=preset_steps, persist_state="session")]
    cells = b.multiselect("Cells (2 to 4)", CELL_NAMES, default=["rnn_tanh", "lstm", "gru"],
                          format_func=TITLES.get, max_selections=4, key=f"{P}_cells", persist_state="session")
    steps = c.select_slider("Training steps", STEPS, key=f"{P}_steps", persist_state="session")
    seed = d.number_input("Seed", 0, 9999, key=f"{P}_seed", persist_state="session")  # starts at its min, 0
    st.caption(preset.lesson)
    race_base = replace(preset.config(), steps=int(steps), seed=int(seed))
    race_configs, problems = configs_or_problems(compare.race_configs, race_base, cells)
    go, halt, _ = st.columns([1, 1, 4])
    if go.button("Start race", key=f"{P}_start", type="primary", disabled=bool(problems)):
        start_race(race_configs)  # here, not in a callback: the configs hold this very click's settings
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
            if st.session_state.get(CURSOR_KEY, steps[-1]) not in steps:
                del st.session_state[CURSOR_KEY]  # left from another race
            cursor = st.select_slider("Time cursor: training step", steps, steps[-1], key=CURSOR_KEY,
                                      persist_state="session")
        else:
            cursor = snap.step
        first = next(iter(snap.runs.values())).config
        baseline = TASKS[first.task].baseline(first.seq_len)
        curves = {c: (r.history.columns["step"], r.history.columns["loss"]) for c, r in snap.runs.items()}
        # the curves take only the steps they have not seen; the cursor line once the race is over
        loss = RaceLoss(TITLES, baseline=baseline.loss, baseline_label=baseline.label,
                        cursor=None if snap.active else cursor)
        ui.live_curve(f"{P}_loss_chart", loss, race, curves)
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
    sweep_cells = a.multiselect("Cells", CELL_NAMES, default=["rnn_tanh", "lstm", "gru"],
                                format_func=TITLES.get, key=f"{P}_sweep_cells", persist_state="session")
    lengths = b.multiselect("Sequence lengths T", SWEEP_LENGTHS, default=[10, 25, 50, 100],
                            key=f"{P}_sweep_lens", persist_state="session")
    a, b, c = st.columns(3)
    sweep_steps = a.select_slider("Training steps per point", STEPS, 500, key=f"{P}_sweep_steps",
                                  persist_state="session")
    sweep_lr = b.select_slider("Learning rate", RATES, 1e-2, format_func=lambda v: f"{v:g}",
                               key=f"{P}_sweep_lr", persist_state="session")
    sweep_seed = c.number_input("Seed", 0, 9999, key=f"{P}_sweep_seed", persist_state="session")
    base = replace(PRESETS["race-quick"].config(), steps=int(sweep_steps), lr=float(sweep_lr),
                   seed=int(sweep_seed))
    sweep_configs, sweep_problems = configs_or_problems(compare.sweep_configs, base, sweep_cells, lengths)
    go, halt, _ = st.columns([1, 1, 4])
    if go.button("Run sweep", key=f"{P}_sweep_start", type="primary", disabled=bool(sweep_problems)):
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
