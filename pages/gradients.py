"""Gradients lab: why a vanilla RNN forgets, why an LSTM does not, why gradients explode."""

from dataclasses import replace

import streamlit as st

from explorer import Trainer, ui
from explorer.config import RunConfig
from explorer.figures import gradients as gfig
from explorer.figures import spectrum as sfig
from explorer.figures.training import GradientNormCurve
from explorer.gradients import (
    ACTIVATION_GAIN,
    CARRY_GATES,
    decay_rate,
    flow_over_training,
    mean_gate,
    spectral_series,
    trace_decay,
    trace_spectra,
)
from explorer.history import history_columns
from explorer.lessons import GRADIENT_LESSONS as TEXT
from explorer.pagestate import GradientsPage
from explorer.presets import PRESETS

P = "gradients"
RUN_KEY = f"{P}_run"
# RunConfig's settings drawn here (widget key gradients_<field>)
KNOBS = ("cell", "init", "spectral_radius", "forget_bias", "seq_len", "hidden_size", "optimizer", "lr",
         "clip", "clip_norm", "steps", "seed")
ss = st.session_state


def apply_preset() -> None:
    """Copy the chosen preset into the knobs (a callback: it runs before the widgets are drawn)."""
    ui.widgets.put(P, PRESETS[ss[f"{P}_preset"]].config())


@st.cache_data(max_entries=32, show_spinner=False)
def initial_trace(cfg: RunConfig):
    """The probe recording before any training: what the knobs alone do to gradient flow."""
    return Trainer(cfg).probe_trace()


ui.through_app()
st.title("Vanishing and exploding gradients")
st.caption("Backpropagation through time multiplies one Jacobian per step back: dL/dh_k = dL/dh_T · "
           "Π ∂h_t/∂h_{t−1}, with ∂h_t/∂h_{t−1} = diag(1 − h_t²) W_hh for tanh. Turn the knobs and watch "
           "that product, at initialization and while the network learns the adding problem "
           "(the loss is read at the last step only).")
