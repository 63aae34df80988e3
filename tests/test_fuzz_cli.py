"""Fuzz: hostile flags for `python -m explorer` — each ends at once with exit status 2 and a line
on stderr naming the flag or setting; never a traceback, never after training. Most run
in-process (`main(argv)`, no new `import torch`); a few as real subprocesses, several bad
flags to each."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import fuzz
import pytest
from hypothesis import given
from hypothesis import strategies as st

from explorer import __main__ as cli
from explorer.config import RunConfig
from explorer.schema import label as _label

pytestmark = pytest.mark.fuzz
ROOT = Path(__file__).resolve().parents[1]
FLAGS = {f.name: "--" + f.name.replace("_", "-") for f in fields(RunConfig)}
TYPED = {"int": ["abc", "", "1.5", "0x10", "1e3", "--"], "float": ["abc", "", "1,5", "--"]}
OUT_OF_RANGE = {
    "hidden_size": ["0", "-3", "513", "99999999999999999999"], "num_layers": ["0", "5"],
    "embedding_size": ["0", "257"], "batch_size": ["0", "100000"], "steps": ["0", "20001", "10" * 20],
    "seed": ["-1", str(2**31)], "probe_every": ["0", "10001"], "probe_size": ["0", "65"],
    "seq_len": ["0", "-5", "1001"], "lr": ["nan", "inf", "-inf", "0", "11", "1e-7", "1e999"],
    "momentum": ["-0.1", "1", "nan"], "dropout": ["-1", "0.95", "inf"], "clip_norm": ["0", "1e4", "nan"],
    "spectral_radius": ["-1", "5.5", "nan"], "forget_bias": ["nan", "11", "-inf"],
    "cell": ["transformer", "", "LSTM", "lstm;rm -rf /"], "task": ["nope", "", "adding "],
    "init": ["identity", "xavier"], "optimizer": ["ADAM", "rmsprop"], "device": ["gpu", "CPU", "tpu"],
}


def run_main(argv: list[str], capsys) -> tuple[int, str]:
    """main(argv)'s exit status (argparse's SystemExit included) and what it wrote to stderr."""
    try:
        code = cli.main(argv)
    except SystemExit as exit_:
        code = exit_.code
    captured = capsys.readouterr()
    return code, captured.err


LABELS = {"seq_len": "Sequence length", "forget_bias": "Forget-gate bias", "init": "nitialization"}


def names(err: str, field: str) -> bool:
    return any(name in err for name in (FLAGS[field], _label(field), field, LABELS.get(field, field)))


@pytest.fixture(autouse=True)
def never_trains_long(monkeypatch, tmp_path):
    """A generated flag set may be valid: it trains two steps, not the steps it asks for. And
    the process works in a scratch folder."""
    fit = cli.Trainer.fit
    monkeypatch.setattr(cli.Trainer, "fit", lambda self, steps=None: fit(self, min(2, self.cfg.steps)))
    monkeypatch.chdir(tmp_path)
    for variable in [v for v in os.environ if v.startswith("EXPLORER_")]:
        monkeypatch.delenv(variable)


def test_every_flag_with_a_bad_value_exits_2_naming_it(capsys):
    cases = [(name, value) for f in fields(RunConfig) for name, value in
             [(f.name, v) for v in TYPED.get(str(f.type).split(" ")[0], []) + OUT_OF_RANGE.get(f.name, [])]]
    for field, value in cases:
        code, err = run_main(["train", "--quiet", FLAGS[field] + "=" + value], capsys)
        fuzz.tried("cli")
        assert code == 2, (field, value, code)
        fuzz.assert_clear(err)
        assert names(err, field), f"{field}={value!r}: {err}"


def test_flags_that_do_not_exist_or_take_no_value_exit_2(capsys):
    for argv in (["train", "--hiden-size", "8"], ["train", "--clip=yes"], ["train", "--json=1"], [],
                 ["fit"], ["train", "--steps"], ["train", "--no-bidirectional=0"], ["limits", "--all"],
                 ["train", "--cell", "gru", "--cell"], ["train", "\0"]):
        code, err = run_main(argv, capsys)
        fuzz.tried("cli")
        assert code == 2, argv
        fuzz.assert_clear(err, "error")


def test_settings_that_clash_exit_2_naming_both(capsys):
    for argv, said in [(["--task", "sentiment", "--seq-len", "5"], "Sequence length for 'sentiment'"),
                       (["--cell", "lstm", "--init", "identity"], "applies only to vanilla RNNs"),
                       (["--task", "mod3", "--seq-len", "1000", "--batch-size", "512"], "Sequence length ×"),
                       (["--hidden-size", "512", "--num-layers", "4", "--bidirectional"], "parameters")]:
        code, err = run_main(["train", "--quiet", *argv], capsys)
        fuzz.tried("cli")
        assert code == 2, argv
        fuzz.assert_clear(err, said)


def test_a_bad_out_folder_is_refused_before_training(tmp_path, capsys):
    (tmp_path / "a file").write_text("x")
    for out in ["", " ", "/dev/full/x", "/dev/null", str(tmp_path / "a file"), str(tmp_path / "a file" / "x"),
                "/proc/self/x", "x" * 5000, "a\0b", "/sys/x"]:
        code, err = run_main(["train", "--quiet", "--steps", "20000", "--out", out], capsys)
        fuzz.tried("cli")
        assert code == 2, out
        fuzz.assert_clear(err, "Nothing was trained", "--out")


@fuzz.PROFILE
@given(field=st.sampled_from(sorted(FLAGS)), value=st.text(max_size=12) | st.integers().map(str)
       | st.floats().map(repr))
def test_any_value_for_any_flag_trains_or_says_why(field, value, capsys):
    argv = ["train", "--quiet", "--json", "--steps", "2", "--hidden-size", "4", "--batch-size", "4",
            FLAGS[field] + "=" + value]
    code, err = run_main(argv, capsys)
    fuzz.tried("cli")
    assert code in (0, 1, 2), (argv, code)
    if code == 2:
        fuzz.assert_clear(err)
        assert names(err, field) or "Sequence length" in err or "parameters" in err, (argv, err)


def run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("EXPLORER_")} | env
    return subprocess.run([sys.executable, "-m", "explorer", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120, env=environment | {"PYTHONPATH": str(ROOT)})


def test_real_processes_exit_2_at_once_naming_every_bad_flag():
    bad = {"hidden_size": "0", "lr": "nan", "seq_len": "-5", "batch_size": "99999",
           "steps": "0", "probe_every": "0", "clip_norm": "1e9", "momentum": "2", "dropout": "1"}
    done = run(["train", *[f"{FLAGS[k]}={v}" for k, v in bad.items()]])
    fuzz.tried("cli, subprocess", len(bad))
    assert done.returncode == 2 and not done.stdout
    fuzz.assert_clear(done.stderr)
    assert all(names(done.stderr, field) for field in bad), done.stderr
    for args in (["train", "--steps", "20000", "--out", "/dev/full/x"], ["train", "--hidden-size", "abc"]):
        done = run(args)
        fuzz.tried("cli, subprocess")
        assert done.returncode == 2 and not done.stdout, args
        fuzz.assert_clear(done.stderr, args[-2])
