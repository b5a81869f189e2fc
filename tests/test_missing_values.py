import sys

import numpy as np
import pytest

from ibnotes import data


def test_series_shape_and_seed():
    first = data.multivariate_series(500, variates=5, seed=3)
    again = data.multivariate_series(500, variates=5, seed=3)
    other = data.multivariate_series(500, variates=5, seed=4)
    assert first.shape == (500, 5)
    assert np.array_equal(first, again)
    assert not np.allclose(first, other)
    assert np.all(np.isfinite(first))


def test_series_variates_correlated():
    # Three shared factors drive seven variates, so some pairs correlate strongly.
    series = data.multivariate_series(3000, variates=7, seed=0)
    correlation = np.corrcoef(series.T)
    off_diagonal = np.abs(correlation[~np.eye(7, dtype=bool)])
    assert off_diagonal.max() > 0.5


def test_series_daily_cycle():
    # The autocorrelation at one period (24 steps) exceeds that at half a period.
    series = data.multivariate_series(3000, variates=1, factors=1, seed=0)[:, 0]
    series = series - series.mean()
    autocovariance = lambda lag: float(np.dot(series[:-lag], series[lag:]))
    assert autocovariance(24) > autocovariance(12)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(length=1), "length"),
        (dict(length=100, variates=0), "variates"),
        (dict(length=100, ar_coefficient=1.0), "ar_coefficient"),
    ],
)
def test_series_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.multivariate_series(**kwargs)


@pytest.mark.parametrize("pattern", data.MISSING_PATTERNS)
@pytest.mark.parametrize("rate", [0.0, 0.3, 0.7])
def test_mask_missing_rate(pattern, rate):
    mask = data.missing_mask(20000, 7, rate=rate, pattern=pattern, seed=0)
    assert mask.shape == (20000, 7)
    assert mask.dtype == bool
    assert abs((1 - mask.mean()) - rate) < 0.05


def test_mask_seeded():
    first = data.missing_mask(300, 7, rate=0.5, pattern="blocks", seed=1)
    again = data.missing_mask(300, 7, rate=0.5, pattern="blocks", seed=1)
    assert np.array_equal(first, again)


def _inner_run_lengths(column):
    """Lengths of the runs of equal values that touch neither end."""
    edges = np.nonzero(column[1:] != column[:-1])[0] + 1
    return np.diff(edges)


def test_mask_blocks_are_tiles():
    mask = data.missing_mask(1000, 10, rate=0.5, pattern="blocks", block=(5, 5), seed=2)
    for variate in range(10):
        assert np.all(_inner_run_lengths(mask[:, variate]) % 5 == 0)
    # Within one time step, 10 variates in groups of 5 change value at most twice.
    changes = np.count_nonzero(mask[:, 1:] != mask[:, :-1], axis=1)
    assert changes.max() <= 2


def test_mask_variates_pattern_whole_segments():
    mask = data.missing_mask(240, 3, rate=0.5, pattern="variates", segment=24, seed=0)
    # Each variate's mask changes value only at segment boundaries (same offset for all).
    for variate in range(3):
        change = np.nonzero(mask[1:, variate] != mask[:-1, variate])[0] + 1
        assert len(set(change % 24)) <= 1


def test_mask_points_independent_of_variate():
    mask = data.missing_mask(20000, 2, rate=0.5, pattern="points", seed=0)
    both = np.mean(~mask[:, 0] & ~mask[:, 1])
    assert abs(both - 0.25) < 0.02


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(rate=1.0), "rate"),
        (dict(rate=-0.1), "rate"),
        (dict(rate=0.5, pattern="rows"), "pattern"),
        (dict(rate=0.5, block=(0, 5)), "block"),
    ],
)
def test_mask_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.missing_mask(100, 7, **kwargs)


def test_macrodata_shape():
    pytest.importorskip("statsmodels")
    values, names = data.load_macrodata()
    assert values.shape == (203, 12)
    assert len(names) == 12
    assert names[0] == "realgdp"
    assert "year" not in names
    assert np.all(np.isfinite(values))


def test_macrodata_names_extra(monkeypatch):
    # A missing statsmodels must raise an ImportError that names the extra.
    monkeypatch.setitem(sys.modules, "statsmodels", None)
    monkeypatch.setitem(sys.modules, "statsmodels.datasets", None)
    with pytest.raises(ImportError, match="chapters"):
        data.load_macrodata()
