"""Encoder-decoder on real torch.nn recurrent layers, with attention as a registry entry.

Batch-first: B batch, S source steps, T target steps, H hidden, E embedding, V vocabulary::

    encoder   x_j = Emb(source_j);  h_1..h_S = nn.GRU/LSTM/RNN(x), packed, so padding is
              never read. Bidirectional: H/2 units per direction, h_j = [h→_j; h←_j].
    bridge    s_0 = tanh(W_b [h→_last; h←_first] + b_b)   (an LSTM's cell state starts at 0)
              c_0 = [h→_last; h←_first], the encoder's summary
    decoder   one token at a time with nn.GRUCell/LSTMCell/RNNCell (same parameter names as
              the layers, so `explorer.cells` can replay them), for t = 1..T (Luong et al.,
              with the previous context fed back in):
                  s_t = cell([Emb(y_{t-1}); c_{t-1}], s_{t-1})
                  α_t = softmax_j(score(s_t, h_j)),  padded j masked to α_tj = 0
                  c_t = Σ_j α_tj h_j
                  p(y_t | y_<t, x) = softmax(W_o [s_t; c_t] + b_o)

Attending with s_t (which has read y_{t-1}) rather than s_{t-1} matters on reverse: with
s_{t-1}, models learned to look one input to the right and read the digit they need from
that state's memory of its neighbour; with s_t they look at the digit itself.

Attention scores (`ATTENTIONS`)::

    none      no scores: c_t = [h→_last; h←_first] at every step — the single context
              vector of Cho et al. (2014), the bottleneck
    additive  vᵀ tanh(W s + U h_j)        Bahdanau et al. (2015)
    dot       sᵀ h_j                      Luong et al. (2015)
    general   sᵀ W_a h_j                  Luong et al. (2015)
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from explorer.cells import CELLS, CellWeights
from explorer.models import final_states

State = tuple[Tensor, ...]


class NoAttention(nn.Module):
    """The bottleneck: every step reads the same summary of the source."""

    title = "none (one context vector)"

    def __init__(self, size: int):
        super().__init__()

    def forward(self, query: Tensor, memory: Tensor, keys: Tensor, mask: Tensor,
                summary: Tensor) -> tuple[Tensor, Tensor | None]:
        return summary, None

    def prepare(self, memory: Tensor) -> Tensor:
        return memory


class ScoredAttention(nn.Module):
    """Attention by a score per source step; subclasses give `prepare` (once) and `score`."""

    def forward(self, query: Tensor, memory: Tensor, keys: Tensor, mask: Tensor,
                summary: Tensor) -> tuple[Tensor, Tensor]:
        scores = self.score(query, keys).masked_fill(~mask, float("-inf"))  # (B, S)
        weights = torch.softmax(scores, dim=-1)  # (B, S), exactly 0 where masked
        return torch.bmm(weights.unsqueeze(1), memory).squeeze(1), weights  # (B, H), (B, S)

    def prepare(self, memory: Tensor) -> Tensor:
        return memory  # (B, S, H)


class AdditiveAttention(ScoredAttention):
    title = "additive (Bahdanau)"

    def __init__(self, size: int):
        super().__init__()
        self.W = nn.Linear(size, size, bias=False)
        self.U = nn.Linear(size, size)
        self.v = nn.Linear(size, 1, bias=False)

    def prepare(self, memory: Tensor) -> Tensor:
        return self.U(memory)  # (B, S, H), the same for every decoder step

    def score(self, query: Tensor, keys: Tensor) -> Tensor:
        return self.v(torch.tanh(self.W(query).unsqueeze(1) + keys)).squeeze(-1)  # (B, S)


class DotAttention(ScoredAttention):
    title = "dot (Luong)"

    def __init__(self, size: int):
        super().__init__()

    def score(self, query: Tensor, keys: Tensor) -> Tensor:
        return torch.bmm(keys, query.unsqueeze(-1)).squeeze(-1)  # (B, S)


class GeneralAttention(DotAttention):
    title = "general (Luong)"

    def __init__(self, size: int):
        super().__init__(size)
        self.W_a = nn.Linear(size, size, bias=False)

    def prepare(self, memory: Tensor) -> Tensor:
        return self.W_a(memory)  # (B, S, H): sᵀ (W_a h) computed once per source


ATTENTIONS: dict[str, type[nn.Module]] = {
    "none": NoAttention,
    "additive": AdditiveAttention,
    "dot": DotAttention,
    "general": GeneralAttention,
}


class Step(NamedTuple):
    logits: Tensor  # (B, V)
    state: State  # (h,) or (h, c), each (B, H)
    weights: Tensor | None  # (B, S) attention, None without attention
    context: Tensor  # (B, H)
    gates: dict[str, Tensor]  # gate name -> (B, H), only when recorded


class Memory(NamedTuple):
    """What the encoder hands the decoder."""

    states: Tensor  # (B, S, H) h_j, zero on padding
    keys: Tensor  # (B, S, H) the attention's precomputed projection of h_j
    mask: Tensor  # (B, S) True on real source steps
    summary: Tensor  # (B, H) [h→_last; h←_first]


class Seq2Seq(nn.Module):
    def __init__(self, source_vocab: int, target_vocab: int, cell: str = "gru", hidden_size: int = 64,
                 embedding_size: int = 32, bidirectional: bool = True, attention: str = "additive"):
        super().__init__()
        if bidirectional and hidden_size % 2:
            raise ValueError("a bidirectional encoder needs an even hidden size (H/2 per direction)")
        self.spec = CELLS[cell]
        self.directions = 2 if bidirectional else 1
        self.source_embedding = nn.Embedding(source_vocab, embedding_size, padding_idx=0)
        self.encoder = self.spec.module(embedding_size, hidden_size // self.directions, batch_first=True,
                                        bidirectional=bidirectional, **self.spec.module_kwargs)
        self.bridge = nn.Linear(hidden_size, hidden_size)
        self.target_embedding = nn.Embedding(target_vocab, embedding_size, padding_idx=0)
        # torch.nn's one-step twin of the fused layer: nn.LSTM -> nn.LSTMCell (seq2seq takes FUSED_CELLS)
        self.decoder = getattr(nn, self.spec.torch_module + "Cell")(embedding_size + hidden_size, hidden_size,
                                                      **self.spec.module_kwargs)
        self.attention = ATTENTIONS[attention](hidden_size)
        self.out = nn.Linear(2 * hidden_size, target_vocab)

    def encode(self, src: Tensor, src_len: Tensor) -> Tensor:
        """h_1..h_S (B, S, H) of the packed encoder, zero on padding."""
        packed = pack_padded_sequence(self.source_embedding(src), src_len.cpu(), batch_first=True,
                                      enforce_sorted=False)
        output, _ = self.encoder(packed)
        return pad_packed_sequence(output, batch_first=True, total_length=src.shape[1])[0]

    def memory(self, states: Tensor, src_len: Tensor) -> Memory:
        steps = torch.arange(states.shape[1], device=states.device)
        mask = steps[None, :] < src_len.to(states.device)[:, None]  # (B, S)
        summary = final_states(states, src_len, self.encoder.hidden_size)  # (B, H)
        return Memory(states, self.attention.prepare(states), mask, summary)

    def initial_state(self, memory: Memory) -> tuple[State, Tensor]:
        """s_0 (with c = 0 for an LSTM) and c_0."""
        h = torch.tanh(self.bridge(memory.summary))  # (B, H)
        return ((h, torch.zeros_like(h)) if self.spec.has_cell_state else (h,)), memory.summary

    def step(self, y_prev: Tensor, state: State, context: Tensor, memory: Memory,
             record: bool = False) -> Step:
        """One decoder step from the previous token ids (B,) and context c_{t-1} (B, H).
        `record` steps through `explorer.cells` with the cell's own weights to keep its
        gates (the same numbers)."""
        x = torch.cat([self.target_embedding(y_prev), context], dim=-1)  # (B, E + H)
        gates: dict[str, Tensor] = {}
        if record:
            d = self.decoder
            state, gates = self.spec.step(x, state, CellWeights(d.weight_ih, d.weight_hh, d.bias_ih,
                                                                d.bias_hh))
        else:
            new = self.decoder(x, state if self.spec.has_cell_state else state[0])
            state = tuple(new) if self.spec.has_cell_state else (new,)
        context, weights = self.attention(state[0], memory.states, memory.keys, memory.mask,
                                          memory.summary)
        logits = self.out(torch.cat([state[0], context], dim=-1))  # (B, V)
        return Step(logits, state, weights, context, gates)
