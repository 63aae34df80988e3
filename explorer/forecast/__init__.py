"""Forecasting a time series of one's own (the Forecast page, ``--task series --data``).

    data       SeriesData; a CSV's value and time columns read, gaps and missing values handled (MISSING)
    generated  GENERATORS: a seasonal series, a random-walk stock, a damped oscillator (seeded)
    split      the chronological split and the scaler fitted on the training part only
    baselines  BASELINES: persistence, seasonal-naive, least-squares linear autoregression
    spec       ForecastSpec: settings, series, horizon; prepare() -> Prepared
    evaluate   per-horizon-step MSE and MAE of the model and the baselines on held-out parts
"""
