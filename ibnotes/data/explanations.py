"""Synthetic time series with ground-truth explanations (LowVar, SeqComb, FreqShapes).

Used by: 03-uncertainty/02-timex (``make_lowvar``, ``make_seqcomb``,
``make_freqshapes``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ibnotes.data.loaders import move_to_device


@dataclass
class ExplanationSet:
    """Time series whose class is decided by known elements.

    ``x`` is float32 [n, length, sensors] and ``y`` is int64 [n] class
    indices. ``mask`` is bool [n, length, sensors], True at the elements
    that decide the class (the ground-truth explanation). A sample of a
    class that no element decides (the null class of SeqComb) has an
    all-False mask.
    """

    x: torch.Tensor
    y: torch.Tensor
    mask: torch.Tensor
    name: str

    def __len__(self) -> int:
        return len(self.x)

    @property
    def classes(self) -> int:
        return int(self.y.max()) + 1

    def to(self, device: torch.device | str) -> "ExplanationSet":
        """Return a copy with every tensor on ``device``."""
        return move_to_device(self, device)


def narma(n: int, length: int, order: int = 2, seed: int = 0) -> np.ndarray:
    """Draw ``n`` series of a NARMA process of ``order``, shape [n, length].

    y[t+1] = 0.3 y[t] + 0.05 y[t] (y[t] + ... + y[t-order+1])
    + 1.5 u[t-order+1] u[t] + 0.1, with inputs u ~ Uniform(0, 0.5): the
    usual NARMA coefficients, after Atiya and Parlos (2000). A burn-in of 100 steps
    is dropped so that each series starts near its stationary regime.
    """
    _check_counts(n=n, length=length, order=order)
    rng = np.random.default_rng(seed)
    burn_in = 100
    total = length + burn_in
    u = rng.uniform(0.0, 0.5, size=(n, total))
    y = np.zeros((n, total))
    for t in range(order - 1, total - 1):
        window = y[:, t - order + 1: t + 1].sum(axis=1)
        y[:, t + 1] = 0.3 * y[:, t] + 0.05 * y[:, t] * window + 1.5 * u[:, t - order + 1] * u[:, t] + 0.1
    return y[:, burn_in:]


def make_lowvar(n: int, length: int = 100, seed: int = 0) -> ExplanationSet:
    """Generate LowVar: two sensors of NARMA(2) plus N(0, 1) noise.

    One segment of 10 to 20 steps on one sensor is replaced by values
    N(+-1.5, 0.1^2): a stretch of low variance with a shifted mean. The
    class (4 classes) is 2 * sensor + (mean > 0), and the segment is the
    ground truth.
    """
    _check_counts(n=n, length=length, min_length=20)
    rng = np.random.default_rng(seed)
    x = narma(2 * n, length, seed=seed + 1).reshape(n, 2, length).transpose(0, 2, 1)
    x = x + rng.normal(0.0, 1.0, size=x.shape)
    mask = np.zeros(x.shape, dtype=bool)

    sensor = rng.integers(0, 2, size=n)
    positive = rng.integers(0, 2, size=n)
    for i in range(n):
        width = int(rng.integers(10, 21))
        start = int(rng.integers(0, length - width + 1))
        mean = 1.5 if positive[i] else -1.5
        x[i, start:start + width, sensor[i]] = rng.normal(mean, 0.1, size=width)
        mask[i, start:start + width, sensor[i]] = True
    return _explanation_set(x, 2 * sensor + positive, mask, "LowVar")


def make_seqcomb(n: int, length: int = 200, sensors: int = 1, seed: int = 0) -> ExplanationSet:
    """Generate SeqComb-UV (``sensors=1``) or SeqComb-MV (``sensors > 1``).

    The background is N(0, 0.5^2) noise. Classes 1 to 3 carry two
    non-overlapping subsequences of 10 to 20 steps, each a ramp from -1.5 to
    1.5 (increasing) or from 1.5 to -1.5 (decreasing) with N(0, 0.1^2)
    noise: class 1 has two increasing ramps, class 2 two decreasing ones,
    class 3 one of each in either order. Class 0 (null) has none, so its
    mask is empty. With several sensors, each ramp lies on one sensor drawn
    at random.
    """
    _check_counts(n=n, length=length, sensors=sensors, min_length=40)
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 0.5, size=(n, length, sensors))
    mask = np.zeros(x.shape, dtype=bool)
    y = rng.integers(0, 4, size=n)
    increasing = {1: (True, True), 2: (False, False)}

    for i in np.flatnonzero(y > 0):
        ramps = increasing.get(int(y[i]), tuple(rng.permutation([True, False])))
        widths = rng.integers(10, 21, size=2)
        # Two starts that keep the ramps apart: the first ramp ends before the second begins.
        first = int(rng.integers(0, length - widths.sum() + 1))
        second = int(rng.integers(first + widths[0], length - widths[1] + 1))
        for start, width, up in zip((first, second), widths, ramps):
            sensor = int(rng.integers(0, sensors))
            ramp = np.linspace(-1.5, 1.5, int(width)) * (1 if up else -1)
            x[i, start:start + width, sensor] = ramp + rng.normal(0.0, 0.1, size=width)
            mask[i, start:start + width, sensor] = True
    name = "SeqComb-UV" if sensors == 1 else "SeqComb-MV"
    return _explanation_set(x, y, mask, name)


def make_freqshapes(n: int, length: int = 50, seed: int = 0) -> ExplanationSet:
    """Generate FreqShapes: spikes that repeat with a class-specific period.

    The background is N(0, 0.25^2) noise. A spike of 3 steps (peak 2, sides
    1), upward or downward, repeats every 10 or every 17 steps from a random
    first position. The class (4 classes) is 2 * (period is 17) + (spike
    points down), and the spikes are the ground truth.
    """
    _check_counts(n=n, length=length, min_length=40)
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 0.25, size=(n, length, 1))
    mask = np.zeros(x.shape, dtype=bool)
    long_period = rng.integers(0, 2, size=n)
    downward = rng.integers(0, 2, size=n)
    shape = np.array([1.0, 2.0, 1.0])

    for i in range(n):
        period = 17 if long_period[i] else 10
        sign = -1.0 if downward[i] else 1.0
        for start in range(int(rng.integers(0, period)), length - len(shape) + 1, period):
            x[i, start:start + len(shape), 0] = sign * shape + rng.normal(0.0, 0.1, size=len(shape))
            mask[i, start:start + len(shape), 0] = True
    return _explanation_set(x, 2 * long_period + downward, mask, "FreqShapes")


def _check_counts(*, n: int, length: int, sensors: int = 1, order: int = 1, min_length: int = 2) -> None:
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    if length < min_length:
        raise ValueError(f"length must be at least {min_length} steps, got {length}")
    if sensors < 1:
        raise ValueError(f"sensors must be at least 1, got {sensors}")
    if not 1 <= order < length:
        raise ValueError(f"order must lie in [1, length), got {order} for length {length}")


def _explanation_set(x: np.ndarray, y: np.ndarray, mask: np.ndarray, name: str) -> ExplanationSet:
    return ExplanationSet(
        torch.as_tensor(x, dtype=torch.float32),
        torch.as_tensor(y, dtype=torch.int64),
        torch.as_tensor(mask, dtype=torch.bool),
        name,
    )
