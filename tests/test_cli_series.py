"""`python -m explorer train --task series`: a CSV forecast headless, beside baselines on the same windows."""

import json

import numpy as np
import pytest

from explorer.__main__ import main
from explorer.forecast.generated import generate


def write_csv(path, values: np.ndarray) -> None:
    rows = [f"{1000 + t},{v:.6f}" for t, v in enumerate(values)]
    path.write_text("hour,load\n" + "\n".join(rows) + "\n")


def test_a_csv_forecast_prints_the_model_and_its_baselines(tmp_path, capsys):
    data = tmp_path / "load.csv"
    write_csv(data, generate("oscillator", n=400).array())
    code = main(["train", "--task", "series", "--data", str(data), "--column", "load", "--time-column",
                 "hour", "--horizon", "6", "--cell", "gru", "--seq-len", "24", "--hidden-size", "8",
                 "--steps", "30", "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "finished" and result["steps"] == 30
    assert result["series"] == "load.csv: load" and result["points"] == 400 and result["horizon"] == 6
    for name in ("forecast_mse", "persistence_mse", "seasonal_naive_mse", "linear_ar_mse",
                 "validation_forecast_mse"):
        assert np.isfinite(result[name]) and result[name] > 0
    steps = result["per_step"]
    assert len(steps["model"]["mse"]) == 6
    assert result["forecast_mse"] == pytest.approx(np.mean(steps["model"]["mse"]))
    assert result["persistence_mse"] == pytest.approx(np.mean(steps["persistence"]["mse"]))


def test_a_bad_file_exits_2_naming_line_and_column(tmp_path, capsys):
    data = tmp_path / "bad.csv"
    data.write_text("t,load\n" + "".join(f"{t},{t}\n" for t in range(30)) + "30,oops\n")
    assert main(["train", "--task", "series", "--data", str(data), "--column", "load"]) == 2
    assert "Line 32, column 2 ('load'): 'oops' is not a number" in capsys.readouterr().err


def test_series_flags_with_another_task_are_refused(capsys):
    assert main(["train", "--task", "adding", "--column", "load"]) == 2
    assert "--column: read only with --task series." in capsys.readouterr().err
