"""The Text page's jobs in worker processes: a person's text travels in the spec, samples and
readings come from the run's weights, a bad request ends with its message."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.config import Limits, RunConfig
from explorer.jobs import JobLayer, Status
from explorer.jobs.text import ReadSpec, SampleSpec, TextRun
from explorer.text.corpus import user_key
from explorer.text.generate import sample_text
from explorer.text.model import load_lm

TEXT = "she sells sea shells by the sea shore; the shells she sells are sea shells. " * 4
CONFIG = RunConfig(task="text", corpus=user_key(TEXT), hidden_size=16, embedding_size=8, seq_len=16,
                   batch_size=8, steps=30, probe_every=10)
WAIT = 60.0


@pytest.fixture(scope="module")
def layer():
    layer = JobLayer(Limits(workers=1, max_seconds=60))
    yield layer
    layer.shutdown()


@pytest.fixture(scope="module")
def trained(layer):
    run = layer.submit("text", TextRun(CONFIG, TEXT))
    assert run.join(WAIT)
    return run.snapshot()


def test_a_persons_text_trains_in_a_worker_under_its_hash(trained):
    assert trained.status == Status.FINISHED, trained.error
    assert trained.alphabet == "".join(sorted(set(TEXT)))
    assert trained.weights_step == 30 and isinstance(trained.weights, bytes)
    assert len(trained.history) == 30


def test_a_hash_without_its_text_says_to_upload_it_again(layer):
    run = layer.submit("text", TextRun(CONFIG))
    assert run.join(WAIT)
    assert run.snapshot().status == Status.ERROR and "upload it again" in run.snapshot().error


def test_a_worker_forgets_a_persons_text_once_its_job_has_it(layer, trained):
    """One session's text never trains another's run: a plain train job naming the hash (a shared
    link) on the same worker, right after the text's own job, is refused."""
    assert trained.status == Status.FINISHED
    run = layer.submit("train", CONFIG)
    assert run.join(WAIT)
    assert run.snapshot().status == Status.ERROR and "upload it again" in run.snapshot().error


def test_samples_from_a_worker_equal_samples_drawn_here(layer, trained):
    spec = SampleSpec(trained.config, trained.alphabet, trained.weights, "she ", 40, (0.5, 1.5, 0.0), 0, 3)
    cold, hot, greedy = layer.call("text_sample", spec)
    model = load_lm(trained.config, trained.alphabet, trained.weights)
    assert cold.text == sample_text(model, trained.alphabet, "she ", 40, 0.5, seed=3).text
    assert hot.text == sample_text(model, trained.alphabet, "she ", 40, 1.5, seed=3).text
    assert greedy.temperature == 0 and greedy.text == sample_text(model, trained.alphabet, "she ", 40,
                                                                   greedy=True).text


def test_a_bad_sample_request_ends_with_its_message(layer, trained):  # the page checks before it asks
    with pytest.raises(ValueError, match="not in the model's alphabet"):
        layer.call("text_sample", SampleSpec(trained.config, trained.alphabet, trained.weights, "XYZ", 10,
                                             (1.0,), 0, 0))


def test_a_text_is_read_in_a_worker(layer, trained):
    reading = layer.call("text_read", ReadSpec(trained.config, trained.alphabet, trained.weights,
                                               "the sea shells", 30))
    assert reading.connectivity.shape == (14, 14) and reading.trace.step == 30
    assert np.all(reading.connectivity[np.triu_indices(14, 1)] == 0)
    assert {"position in line", "vowel", "space"} <= set(reading.units.feature)
