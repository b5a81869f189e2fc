"""Neural variational bounds on mutual information, trained with one routine.

A critic scores every pair of a batch, ``scores[i, j] = f(x_i, y_j)``. The
diagonal contains samples of the joint p(x, y), and the off-diagonal entries
are samples of the product of marginals p(x) p(y). Each method turns that
``[B, B]`` matrix into a training loss and a bound, in nats:

* ``infonce``: van den Oord et al. (2018); Poole et al. (ICML 2019).
  mean_i [f_ii - log mean_j exp f_ij]; it can never exceed ``log B``.
* ``nwj``: Nguyen, Wainwright and Jordan (2010).
  E_p[f] - E_q[exp(f - 1)].
* ``mine``: Belghazi et al. (ICML 2018), Donsker-Varadhan bound
  E_p[f] - log E_q[exp f], trained with a moving average of E_q[exp f] in
  the gradient's denominator to reduce its bias.
* ``smile``: Song and Ermon (ICLR 2020). Donsker-Varadhan with the
  marginal scores clipped to ``[-clip, clip]``; the critic is trained with
  the Jensen-Shannon (f-GAN) bound.
* ``club``: Cheng et al. (ICML 2020), an *upper* bound. The critic is a
  Gaussian q(y|x) fitted by maximum likelihood; scores are log q(y_j|x_i)
  and the bound is mean_i [log q(y_i|x_i) - mean_j log q(y_j|x_i)].

The critic is trained for a fixed number of Adam steps on random batches of
a training split, then the bound is averaged over batches of the held-out
split. Used by the estimator and self-supervised chapters.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import torch
from torch import nn

from ibnotes.mi._validate import as_pair, check_no_constant_columns, standardize_columns

Tensor = torch.Tensor
Method = Literal["infonce", "nwj", "mine", "smile", "club"]
CriticKind = Literal["separable", "concat"]

logger = logging.getLogger(__name__)

__all__ = [
    "NeuralEstimate",
    "NeuralConfig",
    "neural_estimate",
    "infonce",
    "nwj",
    "mine",
    "smile",
    "club",
    "METHODS",
]

METHODS: tuple[str, ...] = ("infonce", "nwj", "mine", "smile", "club")


@dataclass(frozen=True)
class NeuralConfig:
    """Training settings shared by all neural estimators.

    Attributes:
        critic: ``"separable"`` (``g(x) . h(y)``, cheap: one pass per
            batch) or ``"concat"`` (an MLP on ``[x, y]`` for all ``B^2``
            pairs). CLUB ignores it and always uses a Gaussian q(y|x).
        hidden: width of the two hidden layers of each MLP. Small critics
            overfit less: on 5 + 5 Gaussian dimensions with n = 5000, width
            32 gave held-out InfoNCE values 5-10% below the true MI and
            width 128 gave 25-30% below.
        embedding: output size of ``g`` and ``h`` in the separable critic.
        steps: number of Adam steps.
        batch_size: pairs per batch ``B`` (the InfoNCE ceiling is ``log B``).
        learning_rate: Adam learning rate.
        holdout: fraction of samples kept out of training to evaluate the
            bound; 0 evaluates on the training samples (biased upwards).
        seed: seed for the critic's initial weights, the split and the batches.
        device: where to train; None uses the device of the input.
        clip: SMILE clipping threshold tau.
        ema_rate: MINE moving-average rate of E_q[exp f].
        eval_batches: held-out batches averaged (a full pass when there
            are fewer).
    """

    critic: CriticKind = "separable"
    hidden: int = 32
    embedding: int = 16
    steps: int = 1000
    batch_size: int = 256
    learning_rate: float = 1e-3
    holdout: float = 0.2
    seed: int = 0
    device: str | torch.device | None = None
    clip: float = 5.0
    ema_rate: float = 0.01
    eval_batches: int = 64


@dataclass(frozen=True)
class NeuralEstimate:
    """Result of one neural MI estimate.

    Attributes:
        value: the estimate in nats (a lower bound, or an upper bound for CLUB).
        method: which bound.
        ceiling: the largest value the bound can reach, ``log B`` for
            InfoNCE with eval batch size ``B``; None for the others.
        eval_batch_size: batch size used on the held-out samples.
        history: training-batch bound after each step, in nats.
    """

    value: float
    method: str
    ceiling: float | None
    eval_batch_size: int
    history: list[float] = field(repr=False, default_factory=list)


def _mlp(inputs: int, hidden: int, outputs: int) -> nn.Sequential:
    """Two-hidden-layer ReLU MLP."""
    return nn.Sequential(
        nn.Linear(inputs, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, outputs)
    )


class SeparableCritic(nn.Module):
    """Critic ``f(x, y) = g(x) . h(y)``; scores of a batch ``[B, B]`` in one matrix product."""

    def __init__(self, dx: int, dy: int, hidden: int, embedding: int) -> None:
        super().__init__()
        self.g = _mlp(dx, hidden, embedding)
        self.h = _mlp(dy, hidden, embedding)

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        return self.g(x) @ self.h(y).T


class ConcatCritic(nn.Module):
    """Critic ``f(x, y) = MLP([x, y])`` evaluated on all ``B^2`` pairs."""

    def __init__(self, dx: int, dy: int, hidden: int) -> None:
        super().__init__()
        self.f = _mlp(dx + dy, hidden, 1)

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        batch = x.shape[0]
        pairs = torch.cat([x[:, None, :].expand(-1, batch, -1), y[None, :, :].expand(batch, -1, -1)], dim=-1)
        return self.f(pairs).squeeze(-1)


class GaussianConditional(nn.Module):
    """CLUB's q(y|x) = N(mu(x), diag exp(log_var(x))); scores are log q(y_j | x_i) [B, B].

    The log-variance is bounded to (-6, 6) with a scaled tanh, which keeps
    early training stable on standardised data.
    """

    def __init__(self, dx: int, dy: int, hidden: int) -> None:
        super().__init__()
        self.mean = _mlp(dx, hidden, dy)
        self.log_var = _mlp(dx, hidden, dy)

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        mean = self.mean(x)
        log_var = 6.0 * torch.tanh(self.log_var(x))
        squared = (y[None, :, :] - mean[:, None, :]).square() / log_var.exp()[:, None, :]
        return -0.5 * (squared + log_var[:, None, :] + math.log(2 * math.pi)).sum(dim=-1)


def _off_diagonal(scores: Tensor) -> Tensor:
    """Off-diagonal entries of a square matrix, flattened."""
    batch = scores.shape[0]
    mask = ~torch.eye(batch, dtype=torch.bool, device=scores.device)
    return scores[mask]


def _infonce(scores: Tensor, state: dict[str, Any]) -> tuple[Tensor, Tensor]:
    """Return (loss, bound) of InfoNCE."""
    bound = (scores.diagonal() - scores.logsumexp(dim=1)).mean() + math.log(scores.shape[0])
    return -bound, bound


def _nwj(scores: Tensor, state: dict[str, Any]) -> tuple[Tensor, Tensor]:
    """Return (loss, bound) of NWJ."""
    bound = scores.diagonal().mean() - (_off_diagonal(scores) - 1).exp().mean()
    return -bound, bound


def _donsker_varadhan(scores: Tensor) -> Tensor:
    """E_p[f] - log E_q[exp f] with off-diagonal pairs as samples of q."""
    marginal = _off_diagonal(scores)
    return scores.diagonal().mean() - (marginal.logsumexp(dim=0) - math.log(marginal.numel()))


def _mine(scores: Tensor, state: dict[str, Any]) -> tuple[Tensor, Tensor]:
    """Return (loss, bound) of MINE with the moving-average gradient correction."""
    bound = _donsker_varadhan(scores)
    partition = _off_diagonal(scores).exp().mean()
    if "ema" in state:
        rate = state["ema_rate"]
        state["ema"] = (1 - rate) * state["ema"] + rate * partition.detach()
    else:
        state["ema"] = partition.detach()

    # The gradient of log E_q[exp f] is E_q[grad f exp f] / E_q[exp f]. Using the
    # moving average as the denominator reduces the bias of small batches.
    loss = -(scores.diagonal().mean() - partition / state["ema"])
    return loss, bound


def _smile(scores: Tensor, state: dict[str, Any]) -> tuple[Tensor, Tensor]:
    """Return (loss, bound) of SMILE: JS gradient, clipped DV value."""
    clip = float(state["clip"])
    marginal = _off_diagonal(scores).clamp(-clip, clip)
    bound = scores.diagonal().mean() - (marginal.logsumexp(dim=0) - math.log(marginal.numel()))
    joint_term = -nn.functional.softplus(-scores.diagonal()).mean()
    marginal_term = nn.functional.softplus(_off_diagonal(scores)).mean()
    jensen_shannon = joint_term - marginal_term
    return -jensen_shannon, bound


def _club(scores: Tensor, state: dict[str, Any]) -> tuple[Tensor, Tensor]:
    """Return (loss, bound) of CLUB: negative log-likelihood and the upper bound."""
    positive = scores.diagonal().mean()
    bound = positive - scores.mean()
    return -positive, bound


_OBJECTIVES: dict[str, Callable[[Tensor, dict[str, Any]], tuple[Tensor, Tensor]]] = {
    "infonce": _infonce,
    "nwj": _nwj,
    "mine": _mine,
    "smile": _smile,
    "club": _club,
}


def _build_critic(method: str, dx: int, dy: int, config: NeuralConfig) -> nn.Module:
    """Return the critic network for ``method``."""
    if method == "club":
        return GaussianConditional(dx, dy, config.hidden)
    if config.critic == "separable":
        return SeparableCritic(dx, dy, config.hidden, config.embedding)
    if config.critic == "concat":
        return ConcatCritic(dx, dy, config.hidden)
    raise ValueError(f"critic must be 'separable' or 'concat', got {config.critic!r}.")


def _split(n: int, config: NeuralConfig, generator: torch.Generator) -> tuple[Tensor, Tensor]:
    """Return train and held-out index tensors."""
    if not 0 <= config.holdout < 1:
        raise ValueError(f"holdout must be in [0, 1), got {config.holdout}.")
    order = torch.randperm(n, generator=generator)
    held_out = int(round(config.holdout * n))
    if held_out == 0:
        return order, order
    if held_out < 2 or n - held_out < 2:
        raise ValueError(
            f"n={n} with holdout={config.holdout} leaves fewer than 2 samples on one side; use more samples."
        )
    return order[held_out:], order[:held_out]


def neural_estimate(x: Any, y: Any, method: Method = "infonce", config: NeuralConfig | None = None) -> NeuralEstimate:
    """Train a critic on (x, y) and return the bound of ``method`` on held-out samples.

    Args:
        x: samples ``[n, dx]`` or ``[n]``; columns are standardised first.
        y: samples ``[n, dy]`` or ``[n]``.
        method: one of :data:`METHODS`.
        config: training settings; None uses :class:`NeuralConfig` defaults.

    Returns:
        A :class:`NeuralEstimate` with the value in nats.

    Raises:
        ValueError: invalid inputs, unknown method or critic, or too few samples.
    """
    if method not in _OBJECTIVES:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}.")
    config = config or NeuralConfig()
    x_tensor, y_tensor = as_pair(x, y)
    check_no_constant_columns(x_tensor, "x")
    check_no_constant_columns(y_tensor, "y")
    device = torch.device(config.device) if config.device is not None else x_tensor.device
    x_tensor = standardize_columns(x_tensor).to(device, torch.float32)
    y_tensor = standardize_columns(y_tensor).to(device, torch.float32)

    fork_devices = [device] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=fork_devices):
        torch.manual_seed(config.seed)
        generator = torch.Generator().manual_seed(config.seed)
        train, held_out = _split(x_tensor.shape[0], config, generator)
        critic = _build_critic(method, x_tensor.shape[1], y_tensor.shape[1], config).to(device)
        history = _train(critic, x_tensor[train], y_tensor[train], method, config, generator)
        value, eval_batch = _evaluate(critic, x_tensor[held_out], y_tensor[held_out], method, config, generator)

    ceiling = math.log(eval_batch) if method == "infonce" else None
    logger.debug("%s estimate %.4f nats after %d steps", method, value, config.steps)
    return NeuralEstimate(value=value, method=method, ceiling=ceiling, eval_batch_size=eval_batch, history=history)


def _train(
    critic: nn.Module, x: Tensor, y: Tensor, method: str, config: NeuralConfig, generator: torch.Generator
) -> list[float]:
    """Run ``config.steps`` Adam steps on random batches; return the bound per step."""
    objective = _OBJECTIVES[method]
    state: dict[str, Any] = {"clip": config.clip, "ema_rate": config.ema_rate}
    optimizer = torch.optim.Adam(critic.parameters(), lr=config.learning_rate)
    batch_size = min(config.batch_size, x.shape[0])
    history = []

    critic.train()
    for _ in range(config.steps):
        batch = torch.randint(x.shape[0], (batch_size,), generator=generator).to(x.device)
        loss, bound = objective(critic(x[batch], y[batch]), state)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        history.append(float(bound.detach()))
    return history


@torch.no_grad()
def _evaluate(
    critic: nn.Module, x: Tensor, y: Tensor, method: str, config: NeuralConfig, generator: torch.Generator
) -> tuple[float, int]:
    """Average the bound over held-out batches; return it with the batch size used."""
    objective = _OBJECTIVES[method]
    state: dict[str, Any] = {"clip": config.clip, "ema_rate": config.ema_rate}
    batch_size = min(config.batch_size, x.shape[0])
    critic.eval()

    bounds = []
    while len(bounds) < config.eval_batches:
        order = torch.randperm(x.shape[0], generator=generator).to(x.device)
        for start in range(0, x.shape[0] - batch_size + 1, batch_size):
            batch = order[start : start + batch_size]
            bounds.append(float(objective(critic(x[batch], y[batch]), state)[1]))
        if x.shape[0] // batch_size >= config.eval_batches:
            break
    return sum(bounds) / len(bounds), batch_size


def _estimate(method: Method, x: Any, y: Any, return_result: bool, options: dict[str, Any]) -> float | NeuralEstimate:
    """Build the config from keyword options and run :func:`neural_estimate`."""
    try:
        config = NeuralConfig(**options)
    except TypeError as error:
        valid = ", ".join(NeuralConfig.__dataclass_fields__)
        raise ValueError(f"invalid option for {method}: {error}; valid options are {valid}.") from None
    result = neural_estimate(x, y, method, config)
    return result if return_result else result.value


def infonce(x: Any, y: Any, return_result: bool = False, **options: Any) -> float | NeuralEstimate:
    """Estimate the InfoNCE lower bound on I(X;Y) in nats.

    The bound cannot exceed ``log(batch_size)``, so it saturates for large
    MI; raise ``batch_size`` for values near the ceiling.

    Args:
        x: samples ``[n, dx]`` or ``[n]``.
        y: samples ``[n, dy]`` or ``[n]``.
        return_result: return the full :class:`NeuralEstimate` (with the
            ceiling and training history) instead of a float.
        **options: fields of :class:`NeuralConfig` (``steps``,
            ``batch_size``, ``critic``, ``seed``, ``device``, ...).

    Raises:
        ValueError: invalid inputs or options.
    """
    return _estimate("infonce", x, y, return_result, options)


def nwj(x: Any, y: Any, return_result: bool = False, **options: Any) -> float | NeuralEstimate:
    """Estimate the NWJ lower bound on I(X;Y) in nats; arguments as :func:`infonce`.

    Unbiased for a fixed critic but with variance that grows like exp(MI).
    """
    return _estimate("nwj", x, y, return_result, options)


def mine(x: Any, y: Any, return_result: bool = False, **options: Any) -> float | NeuralEstimate:
    """Estimate the MINE (Donsker-Varadhan) lower bound in nats; arguments as :func:`infonce`.

    The held-out value uses a batch estimate of log E_q[exp f], which is
    biased, so it can exceed the true MI slightly.
    """
    return _estimate("mine", x, y, return_result, options)


def smile(x: Any, y: Any, return_result: bool = False, **options: Any) -> float | NeuralEstimate:
    """Estimate the SMILE bound in nats (clipped DV, ``clip`` option); arguments as :func:`infonce`."""
    return _estimate("smile", x, y, return_result, options)


def club(x: Any, y: Any, return_result: bool = False, **options: Any) -> float | NeuralEstimate:
    """Estimate the CLUB upper bound on I(X;Y) in nats; arguments as :func:`infonce`.

    The bound holds when q(y|x) is close to p(y|x); with a poor fit it can
    fall below the true MI.
    """
    return _estimate("club", x, y, return_result, options)
