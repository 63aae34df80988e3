"""The words beside the gradient views: what to look for, and which equation the figure shows.

Plain markdown, kept as data so pages stay short and the text is written once. The
equations are those of `explorer.gradients`; placeholders in braces are filled by the page.
"""

GRADIENT_LESSONS = {
    "flow": (
        "**What to look for.** The loss is read at the last step T. The line shows how much of its "
        "gradient reaches each earlier step t. A vanilla RNN's line falls like a straight ramp on this "
        "log scale: every step back multiplies it by roughly the same factor, the Jacobian "
        "∂h_t/∂h_{t−1} = diag(1 − h_t²) W_hh. Where it falls below 1e-30 the early inputs get no "
        "learning signal at all. An LSTM's ‖dL/dc_t‖ stays flat far longer."
    ),
    "heatmap": (
        "**Over training.** Each row is one probe recording, newest at the top; colour is log10 of the "
        "gradient norm at time step t. Dark left columns that stay dark mean the start of the sequence "
        "is never learned from; a colour that spreads left means the network learned to carry "
        "information (and gradient) further back."
    ),
    "cell_heatmap": (
        "**The cell state's highway.** dL/dc_{t−1} = dL/dc_t ⊙ f_t + (paths through h): the forget "
        "gate f_t is the factor per step. When training opens f towards 1, the gradient travels back "
        "almost undamped and the colour reaches the left edge."
    ),
    "spectrum": (
        "**The eigenvalues** say what repeated multiplication by W_hh does: a direction with "
        "|λ| < 1 (inside the dashed circle) shrinks at every step, |λ| > 1 grows. The largest |λ| is "
        "the spectral radius ρ. **The singular values** bound the stretch of one step: no vector grows "
        "by more than σ_max. Orthogonal W_hh has every singular value 1; PyTorch's default puts the "
        "eigenvalues in a disk of radius ≈ 0.6 (H × U(−1/√H, 1/√H) entries)."
    ),
    "series": (
        "**While it learns.** ρ and σ_max of W_hh at each probe recording. Training a vanilla RNN to "
        "remember pushes ρ towards 1 — the only way its gradient can survive many steps — and past 1 "
        "the same product explodes instead."
    ),
    "bound": (
        "**Theory vs measurement.** Looking back k steps from the end, the gradient is multiplied by "
        "k Jacobians of norm ≤ γ·σ_max (γ = max |tanh'| = 1), so ‖dL/dh_{{T−k}}‖ / ‖dL/dh_T‖ ≤ "
        "(γ·σ_max)^k with σ_max = {sigma:.3g}: the measured line never crosses the bound. While h_t is "
        "small (1 − h_t² ≈ 1) the product behaves like W_hh^k and the measured slope follows ρ^k "
        "(ρ = {rho:.3g}); saturated units (h_t near ±1) multiply each step by 1 − h_t² < 1 and make it "
        "fall faster. {measured}"
    ),
    "rate_follows": "Here it falls by ×{rate:.3g} per step on average: close to ρ.",
    "rate_faster": "Here it falls by ×{rate:.3g} per step on average, faster than ρ: saturation at work.",
    "rate_slower": "Here it falls by ×{rate:.3g} per step on average, slower than ρ: the probe's "
                   "last-step loss feeds the gradient unevenly across units.",
    "carry_f": (
        "**The forget gate decides.** Along the cell state, one step back multiplies the gradient by "
        "f_t, so the mean forget gate f̄ = {bar:.3f} predicts a decay ≈ f̄^k (dashed). The measured "
        "decay is usually slower: units with larger f dominate the norm, and the gradient also "
        "re-enters the cell through h_t. With PyTorch's default biases f ≈ 0.5 and the cell forgets "
        "as fast as a tanh RNN; a forget-gate bias of 1–2 (f ≈ 0.73–0.88) keeps it for tens of steps."
    ),
    "carry_z": (
        "**The update gate decides.** A GRU keeps h_t = (1 − z) ⊙ n + z ⊙ h_{{t−1}}: one step back "
        "passes z_t of the gradient straight through, so the mean update gate z̄ = {bar:.3f} predicts a "
        "decay ≈ z̄^k (dashed); the path through the candidate n adds to it."
    ),
    "measured_only": (
        "**No one gate predicts it.** This cell has no W_hh whose spectrum bounds the decay and no "
        "single carry gate: the Jordan network carries only its output y_t (the gradient returns "
        "through y_{t-1} = W_hy h_{t-1} + b), the LSTM without a forget gate adds to c without "
        "decay, and the MGU's one gate both forgets and writes. The line is the measured decay."
    ),
    "clipping": (
        "**Exploding.** With σ_max > 1 the same product of Jacobians can grow at every step back, and "
        "one batch's gradient can be astronomically large; a plain SGD step then throws the weights "
        "to infinity and the run diverges (red line). **Clipping** rescales the whole gradient to norm "
        "≤ the threshold whenever it is larger (× marks where it acted): the direction is kept, the "
        "step stays small and the run survives. It does not fix *vanishing*: a gradient that is "
        "already 1e-20 at the early steps is never scaled up."
    ),
}

RACE_LESSONS = {
    "race": (
        "**Same task, same data, same seed** — only the cell differs. On *{task}* (T={seq_len}) every "
        "network first learns what can be done without memory: the dashed baseline, {baseline}. To "
        "do better it must carry what it read early across the sequence, and that needs gradient "
        "from the end to reach those early steps."
    ),
    "flow": (
        "**Why they differ.** The gradient from the loss at step T, traced back to every step t, at "
        "the training step of the cursor. Each step back multiplies it by a Jacobian: "
        "diag(1 − h_t²) W_hh for the tanh RNN (it falls by orders of magnitude), f_t on the LSTM's "
        "cell state and z_t on the GRU's state (they stay near 1)."
    ),
    "sweep": (
        "**How far back can each cell remember?** Every point is a whole training run at one "
        "sequence length, scored on held-out data after the same number of steps. A point on the "
        "dashed line learned nothing the baseline does not know. Points are cached: a second sweep "
        "with the same settings draws at once."
    ),
}
