"""Cell anatomy's state: the cell and its seeded weights, the step's input and previous state, and
the weights changed by hand, as settings (explorer/schema.py) so that a link holds them.

A changed weight is written in a link as one name: `ih_4_1_250` is W_ih[4, 1] = 2.5 (`hh` for W_hh,
`yh` for the Jordan network's W_yh), `b_4_-75` is b_ih[4] = -0.75: values in hundredths, as the
sliders move in steps of 0.05. Only the weights that differ from the seeded ones are written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer.cellspec import CELL_SPECS
from explorer.checks import type_problems
from explorer.schema import Settings, problems, setting

# the cells: every spec but the ReLU RNN (the tanh one shows the same step), by title
ANATOMY_CELLS = {"rnn_tanh": "Vanilla RNN (tanh)", "lstm": "LSTM", "gru": "GRU"} | {
    name: name[len("lstm_"):].upper() if name.startswith("lstm_") else CELL_SPECS[name].label
    for name in CELL_SPECS if name not in ("rnn_tanh", "rnn_relu", "lstm", "gru")}


def _state(default: float, symbol: str, j: int, span: float, what: str, cells: str = "") -> Any:
    """A slider of Cell anatomy: one number of the step's input or previous state."""
    notes = ", ".join(note for note in (cells, "size 3" if j == 2 else "") if note)
    return setting(default, f"{symbol}[{j}]", f"{what} {j}" + (f" ({notes})." if notes else "."),
                   bounds=(-span, span),
                   message=symbol.replace("{", "{{").replace("}", "}}")
                   + f"[{j}] must be between {{low:g}} and {{high:g}} (got {{value:g}}).")


# a changed weight in a link: W_ih[row, column] (ih), W_hh or W_yh (hh, yh), b_ih[row] (b), in hundredths
WEIGHT = re.compile(r"(ih|hh|yh)_(\d{1,2})_(\d)_(-?\d{1,3})|b_(\d{1,2})_(-?\d{1,3})")
WEIGHT_SPAN = 3.0  # the weight sliders' range, ±


def weight_edits(items: tuple[str, ...]) -> dict[tuple[str, int, int | None], float]:
    """A link's changed weights -> {(parameter, row, column or None): value}; items that do not read
    are left out (`AnatomyPage.validate` names them)."""
    edits = {}
    for item in items:
        if found := WEIGHT.fullmatch(item):
            short, row, column, value, bias_row, bias_value = found.groups()
            if short is None:
                edits[("bias_ih", int(bias_row), None)] = int(bias_value) / 100
            else:
                edits[(f"weight_{short}", int(row), int(column))] = int(value) / 100
    return edits


def changed(weights: dict[str, np.ndarray], seeded: dict[str, np.ndarray]) -> dict[tuple, float]:
    """The weights changed by hand, {(parameter, row, column or None): value}: where `weights`
    differ from the `seeded` ones."""
    return {(name, int(at[0]), int(at[1]) if len(at) > 1 else None): float(weights[name][tuple(at)])
            for name in weights for at in np.argwhere(weights[name] != seeded[name])}


def weight_items(edits: dict[tuple[str, int, int | None], float]) -> tuple[str, ...]:
    """{(parameter, row, column or None): value} as a link writes it (values to a hundredth)."""
    return tuple(f"b_{row}_{round(value * 100)}" if column is None else
                 f"{name.removeprefix('weight_')}_{row}_{column}_{round(value * 100)}"
                 for (name, row, column), value in sorted(edits.items(), key=str))


