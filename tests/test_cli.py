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


def test_list_names_every_cell_task_and_preset_from_the_registries(capsys):
    from explorer.cells import CELLS
    from explorer.presets import PRESETS
    from explorer.seq2seq import TASKS as SEQ2SEQ_TASKS
    from explorer.tasks import TASKS

    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    entries = {line.split()[0]: line for line in lines if line.startswith("  ")}
    for registry in (CELLS, TASKS, PRESETS, SEQ2SEQ_TASKS):
        for name, entry in registry.items():
            assert entry.title in entries[name]
    assert "  lstm_cifg" in "\n".join(lines) and "  exploding-clipped" in "\n".join(lines)


def test_a_preset_sets_the_run_and_explicit_flags_override_it(capsys):
    assert main(["train", "--preset", "parity-gru", "--steps", "3", "--hidden-size", "4", "--json"]) == 0
    config = json.loads(capsys.readouterr().out)["config"]
    # the preset's cell, task and length; the flags' steps and units
    assert config == {"cell": "gru", "hidden_size": "4", "task": "parity", "seq_len": "20", "steps": "3"}
    assert main(["train", "--preset", "exploding", "--clip", "--steps", "2", "--json"]) == 0
    config = json.loads(capsys.readouterr().out)["config"]
    assert config["spectral_radius"] == "1.5" and "clip" not in config  # the preset's clip=False overridden


def test_an_unknown_preset_is_refused_by_name(capsys):
    assert main(["train", "--preset", "nope", "--quiet"]) == 2
    assert "Unknown preset 'nope'. Choose one of: quick-start," in capsys.readouterr().err


def test_seq2seq_trains_headless_and_prints_exact_match_against_the_baseline(tmp_path, capsys):
    code = main(["seq2seq", "--task", "reverse", "--seq-len", "4", "--hidden-size", "8", "--steps", "5",
                 "--attention", "dot", "--json", "--out", str(tmp_path)])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "finished" and result["steps"] == 5
    assert 0 <= result["exact_match"] <= 1 and 0 <= result["baseline_exact_match"] <= 1
    rows = (tmp_path / "metrics.csv").read_text().splitlines()
    assert rows[0].startswith("step,loss,token_accuracy") and len(rows) == 6


def test_seq2seq_settings_and_out_are_checked_before_training(capsys):
    assert main(["seq2seq", "--hidden-size", "7", "--task", "nope", "--steps", "20000", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "use an even number" in err and "Unknown task 'nope'" in err
    assert main(["seq2seq", "--steps", "20000", "--quiet", "--out", __file__]) == 2
    assert capsys.readouterr().err.startswith("Nothing was trained:\n  --out ")
