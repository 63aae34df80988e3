"""The text task's part of the CLI: a corpus from a file, the saved model, and `sample`.

    python -m explorer train --task text --text-file notes.txt --out runs/notes
    python -m explorer sample runs/notes --length 200 --temperature 0.8 --prime "The " --seed 0

`--out` holds `model.safetensors` (the whole model, its RunConfig in the metadata) and
`alphabet.json` (the characters, id order), which is all `sample` needs.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

from explorer.config import RunConfig
from explorer.textfile import MAX_TEXT_BYTES, UploadError

MODEL, ALPHABET = "model.safetensors", "alphabet.json"


def corpus_from_file(config: RunConfig, path: str) -> tuple[RunConfig, str]:
    """The config on the text in `path` (read within bounds, kept in this process); or why not."""
    from explorer.text.corpus import remember, text_from_upload

    if config.task != "text":
        return config, f"--text-file is read by --task text only (the task is {config.task!r})."
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_TEXT_BYTES + 1)
        return replace(config, corpus=remember(text_from_upload(data))), ""
    except OSError as exc:
        return config, f"--text-file {path!r}: cannot read it ({exc.strerror or exc})."
    except UploadError as exc:
        return config, f"--text-file {path!r}: {exc}"


def model_saves(trainer) -> dict:
    """The --out files of a text run: file name -> its writer (`__main__.save_into`)."""
    from explorer.checkpoint import model_file

    alphabet = json.dumps({"alphabet": "".join(trainer.task.vocab)})
    return {MODEL: lambda path: path.write_bytes(model_file(trainer.model, trainer.cfg)),
            ALPHABET: lambda path: path.write_text(alphabet)}


def add_parser(commands) -> None:
    sample = commands.add_parser("sample", help="print text drawn from a text model saved with train --out")
    sample.add_argument("folder", help="the --out folder of a text run")
    sample.add_argument("--length", type=int, default=200, help="characters to draw")
    sample.add_argument("--temperature", type=float, default=1.0, help="0.1 (careful) to 2 (wild)")
    sample.add_argument("--prime", default="", help="text the model reads before drawing")
    sample.add_argument("--top-k", type=int, default=0, help="draw from the k likeliest only (0: all)")
    sample.add_argument("--seed", type=int, default=0, help="same seed, same text")


def load_saved(folder: Path):
    """(model, alphabet) from a train --out folder; ValueError saying what is missing."""
    from safetensors import safe_open

    from explorer.text.model import load_lm

    try:
        with safe_open(str(folder / MODEL), "pt") as file:
            config = RunConfig(**json.loads(file.metadata()["rnn_explorer_config"]))
        alphabet = json.loads((folder / ALPHABET).read_text())["alphabet"]
        return load_lm(config, alphabet, (folder / MODEL).read_bytes()), alphabet
    except (OSError, KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{str(folder)!r} holds no text model saved by `train --task text --out` "
                         f"({MODEL} and {ALPHABET}): {exc}") from None


def sample(args) -> int:
    from explorer.text.generate import sample_text

    try:
        model, alphabet = load_saved(Path(args.folder))
        drawn = sample_text(model, alphabet, args.prime, args.length, args.temperature, args.top_k,
                            args.seed)
    except ValueError as exc:
        print(f"Nothing was sampled:\n  {exc}", file=sys.stderr)
        return 2
    print(drawn.text)
    return 0
