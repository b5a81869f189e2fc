"""Multivariate series with missing values, and the macrodata series.

Used by: 04-graphs-and-dynamics/04-missing-values-forecasting
(``multivariate_series``, ``missing_mask``, ``load_macrodata``).
"""

from __future__ import annotations

import numpy as np

MISSING_PATTERNS = ("points", "blocks", "variates")


def multivariate_series(
    length: int,
    variates: int = 7,
    factors: int = 3,
    period: int = 24,
    ar_coefficient: float = 0.7,
    noise: float = 0.3,
    seed: int = 0,
) -> np.ndarray:
    """Generate a multivariate series with shared periodic factors, drift and AR(1) noise.

    ``factors`` latent signals (sines with the periods ``period`` and
    ``7 * period``, at random phases, plus a slow random drift) reach the
    variates through a random [variates, factors] loading matrix, as in
    hourly data with daily and weekly cycles. Each variate adds its own AR(1)
    noise with coefficient ``ar_coefficient`` and innovation standard
    deviation ``noise``.

    Used by: 04-graphs-and-dynamics/04-missing-values-forecasting.

    Returns:
        float64 [length, variates], not standardised.
    """
    if length < 2 or variates < 1 or factors < 1 or period < 2:
        raise ValueError(
            f"need length >= 2, variates >= 1, factors >= 1 and period >= 2, got "
            f"{length}, {variates}, {factors}, {period}"
        )
    if not -1.0 < ar_coefficient < 1.0:
        raise ValueError(f"ar_coefficient must lie in (-1, 1) for a stationary AR(1), got {ar_coefficient}")
    rng = np.random.default_rng(seed)
    time = np.arange(length)[:, None]  # [length, 1]

    # Latent factors: a daily and a weekly cycle with random phases, plus drift.
    phases = rng.uniform(0, 2 * np.pi, size=(2, factors))
    latent = np.sin(2 * np.pi * time / period + phases[0])
    latent = latent + 0.5 * np.sin(2 * np.pi * time / (7 * period) + phases[1])
    latent = latent + np.cumsum(rng.normal(0, 0.02, size=(length, factors)), axis=0)
    loading = rng.normal(0, 1, size=(variates, factors))

    # Independent AR(1) noise per variate.
    innovations = rng.normal(0, noise, size=(length, variates))
    ar_noise = np.empty_like(innovations)
    ar_noise[0] = innovations[0] / np.sqrt(1 - ar_coefficient**2)
    for t in range(1, length):
        ar_noise[t] = ar_coefficient * ar_noise[t - 1] + innovations[t]
    return latent @ loading.T + ar_noise


def missing_mask(
    length: int,
    variates: int,
    rate: float,
    pattern: str = "points",
    block: tuple[int, int] = (5, 5),
    segment: int = 24,
    seed: int = 0,
) -> np.ndarray:
    """Draw an observation mask with one of three missingness patterns.

    The series is cut into tiles and each tile is missing with probability
    ``rate``, so about that share of entries is missing:

    - ``"points"``: tiles of one entry (missing completely at random);
    - ``"blocks"``: tiles of ``block[0]`` time steps by ``block[1]``
      variates, placed on a grid with a random offset;
    - ``"variates"``: one variate over ``segment`` time steps, so a model
      reading a window of ``segment`` steps often sees whole variates gone.

    Used by: 04-graphs-and-dynamics/04-missing-values-forecasting.

    Returns:
        bool [length, variates], True where the value is observed.
    """
    if pattern not in MISSING_PATTERNS:
        raise ValueError(f"unknown pattern {pattern!r}: use one of {', '.join(MISSING_PATTERNS)}")
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"rate must lie in [0, 1), got {rate}")
    if length < 1 or variates < 1:
        raise ValueError(f"length and variates must be at least 1, got {length} and {variates}")
    if min(block) < 1 or segment < 1:
        raise ValueError(f"block sides and segment must be at least 1, got {block} and {segment}")
    tile = {"points": (1, 1), "blocks": tuple(block), "variates": (segment, 1)}[pattern]
    rng = np.random.default_rng(seed)

    # Shift the grid by a random offset, draw one value per tile, expand.
    offset = [int(rng.integers(0, side)) for side in tile]
    rows = (np.arange(length) + offset[0]) // tile[0]
    cols = (np.arange(variates) + offset[1]) // tile[1]
    missing = rng.random((rows[-1] + 1, cols[-1] + 1)) < rate
    return ~missing[rows[:, None], cols[None, :]]


def load_macrodata() -> tuple[np.ndarray, list[str]]:
    """Load statsmodels' US macroeconomic data: 203 quarters, 1959Q1 to 2009Q3.

    The 12 economic series are returned in levels (real GDP, consumption,
    investment, government spending, disposable income, CPI, M1, T-bill
    rate, unemployment, population, inflation, real interest rate); the
    ``year`` and ``quarter`` columns are dropped.

    Used by: 04-graphs-and-dynamics/04-missing-values-forecasting.

    Returns:
        float64 [203, 12] values and their 12 column names.

    Raises:
        ImportError: statsmodels is missing; install the ``chapters`` extra,
            ``pip install "ibnotes[chapters]"``.
    """
    try:
        from statsmodels.datasets import macrodata
    except ImportError as error:
        raise ImportError(
            "load_macrodata needs statsmodels: install the 'chapters' extra with "
            "pip install 'ibnotes[chapters]'"
        ) from error
    frame = macrodata.load_pandas().data.drop(columns=["year", "quarter"])
    return frame.to_numpy(dtype=np.float64), list(frame.columns)
