"""Text for the character-level language model (the `text` task and the Text page).

    corpora   CORPORA: generated corpora (grammar, brackets, code), deterministic under a seed
    corpus    CharCorpus (ids, alphabet, unigram/bigram baselines, windows); a person's text by hash
    features  simple per-character features and the units that correlate with them (numpy)
    generate  seeded sampling: temperature, top-k, greedy; the distribution at every step
    model     weights (safetensors) -> model; a text read: every state and gate, connectivity
    cli       `train --text-file`, the saved model, `python -m explorer sample`
"""
