"""Small runs that train in about a second on one CPU core, so a page that looks inside a run is
never empty: `EXAMPLES`, kept as data (the Inside page runs one as an "example" job)."""

from __future__ import annotations

from dataclasses import replace

from explorer.config import RunConfig

SMALL = RunConfig(hidden_size=16, steps=150, probe_every=10, batch_size=32)
EXAMPLES = {  # name (what a link says) -> config
    "lstm_parity": replace(SMALL, cell="lstm", task="parity", seq_len=10),
    "gru_adding": replace(SMALL, cell="gru", task="adding", seq_len=20),
    "bilstm_sentiment": replace(SMALL, cell="lstm", task="sentiment", seq_len=12, bidirectional=True,
                                steps=120),
    "rnn_mod3": replace(SMALL, cell="rnn_tanh", task="mod3", seq_len=12),
}
EXAMPLE_TITLES = {
    "lstm_parity": "LSTM learns parity (tokens, one answer)",
    "gru_adding": "GRU on the adding problem (values)",
    "bilstm_sentiment": "Bidirectional LSTM, sentiment (padded)",
    "rnn_mod3": "Vanilla RNN, running sum mod 3 (an answer per step)",
}
