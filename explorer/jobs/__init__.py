"""The one run layer: every background computation of every page, as jobs of a few kinds.

    status    Status: one enum for every run, race, curve and decode
    kind      JobKind: how a worker runs a kind (Work) and what the server keeps of it (State)
    registry  JOB_KINDS: train, example, race, seq2seq, curve, decode
    train     the "train" and "example" kinds; Snapshot, what a page draws of a run
    race      the "race" kind: 2–4 cells in lockstep; RaceSnapshot
    seq2seq   the "seq2seq", "curve" and "decode" kinds of the Attention page
    layer     JobLayer (sharing, queues, cache, handles with pause/step cursors) and the Backend seam
    processes ProcessBackend: worker processes, pipes, heartbeats, replacement

    layer = JobLayer(Limits())
    run = layer.submit("train", RunConfig(cell="gru"))
    run.join(); run.snapshot().history.array("loss")
"""

from importlib import import_module

# name -> module, imported on first use: the trainers import `explorer.jobs.status` (a leaf) and
# must not pull in the layer, which imports them back through the kinds
_EXPORTS = {"Backend": "layer", "Handle": "layer", "JobLayer": "layer", "JobLayerClosed": "layer",
            "Status": "status"}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'explorer.jobs' has no attribute {name!r}")
    return getattr(import_module(f"explorer.jobs.{_EXPORTS[name]}"), name)