notices = []
if ui.url.first_visit(P):  # the link: the page's view and preset, then the knobs over the preset's
    page, notices = ui.url.load(P, GradientsPage())
    config, more = ui.url.load(P, PRESETS[page.preset].config())
    notices += more
    if ui.url.wants_run(notices):
        ui.start_run(RUN_KEY, replace(config, probe_every=max(5, config.steps // 100)))
with st.sidebar:
    page = ui.widgets.form(P, GradientsPage(), ["preset"], on_change={"preset": apply_preset})
    base = PRESETS[page.preset].config()
    knobs = ui.widgets.form(P, base, KNOBS)
preset = PRESETS[page.preset]
config = replace(knobs, probe_every=max(5, knobs.steps // 100))
problems = config.validate(ui.limits())
ui.url.notify(notices)
st.info(f"**{preset.title}.** {preset.lesson}", icon=":material/school:")
left, right, _ = st.columns([1, 1, 4])
if left.button("Train", key=f"{P}_start", type="primary", disabled=bool(problems)):
    ui.start_run(RUN_KEY, config)  # here, not in a callback: `config` holds this very click's settings
if right.button("Stop", key=f"{P}_stop"):
    ui.stop_run(RUN_KEY)
for problem in problems + st.session_state.get(f"{RUN_KEY}_problems", []):
    st.warning(problem)
page = ui.widgets.form(P, GradientsPage(), ["view"], into=st.container())
view = page.view
ui.url.sync((page, GradientsPage()), (knobs, base))
run = ui.current_run(RUN_KEY)
running = run is not None and run.snapshot().active


def explained(figure, key: str, text: str, version) -> None:
    """A chart (built only when `version`, what it draws, moves) with its explanation beside it."""
    chart, words = st.columns([5, 2])
    with chart:
        ui.live_chart(f"{P}_{key}", figure, version=version)
    words.markdown(text)


def decay_view(trace, spectra, seen) -> None:
    """Measured decay against the bound (vanilla cells) or the carry gate's power (gated cells)."""
    if trace.cell_type in ACTIVATION_GAIN:
        s, ratios = spectra[0], trace_decay(trace)
        rate = decay_rate(ratios)
        verdict = ("" if rate is None else TEXT["rate_follows" if abs(rate / s.radius - 1) <= 0.2 else
                                                "rate_faster" if rate < s.radius else "rate_slower"])
        explained(lambda: sfig.decay_figure(ratios, {
            "bound (γ·σ_max)^k": ACTIVATION_GAIN[trace.cell_type] * s.sigma_max, "ρ^k": s.radius}),
            "decay", TEXT["bound"].format(sigma=s.sigma_max, rho=s.radius,
                                          measured=verdict.format(rate=rate)), seen)
        return
    carry = CARRY_GATES.get(trace.cell_type)
    if carry is None:  # no gate predicts this cell's decay (Jordan, no forget gate, MGU): measured only
        explained(sfig.decay_figure(trace_decay(trace), {}), "decay", TEXT["measured_only"])
        return
    bar, var = mean_gate(trace, carry.gate), "c" if carry.cell_state else "h"
    explained(lambda: sfig.decay_figure(trace_decay(trace, cell_state=carry.cell_state),
                                        {f"{carry.symbol}^k, {carry.symbol} = {bar:.3f}": bar},
                                        f"measured ‖dL/d{var}_(T−k)‖ / ‖dL/d{var}_T‖"),
              "decay", TEXT[f"carry_{carry.gate}"].format(bar=bar), seen)


@ui.live_fragment(running)
def live_panel() -> None:
    snap = run.snapshot() if run is not None else None
    if snap is not None and snap.config != config:  # a preset or knob moved: draw what is set now
        st.info("The settings changed since the last run: below, these settings before training. "
                "Press **Train** to train them.", icon=":material/tune:")
        snap = None
    if snap is None and problems:
        return
    if snap is not None:
        ui.status_line(snap, run)
        if snap.divergence is not None:
            st.error(f"**Diverged at step {snap.divergence.step}.** {snap.divergence.explain()}",
                     icon=":material/error:")
    traces = snap.traces if snap is not None and snap.traces else [initial_trace(config)]
    trace = traces[-1]
    seen = (snap.config if snap is not None else config, trace.step, len(traces))  # what the views draw
    if snap is None:
        st.caption("Before any training. Press **Train** to watch the profiles change as the network learns.")
    if view == "flow":
        cell_norms = None if trace.cell_grad_norm is None else trace.cell_grad_norm[0, 0]
        explained(lambda: gfig.gradient_flow_line(trace.grad_norm[0, 0], cell_norms, trace.step), "flow_line",
                  TEXT["flow"], seen)
        explained(lambda: gfig.gradient_flow_heatmap(*flow_over_training(traces)), "flow_heatmap",
                  TEXT["heatmap"], seen)
        if cell_norms is not None:
            explained(lambda: gfig.gradient_flow_heatmap(*flow_over_training(traces, cell_state=True),
                                                         "‖dL/dc_t‖"),
                      "cell_heatmap", TEXT["cell_heatmap"], seen)
    elif view == "vanishing":
        spectra = ui.live_memo(f"{P}_spectra", seen, lambda: trace_spectra(trace))  # not on every refresh
        eig, sv = st.columns(2)
        with eig:
            ui.live_chart(f"{P}_eigenvalues", lambda: sfig.eigenvalue_figure(spectra, trace.cell_type), seen)
        with sv:
            ui.live_chart(f"{P}_singular_values",
                          lambda: sfig.singular_value_figure(spectra, trace.cell_type), seen)
        st.markdown(TEXT["spectrum"])
        if len(traces) > 1:
            explained(lambda: sfig.spectral_series_figure(*spectral_series(traces), cell=trace.cell_type),
                      "spectral_series", TEXT["series"], seen)
        decay_view(trace, spectra, seen)
    elif snap is None or not len(snap.history):
        st.info("Press **Train**: the gradient norm of every training step appears here as it happens.")
    else:
        div = snap.divergence
        chart, words = st.columns([5, 2])
        with chart:  # the curve takes only the steps it has not seen
            ui.live_curve(f"{P}_clipping", GradientNormCurve(
                snap.config.clip_norm if snap.config.clip else None, None if div is None else div.step),
                run, history_columns("grad_norm", "grad_norm_clipped"))
        words.markdown(TEXT["clipping"])
    if snap is not None and not snap.active:
        ui.script_download(snap.config, f"{P}_dl_script")
    if running and not (snap is not None and snap.active):
        st.rerun()  # the run ended: redraw the page once, without the timer


live_panel()
