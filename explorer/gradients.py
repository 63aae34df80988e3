"""Why gradients vanish or explode: numbers computed from recorded traces (numpy only).

Backpropagation through time multiplies Jacobians, one per step back::

    dL/dh_k = dL/dh_T · Π_{t=k+1..T} ∂h_t/∂h_{t-1},    ∂h_t/∂h_{t-1} = diag(act'(a_t)) W_hh

For a vanilla RNN |act'| ≤ γ (γ = 1 for tanh, where act' = 1 − h_t², and for ReLU), so
each factor has norm at most γ·σ_max(W_hh) and, with the loss on the last step only,

    ||dL/dh_{T-k}|| / ||dL/dh_T|| ≤ (γ·σ_max)^k.

While the states are small (act' ≈ 1) the product behaves like W_hh^k, whose norm
shrinks or grows per step by the spectral radius ρ(W_hh) = max |eigenvalue|. Gated
cells add a path that bypasses W_hh: an LSTM's cell state carries dL/dc_{t-1} =
dL/dc_t ⊙ f_t (plus paths through h), so its decay per step follows the forget gate,
≈ f̄^k; a GRU's h_t = (1 − z) ⊙ n + z ⊙ h_{t-1} carries through its update gate, ≈ z̄^k.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from explorer.cellspec import CELL_SPECS
from explorer.trace import Trace

FLOOR = 1e-30  # log plots draw smaller values (and exact zeros) on this line, labelled "below 1e-30"
# γ = max |act'| (1 for tanh and ReLU) of the vanilla cells: one block, read through W_hh, no gates
ACTIVATION_GAIN = {name: 1.0 for name, cell in CELL_SPECS.items()
                   if cell.blocks == ("h",) and cell.recurrent == "h" and not cell.gates}


@dataclass(frozen=True)
class CarryGate:
    """The gate that carries a gated cell's memory from one step to the next."""

    gate: str  # key in Trace.gates
    cell_state: bool  # measure the decay on dL/dc_t (LSTM) rather than dL/dh_t
    symbol: str  # how the page writes its mean


# read from each cell's entry: LSTMs carry through f on c, the GRU through z on h; cells without
# one (the Jordan network, the LSTM without a forget gate, the MGU) are measured, not predicted
CARRY_GATES = {name: CarryGate(cell.carry.gate, cell.carry.state == "c", cell.carry.symbol)
               for name, cell in CELL_SPECS.items() if cell.carry is not None}


def decay_ratios(norms: np.ndarray) -> np.ndarray:
    """(T,) gradient norms over time -> (T,) ratio[k] = norms[T-1-k] / norms[T-1], k = 0..T-1."""
    norms = np.asarray(norms, dtype=float)
    last = norms[-1]
    if not last > 0:
        return np.full(norms.shape, np.nan)
    return norms[::-1] / last


def decay_rate(ratios: np.ndarray, k: int | None = None) -> float | None:
    """The measured per-step factor at distance k: the k-th root of ratio[k]. With no k, at the
    largest k whose ratio is a positive finite number (None when there is none)."""
    ratios = np.asarray(ratios, dtype=float)
    if k is None:
        usable = [j for j in range(1, len(ratios)) if np.isfinite(ratios[j]) and ratios[j] > 0]
        if not usable:
            return None
        k = usable[-1]
    return float(ratios[k] ** (1.0 / k))


def trace_decay(trace: Trace, cell_state: bool = False, layer: int = 0, direction: int = 0) -> np.ndarray:
    """(T,) measured decay of ||dL/dh|| (or ||dL/dc||) looking back from the last step."""
    norms = trace.cell_grad_norm if cell_state else trace.grad_norm
    if norms is None:
        raise ValueError(f"a {trace.cell_type} trace records no {'cell ' if cell_state else ''}gradients")
    return decay_ratios(norms[layer, direction])


