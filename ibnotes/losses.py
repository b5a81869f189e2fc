"""Information Bottleneck objectives.

Used by: 01-foundations/02-deep-vib (``gaussian_kl``, ``vib_loss``);
03-uncertainty/03-cauchy-schwarz-ib (``cs_divergence``,
``conditional_cs_divergence``, ``normalised_cs_qmi``).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def gaussian_kl(mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """KL(N(mean, diag(std^2)) || N(0, I)) in nats, in closed form.

    Args:
        mean: [batch, k] means.
        std: [batch, k] standard deviations, positive.

    Returns:
        [batch] KL divergence of each row, summed over the k dimensions.
    """
    if mean.shape != std.shape:
        raise ValueError(f"mean and std must have one shape, got {tuple(mean.shape)} and {tuple(std.shape)}")
    if (std <= 0).any():
        raise ValueError("std must be positive: pass softplus(raw) + a small constant")
    var = std.pow(2)
    return 0.5 * (var + mean.pow(2) - 1.0 - var.log()).sum(dim=-1)


def vib_loss(
    logits: torch.Tensor,
    targets: torch.Tensor,
    mean: torch.Tensor,
    std: torch.Tensor,
    beta: float,
) -> tuple[torch.Tensor, dict[str, float]]:
    """Deep VIB objective: cross-entropy + beta * KL(p(z|x) || N(0, I)).

    Args:
        logits: [samples, batch, classes] decoder outputs for samples of z.
        targets: [batch] class indices.
        mean, std: [batch, k] parameters of p(z|x).
        beta: weight of the rate term, at least 0.

    Returns:
        The loss to minimise, and the batch means of ``cross_entropy`` and
        ``rate`` (both in nats) as floats.
    """
    if beta < 0:
        raise ValueError(f"beta must be non-negative, got {beta}")
    samples = logits.shape[0]
    cross_entropy = F.cross_entropy(logits.flatten(0, 1), targets.repeat(samples))
    rate = gaussian_kl(mean, std).mean()
    loss = cross_entropy + beta * rate
    return loss, {"cross_entropy": cross_entropy.item(), "rate": rate.item()}


def bernoulli_kl(p: torch.Tensor, prior: torch.Tensor | float, eps: float = 1e-6) -> torch.Tensor:
    """KL(Bernoulli(p) || Bernoulli(prior)) in nats, elementwise.

    The compression term of mask explainers: each element of ``p`` is the
    probability that one mask entry (a feature, an event, a motif) is kept.

    Used by: 04-graphs-and-dynamics/01-temporal-motifs,
    03-uncertainty/02-timex.

    Args:
        p: probabilities in [0, 1], any shape.
        prior: prior keep probabilities in (0, 1), a float or a tensor that
            broadcasts against ``p``.
        eps: both arguments are clamped to [eps, 1 - eps] so that p = 0 or
            p = 1 gives a finite value.

    Returns:
        A tensor of the broadcast shape, non-negative.
    """
    prior = torch.as_tensor(prior, dtype=p.dtype, device=p.device)
    if ((p < 0) | (p > 1)).any() or p.isnan().any():
        raise ValueError("p must lie in [0, 1]: pass sigmoid(logits), not logits")
    if ((prior <= 0) | (prior >= 1)).any() or prior.isnan().any():
        raise ValueError(f"prior must lie in (0, 1), got values from {prior.min().item()} to {prior.max().item()}")
    p = p.clamp(eps, 1 - eps)
    prior = prior.clamp(eps, 1 - eps)
    return p * (p / prior).log() + (1 - p) * ((1 - p) / (1 - prior)).log()


def _cross_gram(a: torch.Tensor, b: torch.Tensor, sigma: float | torch.Tensor) -> torch.Tensor:
    """Gaussian kernel ``exp(-|a_i - b_j|^2 / (2 sigma^2))`` [n, m] between a [n, d] and b [m, d].

    Squared distances come from coordinate differences: exact (so a point's
    distance to itself is 0 even for a tiny ``sigma``) and with a finite
    gradient where points coincide, unlike ``torch.cdist``. The memory is
    n * m * d numbers, which suits mini-batches.
    """
    squared = (a[:, None, :] - b[None, :, :]).square().sum(dim=-1)
    return torch.exp(-squared / (2 * torch.as_tensor(sigma, dtype=a.dtype, device=a.device) ** 2))


def _as_columns(value: torch.Tensor, name: str) -> torch.Tensor:
    """Return a floating tensor as ``[n, d]`` (a 1-D input becomes one column), or raise ValueError."""
    if not isinstance(value, torch.Tensor) or not value.is_floating_point():
        raise ValueError(f"{name} must be a floating torch tensor, got {type(value).__name__}: convert it with torch.as_tensor(..., dtype=torch.float32)")
    if value.ndim == 1:
        value = value[:, None]
    if value.ndim != 2 or value.shape[0] < 1:
        raise ValueError(f"{name} must be [n] or [n, d] with n >= 1, got shape {tuple(value.shape)}: flatten the feature dimensions")
    if not torch.isfinite(value).all():
        raise ValueError(f"{name} contains NaN or inf values. Check the model outputs and the data.")
    return value


def _check_width(sigma: float | torch.Tensor, name: str) -> None:
    """Raise ValueError unless a kernel width is positive."""
    if not float(sigma) > 0:
        raise ValueError(f"{name} must be a positive kernel width, got {float(sigma)}")


def cs_divergence(p: torch.Tensor, q: torch.Tensor, sigma: float | torch.Tensor = 1.0) -> torch.Tensor:
    """Cauchy-Schwarz divergence D_CS(p || q) in nats between two samples, with Gaussian kernels.

    D_CS = -log( (int p q)^2 / (int p^2 int q^2) ), with each integral
    replaced by the mean of a Gaussian Gram matrix of the samples (the
    Parzen-window estimate): log mean(K_pp) + log mean(K_qq)
    - 2 log mean(K_pq). The estimate is
    symmetric, at least 0 (the Cauchy-Schwarz inequality for the kernel
    mean embeddings) and 0 when the two samples are the same.

    Used by: 03-uncertainty/03-cauchy-schwarz-ib.

    Args:
        p: samples of the first distribution, [n, d] (or [n] for d = 1).
        q: samples of the second distribution, [m, d] (or [m]).
        sigma: kernel width, in the units of the samples.

    Returns:
        0-d tensor, differentiable with respect to both samples.
    """
    p, q = _as_columns(p, "p"), _as_columns(q, "q")
    if p.shape[1] != q.shape[1]:
        raise ValueError(f"p and q must have the same number of columns, got {p.shape[1]} and {q.shape[1]}")
    _check_width(sigma, "sigma")

    within_p = _cross_gram(p, p, sigma).mean()
    within_q = _cross_gram(q, q, sigma).mean()
    cross = _cross_gram(p, q, sigma).mean()
    return within_p.log() + within_q.log() - 2 * cross.log()


def conditional_cs_divergence(
    x: torch.Tensor,
    y: torch.Tensor,
    y_pred: torch.Tensor,
    sigma_x: float | torch.Tensor = 1.0,
    sigma_y: float | torch.Tensor = 1.0,
) -> torch.Tensor:
    """CS divergence D_CS(p(y|x) || q(y_pred|x)) in nats, the prediction term of CS-IB.

    This is the kernel estimate of the conditional CS divergence (Yu et al.,
    arXiv:2301.08970) in the case where both conditionals share the inputs
    ``x``, so one Gram matrix K of ``x`` weights all three terms.
    With L the Gram matrix of ``y``, L^ that of ``y_pred`` and
    C_ji = k(y_j - y_pred_i), and with s_j = sum_i K_ji:

        D = log sum_j (sum_i K_ji L_ji) / s_j^2
          + log sum_j (sum_i K_ji L^_ji) / s_j^2
          - 2 log sum_j (sum_i K_ji C_ji) / s_j^2.

    The first term does not depend on the model. As ``sigma_x`` goes to 0,
    K becomes the identity and D becomes
    -2 log mean_j k(y_j - y_pred_j), a correntropy loss, which gives
    large residuals a bounded cost instead of a squared one.

    NOTE: CS-IB (Yu et al., ICLR 2024, Proposition 1) uses this estimator as
    its prediction term. This form was written from a summary of that
    result and not checked term by term against the printed equation.

    Used by: 03-uncertainty/03-cauchy-schwarz-ib.

    Args:
        x: inputs [n, dx] (or [n]).
        y: targets [n, dy] (or [n]).
        y_pred: predictions [n, dy] (or [n]), usually with a gradient.
        sigma_x: kernel width on ``x``.
        sigma_y: kernel width on ``y`` and ``y_pred``, in target units.

    Returns:
        0-d tensor. It is 0 when ``y_pred`` equals ``y``. Otherwise it is
        usually positive, but unlike :func:`cs_divergence` this sample
        estimate has no lower bound of 0: on small random samples it can
        come out slightly negative (down to about -0.015 in a test of 2,000
        random cases with n < 30).
    """
    x, y, y_pred = _as_columns(x, "x"), _as_columns(y, "y"), _as_columns(y_pred, "y_pred")
    if not x.shape[0] == y.shape[0] == y_pred.shape[0]:
        raise ValueError(
            f"x, y and y_pred must have the same n, got {x.shape[0]}, {y.shape[0]} and {y_pred.shape[0]}"
        )
    if y.shape != y_pred.shape:
        raise ValueError(f"y and y_pred must have one shape, got {tuple(y.shape)} and {tuple(y_pred.shape)}")
    _check_width(sigma_x, "sigma_x")
    _check_width(sigma_y, "sigma_y")

    weights = _cross_gram(x, x, sigma_x)  # [n, n], symmetric
    scale = weights.sum(dim=1).square()  # [n], s_j^2

    def weighted(gram: torch.Tensor) -> torch.Tensor:
        return ((weights * gram).sum(dim=1) / scale).sum().log()

    targets = weighted(_cross_gram(y, y, sigma_y))
    predictions = weighted(_cross_gram(y_pred, y_pred, sigma_y))
    cross = weighted(_cross_gram(y, y_pred, sigma_y))
    return targets + predictions - 2 * cross


def normalised_cs_qmi(x: torch.Tensor, t: torch.Tensor, sigma: float | torch.Tensor | None = 1.0) -> torch.Tensor:
    """CS quadratic MI I_CS(x; t) / sqrt(I_CS(x; x) I_CS(t; t)), the compression term of CS-IB.

    Each value is :func:`ibnotes.mi.cs_qmi` (nats) of one batch; the ratio has no
    unit and lies between 0 (independent) and about 1. Dividing by the
    self-information makes values comparable across representations of
    different scale.

    Used by: 03-uncertainty/03-cauchy-schwarz-ib.

    Args:
        x: inputs [n, dx].
        t: representations [n, dt], usually with a gradient.
        sigma: one kernel width for both, or None for the median heuristic
            of each variable.

    Returns:
        0-d tensor.
    """
    from ibnotes.mi.matrix import cs_qmi_from_grams, gram_matrix

    x, t = _as_columns(x, "x"), _as_columns(t, "t")
    if x.shape[0] != t.shape[0]:
        raise ValueError(f"x and t must have the same n, got {x.shape[0]} and {t.shape[0]}")
    gram_x, gram_t = gram_matrix(x, sigma), gram_matrix(t, sigma)
    joint = cs_qmi_from_grams(gram_x, gram_t)
    self_x = cs_qmi_from_grams(gram_x, gram_x)
    self_t = cs_qmi_from_grams(gram_t, gram_t)
    return joint / (self_x * self_t).clamp_min(torch.finfo(t.dtype).tiny).sqrt()