@dataclass(frozen=True)
class AnatomyPage(Settings):
    """Cell anatomy: the cell and its seeded weights, the step's input and previous state, the weights
    changed by hand and which of them the sliders show."""
    cell: str = setting("lstm", "Cell", "The cell whose one step you take by hand.",
                        choices=lambda: ANATOMY_CELLS, fmt=ANATOMY_CELLS.get, order=1)  # 11: a menu
    size: int = setting(2, "Size of x_t and h_t", "Units of the state and features of the input.",
                        choices=lambda: (2, 3), widget="segmented", order=1)
    seed: int = setting(0, "Weights seed", "The weights start random (seeded); the sliders on the right "
                        "change some.", bounds=(0, 999))
    x0: float = _state(1.0, "x_t", 0, 2.0, "The input's feature")
    x1: float = _state(0.0, "x_t", 1, 2.0, "The input's feature")
    x2: float = _state(-1.0, "x_t", 2, 2.0, "The input's feature")
    h0: float = _state(0.5, "h_{t-1}", 0, 1.0, "The previous hidden state's unit")
    h1: float = _state(0.0, "h_{t-1}", 1, 1.0, "The previous hidden state's unit")
    h2: float = _state(-0.5, "h_{t-1}", 2, 1.0, "The previous hidden state's unit")
    c0: float = _state(0.5, "c_{t-1}", 0, 2.0, "The previous cell state's unit", "LSTMs")
    c1: float = _state(0.5, "c_{t-1}", 1, 2.0, "The previous cell state's unit", "LSTMs")
    c2: float = _state(0.5, "c_{t-1}", 2, 2.0, "The previous cell state's unit", "LSTMs")
    y0: float = _state(0.5, "y_{t-1}", 0, 2.0, "The previous output's unit", "the Jordan network")
    y1: float = _state(0.5, "y_{t-1}", 1, 2.0, "The previous output's unit", "the Jordan network")
    y2: float = _state(0.5, "y_{t-1}", 2, 2.0, "The previous output's unit", "the Jordan network")
    block: str = setting("", "Of the block", "The block (gate) whose weights the sliders show (none "
                         "given: the cell's first).", fallback=lambda v: _blocks(v["cell"])[0])
    unit: int = setting(0, "For unit", "The unit whose weights the sliders show.", bounds=(0, 2))
    weights: tuple[str, ...] = setting((), "Weights changed", "Weights changed by hand from the seeded ones: "
                                       "`ih_row_column_value` (W_ih; `hh` W_hh, `yh` the Jordan network's "
                                       "W_yh) or `b_row_value` (b_ih), each value in hundredths.",
                                       fallback=lambda v: _fitting(v["weights"], v["cell"], v["size"]))
    shown: int = setting(0, "The same equations with the numbers of", "The unit whose numbers the equations "
                         "are written with.", bounds=(0, 2))

    def validate(self, limits: Any = None) -> list[str]:
        """Each setting, then what spans them: a block, units and weights the cell and size have."""
        found = problems(self, limits)
        if type_problems(self):
            return found
        if self.size in (2, 3):
            found += [f"No {name} {value}: the cell has {self.size} units (0 to {self.size - 1})."
                      for name in ("unit", "shown") if self.size <= (value := getattr(self, name)) <= 2]
        if self.cell in ANATOMY_CELLS:
            blocks = _blocks(self.cell)
            if self.block not in ("", *blocks):
                found.append(f"The {ANATOMY_CELLS[self.cell]} has no block {self.block!r}: one of "
                             f"{', '.join(blocks)}.")
            fitting = _fitting(self.weights, self.cell, self.size)
            wrong = [item for item in self.weights if item not in fitting]
            if wrong and self.size in (2, 3):
                found.append(f"Weights {', '.join(wrong)} are not of the {ANATOMY_CELLS[self.cell]} with "
                             f"size {self.size}, within ±{WEIGHT_SPAN:g}.")
        return found


def _blocks(cell: str) -> tuple[str, ...]:
    return CELL_SPECS[cell].blocks if cell in ANATOMY_CELLS else CELL_SPECS["lstm"].blocks


def _fitting(items: tuple[str, ...], cell: str, size: int) -> tuple[str, ...]:
    """The items that are weights of this cell and size, within the sliders' range."""
    if cell not in ANATOMY_CELLS:
        return ()
    spec, rows = CELL_SPECS[cell], len(_blocks(cell)) * size
    names = {"weight_ih", spec.recurrent_weight, "bias_ih"}
    return tuple(item for item in items if (edit := weight_edits((item,))) and all(
        name in names and row < rows and (column is None or column < size) and abs(value) <= WEIGHT_SPAN
        for (name, row, column), value in edit.items()))
