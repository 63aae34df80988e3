"""`python -m explorer train`: headless runs."""

import json
import os

import numpy as np
import pytest

from explorer.__main__ import main
from explorer.trace import Trace


def test_train_prints_json_and_saves_metrics_and_trace(tmp_path, capsys):
    code = main(["train", "--cell", "gru", "--task", "parity", "--seq-len", "8", "--steps", "30",
                 "--hidden-size", "8", "--probe-every", "10", "--json", "--out", str(tmp_path)])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "finished" and result["steps"] == 30
    assert result["metric_name"] == "accuracy" and result["baseline_metric"] == 0.5
    assert 0 <= result["metric"] <= 1
    rows = (tmp_path / "metrics.csv").read_text().splitlines()
    assert rows[0].startswith("step,loss,metric") and len(rows) == 31
    trace = Trace.load(tmp_path / "trace.npz")
    assert trace.step == 30 and trace.cell_type == "gru" and np.isfinite(trace.grad_norm).all()


def test_train_summary_names_the_baseline(capsys):
    assert main(["train", "--steps", "5", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "baseline 0.1667" in out and out.startswith("status   finished")


def test_invalid_settings_exit_2_with_a_message(capsys):
    assert main(["train", "--hidden-size", "0", "--task", "nope"]) == 2
    err = capsys.readouterr().err
    assert "Hidden size must be between" in err and "Unknown task 'nope'" in err


def test_a_diverging_run_exits_1_and_explains(capsys):
    code = main(["train", "--cell", "rnn_tanh", "--seq-len", "100", "--hidden-size", "64",
                 "--spectral-radius", "1.5", "--no-clip", "--optimizer", "sgd", "--lr", "0.1",
                 "--seed", "1", "--steps", "100", "--quiet"])
    assert code == 1
    assert "became infinite or NaN" in capsys.readouterr().out


@pytest.mark.parametrize("out", ["", "   ", "/dev/full/x", __file__, "a\0b"])
def test_a_bad_out_folder_is_refused_before_any_training(out, capsys):
    assert main(["train", "--steps", "20000", "--quiet", "--out", out]) == 2  # would take minutes
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith("Nothing was trained:\n  --out ")


def test_an_unwritable_out_folder_is_refused(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    if os.access(locked, os.W_OK):
        pytest.skip("running as a user who can write anywhere")
    assert main(["train", "--quiet", "--out", str(locked / "run")]) == 2
    assert "cannot write there (Permission denied)" in capsys.readouterr().err


def test_invalid_limits_in_the_environment_stop_the_cli_with_their_names(monkeypatch, capsys):
    monkeypatch.setenv("EXPLORER_MAX_SECONDS", "nan")
    assert main(["train", "--steps", "5", "--quiet"]) == 2
    assert main(["limits"]) == 2
    err = capsys.readouterr().err
    assert err.count("EXPLORER_MAX_SECONDS='nan' is not accepted: max_seconds must be a number from 0.1") == 2
    monkeypatch.setenv("EXPLORER_MAX_SECONDS", "30")
    assert main(["limits"]) == 0
    assert "EXPLORER_MAX_SECONDS=30.0" in capsys.readouterr().out


def test_a_finite_blow_up_is_named_in_the_summary(capsys):
    assert main(["train", "--optimizer", "sgd", "--lr", "10", "--clip-norm", "1000", "--steps", "10",
                 "--hidden-size", "8", "--quiet"]) == 0
    assert "far above where it started" in capsys.readouterr().out
