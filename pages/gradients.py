"""Gradients lab: why a vanilla RNN forgets, why an LSTM does not, why gradients explode."""

from dataclasses import replace

import streamlit as st

from explorer import Trainer, ui
from explorer.cells import CELLS
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
from explorer.inits import INITS
from explorer.lessons import GRADIENT_LESSONS as TEXT
from explorer.presets import PRESETS

P = "gradients"
RUN_KEY = f"{P}_run"
LAB_PRESETS = ("lab-vanishing", "lab-orthogonal", "lab-forget-bias", "exploding", "exploding-clipped",
               "lab-irnn", "classic-adding")
VIEWS = ("Gradient flow", "Why it vanishes", "Exploding")
KNOBS = ("cell", "init", "spectral_radius", "forget_bias", "seq_len", "hidden_size", "optimizer", "lr",
         "clip", "clip_norm", "steps", "seed")  # widget key: gradients_<field>
HIDDEN = (8, 16, 32, 64, 128)
RATES = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0)
STEPS = (50, 100, 200, 300, 500, 1000, 2000, 3000, 5000)


def apply_preset() -> None:
    """Copy the chosen preset into the knobs (a callback: it runs before the widgets are drawn)."""
    cfg = PRESETS[st.session_state[f"{P}_preset"]].config()
    for field in KNOBS:
        st.session_state[f"{P}_{field}"] = getattr(cfg, field)


@st.cache_data(max_entries=32, show_spinner=False)
def initial_trace(cfg: RunConfig):
    """The probe recording before any training: what the knobs alone do to gradient flow."""
    return Trainer(cfg).probe_trace()


if f"{P}_cell" not in st.session_state:  # first view: the knobs start at the first preset
    st.session_state[f"{P}_preset"] = LAB_PRESETS[0]
    apply_preset()

ui.through_app()
st.title("Vanishing and exploding gradients")
st.caption("Backpropagation through time multiplies one Jacobian per step back: dL/dh_k = dL/dh_T · "
           "Π ∂h_t/∂h_{t−1}, with ∂h_t/∂h_{t−1} = diag(1 − h_t²) W_hh for tanh. Turn the knobs and watch "
           "that product, at initialization and while the network learns the adding problem "
           "(the loss is read at the last step only).")
with st.sidebar:  # persist_state: the knobs outlive a visit to another page
    st.selectbox("Preset", LAB_PRESETS, format_func=lambda n: PRESETS[n].title, key=f"{P}_preset",
                 on_change=apply_preset, help="A starting point for a lesson; every knob below stays yours.",
                 persist_state="session")
    cell = st.selectbox("Cell", list(CELLS), format_func=lambda c: CELLS[c].title, key=f"{P}_cell",
                        persist_state="session")
    st.selectbox("Initialization of W_hh", list(INITS), format_func=lambda n: INITS[n].title, key=f"{P}_init",
                 persist_state="session")
    st.number_input("Spectral radius of W_hh (0 keeps the init's)", 0.0, 3.0, step=0.1,
                    key=f"{P}_spectral_radius", help="Rescales W_hh so its largest |eigenvalue| is this.",
                    persist_state="session")
    st.number_input("LSTM forget-gate bias (empty: PyTorch's)", -5.0, 5.0, step=0.5, key=f"{P}_forget_bias",
                    disabled="f" not in CELLS[cell].blocks or not CELLS[cell].has_cell_state,
                    persist_state="session")
    st.number_input("Sequence length T", 4, 300, step=1, key=f"{P}_seq_len", persist_state="session")
    st.select_slider("Hidden units", HIDDEN, key=f"{P}_hidden_size", persist_state="session")
    st.selectbox("Optimizer", ("adam", "sgd"), key=f"{P}_optimizer", persist_state="session")
    st.select_slider("Learning rate", RATES, format_func=lambda v: f"{v:g}", key=f"{P}_lr",
                     persist_state="session")
    clip = st.toggle("Clip gradients", key=f"{P}_clip", persist_state="session")
    st.number_input("Clip threshold", 0.01, 100.0, step=0.5, key=f"{P}_clip_norm", disabled=not clip,
                    persist_state="session")
    st.select_slider("Training steps", STEPS, key=f"{P}_steps", persist_state="session")
    st.number_input("Seed", 0, 9999, step=1, key=f"{P}_seed", persist_state="session")

preset = PRESETS[st.session_state[f"{P}_preset"]]
knobs = {field: st.session_state[f"{P}_{field}"] for field in KNOBS}
knobs["spectral_radius"] = knobs["spectral_radius"] or 0.0  # an emptied field means "keep the init's"
config = replace(preset.config(), **knobs, probe_every=max(5, knobs["steps"] // 100))
problems = config.validate(ui.limits())
st.info(f"**{preset.title}.** {preset.lesson}", icon=":material/school:")
left, right, _ = st.columns([1, 1, 4])
if left.button("Train", key=f"{P}_start", type="primary", disabled=bool(problems)):
    ui.start_run(RUN_KEY, config)  # here, not in a callback: `config` holds this very click's settings
if right.button("Stop", key=f"{P}_stop"):
    ui.stop_run(RUN_KEY)
for problem in problems + st.session_state.get(f"{RUN_KEY}_problems", []):
    st.warning(problem)
view = st.segmented_control("View", VIEWS, default=VIEWS[0], required=True, key=f"{P}_view",
                            persist_state="session")
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
        ui.status_line(snap)
        if snap.divergence is not None:
            st.error(f"**Diverged at step {snap.divergence.step}.** {snap.divergence.explain()}",
                     icon=":material/error:")
    traces = snap.traces if snap is not None and snap.traces else [initial_trace(config)]
    trace = traces[-1]
    seen = (snap.config if snap is not None else config, trace.step, len(traces))  # what the views draw
    if snap is None:
        st.caption("Before any training. Press **Train** to watch the profiles change as the network learns.")
    if view == VIEWS[0]:
        cell_norms = None if trace.cell_grad_norm is None else trace.cell_grad_norm[0, 0]
        explained(lambda: gfig.gradient_flow_line(trace.grad_norm[0, 0], cell_norms, trace.step), "flow_line",
                  TEXT["flow"], seen)
        explained(lambda: gfig.gradient_flow_heatmap(*flow_over_training(traces)), "flow_heatmap",
                  TEXT["heatmap"], seen)
        if cell_norms is not None:
            explained(lambda: gfig.gradient_flow_heatmap(*flow_over_training(traces, cell_state=True),
                                                         "‖dL/dc_t‖"),
                      "cell_heatmap", TEXT["cell_heatmap"], seen)
    elif view == VIEWS[1]:
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
        h, div = snap.history.columns, snap.divergence
        chart, words = st.columns([5, 2])
        with chart:  # the curve takes only the steps it has not seen
            ui.live_curve(f"{P}_clipping", GradientNormCurve(
                snap.config.clip_norm if snap.config.clip else None, None if div is None else div.step),
                run, h["step"], h["grad_norm"], h["grad_norm_clipped"])
        words.markdown(TEXT["clipping"])
    if snap is not None and not snap.active:
        ui.script_download(snap.config, f"{P}_dl_script")
    if running and not (snap is not None and snap.active):
        st.rerun()  # the run ended: redraw the page once, without the timer


live_panel()
