"""Attention: an encoder-decoder with one context vector or with attention, trained live."""

from dataclasses import replace

import streamlit as st

from explorer import ui
from explorer.cells import CELLS, FUSED_CELLS
from explorer.figures import attention as fig
from explorer.figures.training import LearningCurve
from explorer.jobs import Status
from explorer.jobs.seq2seq import DecodeSpec, curve_lengths
from explorer.live import Column
from explorer.seq2seq import ATTENTIONS, SCHEDULES, TASKS, Seq2SeqConfig
from explorer.seq2seq.tasks import EOS, SPECIALS
from explorer.trace import Trace
from explorer.views import ViewOptions, views_for

RUN_KEY, CURVE_KEY, REFRESH = "attention_run", "attention_curve", 0.25
DEFAULT = Seq2SeqConfig()
BUDGET = (f"Budget: with the defaults (reverse, GRU, additive attention) {DEFAULT.steps} steps reach ≥ 95% "
          "exact match on 12-digit inputs (tested; 99% measured). With the same budget on up to 24 "
          "digits, attention gets ~95% at 24 digits and no attention ~0%.")
ss = st.session_state

ui.through_app()
st.title("Attention: the bottleneck, and the way out")
st.caption("An encoder reads the source; a decoder writes the answer one token at a time. Without "
           "attention everything passes through one context vector; with it, each output step "
           "looks back at the inputs it needs — the step from RNNs towards Transformers.")



def task_changed() -> None:
    """Each task starts at its own default length (and the curve at twice that)."""
    ss.attention_length = TASKS[ss.attention_task].default_len
    ss.attention_curve_len = None


with st.sidebar:  # persist_state: the settings outlive a visit to another page
    st.subheader("Task")
    task = TASKS[st.selectbox("Task", list(TASKS), format_func=lambda t: TASKS[t].title, key="attention_task",
                              on_change=task_changed, persist_state="session")]
    ss.setdefault("attention_length", task.default_len)
    length = st.number_input(f"Longest {task.length_label}", task.min_len, task.max_len,
                             key="attention_length", disabled=task.fixed_length, persist_state="session")
    st.subheader("Model")
    cell = st.selectbox("Cell", FUSED_CELLS, index=FUSED_CELLS.index(DEFAULT.cell), key="attention_cell",
                        format_func=lambda c: CELLS[c].title, persist_state="session")
    attention = st.selectbox("Attention", list(ATTENTIONS), index=list(ATTENTIONS).index(DEFAULT.attention),
                             format_func=lambda a: ATTENTIONS[a].title, key="attention_kind",
                             persist_state="session")
    bidirectional = st.toggle("Bidirectional encoder", DEFAULT.bidirectional, key="attention_bidirectional",
                              persist_state="session")
    hidden = st.select_slider("Hidden units", (16, 32, 64, 128), DEFAULT.hidden_size, key="attention_hidden",
                              persist_state="session")
    st.subheader("Training")
    teacher = st.slider("Teacher forcing ε₀", 0.0, 1.0, DEFAULT.teacher_forcing, 0.1, key="attention_teacher",
                        help="The chance of feeding the decoder the true previous token, not its own guess.",
                        persist_state="session")
    schedule = st.selectbox("Schedule (scheduled sampling)", list(SCHEDULES), key="attention_schedule",
                            format_func=lambda s: SCHEDULES[s][0], persist_state="session")
    steps = st.select_slider("Training steps", (50, 100, 200, 300, 500, 1000, 2000), DEFAULT.steps,
                             key="attention_steps", persist_state="session")
    beam_width = st.slider("Beam width", 1, 8, 3, key="attention_beam", persist_state="session")
config = replace(DEFAULT, task=task.name, seq_len=int(length), cell=cell, attention=attention,
                 bidirectional=bidirectional, hidden_size=int(hidden), teacher_forcing=float(teacher),
                 schedule=schedule, steps=int(steps))

with st.expander(f"Task: {task.title}"):
    st.markdown(task.description)
    st.markdown(f"Baseline, *{task.baseline_label}*: **{task.baseline(config.seq_len):.1%}** exact match.")
st.caption(BUDGET)
problems = config.validate()
left, right, _ = st.columns([1, 1, 6])
if left.button("Train", key="attention_train", type="primary", disabled=bool(problems)):
    ui.hold(RUN_KEY, ui.submit("seq2seq", config))  # shared with anyone training the same settings
if right.button("Stop", key="attention_stop") and RUN_KEY in ss:
    ss[RUN_KEY].stop()
