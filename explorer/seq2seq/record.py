"""Recording both streams of an encoder-decoder as `explorer.trace.Trace`s.

The encoder is replayed by `explorer.record.trace_rnn` on its own nn module; its output
feeds the real decoder, which decodes freely (greedy, as at inference) and steps through
`explorer.cells` to keep its gates. One backward pass of the probe loss (the cross-entropy
of step t's prediction against target t) gives dL/dh_j for the encoder and dL/ds_t for the
decoder, so both traces open in the same views (`explorer.figures.hidden_heatmap`), and
both carry the attention matrix (B, T, S).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor
from torch.nn import functional as F

from explorer.record import trace_rnn
from explorer.seq2seq.decode import Unrolled, unroll
from explorer.seq2seq.model import Seq2Seq
from explorer.seq2seq.tasks import EOS, PAD, PairBatch, Seq2SeqTask
from explorer.trace import Trace


def record_probe(model: Seq2Seq, task: Seq2SeqTask, batch: PairBatch, step: int = 0) -> tuple[Trace, Trace]:
    """(encoder trace, decoder trace) of a probe batch through the current weights."""
    model.eval()
    src, src_len = torch.as_tensor(batch.src), torch.as_tensor(batch.src_len)
    tgt = F.pad(torch.as_tensor(batch.tgt), (0, 1), value=PAD)  # one step more: room to overrun
    decoded: list[Unrolled] = []

    def loss_fn(output: Tensor) -> Tensor:  # output (B, S, H), the replayed encoder's
        out = unroll(model, model.memory(output, src_len), tgt.shape[1], record=True)
        decoded.append(out)
        return F.cross_entropy(out.logits.flatten(0, 1), tgt.flatten(), ignore_index=PAD)

    embedded = model.source_embedding(src).detach()  # (B, S, E)
    encoder = trace_rnn(model.encoder, embedded, loss_fn, lengths=batch.src_len)
    model.zero_grad(set_to_none=True)
    out = decoded[0]
    tokens = out.tokens.numpy()  # (B, T)
    attention = None if out.attention is None else out.attention.detach().numpy()  # (B, T, S)
    lengths = decoded_lengths(tokens)
    lstm = model.spec.has_cell_state
    decoder = Trace(
        cell_type=model.spec.name,
        hidden=_per_step([s[0] for s in out.states], lengths),
        cell=_per_step([s[1] for s in out.states], lengths) if lstm else None,
        gates={name: _per_step(values, lengths) for name, values in out.gates.items()},
        grad_norm=_grad_norms([s[0] for s in out.states], lengths),
        cell_grad_norm=_grad_norms([s[1] for s in out.states], lengths) if lstm else None,
        output=np.stack([s[0].detach().numpy() for s in out.states], 1),
        inputs=out.inputs.numpy(), vocab=task.target_vocab, lengths=lengths,
        params={k: v.detach().numpy().copy() for k, v in model.decoder.named_parameters()},
    )
    # the decoder answers at every step, one token each (B, T, 1) as the views read many-to-many
    # answers; the encoder's steps answer nothing
    encoder.inputs, encoder.vocab = batch.src, task.source_vocab
    encoder.targets = encoder.predictions = None
    decoder.targets, decoder.predictions = tgt.numpy(), tokens[..., None]
    for trace in (encoder, decoder):
        trace.attention, trace.step, trace.task, trace.loss = attention, step, task.name, encoder.loss
    return encoder, decoder


def decoded_lengths(tokens: np.ndarray) -> np.ndarray:
    """(B,) steps up to and including the first <eos> (all T when there is none)."""
    is_end = tokens == EOS
    return np.where(is_end.any(1), is_end.argmax(1) + 1, tokens.shape[1]).astype(np.int64)


def _per_step(values: list[Tensor], lengths: np.ndarray) -> np.ndarray:
    """T of (B, H) -> (1, 1, B, T, H), NaN after each row's decoded length."""
    out = np.stack([v.detach().float().numpy() for v in values], 1)[None, None]
    out[:, :, np.arange(out.shape[3])[None, :] >= lengths[:, None]] = np.nan
    return out


def _grad_norms(values: list[Tensor], lengths: np.ndarray) -> np.ndarray:
    """(1, 1, T): batch mean of ||dL/ds_t|| over the rows still decoding at t."""
    norms = np.stack([v.grad.double().norm(dim=-1).numpy() if v.grad is not None
                      else np.zeros(len(lengths)) for v in values], 1)  # (B, T)
    live = np.arange(norms.shape[1])[None, :] < lengths[:, None]
    with np.errstate(invalid="ignore"):
        return (np.where(live, norms, 0).sum(0) / live.sum(0))[None, None]
