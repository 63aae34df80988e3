"""`python -m explorer train`: headless runs."""

import json

import numpy as np

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
