"""Sampling text from a character-level language model, seeded.

At each step the model's logits z over the alphabet become

    p_i = exp(z_i / τ) / Σ_j exp(z_j / τ)        (τ: the temperature)

kept to the k most likely characters when top-k is set (renormalised), and one character is
drawn from p with a numpy generator seeded by `seed`: the same seed, prime and settings give
the same text. τ → 0 puts all the mass on the argmax, so it equals greedy decoding (`greedy=True`,
which takes the argmax at every step). The prime is read first (an empty one reads a newline,
the start of a line, or the alphabet's first character); the state it leaves starts the sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from explorer.text.corpus import CharCorpus

MAX_LENGTH = 2000  # characters one sample may have
MAX_PRIME = 500
TEMPERATURES = (0.1, 2.0)  # the range offered
SHOWN = 10  # characters of the next-character distribution kept per step


@dataclass(frozen=True)
class Sample:
    prime: str
    text: str  # the generated characters (without the prime)
    temperature: float  # 0 for greedy
    top_k: int  # 0: every character
    probs: np.ndarray  # (N, V) the distribution each character was drawn from
    alphabet: str

    def top(self, step: int, n: int = SHOWN) -> list[tuple[str, float]]:
        """The n most likely characters at generated step `step`, with their probabilities."""
        p = self.probs[step]
        order = np.argsort(-p, kind="stable")[:n]
        return [(self.alphabet[i], float(p[i])) for i in order]


def sample_problems(alphabet: str, prime: str, length: int, temperature: float, top_k: int) -> list[str]:
    problems = []
    if not 1 <= length <= MAX_LENGTH:
        problems.append(f"Length must be between 1 and {MAX_LENGTH} characters (got {length}).")
    if not (np.isfinite(temperature) and 0 < temperature <= TEMPERATURES[1]):
        problems.append(f"Temperature must be above 0 and at most {TEMPERATURES[1]:g} (got {temperature:g}).")
    if not 0 <= top_k <= len(alphabet):
        problems.append(f"Top-k must be between 0 (every character) and {len(alphabet)} (got {top_k}).")
    if len(prime) > MAX_PRIME:
        problems.append(f"The prime has {len(prime)} characters; at most {MAX_PRIME}.")
    unknown = sorted(set(prime) - set(alphabet))
    if unknown:
        problems.append(f"The prime uses {''.join(unknown)!r}, not in the model's alphabet {alphabet!r}.")
    return problems


def distribution(logits: torch.Tensor, temperature: float, top_k: int) -> np.ndarray:
    """p over the alphabet from logits (V,), at a temperature, kept to the top k (0: all)."""
    z = logits.double() / temperature
    if 0 < top_k < z.numel():
        z = z.masked_fill(z < torch.topk(z, top_k).values[-1], -torch.inf)
    return torch.softmax(z, dim=-1).cpu().numpy()


@torch.no_grad()
def sample_text(model, alphabet: str, prime: str = "", length: int = 200, temperature: float = 1.0,
                top_k: int = 0, seed: int = 0, greedy: bool = False) -> Sample:
    """`length` characters from `model` (a SequenceModel over `alphabet`, read forwards only)
    after reading `prime`; ValueError naming what is out of bounds."""
    problems = sample_problems(alphabet, prime, length, temperature if not greedy else 1.0, top_k)
    if problems:
        raise ValueError(" ".join(problems))
    if model.rnn.bidirectional:
        raise ValueError("a bidirectional layer reads the future: it cannot generate text")
    model.eval()
    rng = np.random.default_rng(seed)
    corpus = CharCorpus.of(alphabet)
    device = next(model.parameters()).device
    start = prime or ("\n" if "\n" in alphabet else alphabet[0])
    ids = torch.as_tensor(corpus.encode(start), device=device)
    output, state = model.rnn(model.encode(ids[None]))  # (1, T0, H)
    logits = model.read_out(output[:, -1:])[0, 0]  # (V,)
    chars, probs = [], []
    for _ in range(length):
        p = distribution(logits, temperature if not greedy else 1.0, top_k)
        choice = int(np.argmax(p)) if greedy else int(rng.choice(len(p), p=p / p.sum()))
        chars.append(alphabet[choice])
        probs.append(p)
        output, state = model.rnn(model.encode(torch.tensor([[choice]], device=device)), state)
        logits = model.read_out(output)[0, 0]
    return Sample(prime, "".join(chars), 0.0 if greedy else temperature, top_k, np.array(probs), alphabet)
