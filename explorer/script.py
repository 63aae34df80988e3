"""A run as one standalone PyTorch script: torch and numpy only, for homework.

    text = run_script(RunConfig(cell="gru", task="parity", seq_len=8, steps=200))
    Path("parity_gru.py").write_text(text)      # python parity_gru.py prints the held-out loss

The script builds the same model, samples the same data (same seed), trains the same steps
and prints the same held-out loss as `explorer.train.Trainer` (to 1e-4 on CPU;
tests/test_script.py runs it in a fresh process with only torch and numpy importable). Its
parts are the app's own code, read with `inspect.getsource`: the task's module (its docstring
with the worked example, its sampler and helpers), the loss and metric, the initialization, the
many-to-one read-out. What is written here is the glue: the settings, the model class for
torch.nn's own layer and the training loop, mirroring `SequenceModel` and `Trainer.step`.

Cells that torch.nn has no layer for (the Jordan network, the LSTM's ablations, custom cells)
train on `explorer.recurrence.SpecRNN`, which is not a standalone module: they are refused
with an `ExportError` that says so.
"""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap
import threading

from explorer import models, objectives, train
from explorer.cells import resolve
from explorer.config import Limits, RunConfig
from explorer.inits import INITS, set_spectral_radius
from explorer.schema import settings
from explorer.tasks import TASKS
from explorer.tasks.base import Batch

HELD_OUT = 256  # Trainer.evaluate's batch


class ExportError(ValueError):
    """A run that cannot be written as a standalone script; the message says why."""


def run_script(cfg: RunConfig, limits: Limits | None = None) -> str:
    """The whole script for one run, as text; `cfg` is checked against `limits` (the server's).
    Built once per (cfg, limits) and one at a time: a finished run's panel offers it on every
    redraw, and `ast.parse` in two threads at once trips CPython 3.11 ("SystemError: AST
    constructor recursion depth mismatch", seen with a classroom of sessions)."""
    with _ONE_AT_A_TIME:
        return _built(cfg, limits)


_ONE_AT_A_TIME = threading.Lock()


@functools.lru_cache(maxsize=128)
def _built(cfg: RunConfig, limits: Limits | None) -> str:
    problems = cfg.validate(limits)
    if problems:
        raise ExportError(" ".join(problems))
    spec = resolve(cfg.cell, cfg.custom_cell)
    if not spec.fused:
        raise ExportError(f"The {spec.title} trains on the app's own recurrent layer, not a torch.nn one; "
                          "a standalone script can be written for RNN (tanh, ReLU), LSTM and GRU runs.")
    task = TASKS[cfg.task]
    if helpers := _app_imports(task):
        raise ExportError(f"The task '{task.name}' builds its data with more of the app "
                          f"({', '.join(helpers)}); a standalone script can be written for tasks "
                          "written in one file.")
    parts = [_header(cfg, task), _settings(cfg), _section("The task", _task_source(task)),
             _section("Loss and metric", _objective_source(task)),
             _section("The model", _model_source(cfg, task, spec)),
             _section("Initialization", _init_source(cfg, spec)),
             _section("Training", _LOOP)]
    return "\n\n\n".join(parts).rstrip() + "\n"


def script_name(cfg: RunConfig) -> str:
    """The file name a run's script is offered under."""
    return f"{cfg.cell}_{cfg.task}_seed{cfg.seed}.py"


IMPORTS = """from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn import functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence"""  # every script's


def _header(cfg: RunConfig, task) -> str:
    query = "&".join(f"{k}={v}" for k, v in cfg.to_query().items()) or "(the defaults)"
    return (f'"""RNN Explorer run as a standalone PyTorch script: {cfg.cell} on {task.title.lower()}.\n\n'
            f"Needs only torch and numpy: python {script_name(cfg)}\n"
            "It samples the task's data from numpy's generator seeded with SEED, builds the model after\n"
            "torch.manual_seed(SEED), trains STEPS steps and prints the loss on a held-out batch: the\n"
            f"same number as the app's run of these settings on a CPU.\n\nApp settings: {query}\n"
            '"""\n\n' + IMPORTS)


def _settings(cfg: RunConfig) -> str:
    """The run's settings as constants, each with its label and help from the settings schema."""
    meta = settings(RunConfig)
    names = ("hidden_size", "num_layers", "bidirectional", "dropout", "embedding_size", "seq_len",
             "optimizer", "lr", "momentum", "batch_size", "clip", "clip_norm", "steps", "seed")
    lines = [textwrap.indent(textwrap.fill(f"{meta[name].label}: {meta[name].help}", 86), "# ")
             + f"\n{name.upper()} = {getattr(cfg, name)!r}" for name in names]
    return _section("Settings", "\n".join(lines))


