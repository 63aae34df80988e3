"""The Text page under AppTest: a person's text checked, a run trained in the run layer, sampled
at two temperatures (seeded), read unit by unit and drawn as connectivity."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from apptest import JOIN_TIMEOUT, RUN_KEY, open_app, train
from plotly_charts import charts, values
from streamlit.testing.v1 import AppTest

from explorer.text.corpus import MIN_CHARS, load_corpus

ROOT = Path(__file__).resolve().parents[1]


def page() -> AppTest:
    return AppTest.from_file(str(ROOT / "pages" / "text.py"), default_timeout=90).run()


def test_your_own_text_is_checked_and_its_alphabet_shown():
    at = page()
    assert not at.exception, at.exception
    at.selectbox(key="text_corpus").set_value("own").run()
    assert any("Upload a text file or paste" in w.value for w in at.warning)
    assert at.button(key="text_start").disabled
    at.text_area(key="text_paste").set_value("too short").run()
    assert any(f"a corpus needs at least {MIN_CHARS}" in w.value for w in at.warning)
    at.text_area(key="text_paste").set_value("abc cab " * 20).run()
    assert any("160 characters; an alphabet of 4" in i.value for i in at.info)
    assert not at.button(key="text_start").disabled


def test_a_run_trains_samples_seeded_and_reads_units_and_connectivity():
    at = page()
    at.select_slider(key="text_steps").set_value(100).run()
    at.select_slider(key="text_hidden").set_value(16).run()
    at.button(key="text_start").click().run()
    assert not at.exception, at.exception
    run = at.session_state["text_run"]
    assert run.join(JOIN_TIMEOUT)
    at.run()
    loss = charts(at)["text_loss_chart"]
    corpus = load_corpus("grammar")
    baselines = [shape["y0"] for shape in loss["layout"]["shapes"]]
    np.testing.assert_allclose(baselines, [corpus.unigram_entropy, corpus.bigram_entropy])
    assert any("nats/char" in m.value and "perplexity" in m.value for m in at.markdown)
    assert at.get("download_button")  # the ended run's metrics, traces and model
    live_map = charts(at)["text_live_connectivity"]  # the probe window's, at the last step
    assert values(live_map, axis="z").shape == (32, 32) and "step 100" in live_map["layout"]["title"]["text"]

    at.select_slider(key="text_temperature").set_value(0.3)
    at.select_slider(key="text_temperature2").set_value(1.5)
    at.select_slider(key="text_length").set_value(60)
    at.button(key="text_sample").click().run()
    assert not at.exception, at.exception
    texts = [c.value for c in at.code]
    assert len(texts) == 2 and all(t.startswith("The ") and len(t) == 64 for t in texts)
    assert "text_dist" in charts(at)
    at.button(key="text_sample").click().run()
    assert [c.value for c in at.code] == texts  # same seed, same text

    at.text_input(key="text_prime").set_value("Zebra").run()
    assert any("'Z', not in the model's alphabet" in w.value for w in at.warning)
    assert at.button(key="text_sample").disabled
    at.text_area(key="text_read_text").set_value("x").run()
    assert any("must have 2 to 100 characters" in w.value for w in at.warning)
    assert at.button(key="text_read").disabled
    at.text_area(key="text_read_text").set_value("My old dog sees the cat.\nA fox").run()
    at.button(key="text_read").click().run()
    assert not at.exception, at.exception
    shown = charts(at)
    assert "text_units_chart" in shown and "text_connectivity_chart" in shown
    assert values(shown["text_connectivity_chart"], axis="z").shape == (30, 30)
    unit = int(at.session_state["text_reading"].units.unit[1])
    at.selectbox(key="text_unit").set_value(1).run()
    assert not at.exception, at.exception
    assert at.session_state["text_inside_units"] == [unit]  # the Inside views follow the unit picked
    at.session_state["text_inside_tab"] = "Gates"
    shown = charts(at.run())
    assert not at.exception, at.exception
    assert "text_inside_gate_lines" in shown
    run.stop()


def test_the_train_page_trains_the_text_task_on_the_corpus_it_names():
    at = open_app()
    train(at, task="text", corpus="brackets", hidden_size=16, steps=50)
    assert not at.exception, at.exception
    loss = charts(at)["train_loss_chart"]
    unigram = load_corpus("brackets").unigram_entropy
    np.testing.assert_allclose([s["y0"] for s in loss["layout"]["shapes"]], [unigram])
    assert at.session_state[RUN_KEY].snapshot().config.corpus == "brackets"
