"""The encoder-decoder's parts against their definitions: masking, packing, replay, beam search."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from explorer.cells import CELLS, FUSED_CELLS
from explorer.figures import hidden_heatmap
from explorer.seq2seq import ATTENTIONS, TASKS, Seq2Seq
from explorer.seq2seq.decode import beam_search, encode, greedy, read, unroll
from explorer.seq2seq.record import record_probe
from explorer.seq2seq.tasks import BOS, EOS
from explorer.views import ViewOptions, views_for

REVERSE = TASKS["reverse"]
SCORED = [kind for kind in ATTENTIONS if kind != "none"]


def model(cell: str = "gru", attention: str = "additive", bidirectional: bool = True, seed: int = 0,
          hidden: int = 16) -> Seq2Seq:
    torch.manual_seed(seed)
    return Seq2Seq(len(REVERSE.source_vocab), len(REVERSE.target_vocab), cell, hidden, 8, bidirectional,
                   attention).eval()


def ragged(count: int = 6, length: int = 7, seed: int = 0):
    batch = REVERSE.sample(np.random.default_rng(seed), count, length)
    assert batch.src_len.min() < batch.src.shape[1]  # the batch really has padding
    return batch, torch.as_tensor(batch.src), torch.as_tensor(batch.src_len)


@pytest.mark.parametrize("kind", SCORED)
def test_attention_rows_sum_to_one_and_padding_gets_zero(kind):
    """Every α row is a distribution over the real source steps; padded steps get exactly 0,
    and c_t is the α-weighted sum of the encoder states."""
    net = model(attention=kind)
    batch, src, src_len = ragged()
    memory = encode(net, src, src_len)
    out = unroll(net, memory, 5)
    alpha = out.attention  # (B, T, S)
    torch.testing.assert_close(alpha.sum(-1), torch.ones(alpha.shape[:2]))
    padded = ~memory.mask[:, None, :].expand_as(alpha)
    assert (alpha[padded] == 0).all()
    assert (alpha[~padded] > 0).all()
    torch.testing.assert_close(out.contexts, torch.bmm(alpha, memory.states))


def test_no_attention_reads_one_context_vector_everywhere():
    """Without attention c_t is the encoder's summary [h→_last; h←_first] at every step."""
    net = model(attention="none")
    _, src, src_len = ragged()
    memory = encode(net, src, src_len)
    out = unroll(net, memory, 4)
    assert out.attention is None
    torch.testing.assert_close(out.contexts, memory.summary[:, None].expand_as(out.contexts))


@pytest.mark.parametrize("cell", list(FUSED_CELLS))
def test_padding_changes_nothing_and_summary_is_the_final_state(cell):
    """A padded example encodes exactly as it does alone, and the summary equals the nn
    module's own final states (h_n) of the packed run, forward and backward."""
    net = model(cell)
    batch, src, src_len = ragged()
    states = net.encode(src, src_len)
    summary = net.memory(states, src_len).summary
    for i in range(len(batch.sources)):
        n = int(src_len[i])
        alone = net.encode(src[i:i + 1, :n], src_len[i:i + 1])
        torch.testing.assert_close(states[i:i + 1, :n], alone)
        assert (states[i, n:] == 0).all()
        _, h_n = net.encoder(net.source_embedding(src[i:i + 1, :n]))
        h_n = h_n[0] if isinstance(h_n, tuple) else h_n  # LSTM: (h_n, c_n)
        torch.testing.assert_close(summary[i], torch.cat([h_n[0, 0], h_n[1, 0]]))


@pytest.mark.parametrize("cell", list(FUSED_CELLS))
def test_recorded_decoder_step_equals_the_nn_cell(cell):
    """Stepping through explorer.cells with the nn.*Cell's weights gives the cell's own numbers."""
    net = model(cell)
    _, src, src_len = ragged()
    memory = encode(net, src, src_len)
    fused, recorded = (unroll(net, memory, 5, record=flag) for flag in (False, True))
    torch.testing.assert_close(fused.logits, recorded.logits)
    assert set(recorded.gates) == set(CELLS[cell].gates)


