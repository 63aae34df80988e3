"""Small runs that train in about a second on one CPU core, so a page that looks inside a run is
never empty: `EXAMPLES` (kept as data) and `train_to_end`, which runs one synchronously."""

from __future__ import annotations

from dataclasses import replace

from explorer.config import RunConfig
from explorer.history import History
from explorer.runs import Snapshot
from explorer.trace import TraceHistory
from explorer.train import Trainer

SMALL = RunConfig(hidden_size=16, steps=150, probe_every=10, batch_size=32)
EXAMPLES = {
    "LSTM learns parity (tokens, one answer)": replace(SMALL, cell="lstm", task="parity", seq_len=10),
    "GRU on the adding problem (values)": replace(SMALL, cell="gru", task="adding", seq_len=20),
    "Bidirectional LSTM, sentiment (padded)": replace(SMALL, cell="lstm", task="sentiment", seq_len=12,
                                                      bidirectional=True, steps=120),
    "Vanilla RNN, running sum mod 3 (an answer per step)": replace(SMALL, cell="rnn_tanh", task="mod3",
                                                                   seq_len=12),
}


def train_to_end(config: RunConfig) -> Snapshot:
    """A whole run in this thread, with its probe recordings from step 0 on (thinned as a
    background run's are)."""
    trainer, history, traces = Trainer(config), History(), TraceHistory()
    traces.append(trainer.probe_trace())
    for progress in trainer.fit():
        history.append(progress)
        if progress.trace is not None:
            traces.append(progress.trace)
    return Snapshot(config, trainer.status, history, traces.traces[-1], traces.traces)
