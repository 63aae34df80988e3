"""RunConfig: bounds with human messages, and the share-link round trip."""

import dataclasses

import pytest

from explorer import TASKS, Limits, RunConfig
from explorer.limits import LimitsError


def test_defaults_are_valid():
    assert RunConfig().validate() == []


def test_out_of_range_values_get_readable_messages():
    cfg = RunConfig(hidden_size=100_000, lr=float("nan"), seq_len=5000, task="copy")
    problems = cfg.validate()
    assert "Hidden size must be between 1 and 512 (got 100000)." in problems
    assert any(p.startswith("Lr must be between") for p in problems)
    assert any("Sequence length for 'copy'" in p for p in problems)


def test_work_per_batch_is_bounded():
    cfg = RunConfig(task="mod3", seq_len=1000, batch_size=512)
    assert any("Sequence length × batch size" in p for p in cfg.validate(Limits()))


def test_identity_init_is_for_vanilla_rnns_only():
    assert RunConfig(cell="rnn_relu", init="identity").validate() == []
    assert RunConfig(cell="lstm", init="identity").validate() == [
        "Initialization 'identity' applies only to vanilla RNNs."
    ]


def test_query_round_trip_reproduces_the_config():
    cfg = RunConfig(cell="gru", task="copy", seq_len=30, lr=0.01, clip=False, forget_bias=None,
                    bidirectional=True, seed=7)
    query = cfg.to_query()
    assert all(isinstance(v, str) for v in query.values())
    assert RunConfig.from_query(query) == (cfg, [])
    with_bias = dataclasses.replace(cfg, cell="lstm", forget_bias=1.5)
    assert RunConfig.from_query(with_bias.to_query())[0] == with_bias


def test_tampered_query_falls_back_to_defaults_with_notices():
    cfg, notices = RunConfig.from_query(
        {"cell": "evil<script>", "hidden_size": "lots", "seq_len": "40", "lr": "inf", "other": "x"}
    )
    assert cfg.cell == RunConfig().cell
    assert cfg.hidden_size == RunConfig().hidden_size
    assert cfg.seq_len == 40  # the valid part is kept
    assert cfg.lr == RunConfig().lr
    assert cfg.validate() == []
    assert len(notices) == 3


def test_every_task_default_length_is_valid():
    for name, task in TASKS.items():
        assert RunConfig(task=name, seq_len=task.default_seq_len).validate() == [], name


def test_a_bad_length_for_the_linked_task_resets_the_length_not_the_task():
    cfg, notices = RunConfig.from_query({"task": "sentiment", "seq_len": "5"})
    assert (cfg.task, cfg.seq_len) == ("sentiment", TASKS["sentiment"].default_seq_len)
    assert notices == ["Ignored seq_len=5: Sequence length for 'sentiment' must be between 6 and 200. "
                       "Using 12 instead."]


def test_wrong_types_are_named_before_any_range_check():
    assert RunConfig(hidden_size="32").validate() == [
        "hidden_size must be a whole number (got '32' of type str)."]
    problems = RunConfig(hidden_size=32.5, steps=2.5).validate()
    assert [p.split(" must")[0] for p in problems] == ["hidden_size", "steps"]


def test_limits_from_the_environment_name_the_variable_the_value_and_the_range():
    assert Limits.from_env({"EXPLORER_MAX_STEPS": " 5000 ", "EXPLORER_MAX_SECONDS": "30"}) == Limits(
        max_steps=5000, max_seconds=30.0)
    for variable, value in [("EXPLORER_MAX_STEPS", "abc"), ("EXPLORER_CACHED_RUNS", "-1"),
                            ("EXPLORER_MAX_SECONDS", "nan"), ("EXPLORER_WORKERS", "1.5")]:
        with pytest.raises(LimitsError) as refused:
            Limits.from_env({variable: value})
        assert refused.value.problems[0].startswith(f"{variable}='{value}' is not accepted: "), value
        assert " from " in refused.value.problems[0]
    with pytest.raises(LimitsError, match="cached_runs=-1 is not accepted"):
        Limits(cached_runs=-1)
