"""Inside: the Train page's run (or a small example) unrolled; every view follows one time cursor."""

import streamlit as st

from explorer import RunConfig, schema, stepthrough, ui
from explorer.examples import EXAMPLES
from explorer.figures.gates import gate_title
from explorer.figures.gradients import gradient_flow_line
from explorer.figures.scales import share_color_scales
from explorer.interventions import Intervention, rerun, scored_by, summary
from explorer.jobs.train import Snapshot
from explorer.pagestate import InsidePage
from explorer.tasks import TASKS
from explorer.trace import Trace
from explorer.views import VIEWS, ViewOptions, tabs_for, views_for

P = "inside"
ss = st.session_state


def example_run(config: RunConfig) -> Snapshot:
    """The example trained to its end: a quick job (never queued behind training), shared by every
    session and kept by the job layer's cache."""
    with st.spinner("Training a small example…"):
        try:
            return ui.jobs().call("example", config, timeout=120)
        except (TimeoutError, ValueError) as problem:
            st.error(f"The example could not be trained: {problem}")
            st.stop()


def step_through(trace: Trace, options: ViewOptions) -> None:
    """The cell's equations, then the same equations with this step's numbers for one unit."""
    unit = ui.widgets.form(P, InsidePage(), ["unit"], into=st.container(), context={"trace": trace}).unit
    try:
        explained = stepthrough.explain(trace, options.layer, options.direction, options.example,
                                        options.cursor, unit)
    except ValueError as problem:
        st.info(str(problem))
        return
    st.markdown("**The cell's equations**")
    for line in explained.equations:
        st.latex(line)
    st.markdown(f"**Step t = {options.cursor}, unit {unit}: the same equations with its numbers**")
    for line in explained.numbers:
        st.latex(line)
    st.caption(f"The recording says h_t = {explained.recorded:.4f} for this unit; recomputed here from "
               f"x_t, the previous state and the weights: {explained.recomputed:.4f}.")
    with st.expander("The products inside every pre-activation"):
        st.dataframe(explained.products, hide_index=True)


def compare(by_step: dict[int, Trace], trace: Trace, options: ViewOptions) -> None:
    """One view at two training moments, side by side."""
    if len(by_step) < 2:
        st.info("Only one recording so far: compare moments once training has recorded more.")
        return
    chosen = ui.widgets.form(P, InsidePage(), ["compare_step", "compare_view"], into=st.container(),
                             context={"trace": trace, "steps": list(by_step)})
    view, moments = VIEWS[chosen.compare_view], (chosen.compare_step, trace.step)
    figures = [view.figure(by_step[moment], options) for moment in moments]
    share_color_scales(figures)  # one colour, one number on both sides
    for column, moment, figure, side in zip(st.columns(2), moments, figures, "ab", strict=True):
        with column:
            ui.view_with_downloads(view, by_step[moment], options, f"{P}_compare_{side}", figure=figure)


def intervene(trace: Trace, first: Trace, options: ViewOptions) -> None:
    """Clamp a gate, zero units or freeze W_hh: the probe rerun beside the untouched one."""
    can_freeze = first is not trace and any(k.startswith(("weight_hh", "weight_yh")) for k in trace.params)
    gates = f"gates {', '.join(trace.gates)}" if trace.gates else "no gates"
    ui.url.fit(P, "clamp_gate", ("", *trace.gates), "", reason=f"this recording has {gates}")
    for name in ("clamp_units", "ablate_units"):
        ui.url.fit(P, name, range(trace.hidden_size), [])
    ui.url.fit(P, "freeze", (False, True) if can_freeze else (False,), False,
               reason="W_hh freezes at an earlier recording of a layer that has one, and this has none")
    seen = {"trace": trace, "can_freeze": can_freeze}
    left, middle, right = st.columns(3)
    changes = ["clamp_gate", "clamp_value", "clamp_units", "ablate_units", "freeze"]
    chosen = ui.widgets.form(P, InsidePage(), changes, into=[left, left, middle, middle, right], context=seen,
                             labels={"clamp_gate": lambda g: gate_title(g) if g else "none"})
    change = Intervention(chosen.clamp_gate, chosen.clamp_value, chosen.clamp_units, chosen.ablate_units,
                          chosen.freeze and can_freeze)
    if change.empty:
        st.info("Choose a change above: the probe reruns with it, beside the untouched rerun.")
        return
    before, after = rerun(trace), rerun(trace, change, first.params)
    st.dataframe([summary(before, after)], hide_index=True)
    st.caption(f"Both reruns are scored by {scored_by(trace)}, on the same probe batch.")
    names = [view.name for view in views_for(trace)]
    ui.url.fit(P, "intervene_view", names, names[0])
    view = VIEWS[ui.widgets.form(P, InsidePage(), ["intervene_view"], into=st.container(), context=seen)
                 .intervene_view]
    for column, run, side in zip(st.columns(2), (before, after), ("untouched", "changed"), strict=True):
        with column:
            st.markdown(f"**{side.title()}**")
            ui.view_with_downloads(view, run, options, f"{P}_intervene_{side}")
            st.plotly_chart(gradient_flow_line(run.grad_norm[options.layer, options.direction],
                                               None if run.cell_grad_norm is None else
                                               run.cell_grad_norm[options.layer, options.direction]),
                            key=f"{P}_intervene_flow_{side}")


