"""The training worker process: one `Trainer` at a time, steered by messages.

Runs in a process of its own (started with `spawn`), so a classroom's training
never competes with the web server's thread for the interpreter. Messages:

    inbox  <- ("run", job_id, config, limits) | (command, job_id) | ("shutdown", None)
              command: "pause", "resume", "step" (one step while paused), "stop"
    outbox -> ("start", job_id, {"device", "trace"})
              ("progress", job_id, Progress)                  one per optimizer step
              ("end", job_id, {"status", "divergence", "model", "note", "error"})

Commands for a job that is not running (finished, or never started here) are ignored.
"""

from __future__ import annotations

import os
import queue
import time
from typing import Any

PAUSED_POLL_SECONDS = 0.2
PARENT_CHECK_SECONDS = 2.0


def worker_main(inbox: Any, outbox: Any) -> None:
    """Process entry point: wait for jobs until told to shut down."""
    os.environ["OMP_NUM_THREADS"] = "1"  # before torch loads: one thread per worker
    os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    import torch

    torch.set_num_threads(1)
    _warm_up()
    parent = os.getppid()
    while True:
        try:
            message = inbox.get(timeout=PARENT_CHECK_SECONDS)
        except queue.Empty:
            if os.getppid() != parent:  # the server is gone: do not linger as an orphan
                return
            continue
        if message[0] == "shutdown":
            return
        if message[0] == "run":
            _, job_id, config, limits = message
            run_job(job_id, config, limits, inbox, outbox)


def _warm_up() -> None:
    """Train two tiny steps now, while idle: the first optimizer step imports torch's compiler
    stack (seconds), which a person would otherwise wait for after pressing Train."""
    from explorer.config import RunConfig
    from explorer.train import Trainer

    try:
        for optimizer in ("adam", "sgd"):
            Trainer(RunConfig(hidden_size=4, seq_len=4, batch_size=2, steps=1, optimizer=optimizer)).step()
    except Exception:  # noqa: BLE001 - warming up is an optimisation, never a reason to fail
        pass


def run_job(job_id: int, config, limits, inbox, outbox) -> None:
    from explorer.checkpoint import model_file
    from explorer.train import ConfigError, Trainer

    try:
        trainer = Trainer(config, limits)
        outbox.put(("start", job_id, {"device": str(trainer.device), "trace": trainer.probe_trace()}))
    except ConfigError as exc:
        outbox.put(("end", job_id, {"status": "error", "error": " ".join(exc.problems)}))
        return
    except Exception as exc:  # noqa: BLE001 - a worker reports, never dies silently
        outbox.put(("end", job_id, {"status": "error", "error": f"Could not start: {exc}"}))
        return
    deadline = time.monotonic() + limits.max_seconds
    paused, allowed_steps, status, note = False, 0, None, ""
    try:
        while not trainer.done:
            waiting = paused and allowed_steps == 0
            for command in _commands(inbox, job_id, PAUSED_POLL_SECONDS if waiting else 0.0):
                if command in ("stop", "shutdown"):
                    status = "stopped"
                elif command == "pause":
                    paused, allowed_steps = True, 0
                elif command == "resume":
                    paused = False
                elif command == "step":
                    allowed_steps += 1
            if status is None and time.monotonic() > deadline:
                status, note = "stopped", f"Stopped at the time limit of {limits.max_seconds:.0f} s per run."
            if status is not None:
                break
            if paused and allowed_steps == 0:
                continue
            allowed_steps = max(0, allowed_steps - 1)
            outbox.put(("progress", job_id, trainer.step()))
    except Exception as exc:  # noqa: BLE001
        outbox.put(("end", job_id, {"status": "error", "error": f"Training failed: {exc}"}))
        return
    outbox.put(("end", job_id, {
        "status": status or trainer.status,
        "divergence": trainer.divergence,
        "model": model_file(trainer.model, config),
        "note": note or trainer.end_note(),
    }))


def _commands(inbox, job_id: int, wait: float) -> list[str]:
    """Commands for this job now in the inbox, waiting up to `wait` s for the first."""
    commands = []
    try:
        message = inbox.get(timeout=wait) if wait > 0 else inbox.get_nowait()
        while True:
            if message[1] == job_id or message[0] == "shutdown":
                commands.append(message[0])
            message = inbox.get_nowait()
    except queue.Empty:
        pass
    return commands
