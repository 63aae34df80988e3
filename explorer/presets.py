"""Named starting points, kept as data: a title, what it shows, and the settings it changes.

A preset is a set of `RunConfig` field overrides; everything else keeps its default. It names
the pages it belongs to (`pages`: train, gradients, race), and each page lists only its own
presets (`presets_for`), in order.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from explorer.config import RunConfig


@dataclass(frozen=True)
class Preset:
    title: str
    lesson: str  # one or two sentences: what to look for
    overrides: tuple[tuple[str, Any], ...]
    pages: tuple[str, ...]  # the pages that list it
    cells: tuple[str, ...] = ()  # a race preset's cells (the Race page selects them); () keeps the choice

    def config(self) -> RunConfig:
        return replace(RunConfig(), **dict(self.overrides))


def _preset(title: str, lesson: str, pages: tuple[str, ...] = ("train",), cells: tuple[str, ...] = (),
            **overrides: Any) -> Preset:
    return Preset(title, lesson, tuple(overrides.items()), pages, cells)


def presets_for(page: str) -> dict[str, Preset]:
    """The presets a page lists, in order."""
    return {name: preset for name, preset in PRESETS.items() if page in preset.pages}


PRESETS: dict[str, Preset] = {
    "quick-start": _preset(
        "Quick start: LSTM on the adding problem, T=10",
        "The loss drops well below the dashed 'predict 1' line within a few hundred steps: "
        "the LSTM has learned to remember the two marked numbers.",
    ),
    "lstm-remembers": _preset(
        "LSTM remembers: adding, T=100",
        "The markers are up to 100 steps apart. The LSTM's cell state carries them across; "
        "a forget-gate bias of 1 makes it keep things by default, so it learns dependably.",
        cell="lstm", task="adding", seq_len=100, hidden_size=64, batch_size=64, lr=3e-3,
        forget_bias=1.0, steps=3000, probe_every=25,
    ),
    "rnn-forgets": _preset(
        "Vanilla RNN forgets: adding, T=100",
        "Same task, same settings, a tanh RNN: the loss sits on the 'predict 1' line. The "
        "gradient from the end never reaches the first marker — it shrinks at every step back.",
        cell="rnn_tanh", task="adding", seq_len=100, hidden_size=64, batch_size=64, lr=3e-3,
        steps=3000, probe_every=25,
    ),
    "parity-gru": _preset(
        "GRU counts: parity of up to 20 bits",
        "Parity needs every bit: one flip changes the answer. Trained on lengths 1–20, the GRU "
        "learns to flip a unit back and forth — watch it in the hidden-state heatmap.",
        cell="gru", task="parity", seq_len=20, hidden_size=32, lr=1e-2, steps=1000,
    ),
    "sentiment-lstm": _preset(
        "Reading order: toy sentiment with 'but' and 'not'",
        "The label depends on the last clause and on negation, so the network must read in order.",
        cell="lstm", task="sentiment", seq_len=20, hidden_size=32, lr=1e-2, steps=800,
    ),
}

# The gradients lab and the race (pages/gradients.py, pages/race.py). Their steps, hidden sizes
# and learning rates are stops of RunConfig's sliders.
_T50 = dict(task="adding", seq_len=50, hidden_size=32, batch_size=32, lr=3e-3, steps=300)
PRESETS.update({
    "lab-vanishing": _preset(
        "Vanishing: tanh RNN at PyTorch's default init, T=50",
        "Each step back multiplies the gradient by about the spectral radius of W_hh (≈ 0.6 here): "
        "after 50 steps only about 1e-11 of it is left, so the first marked number is never learned.",
        pages=("gradients",),
        cell="rnn_tanh", **_T50,
    ),
    "lab-orthogonal": _preset(
        "The bound: tanh RNN, orthogonal W_hh scaled to 0.9",
        "Every singular value of W_hh is 0.9, and |tanh'| ≤ 1, so the gradient k steps back is at "
        "most 0.9^k of the last one: in 'Why it vanishes' the measured line stays under the bound.",
        pages=("gradients",),
        cell="rnn_tanh", init="orthogonal", spectral_radius=0.9, **_T50,
    ),
    "lab-forget-bias": _preset(
        "LSTM: the forget-gate bias keeps the cell's gradient",
        "With a forget-gate bias of 2 the forget gate starts near 0.88 and ‖dL/dc_t‖ stays within a few "
        "decades across 50 steps. Set the bias to PyTorch's default (f ≈ 0.5) and it vanishes "
        "like a tanh RNN's.",
        pages=("gradients",),
        cell="lstm", forget_bias=2.0, **_T50,
    ),
    "exploding": _preset(
        "Exploding: tanh RNN, spectral radius 1.5, no clipping",
        "W_hh stretches the state by up to 1.5 per step, so the gradient grows with every step "
        "back through time until it overflows. Turn clipping on and the same run survives.",
        pages=("train", "gradients"),
        cell="rnn_tanh", task="adding", seq_len=100, hidden_size=64, spectral_radius=1.5,
        clip=False, optimizer="sgd", lr=0.1, seed=1, steps=300,
    ),
    "exploding-clipped": _preset(
        "Exploding, clipped at 1.0: the same run survives",
        "The 'Exploding' run with clipping on: the gradient norm still spikes (× marks each step where "
        "clipping acted), but every update is scaled down to norm 1 and the run does not diverge.",
        pages=("gradients",),
        cell="rnn_tanh", task="adding", seq_len=100, hidden_size=64, spectral_radius=1.5,
        clip=True, clip_norm=1.0, optimizer="sgd", lr=0.1, seed=1, steps=300,
    ),
    "lab-irnn": _preset(
        "IRNN: ReLU RNN with identity W_hh",
        "W_hh = I and ReLU' = 1 for active units, so each step back passes the gradient on almost "
        "unchanged: no vanishing at initialization. It trains less stably than an LSTM.",
        pages=("gradients",),
        cell="rnn_relu", init="identity", **_T50,
    ),
    "classic-adding": _preset(
        "The classic result: adding problem, T=100",
        "LSTM and GRU fall below MSE 0.05 while a tanh RNN stays on the 'predict 1' line (MSE 1/6). "
        "A forget-gate bias of 1 starts the LSTM's forget gate near 0.73 instead of 0.5, so the "
        "gradient along its cell state reaches the first marker from the start; learning rate 1e-2 "
        "with clipping at 1 gets it off the baseline plateau within 600–1000 steps on seeds 0, 1 and 2 "
        "(GRU: ~200). At PyTorch's defaults (bias ≈ 0, lr 1e-3) an LSTM can sit at 1/6 for thousands.",
        pages=("gradients", "race"),
        task="adding", seq_len=100, hidden_size=64, batch_size=64, lr=1e-2, forget_bias=1.0,
        clip=True, clip_norm=1.0, steps=2000, probe_every=20,
    ),
    "race-quick": _preset(
        "Quick race: adding problem, T=20",
        "A small race that ends in seconds. The gated cells leave the 'predict 1' line first; at this "
        "short length the tanh RNN may follow later. Pick the classic result for the real contrast.",
        pages=("race",),
        task="adding", seq_len=20, hidden_size=32, batch_size=32, lr=1e-2, forget_bias=1.0, steps=300,
        probe_every=10,
    ),
    # cells as data: races whose lesson is the cell itself (measured on seed 0, 2 CPU cores)
    "race-ablations": _preset(
        "The LSTM's ablations: adding problem, T=50",
        "Greff et al. (\"LSTM: A Search Space Odyssey\", 2017) removed one part of the LSTM at a time on "
        "speech, handwriting and music: removing the forget gate (NFG) or the output activation (NOAF) "
        "hurt most, while coupling the input and forget gates (CIFG) cost little. Our run (seed 0): "
        "CIFG MSE 0.0005, NOAF 0.0039, LSTM 0.033 (still falling), NFG 0.166: it never leaves the "
        "'predict 1' line, its cell state only accumulates. NOAF did not hurt on this small task.",
        pages=("race",),
        cells=("lstm", "lstm_cifg", "lstm_nfg", "lstm_noaf"),
        task="adding", seq_len=50, hidden_size=32, batch_size=32, lr=1e-2, forget_bias=1.0, steps=500,
        probe_every=20,
    ),
    "race-jordan-sine": _preset(
        "Jordan vs Elman: the sine's next value, T=20",
        "The Jordan network feeds back its output y, not its hidden state. For a sine that is nearly "
        "enough: y_{t-1} is the last prediction, close to x_t, so at first it says little about the "
        "wave's speed; with a large step the network learns to carry it in y's small errors. Our run "
        "(seed 0, 3000 steps): Elman MSE 0.00046, Jordan 0.0034, both well under the 'repeat the last "
        "value' line (0.0087); the Elman network, with all 64 units fed back, goes seven times lower.",
        pages=("race",),
        cells=("rnn_tanh", "jordan"),
        task="sine", seq_len=20, hidden_size=64, batch_size=32, lr=3e-2, clip=False, steps=3000,
        probe_every=30,
    ),
    "race-jordan-adding": _preset(
        "Jordan vs Elman: the adding problem, T=10",
        "Here output feedback is a poor memory: all that reaches the next step is y_{t-1}, one number "
        "that is also the answer, passed through tanh every step with the new input. The Elman network "
        "keeps all 32 units of h. Our run (seed 0, 1000 steps): Elman MSE 0.0072, Jordan 0.099 (the "
        "'predict 1' line is 0.167).",
        pages=("race",),
        cells=("rnn_tanh", "jordan"),
        task="adding", seq_len=10, hidden_size=32, batch_size=32, lr=1e-2, steps=1000, probe_every=20,
    ),
})
