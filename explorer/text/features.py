"""Simple features of each character of a text, and the units that follow them (numpy only).

    inside quotes   1 between an opening ' or " and its closing twin (the quotes themselves 0)
    nesting depth   brackets (, [, { still open after this character
    position        characters since the last newline (0 at the start of a line)
    vowel           1 for a, e, i, o, u (either case)
    space           1 for a space

A unit "follows" a feature when its activation over the text correlates with it: Pearson's
r = cov(a, f) / (σ_a σ_f), 0 where either is constant. Karpathy's quote-detecting cell is the
unit at the top of the inside-quotes column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

OPENING, CLOSING = "([{", ")]}"


def _inside_quotes(text: str) -> np.ndarray:
    out, open_quote = np.zeros(len(text)), None
    for k, c in enumerate(text):
        if c in "'\"" and open_quote in (None, c):
            open_quote = None if open_quote else c
        elif open_quote:
            out[k] = 1.0
        if c == "\n":
            open_quote = None  # a quote never spans lines here
    return out


def _depth(text: str) -> np.ndarray:
    steps = np.array([(c in OPENING) - (c in CLOSING) for c in text], dtype=np.float64)
    return np.maximum(np.cumsum(steps), 0)


def _position(text: str) -> np.ndarray:
    out, column = np.zeros(len(text)), 0
    for k, c in enumerate(text):
        out[k] = column
        column = 0 if c == "\n" else column + 1
    return out


FEATURES = {
    "inside quotes": _inside_quotes,
    "nesting depth": _depth,
    "position in line": _position,
    "vowel": lambda text: np.array([c in "aeiouAEIOU" for c in text], dtype=np.float64),
    "space": lambda text: np.array([c == " " for c in text], dtype=np.float64),
}


def char_features(text: str) -> dict[str, np.ndarray]:
    """Feature name -> (T,) values, one per character."""
    return {name: feature(text) for name, feature in FEATURES.items()}


def correlations(activations: np.ndarray, features: dict[str, np.ndarray]) -> np.ndarray:
    """Pearson r of every unit with every feature: activations (T, U) -> (U, n_features)."""
    a = activations - activations.mean(axis=0)  # (T, U)
    f = np.stack(list(features.values()), axis=1)  # (T, n)
    f = f - f.mean(axis=0)
    norms = np.sqrt((a**2).sum(axis=0))[:, None] * np.sqrt((f**2).sum(axis=0))[None, :]  # (U, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (a.T @ f) / norms
    return np.where(norms > 1e-12, r, 0.0)


def ranked_units(activations: dict[str, np.ndarray], features: dict[str, np.ndarray],
                 top: int = 10) -> pd.DataFrame:
    """The units (of every series: hidden state, cell state, each gate) that follow each feature
    most strongly: `activations` name -> (T, U); one row per (feature, unit), best |r| first.
    Features constant over this text (no quotes in it, say) are left out."""
    features = {name: f for name, f in features.items() if np.ptp(f) > 0}
    rows = []
    for series, values in activations.items():
        r = correlations(values, features)  # (U, n)
        for j, feature in enumerate(features):
            rows += [{"feature": feature, "series": series, "unit": u, "r": float(r[u, j])}
                     for u in range(r.shape[0])]
    frame = pd.DataFrame(rows, columns=["feature", "series", "unit", "r"])
    frame["|r|"] = frame["r"].abs()
    frame = frame.sort_values(["feature", "|r|"], ascending=[True, False])
    return frame.groupby("feature", sort=False).head(top).reset_index(drop=True)
