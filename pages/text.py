"""Text: a character-level language model trained live, sampled at any moment, looked inside."""

import math

import streamlit as st

from explorer import ui
from explorer.cellspec import tanh_gates
from explorer.config import RunConfig
from explorer.figures.connectivity import connectivity_figure
from explorer.figures.text import CharLossCurve, next_char_figure, units_over_text
from explorer.history import history_columns
from explorer.jobs.text import ReadSpec, SampleSpec, TextRun
from explorer.pagestate import OWN, TEXT_VIEWS, TextPage
from explorer.text.corpora import CORPORA
from explorer.text.corpus import load_corpus, remember, text_from_upload
from explorer.text.generate import sample_problems
from explorer.text.model import MAX_READ, read_problems, series_of
from explorer.textfile import UploadError
from explorer.views import tabs_for

P = "text"
RUN_KEY = f"{P}_run"
ss = st.session_state
KEEP = dict(persist_state="session")  # a setting outlives a visit to another page

ui.through_app()
st.title("Text: a character-level language model")
st.caption("The network reads a text one character at a time and predicts the next. Train it, "
           "sample from it at any moment, and see which units follow quotes, brackets or the "
           "position in a line, and how far back each prediction leans.")

notices, starts = [], False  # starts: the link asks to train (read before the address bar is synced)
if ui.url.first_visit(P):  # the link: every setting, the sampler's too; never your own text
    notices = ui.url.load(P, TextPage())[1]
    starts = ui.url.wants_run(notices)
    ui.url.remember(P, TextPage())  # what the views show waits for a trained model
    if starts:  # once the run has ended, the link shows what the model does: Sample and Read it
        ui.url.press_later(P, "sample", "read")
ui.url.notify(notices)
page = ui.widgets.form(P, TextPage(), ["corpus", "cell", "hidden", "steps"], into=st.columns(4))


def followed() -> tuple[int, ...]:
    """The unit picked in *Units over text*, as the Inside views' gate lines follow it (none unread)."""
    reading, pick = ss.get(f"{P}_reading"), ss.get(f"{P}_unit")
    ranked = None if reading is None else reading.units
    return (int(ranked.unit.iloc[pick]),) if ranked is not None and pick in range(len(ranked)) else ()


def sync_url() -> None:
    """The address bar: the settings and what the views show, as `TextPage.linked` writes them."""
    shown, reading = ui.url.shown(P, TextPage(), ("view", "inside_tab")), ss.get(f"{P}_reading")
    ui.url.sync((shown.linked(None if reading is None else len(reading.text) - 1, followed()), TextPage()))


sync_url()  # here: the page stops early until a model is trained
own_text, problem = "", ""
if page.corpus == OWN:
    upload = st.file_uploader("Upload a .txt file (UTF-8, at most 1 MB)", type=["txt"], key=f"{P}_upload",
                              max_upload_size=1)
    pasted = st.text_area("…or paste text", key=f"{P}_paste", height=120, max_chars=200_000,
                          **KEEP)
    try:
        if upload is not None or pasted.strip():
            own_text = text_from_upload(upload.getvalue() if upload is not None else pasted.encode())
        else:
            problem = "Upload a text file or paste some text to train on."
    except UploadError as bad:
        problem = str(bad)
    if problem:
        st.warning(problem)
    else:
        alphabet = "".join(sorted(set(own_text)))
        st.info(f"{len(own_text):,} characters; an alphabet of {len(alphabet)}: `{alphabet!r}`")
else:
    st.caption(f"**{CORPORA[page.corpus].title}**: the lesson is {CORPORA[page.corpus].lesson}.")
corpus_key = remember(own_text) if own_text else page.corpus
config = RunConfig(task="text", corpus=corpus_key if not problem else "grammar", cell=page.cell,
                   hidden_size=page.hidden, steps=page.steps, seq_len=32, batch_size=32, lr=1e-2,
                   probe_every=10)
problems = [problem] if problem else config.validate(ui.limits())
if starts and not problems:
    ui.hold(RUN_KEY, ui.submit("text", TextRun(config, own_text)))
