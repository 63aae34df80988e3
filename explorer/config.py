"""`RunConfig`: every setting of one training run, in one frozen block.

Primitive fields only, so a config is a cache key and a URL. Each field carries its `setting`
(explorer/schema.py: label, help, choices, bounds, slider steps), which the widgets, the URL, the
CLI and the README's table all read. Vary a config with `dataclasses.replace`; check it with
`validate()`, which returns messages a person understands (empty when all is well).
`to_query` / `from_query` give the share-link form. `Limits` (explorer/limits.py) bounds every
run on a server.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from explorer import schema
from explorer.cells import CELLS, built_in
from explorer.checks import brief, type_problems
from explorer.inits import INITS
from explorer.limits import Limits as Limits  # where most callers look for it
from explorer.optimizers import OPTIMIZERS
from explorer.schema import setting
from explorer.tasks import TASKS

DEVICES = ("auto", "cpu", "cuda")


def _cell(values) -> Any:
    return CELLS.get(values["cell"])


def _seq_len_bounds(values, limits) -> tuple[int, int] | None:
    task = TASKS.get(values["task"])
    if task is None:
        return None
    return task.min_seq_len, min(task.max_seq_len, (limits or Limits()).max_seq_len)


def _corpora(values) -> tuple[str, ...]:
    from explorer.text.corpora import CORPORA

    return tuple(CORPORA)


def _corpus_title(name: str) -> str:
    from explorer.text.corpora import CORPORA

    return CORPORA[name].title if name in CORPORA else f"your text ({name})"


def _devices(values) -> tuple[str, ...]:
    import torch

    return DEVICES if torch.cuda.is_available() else DEVICES[:2]


@dataclass(frozen=True)
class RunConfig:
    # model
    cell: str = setting(
        "lstm", "Cell", "The recurrence: a vanilla RNN squashes everything through one tanh (or ReLU); "
        "LSTM and GRU add gates that decide what to keep and what to forget.", section="Model",
        choices=lambda: (*built_in(), "custom"), options=lambda v: built_in(), fmt=lambda c: CELLS[c].title,
        order=2)
    custom_cell: str = setting(
        "", "Custom cell", "With cell 'custom': its equations in the custom cell language (text, never "
        "code; the Your cell page writes it).")
    hidden_size: int = setting(
        32, "Hidden units", "The size of h_t, the network's memory. More units remember more but train "
        "slower.", section="Model", steps=(4, 8, 16, 32, 64, 128, 256),
        bounds=lambda v, lim: (1, (lim or Limits()).max_hidden_size))
    num_layers: int = setting(
        1, "Layers", "Stacked layers: each reads the sequence of states of the one below.", section="Model",
        steps=(1, 2, 3, 4), bounds=(1, 4), shown=lambda v: not (_cell(v) and _cell(v).owns_head))
    bidirectional: bool = setting(
        False, "Bidirectional", "Also read the sequence backwards; the head sees both directions' states "
        "side by side.", section="Model", shown=lambda v: not (_cell(v) and _cell(v).owns_head))
    dropout: float = setting(
        0.0, "Dropout between layers", "Randomly zero states between stacked layers while training "
        "(torch.nn semantics).", section="Model", steps=(0.0, 0.1, 0.2, 0.3, 0.5), bounds=(0.0, 0.9),
        shown=lambda v: v["num_layers"] > 1)
    embedding_size: int = setting(
        16, "Embedding size", "Token tasks: the size of the learned vector per token.", bounds=(1, 256))
    init: str = setting(
        "default", "Initialization", "How W_hh starts. Orthogonal keeps every direction's length; "
        "identity (IRNN) copies the state forward unchanged.", section="Model", choices=lambda: INITS,
        options=lambda v: tuple(k for k, i in INITS.items() if i.applies_to(v["cell"])),
        fmt=lambda k: INITS[k].title)
    spectral_radius: float = setting(
        0.0, "Spectral radius of W_hh", "Rescale W_hh so its largest |eigenvalue| is this: below 1 "
        "gradients shrink at every step back in time, above 1 they can explode. 0 keeps the init's.",
        section="Model", steps=(0.0, 0.5, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0), bounds=(0.0, 5.0),
        fmt=lambda r: "as initialized" if r == 0 else f"{r:g}")
    forget_bias: float | None = setting(
        None, "Forget-gate bias", "Start the forget gate open (f ≈ σ(b)): the cell keeps what it holds by "
        "default, so gradients survive long spans. None keeps PyTorch's.", section="Model",
        steps=(None, 0.0, 0.5, 1.0, 2.0, 3.0), bounds=(-10.0, 10.0),
        message="Forget-gate bias must be between {low:g} and {high:g} (got {value:g}).",
        fmt=lambda b: "PyTorch default" if b is None else f"{b:g}",
        shown=lambda v: bool(_cell(v) and _cell(v).has_cell_state))
    # task
    task: str = setting(
        "adding", "Task", "What the network has to learn.", section="Task", choices=lambda: TASKS,
        fmt=lambda t: TASKS[t].title, order=1)
    seq_len: int = setting(
        10, "Sequence length", "How far back the network must remember (what it means varies per task): "
        "the longer, the harder for a vanilla RNN.", section="Task", bounds=_seq_len_bounds,
        message="Sequence length for '{task}' must be between {low} and {high}.",
        fallback=lambda v: TASKS[v["task"]].default_seq_len if v["task"] in TASKS else None)
    corpus: str = setting(
        "grammar", "Corpus", "The text to model, generated by our own code (the Text page also takes "
        "your own, named here by its hash).", section="Task", widget="select", options=_corpora,
        fmt=_corpus_title, shown=lambda v: v["task"] in TASKS and TASKS[v["task"]].on_corpus is not None,
        order=1)
    # training
    optimizer: str = setting(
        "adam", "Optimizer", "Adam adapts the step per weight; SGD with momentum is the classic.",
        section="Training", choices=lambda: OPTIMIZERS, fmt=lambda o: OPTIMIZERS[o].title)
    lr: float = setting(
        1e-2, "Learning rate", "Step size. Too high and the loss explodes; too low and it crawls.",
        section="Training", steps=(1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0), bounds=(1e-6, 10.0))
    momentum: float = setting(
        0.9, "Momentum", "SGD only: how much of the last step carries into the next.", section="Training",
        steps=(0.0, 0.5, 0.9, 0.95, 0.99), bounds=(0.0, 0.999), shown=lambda v: v["optimizer"] == "sgd")
    batch_size: int = setting(
        32, "Batch size", "Sequences per step: larger is smoother and slower.", section="Training",
        steps=(8, 16, 32, 64, 128, 256), bounds=lambda v, lim: (1, (lim or Limits()).max_batch_size))
    clip: bool = setting(
        True, "Clip gradients", "Rescale the gradient when its norm passes the threshold: the standard "
        "cure for exploding gradients (it does nothing for vanishing ones).", section="Training")
    clip_norm: float = setting(
        1.0, "Clip threshold", "The largest gradient norm allowed.", section="Training",
        steps=(0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0), bounds=(1e-3, 1e3), shown=lambda v: v["clip"])
    steps: int = setting(
        500, "Training steps", "How many batches to learn from.", section="Training",
        steps=(50, 100, 200, 300, 500, 1000, 2000, 3000, 5000, 10000),
        bounds=lambda v, lim: (1, (lim or Limits()).max_steps))
    seed: int = setting(
        0, "Seed", "Same seed, same data and initial weights: the same run, every time.", section="Training",
        bounds=(0, 2**31 - 1), step=1)
    device: str = setting(
        "auto", "Device", "Where training runs; auto picks a GPU when there is one.", section="Training",
        choices=lambda: DEVICES, options=_devices)
    # recording
    probe_every: int = setting(
        10, "Record every k steps", "How often the probe batch is recorded for the views inside the "
        "network.", section="Training", steps=(1, 2, 5, 10, 25, 50, 100), bounds=(1, 10_000))
    probe_size: int = setting(8, "Probe size", "Sequences in the probe batch.", bounds=(1, 64))

    def validate(self, limits: Limits | None = None) -> list[str]:
        """Human-readable problems with this config; empty when it can run. Each field's own
        checks are its setting's (explorer/schema.py); here, what spans fields."""
        if limits is not None and not isinstance(limits, Limits):
            raise TypeError(f"limits must be a Limits or None (got a {type(limits).__name__}).")
        limits = limits or Limits()
        problems = type_problems(self)
        if problems:  # the checks below compare values: they need the right types
            return problems
        problems = schema.problems(self, limits)
        if self.cell == "custom":
            from explorer.custom_cell import problems as custom_problems

            problems += custom_problems(self.custom_cell)
        elif ((cell := CELLS.get(self.cell)) and cell.owns_head
              and (self.num_layers > 1 or self.bidirectional)):
            problems.append(f"The {cell.title} has one layer, read forwards: "
                            "its output is fed back.")
        if self.cell != "custom" and self.custom_cell:  # else two equal runs would look different
            problems.append(f"Custom cell: equations are read only with cell 'custom' (the cell is "
                            f"{brief(self.cell)}); leave it empty.")
        known = self.init in INITS and self.cell in (*CELLS, "custom")
        if known and not INITS[self.init].applies_to(self.cell):
            problems.append(f"Initialization '{self.init}' applies only to vanilla RNNs.")
        if self.task in TASKS:
            problems += _corpus_problems(TASKS[self.task], self.corpus)
        if self.task in TASKS and self.seq_len * self.batch_size > limits.max_tokens_per_batch:
            problems.append(
                f"Sequence length × batch size is {self.seq_len * self.batch_size:,}; "
                f"the limit is {limits.max_tokens_per_batch:,}. Shorten one of them."
            )
        return problems

    def to_query(self) -> dict[str, str]:
        """The fields that differ from the defaults, as URL query parameters."""
        return schema.to_query(self)

    @classmethod
    def from_query(cls, params: Mapping[str, Any], base: RunConfig | None = None,
                   ) -> tuple[RunConfig, list[str]]:
        """Parse query parameters over `base` (default: the defaults); a bad value falls back, with a
        notice saying which, why and what is used instead. Unknown keys are other settings'."""
        return schema.from_query(base or cls(), params)


def _corpus_problems(task, corpus: str) -> list[str]:
    if task.on_corpus is not None:
        from explorer.text.corpus import corpus_problems

        return corpus_problems(corpus)
    if corpus != RunConfig.corpus:  # else two equal runs would look different
        return [f"Corpus: only a task that reads text reads one (the task is {brief(task.name)}); "
                f"leave it at {RunConfig.corpus}."]
    return []