@pytest.mark.parametrize("cell", list(FUSED_CELLS))
def test_probe_records_both_streams_and_the_attention(cell):
    """The encoder trace replays the real encoder; both traces open in hidden_heatmap; the
    attention they carry is what `read` decodes for the same source."""
    net = model(cell)
    batch, src, src_len = ragged()
    encoder, decoder = record_probe(net, REVERSE, batch, step=7)
    n_out = batch.tgt.shape[1] + 1
    assert encoder.hidden.shape == (1, 2, 6, batch.src.shape[1], 8)
    assert decoder.hidden.shape == (1, 1, 6, n_out, 16) and decoder.step == 7
    assert encoder.attention.shape == (6, n_out, batch.src.shape[1])
    np.testing.assert_allclose(encoder.output, net.encode(src, src_len).detach().numpy(), atol=1e-5)
    assert np.isfinite(encoder.grad_norm).all() and (encoder.grad_norm > 0).all()
    assert (decoder.grad_norm[0, 0, 0] > 0) and decoder.inputs[0, 0] == BOS
    for trace in (encoder, decoder):
        hidden_heatmap(trace, example=1)
    reading = read(net, REVERSE, batch.sources[1], beam_width=1, max_steps=n_out)
    steps = len(reading.greedy)
    np.testing.assert_allclose(reading.attention, encoder.attention[1, :steps, :len(batch.sources[1])],
                               atol=1e-5)


@pytest.mark.parametrize("cell", list(FUSED_CELLS))
def test_both_probe_streams_open_in_every_inside_view(cell):
    """Every view of the Inside page builds its figure and its table from the encoder's and the
    decoder's trace, for each direction, a padded example and the cursor at both ends."""
    encoder, decoder = record_probe(model(cell), REVERSE, ragged()[0])
    gated = {"gates", "gate_lines", "saturation"}
    for trace in (encoder, decoder):
        views = views_for(trace)
        assert {v.name for v in views} == {"unrolled", "hidden", "trajectory"} | (
            gated if CELLS[cell].gates else set())
        short = int(np.argmin(trace.lengths))  # the encoder's is padded (see `ragged`)
        for direction in range(trace.num_directions):
            for example, cursor in ((0, 0), (short, trace.seq_len - 1)):
                options = ViewOptions(direction=direction, example=example, cursor=cursor, dims=3,
                                      units=(0, 3)).fit(trace)
                for view in views:
                    figure, table = view.figure(trace, options), view.table(trace, options)
                    assert figure.data and figure.layout.meta["view"] == view.name, view.name
                    assert figure.layout.meta["cursor"] == min(cursor, trace.length(example) - 1)
                    assert len(table) >= trace.seq_len and table.columns.size > 1, view.name
                    figure.to_json()  # what st.plotly_chart sends


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_beam_of_width_one_is_greedy(seed):
    net = model(seed=seed)
    source = "3141592"
    reading = read(net, REVERSE, source, beam_width=1, max_steps=9)
    assert reading.beam == reading.greedy
    assert reading.beam_score == pytest.approx(reading.greedy_score, abs=1e-4)


def test_beam_hypotheses_are_scored_by_their_log_probability():
    """Each hypothesis' score is Σ log p of its tokens, re-measured by teacher forcing; best first."""
    net = model(seed=3)
    ids = REVERSE.encode("2718281")
    hypotheses = beam_search(net, ids, width=4, max_steps=9)
    assert [h.score for h in hypotheses] == sorted((h.score for h in hypotheses), reverse=True)
    src, src_len = torch.tensor([ids]), torch.tensor([len(ids)])
    for hyp in hypotheses:
        tokens = torch.tensor([hyp.tokens])
        with torch.no_grad():
            out = unroll(net, encode(net, src, src_len), len(hyp.tokens), tokens, teacher_ratio=1.0)
        log_p = torch.log_softmax(out.logits[0], -1).gather(1, tokens[0, :, None]).sum()
        assert hyp.score == pytest.approx(float(log_p), abs=1e-4)
        assert hyp.finished == (hyp.tokens[-1] == EOS)


def test_greedy_stops_once_every_row_said_eos():
    net = model()
    _, src, src_len = ragged()
    out = greedy(net, src, src_len, max_steps=50)
    tokens = out.tokens
    assert tokens.shape[1] == 50 or bool((tokens == EOS).any(1).all())
