"""Attention: an encoder-decoder with one context vector or with attention, trained live."""

from dataclasses import replace

import streamlit as st

from explorer import ui
from explorer.figures import attention as fig
from explorer.figures.training import LearningCurve
from explorer.jobs import Status
from explorer.jobs.seq2seq import DecodeSpec, curve_lengths
from explorer.live import Column
from explorer.pagestate import AttentionPage
from explorer.seq2seq import ATTENTIONS, TASKS, Seq2SeqConfig
from explorer.seq2seq.tasks import EOS, SPECIALS
from explorer.trace import Trace
from explorer.views import ViewOptions, views_for

P = "attention"
RUN_KEY, CURVE_KEY, REFRESH = f"{P}_run", f"{P}_curve", 0.25
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
    ss.attention_seq_len = TASKS[ss.attention_task].default_len
    ss.attention_curve_len = None


notices = []
if ui.url.first_visit(P):  # the link: the run's settings and what the page shows
    config, notices = ui.url.load(P, DEFAULT)
    notices += ui.url.load(P, AttentionPage())[1]
    ui.url.remember(P, AttentionPage())  # the example, stream, view and cursor wait for a trained model
    if ui.url.wants_run(notices):
        ui.hold(RUN_KEY, ui.submit("seq2seq", config))
with st.sidebar:  # every setting outlives a visit to another page
    config = ui.widgets.form(P, DEFAULT, on_change={"task": task_changed})
    shows = ui.widgets.form(P, AttentionPage(), ["beam"])
task, beam_width = TASKS[config.task], shows.beam
ui.url.notify(notices)


def sync_url() -> None:
    """The address bar: the run's settings and what the page shows (called again by the panel,
    whose widgets rerun only it)."""
    ui.url.sync((config, DEFAULT), (ui.widgets.current(P, AttentionPage()), AttentionPage()))


sync_url()

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
    """(trace, direction) by stream name (explorer.pagestate.STREAMS)."""
    names = ("encoder_forward", "encoder_backward")[:enc.num_directions]
    return {**{name: (enc, d) for d, name in enumerate(names)}, "decoder": (dec, 0)}


def inside_views(enc: Trace, dec: Trace, example: int, target_vocab: tuple[str, ...], seen: tuple) -> None:
    """One stream of the probe example in one of the Inside page's views, at the time cursor."""
    found = streams(enc, dec)
    chosen = ui.widgets.current(P, AttentionPage())
    trace = found.get(chosen.stream, next(iter(found.values())))[0]
    views = {v.name: v for v in sorted(views_for(trace), key=lambda v: v.name != "hidden")}
    ui.url.fit(P, "stream", tuple(found), next(iter(found)))
    ui.url.fit(P, "view", tuple(views), "hidden")  # a vanilla RNN has no gates
    chosen = ui.widgets.form(P, AttentionPage(), ["stream", "view"], into=st.columns(2),
                             context={"streams": found, "views": views})
    trace, direction = found[chosen.stream]
    view = views[chosen.view]
    ui.url.fit(P, "cursor", range(trace.length(example)), 0)
    cursor = ui.time_cursor(f"{P}_cursor", trace.length(example))
    options = ViewOptions(direction=direction, example=example, cursor=cursor,
                          classes=target_vocab if trace.predictions is not None else None).fit(trace)
    ui.view_with_downloads(view, trace, options, f"attention_inside_{view.name}",
                           version=(*seen, chosen.stream, options))  # built again when anything moves


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
    columns = st.columns(3)  # the curves take only the rows they lack
    with columns[0]:
        ui.live_curve("attention_loss_chart", LearningCurve(name="loss", smooth=10), run,
                      lambda s: (Column(s.rows, "step"), Column(s.rows, "loss")))
    with columns[1]:
        ui.live_curve("attention_exact_chart", LearningCurve(
            name="exact match (held out)", baseline=run_task.baseline(snap.config.seq_len),
            baseline_label=run_task.baseline_label, y_range=(-0.02, 1.02)),
            run, lambda s: ([step for step, _ in s.evals], [exact for _, exact in s.evals]))
    with columns[2]:
        ui.live_curve("attention_teacher_chart", LearningCurve(
            name="teacher-forced share", smooth=10, y_range=(-0.05, 1.05)),
            run, lambda s: (Column(s.rows, "step"), Column(s.rows, "forced")))
    if snap.model is None:
        return
    enc, dec = snap.encoder, snap.decoder
    sources = ["".join(enc.vocab[i] for i in row[:n]) for row, n in zip(enc.inputs, enc.lengths, strict=True)]
    st.subheader(f"Inside the model at step {enc.step}")
    ui.url.fit(P, "example", range(len(sources)), 0)
    answer = {"example": lambda i: f"{sources[i]} → {run_task.solve(sources[i])}"}
    example = ui.widgets.form(P, AttentionPage(), ["example"], into=st.container(),
                              context={"sources": sources}, labels=answer).example
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
    sync_url()


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
    kind = config.attention if config.attention != "none" else DEFAULT.attention
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
