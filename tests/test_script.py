"""The exported script (explorer/script.py) trains the same run as the app, in a process of its own."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from explorer.__main__ import main
from explorer.config import Limits, RunConfig
from explorer.script import ExportError, run_script
from explorer.train import Trainer

# Runs the script as __main__ with the project and the app's other libraries unimportable (as if
# not installed: None in sys.modules): it may use torch, numpy and the standard library only.
ISOLATED = """
import runpy, sys
for name in ("explorer", "streamlit", "plotly", "pandas", "tqdm", "safetensors"):
    sys.modules[name] = None
runpy.run_path(sys.argv[1], run_name="__main__")
"""

CONFIGS = {
    "gru-parity": RunConfig(cell="gru", task="parity", seq_len=8, hidden_size=8, steps=25),
    "lstm-adding-2-layers": RunConfig(cell="lstm", task="adding", seq_len=12, hidden_size=8, num_layers=2,
                                      dropout=0.2, init="orthogonal", spectral_radius=0.9, forget_bias=1.0,
                                      steps=25),
    "relu-sine-sgd-unclipped": RunConfig(cell="rnn_relu", task="sine", seq_len=16, hidden_size=8,
                                         optimizer="sgd", lr=0.03, clip=False, steps=25),
    "tanh-copy-identity": RunConfig(cell="rnn_tanh", task="copy", seq_len=5, hidden_size=8,
                                    init="identity", steps=20),
    "lstm-sentiment-bidirectional": RunConfig(cell="lstm", task="sentiment", seq_len=12, hidden_size=8,
                                              bidirectional=True, steps=20),
    "gru-mod3": RunConfig(cell="gru", task="mod3", seq_len=6, hidden_size=8, batch_size=16, steps=20),
    "gru-names": RunConfig(cell="gru", task="names", seq_len=12, hidden_size=8, steps=20),
    "lstm-tagging-bidirectional": RunConfig(cell="lstm", task="tagging", seq_len=12, hidden_size=8,
                                            bidirectional=True, steps=20),
}


def held_out(output: str) -> tuple[float, float]:
    loss = re.search(r"^held-out loss (\S+)$", output, re.M)
    metric = re.search(r"^held-out (?:accuracy|mse) (\S+)$", output, re.M)
    assert loss and metric, output
    return float(loss.group(1)), float(metric.group(1))


@pytest.mark.parametrize("name", CONFIGS)
def test_the_exported_script_prints_the_apps_held_out_loss(name, tmp_path):
    config = CONFIGS[name]
    trainer = Trainer(config)
    for _ in trainer.fit():
        pass
    loss, metric = trainer.evaluate()
    script = tmp_path / "run.py"
    script.write_text(run_script(config))
    done = subprocess.run([sys.executable, "-I", "-c", ISOLATED, str(script)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    script_loss, script_metric = held_out(done.stdout)
    assert script_loss == pytest.approx(loss, abs=1e-4)
    assert script_metric == pytest.approx(metric, abs=1e-4)


def test_the_script_carries_the_tasks_worked_example_and_sampler():
    text = run_script(CONFIGS["gru-parity"])
    assert '#     x = [1, 0, 1, 1, 2, 2]      i.e. "1011__"' in text  # parity's docstring, as comments
    assert "def sample(rng: np.random.Generator, batch_size: int, seq_len: int) -> Batch:" in text
    assert "TASK = Task(" not in text and "from explorer" not in text and "def baseline" not in text
    assert "self.rnn = nn.GRU(EMBEDDING_SIZE, HIDDEN_SIZE" in text
    compile(text, "run.py", "exec")


def test_every_task_is_exported_here_or_refused_with_a_reason():
    """A new task joins CONFIGS (its script checked against the app), or says why it has no script."""
    from explorer.tasks import TASKS

    covered = {config.task for config in CONFIGS.values()}
    for name, task in TASKS.items():
        if name in covered:
            continue
        with pytest.raises(ExportError, match=f"The task '{name}' builds its data with more of the app"):
            run_script(RunConfig(task=name, seq_len=task.default_seq_len))


def test_a_cell_torch_has_no_layer_for_is_refused_with_a_reason():
    refusal = r"The Jordan network \(output fed back\) trains on the app's own recurrent layer"
    with pytest.raises(ExportError, match=refusal):
        run_script(RunConfig(cell="jordan", task="sine"))
    with pytest.raises(ExportError, match="Hidden size must be between"):
        run_script(RunConfig(hidden_size=0))
    long = RunConfig(steps=50_000, hidden_size=4)  # beyond the default limit, within this server's
    with pytest.raises(ExportError, match="Steps must be between 1 and 20000"):
        run_script(long)
    assert "STEPS = 50000" in run_script(long, Limits(max_steps=100_000))


def test_the_cli_writes_the_script_before_training(tmp_path, capsys):
    target = tmp_path / "adding.py"
    assert main(["train", "--steps", "3", "--hidden-size", "4", "--quiet", "--export", str(target)]) == 0
    assert "held-out loss" in target.read_text()
    assert main(["train", "--steps", "20000", "--quiet", "--export", str(tmp_path / "x.txt")]) == 2
    assert "--export needs a file name ending in .py" in capsys.readouterr().err
    assert main(["train", "--cell", "jordan", "--task", "sine", "--quiet", "--export", str(target)]) == 2
    assert "Nothing was trained:\n  The Jordan network (output fed back) trains on" in capsys.readouterr().err
