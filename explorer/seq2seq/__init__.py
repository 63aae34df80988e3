"""Encoder-decoders with and without attention: the step from one context vector to attention.

    tasks    TASKS: reverse, sort, dates, addition (strings in, strings out, generated here)
    model    Seq2Seq on real torch.nn layers; ATTENTIONS: none, additive, dot, general
    decode   teacher-forced / greedy unrolling, beam search, `read` one source for the views
    train    Seq2SeqConfig, SCHEDULES (scheduled sampling), Seq2SeqTrainer
    record   both streams of a probe batch as `explorer.trace.Trace`s, with the attention

    from explorer.seq2seq import Seq2SeqConfig, Seq2SeqTrainer
    trainer = Seq2SeqTrainer(Seq2SeqConfig(task="reverse", seq_len=12))
    rows = list(trainer.fit())
    trainer.evaluate()          # greedy exact match on held-out pairs, ≥ 0.95 by step 300
"""

from explorer.seq2seq.model import ATTENTIONS, Seq2Seq
from explorer.seq2seq.tasks import TASKS, PairBatch, Seq2SeqTask
from explorer.seq2seq.train import SCHEDULES, Seq2SeqConfig, Seq2SeqTrainer

__all__ = ["ATTENTIONS", "SCHEDULES", "TASKS", "PairBatch", "Seq2Seq", "Seq2SeqConfig", "Seq2SeqTask",
           "Seq2SeqTrainer"]
