"""Running the decoder: teacher-forced or free (greedy) for a batch, and beam search for one source.

Teacher forcing feeds the true previous token y_{t-1}; free running feeds the model's own
argmax. `unroll` mixes the two per example and step with probability `teacher_ratio`
(scheduled sampling lowers it over training). Beam search keeps the `width` most likely
prefixes by total log-probability Σ_t log p(y_t | y_<t, x) and stops when the best finished
hypothesis beats every live one (scores only fall as hypotheses grow, so it cannot lose).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from explorer.seq2seq.model import Memory, Seq2Seq, State
from explorer.seq2seq.tasks import BOS, EOS, PairBatch, Seq2SeqTask


@dataclass
class Unrolled:
    logits: Tensor  # (B, T, V)
    inputs: Tensor  # (B, T) the token fed at each step (<bos> first)
    attention: Tensor | None  # (B, T, S), None without attention
    contexts: Tensor  # (B, T, H)
    states: list[State]  # T decoder states s_1..s_T (tensors keep their graph when recorded)
    gates: dict[str, list[Tensor]]  # gate name -> T of (B, H), only when recorded
    forced: float  # the fraction of steps (after the first) that were fed the true token

    @property
    def tokens(self) -> Tensor:
        return self.logits.argmax(-1)  # (B, T)


def unroll(model: Seq2Seq, memory: Memory, steps: int, targets: Tensor | None = None,
           teacher_ratio: float = 0.0, generator: torch.Generator | None = None,
           record: bool = False, stop_at_eos: bool = False) -> Unrolled:
    """Decode `steps` tokens. With `targets` (B, T), each later input is the true token with
    probability `teacher_ratio` (drawn per example and step), else the model's own argmax."""
    batch = memory.states.shape[0]
    state, context = model.initial_state(memory)
    y_prev = torch.full((batch,), BOS, dtype=torch.long, device=memory.states.device)
    logits, inputs, weights, contexts, states = [], [], [], [], []
    gates: dict[str, list[Tensor]] = {name: [] for name in model.spec.gates}
    forced = 0.0
    done = torch.zeros(batch, dtype=torch.bool, device=y_prev.device)
    for t in range(steps):
        inputs.append(y_prev)
        step = model.step(y_prev, state, context, memory, record=record)
        state, context = step.state, step.context
        if record:
            for s in state:
                s.retain_grad()
        logits.append(step.logits)
        contexts.append(step.context)
        states.append(state)
        if step.weights is not None:
            weights.append(step.weights)
        for name, value in step.gates.items():
            gates[name].append(value)
        own = step.logits.detach().argmax(-1)  # (B,)
        done |= own == EOS
        if stop_at_eos and bool(done.all()):
            break
        if targets is not None and teacher_ratio > 0 and t + 1 < steps:
            use_truth = torch.rand(batch, generator=generator, device=own.device) < teacher_ratio
            forced += float(use_truth.float().mean()) / max(1, steps - 1)
            y_prev = torch.where(use_truth, targets[:, t], own)
        else:
            y_prev = own
    return Unrolled(torch.stack(logits, 1), torch.stack(inputs, 1),
                    torch.stack(weights, 1) if weights else None, torch.stack(contexts, 1), states,
                    gates, forced)


def encode(model: Seq2Seq, src: Tensor, src_len: Tensor) -> Memory:
    return model.memory(model.encode(src, src_len), src_len)


@torch.no_grad()
def greedy(model: Seq2Seq, src: Tensor, src_len: Tensor, max_steps: int) -> Unrolled:
    """Free-running argmax decoding of a batch, stopping once every row has said <eos>."""
    model.eval()
    return unroll(model, encode(model, src, src_len), max_steps, stop_at_eos=True)


@torch.no_grad()
def exact_match(model: Seq2Seq, task: Seq2SeqTask, batch: PairBatch) -> Tensor:
    """(B,) bool: the greedy decoding equals the target exactly."""
    src, src_len = torch.as_tensor(batch.src), torch.as_tensor(batch.src_len)
    tokens = greedy(model, src, src_len, batch.tgt.shape[1] + 1).tokens
    return torch.tensor([task.decode_target(row) == target
                         for row, target in zip(tokens.tolist(), batch.targets, strict=True)])


@dataclass(frozen=True)
class Hypothesis:
    tokens: tuple[int, ...]  # output ids, ending with <eos> when finished
    score: float  # Σ log p of its tokens
    finished: bool


@torch.no_grad()
def beam_search(model: Seq2Seq, source_ids: list[int], width: int, max_steps: int) -> list[Hypothesis]:
    """The best hypotheses for one source, best first; unfinished ones (out of steps) come last."""
    model.eval()
    memory = encode(model, torch.tensor([source_ids]), torch.tensor([len(source_ids)]))
    state, context = model.initial_state(memory)  # each (1, H), then (k, H)
    live, finished = [Hypothesis((), 0.0, False)], []
    for _ in range(max_steps):
        beams = Memory(*(m.expand(len(live), *m.shape[1:]) for m in memory))
        y_prev = torch.tensor([h.tokens[-1] if h.tokens else BOS for h in live])
        step = model.step(y_prev, state, context, beams)
        scores = torch.log_softmax(step.logits, -1) + torch.tensor([h.score for h in live])[:, None]  # (k, V)
        top = scores.flatten().topk(min(width, scores.numel()))  # sorted, best first
        rows, grown = [], []
        for score, index in zip(top.values.tolist(), top.indices.tolist(), strict=True):
            row, token = divmod(index, scores.shape[1])
            hyp = Hypothesis(live[row].tokens + (token,), score, token == EOS)
            if hyp.finished:
                finished.append(hyp)
            else:
                grown.append(hyp)
                rows.append(row)
        live = grown
        if not live or max((h.score for h in finished), default=-math.inf) >= live[0].score:
            live = []
            break
        state, context = tuple(s[rows] for s in step.state), step.context[rows]
    return sorted(finished, key=lambda h: -h.score) + live


@dataclass(frozen=True)
class Reading:
    """One source decoded greedily and by beam search, as plain data for figures."""

    source: list[str]  # source tokens
    greedy: list[str]  # output tokens, <eos> included when said
    attention: np.ndarray | None  # (T, S) greedy decoding's α, None without attention
    context: np.ndarray  # (T, H) c_t
    beam: list[str]  # the best beam hypothesis
    greedy_score: float  # Σ log p of the greedy tokens
    beam_score: float


def read(model: Seq2Seq, task: Seq2SeqTask, source: str, beam_width: int, max_steps: int) -> Reading:
    """Decode one source (its characters must be in the task's vocabulary)."""
    ids = task.encode(source)
    out = greedy(model, torch.tensor([ids]), torch.tensor([len(ids)]), max_steps)
    tokens = out.tokens[0].tolist()
    end = tokens.index(EOS) + 1 if EOS in tokens else len(tokens)
    log_p = torch.log_softmax(out.logits[0, :end], -1).gather(1, torch.tensor(tokens[:end])[:, None])
    best = beam_search(model, ids, beam_width, max_steps)[0]
    label = lambda ids: [task.target_vocab[i] for i in ids]  # noqa: E731
    return Reading(list(source), label(tokens[:end]),
                   None if out.attention is None else out.attention[0, :end].numpy(),
                   out.contexts[0, :end].numpy(), label(best.tokens), float(log_p.sum()), best.score)
