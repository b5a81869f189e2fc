"""Mutual-information and entropy estimators, in nats, for torch and numpy inputs.

Every estimator takes samples ``[n, d]`` (a 1-D array is one column) as
torch tensors or numpy arrays and runs on the input's device. numpy input
becomes float64 on the CPU. Work that grows as ``n^2`` is done in blocks of rows.
Bad input raises ``ValueError`` with the value and the fix.

Functions (each returns a float unless asked for a tensor or a result object):

=====================  ========================================================
``ksg``                kNN estimator of Kraskov et al. (2004), estimators 1, 2
``kl_entropy``         Kozachenko-Leonenko differential entropy
``ross``               kNN I(T;Y) with discrete labels Y (Ross 2014)
``gaussian``           closed form for jointly Gaussian data (log-determinants)
``binning``            plug-in estimate on equal-width bins, Miller-Madow option
``kde_upper``          pairwise-distance bounds for a noisy layer (Kolchinsky
                       and Tracey 2017); ``kde_lower``, ``kde_estimate``
``infonce`` ...        neural bounds: ``infonce``, ``nwj``, ``mine``, ``smile``,
                       ``club`` (one critic-training routine)
``renyi_mi``           matrix-based Renyi alpha MI (Giraldo et al. 2015)
``cs_qmi``             Cauchy-Schwarz quadratic MI (differentiable)
``compressed``         estimate on PCA or autoencoder codes (Butakov et al. 2024)
``batched``            many pairs at once, stacked by shape
=====================  ========================================================

``mutual_information(x, y, method=...)`` dispatches to all of them, and
:mod:`ibnotes.mi.tasks` contains distributions with known MI.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ibnotes.mi.batched import batched
from ibnotes.mi.binning import binned_entropy, binning, discrete_entropy, discretize
from ibnotes.mi.compressed import compress, compressed
from ibnotes.mi.gaussian import gaussian
from ibnotes.mi.kde import KDEEstimate, kde_estimate, kde_lower, kde_upper
from ibnotes.mi.knn import kl_entropy, ksg, mixed_ksg, ross
from ibnotes.mi.matrix import cs_qmi, gram_matrix, renyi_entropy, renyi_mi
from ibnotes.mi.neural import NeuralConfig, NeuralEstimate, club, infonce, mine, neural_estimate, nwj, smile

__all__ = [
    "mutual_information",
    "METHODS",
    "ksg",
    "kl_entropy",
    "ross",
    "mixed_ksg",
    "gaussian",
    "binning",
    "binned_entropy",
    "discrete_entropy",
    "discretize",
    "kde_upper",
    "kde_lower",
    "kde_estimate",
    "KDEEstimate",
    "infonce",
    "nwj",
    "mine",
    "smile",
    "club",
    "neural_estimate",
    "NeuralConfig",
    "NeuralEstimate",
    "renyi_mi",
    "renyi_entropy",
    "gram_matrix",
    "cs_qmi",
    "compressed",
    "compress",
    "batched",
]

_METHODS: dict[str, Callable[..., Any]] = {
    "ksg": ksg,
    "ross": ross,
    "gaussian": gaussian,
    "binning": binning,
    "kde": kde_upper,
    "kde_lower": kde_lower,
    "infonce": infonce,
    "nwj": nwj,
    "mine": mine,
    "smile": smile,
    "club": club,
    "renyi": renyi_mi,
    "cs_qmi": cs_qmi,
    "compressed": compressed,
}

METHODS: tuple[str, ...] = tuple(_METHODS)
"""Names accepted by :func:`mutual_information`."""


def mutual_information(x: Any, y: Any, method: str = "ksg", **options: Any) -> Any:
    """Estimate I(X;Y) in nats with the named method.

    Args:
        x: samples ``[n, dx]`` (for ``"kde"``: the noise-free layer ``h``).
        y: samples ``[n, dy]``; class labels ``[n]`` for ``"ross"`` and
            ``"kde"``, labels or samples for ``"binning"``.
        method: one of :data:`METHODS`.
        **options: keyword arguments of the method's function, e.g. ``k=5``
            for ``"ksg"`` or ``noise_var=0.1`` (required) for ``"kde"``.

    Returns:
        What the method's function returns: a float by default.

    Raises:
        ValueError: unknown method (the message lists the valid ones), or
            the method's own input errors.
    """
    if method not in _METHODS:
        raise ValueError(f"unknown method {method!r}; valid methods are: {', '.join(METHODS)}.")
    if method in ("kde", "kde_lower"):
        return _METHODS[method](x, labels=y, **options)
    return _METHODS[method](x, y, **options)