def _section(title: str, body: str) -> str:
    return f"# ---- {title} " + "-" * (88 - len(title)) + "\n\n" + body.strip()


def _task_source(task) -> str:
    """The task's module without its registry entry, baseline and imports: its docstring (the worked
    example) as comments, its constants, helpers and sampler; the Batch it returns first."""
    module = inspect.getmodule(task.sample)
    source = inspect.getsource(module)
    tree = ast.parse(source)
    lines = source.splitlines()
    drop: set[int] = set()
    for node in tree.body:
        is_docstring = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        is_entry = isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "TASK" for t in node.targets)
        if is_docstring or is_entry or isinstance(node, (ast.Import, ast.ImportFrom)) or (
                isinstance(node, ast.FunctionDef) and node.name == "baseline"):
            start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
            drop.update(range(start - 1, node.end_lineno))
    body = "\n".join(line for i, line in enumerate(lines) if i not in drop)
    imports = [ast.get_source_segment(source, node) for node in tree.body  # the standard library's
               if isinstance(node, (ast.Import, ast.ImportFrom))
               and _library(node) not in ("explorer", "__future__")]
    body = "\n".join(line for line in imports if line not in IMPORTS) + "\n\n" + body
    docstring = textwrap.indent(ast.get_docstring(tree) or "", "# ", lambda line: True)
    docstring = "\n".join(line.rstrip() for line in docstring.splitlines())
    batch = "@dataclass(frozen=True)\n" + inspect.getsource(Batch).split("\n", 1)[1]
    return f"{docstring}\n\n\n{batch}\n\n{_squeeze(body)}"


def _library(node: ast.Import | ast.ImportFrom) -> str:
    """The top-level package an import statement reads from."""
    name = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
    return (name or "").split(".")[0]


def _app_imports(task) -> list[str]:
    """The app's modules a task's module imports besides the task contract (the script has no app)."""
    tree = ast.parse(inspect.getsource(inspect.getmodule(task.sample)))
    return [node.module for node in tree.body if isinstance(node, ast.ImportFrom) and node.module
            and node.module.split(".")[0] == "explorer" and node.module != "explorer.tasks.base"]


def _squeeze(text: str) -> str:
    """No more than two blank lines in a row (where removed parts were)."""
    while "\n\n\n\n" in text:
        text = text.replace("\n\n\n\n", "\n\n\n")
    return text.strip()


def _objective_source(task) -> str:
    objective = objectives.OBJECTIVES[task.target_kind]
    functions = dict.fromkeys([objectives._select, objective.loss, objective.metric, train._step_mask,
                               train._metric_mask])
    body = "\n\n".join(inspect.getsource(f) for f in functions)
    dtype = "torch.long" if task.target_kind == "class" else "torch.float32"
    return (f"{body}\n\nloss_fn, metric_fn = {objective.loss.__name__}, {objective.metric.__name__}\n"
            f"TARGET_DTYPE = {dtype}")


def _model_source(cfg: RunConfig, task, spec) -> str:
    kwargs = "".join(f", {k}={v!r}" for k, v in spec.module_kwargs.items())
    if task.input_kind == "tokens":
        encoder = f"nn.Embedding({task.input_size}, EMBEDDING_SIZE)  # token id -> vector"
        width = "EMBEDDING_SIZE"
    else:
        encoder, width = "nn.Identity()  # the task's numbers enter as they are", str(task.input_size)
    read_out = ("self.head(output)  # (B, T, O): a prediction at every step"
                if task.output == "many_to_many" else
                "self.head(final_states(output, lengths, HIDDEN_SIZE))  # (B, O): one per sequence")
    many = task.output == "many_to_many"
    return f'''MANY_TO_MANY = {many!r}  # {"a target at every step" if many else "one target per sequence"}


{inspect.getsource(models.final_states)}

class Model(nn.Module):
    """Input encoding -> torch.nn.{spec.cell.torch_module} -> a linear head. Batch-first: x is (B, T)
    token ids or (B, T, F) values. Variable-length batches are packed, so padding never
    reaches the recurrence."""

    def __init__(self):
        super().__init__()
        self.encoder = {encoder}
        self.rnn = nn.{spec.cell.torch_module}({width}, HIDDEN_SIZE, num_layers=NUM_LAYERS,
                           bidirectional=BIDIRECTIONAL, dropout=DROPOUT if NUM_LAYERS > 1 else 0.0,
                           batch_first=True{kwargs})
        self.head = nn.Linear(HIDDEN_SIZE * (2 if BIDIRECTIONAL else 1), {task.output_size})

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        inputs = self.encoder(x)  # (B, T, F)
        if lengths is None:
            output, _ = self.rnn(inputs)  # (B, T, D*H)
        else:
            packed = pack_padded_sequence(inputs, lengths, batch_first=True, enforce_sorted=False)
            output, _ = self.rnn(packed)
            output, _ = pad_packed_sequence(output, batch_first=True, total_length=inputs.shape[1])
        return {read_out}'''