train_col, stop_col, _ = st.columns([1, 1, 4])
if train_col.button("Train", key=f"{P}_start", type="primary", disabled=bool(problems)):
    ui.hold(RUN_KEY, ui.submit("text", TextRun(config, own_text)))
if stop_col.button("Stop", key=f"{P}_stop"):
    ui.stop_run(RUN_KEY)

run = ui.current_run(RUN_KEY)
live = run is not None and run.snapshot().live


@ui.live_fragment(live)
def live_panel() -> None:
    snap = None if run is None else run.snapshot()
    if snap is None:
        st.info("Press **Train**: the loss falls from the unigram line towards and past the bigram line.")
        return
    ui.status_line(snap, run)
    corpus = _corpus(snap.config.corpus)
    h = snap.history
    left, right = st.columns(2)
    with left:
        ui.live_curve(f"{P}_loss_chart", CharLossCurve(corpus.unigram_entropy, corpus.bigram_entropy),
                      run, history_columns("loss"))
    mapped = [t for t in snap.traces if t.connectivity is not None]  # every tenth probe, and the last
    if mapped:  # a window of the corpus, redrawn as the run goes: how far back predictions lean
        with right:
            trace = mapped[-1]
            ui.live_chart(f"{P}_live_connectivity", lambda: connectivity_figure(
                trace.connectivity, trace.token_labels(0), len(trace.connectivity) - 1,
                f"Connectivity on a window of the corpus, step {trace.step}"), version=trace.step)
    if len(h):
        loss = float(sum(h.columns["loss"][-10:]) / len(h.columns["loss"][-10:]))
        st.markdown(f"Loss (mean of the last 10 steps) **{loss:.3f} nats/char** = "
                    f"{loss / math.log(2):.3f} bits/char; perplexity {math.exp(loss):.2f} "
                    f"(the unigram's {math.exp(corpus.unigram_entropy):.2f}, the bigram's "
                    f"{math.exp(corpus.bigram_entropy):.2f}).")
    if len(h) and not snap.active:  # not rebuilt on every refresh of a training run
        with st.expander("Download this run"):
            ui.downloads(snap, P)
    if live and not snap.live:
        st.rerun()  # the run ended: redraw the page once


def _corpus(name: str):
    try:
        return load_corpus(name)
    except LookupError:
        return load_corpus("grammar")


live_panel()
snap = None if run is None else run.snapshot()
if snap is None or snap.weights is None:
    st.stop()

st.subheader(f"The model at step {snap.weights_step}")
sample_tab, units_tab, connect_tab, inside_tab = ui.linked_tabs(P, "view", list(TEXT_VIEWS.values())).values()


def ask(kind: str, spec):
    try:
        return ui.jobs().call(kind, spec)
    except (TimeoutError, ValueError) as bad:
        st.warning(str(bad))
        return None


with sample_tab:
    c = st.columns(6)
    ss.setdefault(f"{P}_prime", "The " if "T" in snap.alphabet else "")
    prime = c[0].text_input("Prime", key=f"{P}_prime", max_chars=200, **KEEP)
    knobs = ("length", "temperature", "temperature2", "top_k", "seed", "greedy")
    page = ui.widgets.form(P, page, knobs, into=[*c[1:], st.container()])
    wrong = sample_problems(snap.alphabet, prime, page.length, page.temperature, page.top_k)
    for problem in wrong:
        st.warning(problem)
    if st.button("Sample", key=f"{P}_sample", type="primary", disabled=bool(wrong)) or (
            ui.url.pressed(P, "sample", not wrong and not snap.live)):
        temperatures = (page.temperature, page.temperature2) + ((0.0,) if page.greedy else ())
        ss[f"{P}_samples"] = ask("text_sample", SampleSpec(snap.config, snap.alphabet, snap.weights, prime,
                                                          page.length, temperatures, page.top_k, page.seed))
    samples = ss.get(f"{P}_samples")
    if samples:
        for column, sample in zip(st.columns(len(samples)), samples, strict=True):
            name = "greedy" if sample.temperature == 0 else f"temperature {sample.temperature:g}"
            column.markdown(f"**{name}**")
            column.code(sample.prime + sample.text, language=None, wrap_lines=True)
        first = samples[0]
        ui.url.fit(P, "at", range(len(first.text)), 0)
        at = st.slider("Next-character distribution at step", 0, len(first.text) - 1, key=f"{P}_at")
        st.plotly_chart(next_char_figure(first.top(at), first.text[at],
                                         f"after {first.prime + first.text[:at]!r}"[-80:]), key=f"{P}_dist")