ui.through_app()
st.title("Inside the network")
st.caption("Every hidden state, gate and number of the probe batch, step by step. Move the time "
           "cursor (the slider, ◀ ▶, or the ← → keys) and every view follows it.")

if ui.url.first_visit(P):  # the link: what the page shows, and the Train page's run if it names one
    shown, notices = ui.url.load(P, InsidePage())
    ui.url.remember(P, InsidePage())
    if set(ui.url.linked()) & set(schema.settings(RunConfig)) and ui.url.first_visit("train"):
        config, more = ui.url.load("train", RunConfig())  # the Train page opens on it too
        notices += more
        if ui.url.wants_run(notices):
            ui.start_run(ui.TRAIN_RUN_KEY, config)
    elif ui.url.linked():
        ss[f"{P}_example_on"] = True  # a link to an example shows it
    ui.url.notify(notices)

snap = ui.lab_snapshot()
if snap is None or snap.trace is None:
    status = "" if snap is None else snap.status.text.lower()
    about = ("No run from the Train page yet: train one there, or a small example here (about a second)."
             if snap is None else f"The Train page's run is {status} and has recorded nothing yet. "
             "Meanwhile, a small example trains here in about a second.")
    if ss.get(f"{P}_example_on"):
        st.caption("Showing a small example below. A run on the Train page shows here instead, "
                   "once it has recorded.")
    else:
        st.info(about)
    pick, go_col = st.columns([3, 1], vertical_alignment="bottom")
    example = ui.widgets.form(P, InsidePage(), ["preset"], into=[pick]).preset
    go_col.button("Train a small example", key=f"{P}_train_example", type="primary",  # a callback: the
                  on_click=ss.__setitem__, args=(f"{P}_example_on", True))  # notice above goes at once
    if not ss.get(f"{P}_example_on"):
        st.stop()
    snap, run_config = example_run(EXAMPLES[example]), None
else:
    run_config = snap.config
    st.caption(f"The Train page's run: {snap.status.text}, step {snap.step}."
               + (" It is still training: press Refresh for its newest recording." if snap.live else ""))
    if snap.live:
        st.button("Refresh", key=f"{P}_refresh", icon=":material/refresh:")

if not snap.live:
    ui.script_download(snap.config, f"{P}_dl_script")
by_step = {trace.step: trace for trace in (snap.traces or [snap.trace])}
steps = list(by_step)
if ss.get(f"{P}_moment") in (-1, ss.get(f"{P}_latest")):  # following the newest recording: keep following
    ss[f"{P}_moment"] = steps[-1]
ui.url.fit(P, "moment", steps, steps[-1])
ss[f"{P}_latest"] = steps[-1]
trace = by_step[ss[f"{P}_moment"]]
if ss.get(f"{P}_layer") == -1:
    ss[f"{P}_layer"] = trace.num_layers - 1  # the top layer
top = trace.num_layers - 1
for name, count, default in (("example", trace.batch_size, 0), ("layer", trace.num_layers, top),
                             ("direction", trace.num_directions, 0), ("t", trace.seq_len, 0),
                             ("unit", trace.hidden_size, 0)):
    ui.url.fit(P, name, range(count), default)
ui.url.fit(P, "compare_step", steps, steps[0])
ui.url.fit(P, "compare_view", [view.name for view in views_for(trace)], "hidden")
seen = {"trace": trace, "steps": steps}
ui.widgets.form(P, InsidePage(), ["moment"], into=st.container(), context=seen)
shown = ui.widgets.form(P, InsidePage(), ["example", "layer", "direction"], into=st.columns(3), context=seen)
task = TASKS.get(trace.task)

cursor = ui.time_cursor(f"{P}_t", trace.length(shown.example))  # its real steps, not the padding
options = ui.view_options(P, trace, InsidePage(), layer=shown.layer, direction=shown.direction,
                          example=shown.example, cursor=cursor, classes=task.classes if task else None)

# only the open tab is drawn: a cursor move rebuilds the views in sight, not all of them
tabs = ui.linked_tabs(P, "tab", tabs_for(trace) + ["Step-through", "Compare moments", "Interventions"])
ui.views_in_tabs(P, trace, options, tabs, InsidePage())
if not trace.gates and tabs["Hidden states"].open:
    tabs["Hidden states"].info("A vanilla RNN has no gates: all it keeps is h_t." if not trace.states else
                               "This network has no gates: it keeps h_t and feeds back its output y_t.")
if tabs["Step-through"].open:
    with tabs["Step-through"]:
        step_through(trace, options)
if tabs["Compare moments"].open:
    with tabs["Compare moments"]:
        compare(by_step, trace, options)
if tabs["Interventions"].open:
    with tabs["Interventions"]:
        intervene(trace, by_step[steps[0]], options)
ui.url.sync((ui.url.shown(P, InsidePage()), InsidePage()),  # last: what a link gave and this lacks fell back
            *([(run_config, RunConfig())] if run_config is not None else []))
