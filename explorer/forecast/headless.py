"""The CLI's side of a forecast: its flags, the series they name, and the numbers it prints.

    python -m explorer train --task series --data FILE.csv --column NAME [--time-column NAME] \\
        --horizon 12 --cell gru --json

Without ``--data`` the generated seasonal series is forecast. The file is size-checked before it
is read, and every problem in it is a message naming its line and column.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from explorer.config import Limits, RunConfig
from explorer.forecast.data import MISSING, read_series_table, series_from_table
from explorer.forecast.evaluate import HELD_OUT, MODEL, Forecast
from explorer.forecast.generated import GENERATORS, generate
from explorer.forecast.spec import ForecastSpec, Prepared
from explorer.tasks.series import FORECAST_SHAPES
from explorer.textfile import MAX_TEXT_BYTES, UploadError

FLAGS = ("data", "column", "time_column", "missing", "generated")


def add_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("--task series")
    group.add_argument("--data", help="a CSV file of the series (default: a generated one)")
    group.add_argument("--column", help="the column of values to forecast")
    group.add_argument("--time-column", help="the column of times (numbers or ISO 8601 dates)")
    group.add_argument("--missing", choices=list(MISSING), default="refuse",
                       help="missing values and gaps in time: refuse the file, drop them, or interpolate")
    group.add_argument("--generated", choices=list(GENERATORS), default="seasonal",
                       help="the generated series to forecast when there is no --data")
    group.add_argument("--horizon", type=int, default=ForecastSpec.horizon, help="steps forecast ahead")
    group.add_argument("--forecast", choices=list(FORECAST_SHAPES), default=ForecastSpec.shape,
                       help="closed loop (predictions fed back) or direct (all steps at once)")
    group.add_argument("--season", type=int, default=0, help="seasonal-naive's season in steps; 0: found")


def spec_from_args(args: argparse.Namespace, config: RunConfig,
                   limits: Limits) -> tuple[ForecastSpec | None, list[str]]:
    """The run the flags ask for, or the problems with them; (None, []) for a task other than series."""
    if config.task != "series":
        given = [f"--{name.replace('_', '-')}" for name in FLAGS[:3] if getattr(args, name) is not None]
        return None, [f"{', '.join(given)}: read only with --task series."] if given else []
    if args.data is None:
        series = generate(args.generated, config.seed)
    else:
        try:
            series = _read(Path(args.data), args.column, args.time_column, args.missing,
                           limits.max_series_points)
        except UploadError as problem:
            return None, [f"--data {args.data!r}: {problem}"]
    spec = ForecastSpec(config, series, args.horizon, args.forecast, args.season)
    return spec, spec.problems(limits)


def _read(path: Path, column: str | None, time_column: str | None, missing: str, most: int):
    if column is None:
        raise UploadError("say which column holds the values with --column NAME.")
    try:
        size = path.stat().st_size
        if size > MAX_TEXT_BYTES:
            raise UploadError(f"the file has {size:,} bytes; CSV files up to {MAX_TEXT_BYTES:,} bytes "
                              "are read.")
        data = path.read_bytes()
    except OSError as exc:
        raise UploadError(f"cannot read it ({exc.strerror or exc}).") from None
    table = read_series_table(data, most)
    return series_from_table(table, column, time_column, missing, name=path.name, max_points=most).series


def results(forecast: Forecast, ready: Prepared) -> dict:
    """What the CLI prints: the test part's mean MSE of the model and of each baseline on the same
    windows, the validation part's, and MSE and MAE per horizon step."""
    test = forecast.scores["test"]
    out = {"series": ready.spec.series.name, "points": ready.split.n, "split": dict(ready.split.parts()),
           "forecast": ready.spec.shape, "horizon": ready.spec.horizon, "season": ready.season,
           "forecast_mse": forecast.mse(), "forecast_mae": float(test.mae[MODEL].mean())}
    out |= {f"{name}_mse": float(mse.mean()) for name, mse in test.mse.items() if name != MODEL}
    out |= {f"{part}_forecast_mse": forecast.mse(part=part) for part in HELD_OUT if part != "test"}
    out["per_step"] = {name: {"mse": test.mse[name].tolist(), "mae": test.mae[name].tolist()}
                       for name in test.mse}
    return out