def flow_over_training(traces: Sequence[Trace], cell_state: bool = False, layer: int = 0,
                       direction: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Training steps (N,) and gradient norms (N, T) of traces recorded along one run."""
    rows = [(t.cell_grad_norm if cell_state else t.grad_norm) for t in traces]
    steps = np.array([t.step for t in traces], dtype=float)
    if not rows or any(r is None for r in rows):
        return steps, np.zeros((len(rows), 0))
    return steps, np.stack([r[layer, direction] for r in rows])  # (N, T)


def floored(values: np.ndarray, floor: float = FLOOR) -> tuple[np.ndarray, np.ndarray]:
    """Values with everything below `floor` (zeros included) raised to it, and where that happened."""
    values = np.asarray(values, dtype=float)
    below = np.isfinite(values) & (values < floor)
    return np.where(below, floor, values), below


@dataclass(frozen=True)
class Spectrum:
    """Eigenvalues and singular values of one (H, H) block of W_hh."""

    gate: str  # "" for a vanilla RNN, the gate whose block this is (i f g o, r z n), or LOOP_THROUGH_OUTPUT
    eigenvalues: np.ndarray  # (H,) complex
    singular_values: np.ndarray  # (H,) descending

    @property
    def radius(self) -> float:
        return float(np.abs(self.eigenvalues).max())

    @property
    def sigma_max(self) -> float:
        return float(self.singular_values[0])


def spectra(params: dict[str, np.ndarray], gates: Sequence[str] = (), layer: int = 0,
            direction: int = 0) -> list[Spectrum]:
    """One Spectrum per gate block of W_hh (one in all for a vanilla RNN)."""
    name = f"weight_hh_l{layer}" + ("_reverse" if direction else "")
    w = np.asarray(params[name], dtype=float)  # (G*H, H)
    hidden = w.shape[1]
    names = tuple(gates) or ("",)
    if len(names) * hidden != w.shape[0]:
        raise ValueError(f"{name} has shape {w.shape}, not {len(names)} blocks of {hidden}")
    result = []
    for k, gate in enumerate(names):
        block = w[k * hidden:(k + 1) * hidden]  # (H, H)
        if not np.isfinite(block).all():
            nan = np.full(hidden, np.nan)
            result.append(Spectrum(gate, nan.astype(complex), nan))
            continue
        result.append(Spectrum(gate, np.linalg.eigvals(block), np.linalg.svd(block, compute_uv=False)))
    return result


def trace_spectra(trace: Trace, layer: int = 0, direction: int = 0) -> list[Spectrum]:
    """One Spectrum per (H, H) block of W_hh. The Jordan network has no W_hh: its loop back to
    h runs through its output, h_{t+1} = tanh(… + W_yh (W_hy h_t + b_hy)), so dh_{t+1}/dh_t =
    diag(1 − h_{t+1}²) W_yh W_hy and the (H, H) product W_yh W_hy (rank ≤ O) plays W_hh's part."""
    suffix = f"_l{layer}" + ("_reverse" if direction else "")
    if f"weight_hh{suffix}" not in trace.params:
        return _loop_spectrum(trace.params, suffix)
    cell = CELL_SPECS.get(trace.cell_type)
    blocks = cell.blocks if cell is not None and cell.blocks != ("h",) else tuple(trace.gates)
    return spectra(trace.params, blocks, layer, direction)


LOOP_THROUGH_OUTPUT = "W_yh·W_hy"  # the Jordan network's recurrent matrix, as a Spectrum's label


def _loop_spectrum(params: dict[str, np.ndarray], suffix: str) -> list[Spectrum]:
    """[Spectrum of W_yh W_hy] when the layer feeds its output back; [] for a cell with neither."""
    if f"weight_yh{suffix}" not in params or f"weight_hy{suffix}" not in params:
        return []
    loop = np.asarray(params[f"weight_yh{suffix}"], float) @ np.asarray(params[f"weight_hy{suffix}"], float)
    return [replace(s, gate=LOOP_THROUGH_OUTPUT) for s in spectra({"weight_hh_l0": loop})]


def spectral_series(traces: Sequence[Trace], max_points: int = 24) -> tuple[np.ndarray, dict, dict]:
    """Over training: steps (N,), and per gate block the spectral radius (N,) and σ_max (N,).

    At most `max_points` traces, evenly spread, the first and last always in: each costs
    an eigen- and a singular-value decomposition per block.
    """
    if len(traces) > max_points:
        picks = np.unique(np.linspace(0, len(traces) - 1, max_points).round().astype(int))
        traces = [traces[i] for i in picks]
    radius: dict[str, list[float]] = {}
    sigma: dict[str, list[float]] = {}
    for trace in traces:
        for s in trace_spectra(trace):
            radius.setdefault(s.gate, []).append(s.radius)
            sigma.setdefault(s.gate, []).append(s.sigma_max)
    steps = np.array([t.step for t in traces], dtype=float)
    return (steps, {g: np.array(v) for g, v in radius.items()},
            {g: np.array(v) for g, v in sigma.items()})


def mean_gate(trace: Trace, gate: str, layer: int = 0, direction: int = 0) -> float:
    """The gate's mean value over probe examples, time steps and units (padding excluded)."""
    return float(np.nanmean(trace.gates[gate][layer, direction]))


def power_curve(base: float, length: int) -> np.ndarray:
    """(length,) base^k for k = 0..length-1: the decay a constant per-step factor predicts."""
    return float(base) ** np.arange(length, dtype=float)
