"""Words & names: a name's language from its letters, entity tags for every word, and packing."""

from dataclasses import replace

import streamlit as st

from explorer import ui
from explorer.figures.hidden import hidden_layers
from explorer.figures.packing import final_states, step_grid
from explorer.figures.training import LearningCurve
from explorer.figures.words import confusion_matrix, name_path, prefix_probabilities, tag_comparison
from explorer.history import history_columns
from explorer.jobs.words import ReadSpec
from explorer.packing import PackingSpec, compare, parse_lengths
from explorer.pagestate import WordsPage
from explorer.reading import CHECKS
from explorer.tasks import TASKS

P, RUN = "words", "words_run"
ss = st.session_state


def show_name(reading, classes: tuple[str, ...]) -> None:
    best = reading.probs[-1].argmax()
    st.markdown(f"**{classes[best]}** ({reading.probs[-1][best]:.0%})")
    st.plotly_chart(prefix_probabilities(reading.letters, reading.probs, classes), key=f"{P}_prefix")
    st.plotly_chart(name_path(reading.trace, reading.letters), key=f"{P}_trajectory")


def show_tags(reading, classes: tuple[str, ...]) -> None:
    st.plotly_chart(tag_comparison(reading.words, reading.probs, classes, reading.forward_probs),
                    key=f"{P}_tags")
    st.plotly_chart(hidden_layers(reading.trace).update_layout(title_text="h_t over the typed sentence, each "
                    f"direction apart (weights of step {reading.trace.step})"), key=f"{P}_states")
    st.caption("Forward states read the words up to t; backward states the words from t to the end. "
               "`jordan` is a person, a place or the start of an organisation: only the word after it "
               "(`motors`) says which, and only the backward direction has read it.")


# per task: what the page starts with, a typed example that teaches something, how a reading is shown
START = {"names": dict(bidirectional=False, text="nisha", limit=24, noun="name", show=show_name),
         "tagging": dict(bidirectional=True, text="jordan motors hired anna in jordan", limit=300,
                         noun="sentence", show=show_tags)}


def task_changed() -> None:
    ss[f"{P}_bidirectional"] = START[ss[f"{P}_task"]]["bidirectional"]
    ss[f"{P}_text"] = START[ss[f"{P}_task"]]["text"]


def start(task: str) -> WordsPage:
    """The settings a task starts with (tagging reads both ways): a link holds what differs."""
    return replace(WordsPage(), bidirectional=START[task]["bidirectional"])


def answer(kind: str, spec):
    """A quick job in a worker (the model never runs on the web server's thread); None on failure."""
    try:
        return ui.jobs().call(kind, spec)
    except (TimeoutError, ValueError) as problem:
        st.warning(f"Could not compute it: {problem}")
        return None


@st.cache_data(max_entries=256, show_spinner=False)
def packed(spec: PackingSpec):
    """A fresh layer of at most 16 units on at most 8 × 20 steps: a few milliseconds, so it runs here
    (as the Shape explorer's module does) and the page never waits for a worker to draw it."""
    return compare(spec)


ui.through_app()
st.title("Words & names")
st.caption("Recurrent networks reading text: a name's language from its letters (one answer), an entity "
           "tag for every word of a sentence (an answer per step), and what padding does to h_n.")
notices = []
if ui.url.first_visit(P):  # the link: the task first, then every setting over the task's start
    page, notices = ui.url.load(P, start(ui.url.load(P, WordsPage())[0].task))
    if ui.url.wants_run(notices):
        ui.start_run(RUN, page.config())
ui.url.notify(notices)
page = ui.widgets.form(P, WordsPage(), ["task"], into=st.container(), on_change={"task": task_changed})
task = TASKS[page.task]
ss.setdefault(f"{P}_text", START[page.task]["text"])
with st.sidebar:  # the settings outlive a visit to another page
    page = ui.widgets.form(P, page)
config = page.config()
with st.expander(f"Task: {task.title}"):
    st.markdown(task.description)

problems = config.validate(ui.limits())
left, right, _ = st.columns([1, 1, 6])
left.button("Train", key=f"{P}_train", type="primary", disabled=bool(problems), on_click=ui.start_run,
            args=(RUN, config))
