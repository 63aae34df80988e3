"""Packing made visible: the final state of a padded batch with and without `pack_padded_sequence`.

A batch of sequences of unequal lengths is padded after each real length to T = max length.
Run the layer on the padded tensor and it keeps stepping through the padding: for a row of
length n < T, h_n is h_T, not h_n — the classic bug, silent because every shape is right.
Packed, row b stops at its own length: h_n[b] = h_{n_b}, and the layer does Σ n_b steps of work
instead of B·T (`PackedSequence.batch_sizes[t]`: the rows still running at step t).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.nn.utils.rnn import pack_padded_sequence

from explorer.cells import CELLS, FUSED_CELLS

INPUT_SIZE = 3
MAX_ROWS, MAX_LENGTH, MAX_HIDDEN = 8, 20, 16


@dataclass(frozen=True)
class PackingSpec:
    cell: str = "lstm"  # one of explorer.cells.FUSED_CELLS
    hidden_size: int = 6
    lengths: tuple[int, ...] = (7, 5, 3, 2)  # the real length of every row
    seed: int = 0  # weights and inputs

    def validate(self) -> list[str]:
        problems = [] if self.cell in FUSED_CELLS else [
            f"Unknown cell {self.cell!r}: one of {', '.join(FUSED_CELLS)}."]
        if not 1 <= self.hidden_size <= MAX_HIDDEN:
            problems.append(f"Hidden units must be between 1 and {MAX_HIDDEN}.")
        if not 1 <= len(self.lengths) <= MAX_ROWS:
            problems.append(f"Give between 1 and {MAX_ROWS} lengths (got {len(self.lengths)}).")
        if any(not 1 <= n <= MAX_LENGTH for n in self.lengths):
            problems.append(f"Every length must be a whole number between 1 and {MAX_LENGTH}.")
        return problems


def parse_lengths(text: str) -> tuple[tuple[int, ...], list[str]]:
    """"7, 5, 3" -> (7, 5, 3); problems in words for anything else."""
    parts = [p for p in text.replace(",", " ").split() if p]
    if not parts:
        return (), [f"Type the lengths of the rows, e.g. 7, 5, 3 (1 to {MAX_ROWS} numbers)."]
    if len(parts) > MAX_ROWS or any(not p.isdigit() or len(p) > 3 for p in parts):
        return (), [f"Lengths are 1 to {MAX_ROWS} whole numbers between 1 and {MAX_LENGTH}, separated by "
                    "commas or spaces."]
    return tuple(int(p) for p in parts), []


@dataclass(frozen=True)
class Packing:
    lengths: np.ndarray  # (B,)
    padded: np.ndarray  # (B, H) h_n of the layer run on the padded batch
    packed: np.ndarray  # (B, H) h_n of the packed batch
    batch_sizes: np.ndarray  # (T,) rows stepped at each time step when packed

    @property
    def gap(self) -> np.ndarray:
        """(B,) ‖h_n(padded) − h_n(packed)‖ per row: zero only for full-length rows."""
        return np.linalg.norm(self.padded - self.packed, axis=1)

    @property
    def steps_padded(self) -> int:
        return int(len(self.lengths) * self.lengths.max())

    @property
    def steps_packed(self) -> int:
        return int(self.lengths.sum())


@torch.no_grad()
def compare(spec: PackingSpec) -> Packing:
    problems = spec.validate()
    if problems:
        raise ValueError(" ".join(problems))
    cell = CELLS[spec.cell]
    torch.manual_seed(spec.seed)
    layer = cell.module(INPUT_SIZE, spec.hidden_size, batch_first=True, **cell.module_kwargs)
    lengths = torch.tensor(spec.lengths)
    steps = int(lengths.max())
    x = torch.randn(len(lengths), steps, INPUT_SIZE)  # (B, T, F)
    x[torch.arange(steps)[None, :] >= lengths[:, None]] = 0.0  # padding, as a collate function pads
    _, padded = layer(x)
    packed_input = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    _, packed = layer(packed_input)
    final = (lambda state: state[0]) if cell.has_cell_state else (lambda state: state)
    return Packing(lengths.numpy(), final(padded)[0].numpy(), final(packed)[0].numpy(),
                   packed_input.batch_sizes.numpy())
