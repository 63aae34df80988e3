"""The text task: corpora, baselines, training, sampling, uploads, the CLI."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys

import numpy as np
import pytest
import torch

from explorer.config import RunConfig
from explorer.tasks import TASKS, task_for
from explorer.text.corpora import CORPORA, corpus_text
from explorer.text.corpus import MIN_CHARS, CharCorpus, load_corpus, remember, text_from_upload, user_key
from explorer.text.generate import sample_text
from explorer.textfile import MAX_TEXT_BYTES, UploadError
from explorer.train import ConfigError, Trainer

SMALL = dict(task="text", hidden_size=16, embedding_size=8, seq_len=16, batch_size=8, steps=3)


@pytest.mark.parametrize("name", CORPORA)
def test_each_generator_is_deterministic_under_its_seed(name):
    text = corpus_text(name, seed=3, n_chars=2000)
    assert len(text) == 2000 and text == corpus_text(name, seed=3, n_chars=2000)
    assert text != corpus_text(name, seed=4, n_chars=2000)


@pytest.mark.parametrize("name", CORPORA)
def test_each_generator_documents_a_worked_example_it_really_writes(name):
    doc = CORPORA[name].generate.__doc__
    seed, n_chars = map(int, re.search(r'corpus_text\("\w+", seed=(\d+), n_chars=(\d+)\)', doc).groups())
    block = doc.split("::\n\n", 1)[1].rstrip()
    example = "\n".join(line[8:] for line in block.splitlines())
    assert corpus_text(name, seed, n_chars).rstrip("\n") == example


def test_the_brackets_corpus_is_balanced_line_by_line():
    for line in corpus_text("brackets", 0, 5000).splitlines()[:-1]:  # the last line is cut
        stack = []
        for c in line:
            if c in "([{":
                stack.append(")]}"["([{".index(c)])
            elif c in ")]}":
                assert stack.pop() == c
        assert not stack


def test_baselines_are_the_unigram_and_bigram_entropies():
    corpus = CharCorpus.of("ab" * 100)
    assert corpus.alphabet == "ab"
    assert corpus.unigram_entropy == pytest.approx(math.log(2))
    assert corpus.bigram_entropy == pytest.approx(0.0)  # b always follows a
    batch = corpus.sample(np.random.default_rng(0), 4, 10)
    np.testing.assert_array_equal(batch.y[:, :-1], batch.x[:, 1:])  # the target is the next character
    assert TASKS["text"].baseline(32).loss == pytest.approx(load_corpus("grammar").unigram_entropy)


def test_the_text_task_follows_the_corpus_in_the_config():
    brackets = task_for("text", "brackets")
    assert "".join(brackets.vocab) == load_corpus("brackets").alphabet
    assert brackets.input_size == brackets.output_size == len(load_corpus("brackets").alphabet)


def test_a_corpus_is_read_only_by_the_text_task_and_must_exist():
    assert any("only a task that reads text" in p for p in RunConfig(task="adding", corpus="code").validate())
    assert any("Unknown corpus" in p for p in RunConfig(task="text", corpus="poems").validate())
    assert RunConfig(task="text", corpus="u" + "0" * 16).validate() == []
    with pytest.raises(ConfigError, match="upload it again"):
        Trainer(RunConfig(task="text", corpus="u" + "0" * 16))


def test_a_short_lstm_run_on_the_grammar_gets_below_0_7_of_the_unigram_baseline():
    cfg = RunConfig(task="text", cell="lstm", hidden_size=32, seq_len=32, batch_size=32, lr=1e-2,
                    steps=100, probe_every=1000)
    trainer = Trainer(cfg)
    for _ in trainer.fit():
        pass
    loss, _ = trainer.evaluate()
    assert loss < 0.7 * trainer.task.baseline(cfg.seq_len).loss


@pytest.fixture(scope="module")
def trained():
    cfg = RunConfig(**SMALL | {"steps": 30})
    trainer = Trainer(cfg)
    for _ in trainer.fit():
        pass
    return trainer.model, "".join(trainer.task.vocab)


def test_sampling_at_temperature_near_0_equals_greedy(trained):
    model, alphabet = trained
    greedy = sample_text(model, alphabet, "The ", 40, greedy=True)
    cold = sample_text(model, alphabet, "The ", 40, temperature=1e-4, seed=7)
    assert cold.text == greedy.text
    assert np.allclose(cold.probs.max(axis=1), 1.0)


def test_sampling_is_seeded_and_top_k_keeps_k_characters(trained):
    model, alphabet = trained
    first = sample_text(model, alphabet, "A ", 60, temperature=1.5, seed=1)
    assert first.text == sample_text(model, alphabet, "A ", 60, temperature=1.5, seed=1).text
    assert first.text != sample_text(model, alphabet, "A ", 60, temperature=1.5, seed=2).text
    top3 = sample_text(model, alphabet, "A ", 20, top_k=3, seed=1)
    assert ((top3.probs > 0).sum(axis=1) == 3).all() and np.allclose(top3.probs.sum(axis=1), 1)
    assert len(top3.top(0, 5)) == 5 and top3.top(0, 5)[3][1] == 0.0


def test_sampling_refuses_what_is_out_of_bounds(trained):
    model, alphabet = trained
    with pytest.raises(ValueError, match="Temperature must be above 0 and at most 2") as bad:
        sample_text(model, alphabet, "Zq", 0, temperature=3)
    assert "Length must be between 1" in str(bad.value) and "'Zq'" not in str(bad.value)
    assert "'Z', not in the model's alphabet" in str(bad.value)


@pytest.mark.parametrize("data, message", [
    (b"\x00\x01\x02binary" * 30, "not a text file"),
    (b"", "The file is empty"),
    (b"   \n\n", "only spaces and blank lines"),
    (b"a" * (MAX_TEXT_BYTES + 1), "text files up to 1,048,576 bytes"),
    ("caf\u00e9 ".encode("latin-1") * 40, "is not UTF-8 text"),
    (b"hello", f"a corpus needs at least {MIN_CHARS}"),
    (b"a" * 200, "one character only"),
])
def test_an_uploaded_file_that_cannot_be_a_corpus_gets_a_clear_message(data, message):
    with pytest.raises(UploadError, match=message):
        text_from_upload(data)


def test_a_users_text_is_named_by_its_hash_and_trains():
    text = "the quick brown fox jumps over the lazy dog. " * 5
    key = remember(text)
    assert key == user_key(text) and re.fullmatch(r"u[0-9a-f]{16}", key) and text not in key
    trainer = Trainer(RunConfig(**SMALL | {"corpus": key}))
    assert "".join(trainer.task.vocab) == "".join(sorted(set(text)))
    assert trainer.step().loss > 0


def _cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "explorer", *args], capture_output=True, text=True,
                          cwd=cwd, env={"OMP_NUM_THREADS": "1", "PATH": ""}, timeout=120)


def test_the_cli_trains_on_a_text_file_saves_the_model_and_samples_it(tmp_path):
    text = "hello world, hello text. " * 10
    (tmp_path / "mine.txt").write_text(text)
    done = _cli("train", "--task", "text", "--text-file", "mine.txt", "--steps", "20", "--seq-len", "16",
                "--hidden-size", "16", "--json", "--out", "run", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["baseline_loss"] == pytest.approx(CharCorpus.of(text).unigram_entropy)
    assert 0 < result["loss"] < 10
    assert {p.name for p in (tmp_path / "run").iterdir()} >= {"model.safetensors", "alphabet.json"}
    args = ("sample", "run", "--length", "50", "--temperature", "0.8", "--prime", "hel", "--seed", "3")
    sampled = [_cli(*args, cwd=tmp_path) for _ in range(2)]
    assert sampled[0].returncode == 0, sampled[0].stderr
    assert len(sampled[0].stdout.rstrip("\n")) == 50 and sampled[0].stdout == sampled[1].stdout
    assert set(sampled[0].stdout.rstrip("\n")) <= set(text)
    bad = _cli("sample", "run", "--prime", "@", cwd=tmp_path)
    assert bad.returncode == 2 and "not in the model's alphabet" in bad.stderr


def test_the_cli_refuses_a_binary_text_file(tmp_path):
    (tmp_path / "x.txt").write_bytes(bytes(range(256)))
    done = _cli("train", "--task", "text", "--text-file", "x.txt", cwd=tmp_path)
    assert done.returncode == 2 and "zero byte" in done.stderr and "Traceback" not in done.stderr


def test_connectivity_probes_come_with_many_to_many_runs():
    trainer = Trainer(RunConfig(**SMALL))
    trace = trainer.probe_trace()
    assert trace.connectivity.shape == (16, 16)
    assert np.all(np.triu(trace.connectivity, 1) == 0) and np.all(np.diag(trace.connectivity) > 0)
    assert Trainer(RunConfig(task="adding", seq_len=8, steps=1)).probe_trace().connectivity is None
    long = Trainer(RunConfig(task="mod3", seq_len=400, hidden_size=4, batch_size=2, steps=1))
    assert long.probe_trace().connectivity is None  # 400² · 3 passes the budget: no map, no wait


def test_model_weights_rebuild_for_sampling(trained):
    from explorer.checkpoint import model_file
    from explorer.text.model import load_lm

    model, alphabet = trained
    cfg = RunConfig(**SMALL | {"steps": 30})
    again = load_lm(cfg, alphabet, model_file(model, cfg))
    x = torch.as_tensor(CharCorpus.of(alphabet).encode("The cat"))[None]
    torch.testing.assert_close(again(x), model.eval()(x))


def test_the_last_tenth_of_a_text_is_held_out_and_windows_fit_the_text():
    """Training windows never read the tail the held-out loss reads; a text too short to spare a
    tail is trained and scored whole; the longest window fits the part it reads."""
    from explorer.tasks.text import lm_task
    from explorer.text.corpus import CharCorpus

    corpus = CharCorpus.of("ab" * 900 + "cd" * 100)  # 2000 characters: the last 200 only c and d
    task, rng = lm_task(corpus.alphabet, corpus), np.random.default_rng(0)
    trained, held = task.sample(rng, 64, 20), task.held_out(rng, 64, 20)
    assert set(np.unique(np.concatenate([trained.x, trained.y]))) == {0, 1}  # a, b
    assert set(np.unique(np.concatenate([held.x, held.y]))) == {2, 3}  # c, d
    short = CharCorpus.of("hello world, " * 10)  # 130 characters: a tenth would be 13
    assert short.cut == len(short) and lm_task(short.alphabet, short).max_seq_len == 129
    assert task.max_seq_len == 199  # the held-out tail's 200 characters