right.button("Stop", key=f"{P}_stop", on_click=ui.stop_run, args=(RUN,))
for problem in problems + ss.get(f"{RUN}_problems", []):
    st.warning(problem)
run = ui.current_run(RUN)
live = run is not None and run.snapshot().live


@ui.live_fragment(live)
def live_panel() -> None:
    if run is None:
        st.info("No run yet: press **Train** (a few seconds with these settings).")
        return
    snap = run.snapshot()
    ui.status_line(snap, run)
    run_task = TASKS[snap.config.task]
    baseline, columns = run_task.baseline(snap.config.seq_len), st.columns(2)
    for column, metric in zip(columns, ("loss", "metric"), strict=True):
        with column:
            ui.live_curve(f"{P}_{metric}_chart", LearningCurve(
                name="loss" if metric == "loss" else run_task.metric_name, smooth=10,
                baseline=getattr(baseline, metric), baseline_label=baseline.label),
                run, history_columns(metric))
    if live and not snap.live:
        st.rerun()  # the run ended: draw the page once more, with what the trained model says


live_panel()
snap = None if run is None else run.snapshot()
if snap is not None and snap.model is not None and snap.config.task != page.task:
    st.info(f"The last run trained *{TASKS[snap.config.task].title}*: press **Train** for this task.")
elif snap is not None and snap.model is not None:
    run_task, spec = TASKS[snap.config.task], ReadSpec(snap.config, snap.model, step=snap.step)
    st.subheader(f"The trained model ({snap.config.cell}, step {snap.step})")
    scored = answer("score", spec)
    if scored is not None:
        cards = st.columns(3)
        cards[0].metric("Held-out accuracy", f"{scored.accuracy:.1%}",
                        help="Per word for tagging, per name for names; 512 sequences never trained on.")
        if scored.entity_f1 is not None:
            cards[1].metric("Entity F1", f"{scored.entity_f1:.1%}",
                            f"{scored.entity_f1 - scored.baseline_f1:+.1%} vs the baseline",
                            help="Whole entities, exact span and type: F1 = 2PR / (P + R).")
            cards[2].metric("Baseline entity F1", f"{scored.baseline_f1:.1%}",
                            help="Each word's most frequent tag, no context.")
        st.plotly_chart(confusion_matrix(scored.confusion, run_task.classes), key=f"{P}_confusion")
    st.subheader(f"Type your own {START[run_task.name]['noun']}")
    limit = START[run_task.name]["limit"]
    text = st.text_input("Text", key=f"{P}_text", max_chars=limit, persist_state="session")
    messages = CHECKS[run_task.name](text)
    for message in messages:
        st.warning(message)
    reading = None if messages else answer("read", replace(spec, text=text.strip().lower()))
    if reading is not None:
        START[run_task.name]["show"](reading, run_task.classes)

st.subheader("Packing: what padding does to h_n")
st.caption("A batch of unequal lengths is padded to the longest. Run the layer on it as it is and the short "
           "rows keep stepping through the padding: their h_n is not their last real state, silently. "
           "`pack_padded_sequence` stops each row at its own length.")
cols = st.columns(3)
ss.setdefault(f"{P}_lengths", ", ".join(map(str, page.rows)))  # typed; the link holds them as numbers
text = cols[0].text_input("Lengths of the rows", key=f"{P}_lengths", max_chars=40, persist_state="session")
page = ui.widgets.form(P, page, ["pack_cell", "pack_hidden"], into=cols[1:])
lengths, messages = parse_lengths(text)
pack_spec = PackingSpec(page.pack_cell, page.pack_hidden, lengths)
messages = messages or pack_spec.validate()
if not messages:
    ss[f"{P}_rows"] = list(lengths)
ui.url.sync((ui.widgets.current(P, page), start(page.task)))
for message in messages:
    st.warning(message)
packing = None if messages else packed(pack_spec)
if packing is not None:
    st.plotly_chart(final_states(packing.lengths, packing.padded, packing.packed), key=f"{P}_final")
    st.plotly_chart(step_grid(packing.lengths), key=f"{P}_steps_grid")
    st.code("packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)\n"
            "_, h_n = rnn(packed)   # h_n[b] is row b's state after its last real step", language="python")