def _init_source(cfg: RunConfig, spec) -> str:
    """The init's own function, the spectral radius and the forget-gate bias, as the run uses them."""
    parts, calls = [], []
    init = INITS[cfg.init].apply
    if cfg.init != "default":
        parts.append(inspect.getsource(init))
        calls.append(f"{init.__name__}(module)")
    if cfg.spectral_radius > 0:
        parts.append(inspect.getsource(set_spectral_radius))
        calls.append(f"set_spectral_radius(module, {cfg.spectral_radius!r})")
    if cfg.forget_bias is not None and "f" in spec.blocks:
        parts.append(_FORGET_BIAS.format(index=spec.blocks.index("f"), order=", ".join(spec.blocks)))
        calls.append(f"set_forget_bias(module, {cfg.forget_bias!r})")
    doc = ("PyTorch's own init: every weight and bias U(-1/√H, 1/√H); nothing to change."
           if not calls else "The app's settings, applied to the recurrent layer after PyTorch's init.")
    body = "".join(f"\n    {call}" for call in calls)
    return "\n\n".join([*parts, f'def initialize(module: nn.Module) -> None:\n    """{doc}"""{body}\n'])


_FORGET_BIAS = '''@torch.no_grad()
def set_forget_bias(module: nn.Module, value: float) -> None:
    """b_if + b_hf = value (b_ih carries it, b_hh's forget block is zeroed)."""
    h = module.hidden_size
    rows = slice({index} * h, {index} * h + h)  # the forget gate's block; blocks stacked {order}
    for name, p in module.named_parameters():
        if name.startswith("bias_ih"):
            p.data[rows] = value
        elif name.startswith("bias_hh"):
            p.data[rows] = 0.0
'''

_LOOP = f'''def tensors(batch: Batch):
    """x, y, lengths and the loss mask of a numpy batch, as tensors."""
    x = torch.as_tensor(batch.x)
    y = torch.as_tensor(batch.y, dtype=TARGET_DTYPE)
    lengths = None if batch.lengths is None else torch.as_tensor(batch.lengths)
    mask = _step_mask(batch, batch.loss_mask) if MANY_TO_MANY else None
    return x, y, lengths, None if mask is None else torch.as_tensor(mask)


def main() -> None:
    torch.manual_seed(SEED)  # the same initial weights as the app
    model = Model()
    initialize(model.rnn)
    if OPTIMIZER == "adam":
        optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    else:
        optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    data = np.random.default_rng(SEED)  # the same training batches as the app

    for step in range(1, STEPS + 1):
        model.train()
        batch = sample(data, BATCH_SIZE, SEQ_LEN)
        x, y, lengths, mask = tensors(batch)
        loss = loss_fn(model(x, lengths), y, mask)
        optimizer.zero_grad(set_to_none=True)
        if not math.isfinite(loss.item()):
            print(f"step {{step}}: the loss became infinite or NaN; clip the gradient or lower the rate.")
            return
        loss.backward()
        params = [p for p in model.parameters() if p.grad is not None]
        # the norm of the whole gradient; clipping rescales it to at most CLIP_NORM
        grad_norm = nn.utils.clip_grad_norm_(params, CLIP_NORM if CLIP else math.inf)
        if not math.isfinite(grad_norm.item()):
            print(f"step {{step}}: the gradient became infinite or NaN; clip it or lower the rate.")
            return
        optimizer.step()
        if step % 100 == 0 or step == STEPS:
            print(f"step {{step:>6}}  loss {{loss.item():.4f}}")

    # held-out data: a generator of its own, never trained on
    model.eval()
    batch = sample(np.random.default_rng([SEED, 2]), {HELD_OUT}, SEQ_LEN)
    x, y, lengths, mask = tensors(batch)
    with torch.no_grad():
        pred = model(x, lengths)
        loss = float(loss_fn(pred, y, mask))
        metric = float(metric_fn(pred, y, _metric_mask(batch, mask, "cpu")))
    print(f"held-out loss {{loss:.6f}}")
    print(f"held-out {{metric_fn.__name__.strip('_')}} {{metric:.6f}}")


if __name__ == "__main__":
    main()
'''