with units_tab:
    corpus = _corpus(snap.config.corpus)
    ss.setdefault(f"{P}_read_text", corpus.text[:80])
    text = st.text_area(f"Text to read (2–{MAX_READ} characters of the alphabet)", key=f"{P}_read_text",
                        max_chars=MAX_READ)
    wrong = read_problems(snap.alphabet, text)
    for problem in wrong:
        st.warning(problem)
    if st.button("Read it", key=f"{P}_read", type="primary", disabled=bool(wrong)) or (
            ui.url.pressed(P, "read", not wrong and not snap.live)):
        ss[f"{P}_reading"] = ask("text_read", ReadSpec(snap.config, snap.alphabet, snap.weights, text,
                                                         snap.weights_step))
        ss[f"{P}_read_step"] = snap.weights_step
    reading = ss.get(f"{P}_reading")
    if reading is not None:
        if ss.get(f"{P}_read_step") != snap.weights_step:
            st.caption(f"Read with the weights of step {ss.get(f'{P}_read_step')}; press *Read it* again "
                       f"for step {snap.weights_step}'s.")
        ranked = reading.units
        choices = [f"{r.series} unit {r.unit} — {r.feature}, r = {r.r:+.2f}" for r in ranked.itertuples()]
        ui.url.fit(P, "unit", range(len(choices)), 0)
        pick = st.selectbox("Unit (ranked by how it follows each feature)", range(len(choices)),
                            format_func=lambda k: choices[k], key=f"{P}_unit",  # the Inside views follow it
                            on_change=lambda: ss.__setitem__(f"{P}_inside_units", list(followed())))
        row = ranked.iloc[pick]
        values = series_of(reading.trace)[row.series][:, row.unit]
        signed = row.series in ("h", "c") or row.series in tanh_gates()
        st.plotly_chart(units_over_text(reading.text, values, f"{row.series} unit {row.unit} over the text "
                                        "(the Inside views tab follows it)", signed),
                        key=f"{P}_units_chart")
        st.dataframe(ranked.round(3), hide_index=True, key=f"{P}_ranking")

with connect_tab:
    reading = ss.get(f"{P}_reading")
    if reading is None:
        st.info("Read a text in *Units over text* first: its connectivity is drawn here.")
    else:
        last = len(reading.text) - 1
        if ss.get(f"{P}_t") == -1:
            ss[f"{P}_t"] = last  # the last prediction: all it leans on
        ui.url.fit(P, "t", range(last + 1), last)
        t = st.slider("Prediction t", 0, last, key=f"{P}_t")
        st.plotly_chart(connectivity_figure(reading.connectivity, list(reading.text), t),
                        key=f"{P}_connectivity_chart")

with inside_tab:
    reading = ss.get(f"{P}_reading")
    if reading is None:
        st.info("Read a text in *Units over text* first: every Inside view of it is drawn here.")
    else:
        trace = reading.trace
        ui.url.fit(P, "cursor", range(trace.seq_len), 0)
        cursor = ui.time_cursor(f"{P}_cursor", trace.seq_len)
        options = ui.view_options(P, trace, TextPage(), "inside_", followed(), cursor=cursor,
                                  classes=trace.vocab)
        tabs = ui.linked_tabs(P, "inside_tab", tabs_for(trace))
        ui.views_in_tabs(P, trace, options, tabs, TextPage(), "inside_")
sync_url()