for problem in problems:
    st.warning(problem)
run = ss.get(RUN_KEY)
running = run is not None and run.snapshot().active


def decode(snap, source: str, width: int, max_steps: int):
    """`source` read by the weights of the run's latest probe, in a worker (a quick job: it never
    waits behind training); the job layer keeps the answer, so a refresh asks again for free."""
    try:
        return ui.jobs().call("decode", DecodeSpec(snap.config, snap.model, source, width, max_steps))
    except (TimeoutError, ValueError) as problem:
        st.warning(f"Could not decode `{source}`: {problem}")
        return None


def show_reading(reading, target: str | None, key: str, seen: tuple) -> None:
    """Heatmap, one step's weights and context, and greedy vs beam against the target. `seen`: what
    the reading is of (model version, input, beam width): the figures are built again when it moves."""
    if reading is None:
        return
    if reading.attention is None:
        st.info("No attention: every output step reads the same context vector, the encoder's final "
                "states. Choose an attention kind to see where each step looks.")
    else:
        t = st.selectbox("Decoder step", range(len(reading.greedy)), key=f"{key}_step",
                         format_func=lambda i: f"{i}: wrote {reading.greedy[i]}", persist_state="session")
        ui.live_chart(f"{key}_heatmap", lambda: fig.attention_heatmap(
            reading.attention, reading.source, reading.greedy, t), version=(*seen, t))
        bars, context = st.columns(2)
        with bars:
            ui.live_chart(f"{key}_bars", lambda: fig.attention_bars(
                reading.attention[t], reading.source, f"α at step {t}"), version=(*seen, t))
        with context:
            ui.live_chart(f"{key}_context", lambda: fig.context_vector(reading.context[t], f"context c_{t}"),
                          version=(*seen, t))
    decodings = {"greedy": reading.greedy, f"beam (width {beam_width})": reading.beam}
    if target is None:
        st.caption("No right answer to compare with (not a valid input for the task): "
                   + "; ".join(f"{name} wrote `{''.join(tokens)}`" for name, tokens in decodings.items()))
    else:
        ui.live_chart(f"{key}_tokens", lambda: fig.token_comparison([*target, SPECIALS[EOS]], decodings),
                      version=(*seen, target))


def streams(enc: Trace, dec: Trace) -> dict[str, tuple[Trace, int]]:
    """(trace, direction) by stream name."""
    names = [f"Encoder h_j ({d})" for d in ("forward", "backward")[:enc.num_directions]]
    return {**{name: (enc, d) for d, name in enumerate(names)}, "Decoder s_t": (dec, 0)}


def inside_views(enc: Trace, dec: Trace, example: int, target_vocab: tuple[str, ...], seen: tuple) -> None:
    """One stream of the probe example in one of the Inside page's views, at the time cursor."""
    found = streams(enc, dec)
    if ss.get("attention_stream") not in found:  # a new run may have one direction
        ss.attention_stream = next(iter(found))
    left, right = st.columns(2)
    name = left.segmented_control("Stream", list(found), key="attention_stream", required=True,
                                  persist_state="session")
    trace, direction = found[name]
    views = {v.name: v for v in sorted(views_for(trace), key=lambda v: v.name != "hidden")}
    if ss.get("attention_view") not in views:  # a vanilla RNN has no gates
        ss.attention_view = "hidden"
    view = views[right.selectbox("View", list(views), format_func=lambda v: views[v].title,
                                 key="attention_view", persist_state="session")]
    cursor = ui.time_cursor("attention_cursor", trace.length(example))
    options = ViewOptions(direction=direction, example=example, cursor=cursor,
                          classes=target_vocab if trace.predictions is not None else None).fit(trace)
    ui.view_with_downloads(view, trace, options, f"attention_inside_{view.name}",
                           version=(*seen, name, options))  # built again when the recording or a choice moves


@ui.live_fragment(running, REFRESH)
def live_panel() -> None:
    if run is None:
        st.info("No run yet: press **Train**.")
        return
    snap = run.snapshot()
    if running and not snap.active:
        st.rerun()  # the run ended: redraw the page once, without the timer
    exact = f" · exact match {snap.evals[-1][1]:.1%}" if snap.evals else ""
    queued = f" · {snap.queue_position} in the queue" if snap.status == Status.QUEUED else ""
    st.progress(min(snap.step / snap.config.steps, 1.0),
                text=f"**{snap.status.text}** — step {snap.step} of {snap.config.steps}{exact}{queued}")
    if snap.note:
        st.info(snap.note)
    if snap.error:
        st.error(snap.error)
    if snap.divergence is not None:
        st.error(f"**Diverged at step {snap.divergence.step}.** {snap.divergence.explain()}",
                 icon=":material/error:")
    run_task = TASKS[snap.config.task]
    if not snap.rows:
        return
    columns, steps = st.columns(3), Column(snap.rows, "step")  # the curves take only the rows they lack
    with columns[0]:
        ui.live_curve("attention_loss_chart", LearningCurve(name="loss", smooth=10), run, steps,
                      Column(snap.rows, "loss"))
    with columns[1]:
        ui.live_curve("attention_exact_chart", LearningCurve(
            name="exact match (held out)", baseline=run_task.baseline(snap.config.seq_len),
            baseline_label=run_task.baseline_label, y_range=(-0.02, 1.02)),
            run, [s for s, _ in snap.evals], [e for _, e in snap.evals])
    with columns[2]:
        ui.live_curve("attention_teacher_chart", LearningCurve(
            name="teacher-forced share", smooth=10, y_range=(-0.05, 1.05)),
            run, steps, Column(snap.rows, "forced"))
    if snap.model is None:
        return
    enc, dec = snap.encoder, snap.decoder
    sources = ["".join(enc.vocab[i] for i in row[:n]) for row, n in zip(enc.inputs, enc.lengths, strict=True)]
    st.subheader(f"Inside the model at step {enc.step}")
    example = st.selectbox("Probe example", range(len(sources)), key="attention_example",
                           format_func=lambda i: f"{sources[i]} → {run_task.solve(sources[i])}",
                           persist_state="session")
    run_len = run_task.source_len(snap.config.seq_len) + 2
    version = (snap.run_id, enc.step, run_task.name)
    source = sources[example]
    show_reading(decode(snap, source, beam_width, run_len), run_task.solve(source),
                 "attention_probe", (*version, source, beam_width))
    inside_views(enc, dec, example, run_task.target_vocab, version)
    st.subheader("Type your own input")
    text = st.text_input("Source", sources[0], key="attention_source", max_chars=200, persist_state="session")
    messages = run_task.check_source(text, snap.config.seq_len)
    for message in messages:
        st.warning(message)
    if not messages:
        show_reading(decode(snap, text, beam_width, run_len), run_task.solve(text), "attention_typed",
                     (*version, text, beam_width))


live_panel()


st.subheader("The bottleneck curve")
st.caption("Exact match against input length for two models trained on the same lengths with the same "
           "budget: one context vector (none) and attention. The single vector fills up as inputs grow; "
           "attention does not — the figure of the attention papers, on our tasks.")
if task.fixed_length:
    st.info(f"{task.title} has no length knob (its formats set the lengths): pick another task.")
else:
    if ss.get("attention_curve_len") is None:
        ss.attention_curve_len = min(2 * task.default_len, task.max_len)
    longest = st.number_input(f"Train on {task.length_label} up to", task.min_len, task.max_len,
                              key="attention_curve_len", persist_state="session")
    lengths = curve_lengths(task.min_len, int(longest))
    kind = attention if attention != "none" else DEFAULT.attention
    if st.button(f"Compute: none vs {kind}, lengths {lengths}", key="attention_curve_start",
                 disabled=bool(problems)):
        ui.hold(CURVE_KEY, ui.submit("curve", (replace(config, seq_len=int(longest), attention=kind),
                                               tuple(lengths))))
job = ss.get(CURVE_KEY)
curving = job is not None and job.snapshot().active


@ui.live_fragment(curving, REFRESH)
def curve_panel() -> None:
    if job is None:
        return
    curve = job.snapshot()
    if curving and not curve.active:
        st.rerun()
    if curve.active:
        queued = f" ({curve.queue_position} in the queue)" if curve.status == Status.QUEUED else ""
        st.progress(curve.progress, text=f"Training the pair behind the curve… {curve.progress:.0%}{queued}")
    if curve.error:
        st.error(curve.error)
    if curve.accuracy:
        curve_task = TASKS[curve.config.task]
        names = {k: ATTENTIONS[k].title for k in curve.accuracy}
        baseline = [curve_task.baseline(n, min_len=n) for n in curve.lengths]
        ui.live_chart("attention_curve_chart", lambda: fig.bottleneck_curve(
            curve.lengths, curve.accuracy, names, baseline, curve_task.baseline_label,
            curve_task.length_label), version=(curve.config, tuple(curve.lengths), tuple(curve.accuracy)))


curve_panel()
