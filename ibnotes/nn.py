"""Model building blocks shared by chapters.

Used by: 01-foundations/02-deep-vib (``mlp``, ``GaussianEncoder``),
04-graphs-and-dynamics/02-multi-view-clustering (``DenseGCNConv``),
05-representations/03-separator (``MultiHeadVectorQuantizer``),
05-representations/04-vittle (``TokenBottleneck``, ``interpolation_schedule``),
07-language-models (``CausalTransformer``, ``VIBMask``, ``straight_through_bernoulli``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn
from torch.distributions import Normal


def mlp(
    in_dim: int,
    hidden: Sequence[int],
    out_dim: int,
    activation: type[nn.Module] = nn.ReLU,
) -> nn.Sequential:
    """Build a multilayer perceptron ``in_dim -> hidden... -> out_dim``.

    The last layer is linear, with no activation after it.
    """
    sizes = [in_dim, *hidden, out_dim]
    if any(int(s) < 1 for s in sizes):
        raise ValueError(f"layer sizes must be positive integers, got {sizes}")

    layers: list[nn.Module] = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(fan_in, fan_out))
        if i < len(sizes) - 2:
            layers.append(activation())
    return nn.Sequential(*layers)


class GaussianEncoder(nn.Module):
    """Stochastic encoder p(z|x) = N(mean(x), diag(std(x)^2)).

    An MLP maps x [batch, in_dim] to 2 * latent_dim numbers: the mean and a
    pre-activation of the standard deviation. As in Alemi et al. (2017), the
    standard deviation is ``softplus(s - 5)``, which starts small so that
    training begins close to a deterministic network.

    Args:
        in_dim: input features.
        hidden: hidden layer widths of the MLP.
        latent_dim: dimension K of the code z.
        std_shift: subtracted before the softplus.
    """

    def __init__(self, in_dim: int, hidden: Sequence[int], latent_dim: int, std_shift: float = 5.0):
        super().__init__()
        self.latent_dim = latent_dim
        self.std_shift = std_shift
        self.net = mlp(in_dim, hidden, 2 * latent_dim)

    def forward(self, x: torch.Tensor) -> Normal:
        """Return p(z|x) as a batch of diagonal Gaussians, shape [batch, latent_dim]."""
        mean, pre_std = self.net(x).chunk(2, dim=-1)
        std = nn.functional.softplus(pre_std - self.std_shift) + 1e-6
        return Normal(mean, std)


class VIBClassifier(nn.Module):
    """Gaussian encoder followed by a decoder q(y|z), as in deep VIB.

    ``forward`` returns the class logits [samples, batch, classes] for
    ``samples`` draws of z (reparameterised), and the encoder distribution.
    With ``samples=0`` the decoder reads the mean of z, which makes the model
    deterministic at test time.
    """

    def __init__(self, encoder: GaussianEncoder, decoder: nn.Module):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder

    def forward(self, x: torch.Tensor, samples: int = 1) -> tuple[torch.Tensor, Normal]:
        posterior = self.encoder(x)
        if samples == 0:
            z = posterior.mean.unsqueeze(0)
        else:
            z = posterior.rsample((samples,))  # [samples, batch, latent_dim]
        return self.decoder(z), posterior


NORMALIZATIONS = ("symmetric", "row", "none")


def normalize_adjacency(
    adjacency: torch.Tensor, normalization: str = "symmetric", self_loops: bool = True
) -> torch.Tensor:
    """Normalize a dense adjacency matrix [n, n] for graph convolution.

    With self-loops, ``A + I`` is normalized: ``"symmetric"`` returns
    ``D^-1/2 (A + I) D^-1/2`` (Kipf and Welling, 2017), ``"row"`` returns
    ``D^-1 (A + I)`` (each row a mean over neighbours), ``"none"`` returns
    ``A + I`` unchanged. ``D`` is the diagonal of row sums. Rows that sum to
    zero stay zero. Weighted and differentiable adjacencies are allowed.

    Raises:
        ValueError: ``adjacency`` is not square, contains NaN or inf, or
            ``normalization`` is unknown.
    """
    if adjacency.ndim != 2 or adjacency.shape[0] != adjacency.shape[1]:
        raise ValueError(f"adjacency must be square [n, n], got shape {tuple(adjacency.shape)}")
    if normalization not in NORMALIZATIONS:
        raise ValueError(f"unknown normalization {normalization!r}: use one of {', '.join(NORMALIZATIONS)}")
    if not torch.isfinite(adjacency).all():
        raise ValueError("adjacency contains NaN or inf")

    if self_loops:
        adjacency = adjacency + torch.eye(len(adjacency), device=adjacency.device, dtype=adjacency.dtype)
    if normalization == "none":
        return adjacency
    degree = adjacency.sum(dim=1)
    if normalization == "row":
        return adjacency / degree.clamp_min(1e-12)[:, None]
    scale = degree.clamp_min(1e-12).rsqrt() * (degree > 0)
    return scale[:, None] * adjacency * scale[None, :]


def propagate(x: torch.Tensor, adjacency: torch.Tensor, order: int = 1) -> torch.Tensor:
    """Return ``adjacency^order @ x`` [n, d] for an already normalized adjacency [n, n].

    Computed as ``order`` matrix products, never forming the matrix power.
    Used to precompute the propagation over a fixed graph (as in SGC, Wu et
    al., 2019), so that training applies only the linear map.
    """
    if order < 0:
        raise ValueError(f"order must be a non-negative integer, got {order}")
    if x.shape[0] != adjacency.shape[0]:
        raise ValueError(f"x has {x.shape[0]} rows but adjacency has {adjacency.shape[0]} nodes")
    for _ in range(order):
        x = adjacency @ x
    return x


class DenseGCNConv(nn.Module):
    """Graph convolution on a dense adjacency: ``H' = Â^order H W + b``.

    ``Â`` is :func:`normalize_adjacency` of the adjacency passed to
    ``forward`` (the normalized matrix is used as given when
    ``normalization="none"`` and ``self_loops=False``). With ``order=1``
    this is the layer of Kipf and Welling (2017); a larger ``order``
    propagates over ``order`` hops, as in SGC. The linear map is applied
    before propagation when it shrinks the width, which gives the same
    result at a lower cost. Dense matrices cost O(n^2) memory, which is fine
    for graphs of a few thousand nodes. Gradients flow into the adjacency,
    so it may be a learned graph.

    Args:
        in_dim: input features per node.
        out_dim: output features per node.
        order: number of propagation steps (at least 1).
        normalization: ``"symmetric"``, ``"row"`` or ``"none"``.
        self_loops: add the identity before normalizing.
        bias: learn an additive bias.

    Used by: 04-graphs-and-dynamics/02-multi-view-clustering (encoder over
    the view graphs and the learned consensus graph).
    """

    def __init__(
        self,
        in_dim: int,
        out_dim: int,
        order: int = 1,
        normalization: str = "symmetric",
        self_loops: bool = True,
        bias: bool = True,
    ):
        super().__init__()
        if order < 1:
            raise ValueError(f"order must be at least 1, got {order}")
        if normalization not in NORMALIZATIONS:
            raise ValueError(f"unknown normalization {normalization!r}: use one of {', '.join(NORMALIZATIONS)}")
        self.order = order
        self.normalization = normalization
        self.self_loops = self_loops
        self.linear = nn.Linear(in_dim, out_dim, bias=False)
        self.bias = nn.Parameter(torch.zeros(out_dim)) if bias else None

    def forward(self, x: torch.Tensor, adjacency: torch.Tensor) -> torch.Tensor:
        """Map node features x [n, in_dim] over adjacency [n, n] to [n, out_dim]."""
        if x.ndim != 2 or x.shape[1] != self.linear.in_features:
            raise ValueError(f"x must be [n, {self.linear.in_features}], got shape {tuple(x.shape)}")
        matrix = normalize_adjacency(adjacency, self.normalization, self.self_loops)
        if self.linear.out_features <= self.linear.in_features:
            out = propagate(self.linear(x), matrix, self.order)
        else:
            out = self.linear(propagate(x, matrix, self.order))
        return out if self.bias is None else out + self.bias


class ConcreteDropout(nn.Module):
    """Dropout with a learned rate in front of a layer (Gal, Hron and Kendall, 2017).

    The input of ``layer`` is multiplied by a relaxed Bernoulli mask whose
    drop rate p = sigmoid(rate_logit) is trained with the weights, and
    rescaled by 1 / (1 - p). Masks are drawn in training and in evaluation,
    so repeated forward passes sample weights from the approximate
    posterior (Monte Carlo dropout). Set ``active = False`` to pass inputs
    through unchanged. Add :meth:`regularization` to the loss.

    Used by: 03-uncertainty/04-bayesian-deepssm.

    Args:
        layer: a module with ``in_features`` (``nn.Linear``) or
            ``in_channels`` (``nn.Conv2d``), whose parameters are regularised.
        weight_regularizer: l^2 / N for a prior length scale l and N training
            examples; multiplies the sum of squared parameters / (1 - p).
        dropout_regularizer: 2 / N in the paper's derivation; multiplies
            in_features times the negative entropy of Bernoulli(p).
        init_rate: initial drop rate, in (0, 1).
        temperature: temperature of the relaxed Bernoulli (concrete) mask.
        spatial: drop whole channels of [batch, channels, ...] inputs instead
            of single values.
    """

    def __init__(
        self,
        layer: nn.Module,
        *,
        weight_regularizer: float,
        dropout_regularizer: float,
        init_rate: float = 0.2,
        temperature: float = 0.1,
        spatial: bool = False,
    ):
        super().__init__()
        if not 0 < init_rate < 1:
            raise ValueError(f"init_rate must lie in (0, 1), got {init_rate}")
        if temperature <= 0:
            raise ValueError(f"temperature must be positive, got {temperature}")
        in_features = getattr(layer, "in_features", getattr(layer, "in_channels", None))
        if in_features is None:
            raise ValueError(f"layer {type(layer).__name__} has neither in_features nor in_channels: wrap a Linear or Conv2d")
        self.layer = layer
        self.in_features = int(in_features)
        self.weight_regularizer = weight_regularizer
        self.dropout_regularizer = dropout_regularizer
        self.temperature = temperature
        self.spatial = spatial
        self.active = True
        self.rate_logit = nn.Parameter(torch.logit(torch.tensor(float(init_rate))))

    @property
    def rate(self) -> torch.Tensor:
        """The drop rate p, a scalar tensor in (0, 1)."""
        return torch.sigmoid(self.rate_logit)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.active:
            return self.layer(x)
        if self.spatial and x.dim() < 3:
            raise ValueError(f"spatial dropout needs [batch, channels, ...] input, got shape {tuple(x.shape)}")
        shape = (*x.shape[:2], *[1] * (x.dim() - 2)) if self.spatial else x.shape
        noise = torch.rand(shape, device=x.device, dtype=x.dtype).clamp(1e-7, 1 - 1e-7)
        drop = torch.sigmoid((self.rate_logit + torch.logit(noise)) / self.temperature)
        return self.layer(x * (1 - drop) / (1 - self.rate))

    def regularization(self) -> torch.Tensor:
        """Return the KL term of this layer (a scalar, to add to the loss)."""
        p = self.rate
        squares = sum(param.square().sum() for param in self.layer.parameters())
        negative_entropy = p * torch.log(p) + (1 - p) * torch.log1p(-p)
        return (self.weight_regularizer * squares / (1 - p)
                + self.dropout_regularizer * self.in_features * negative_entropy)


def _random_signs(members: int, size: int) -> nn.Parameter:
    """Return a [members, size] parameter of random ±1 entries (torch's global generator)."""
    return nn.Parameter(torch.randint(0, 2, (members, size)).float() * 2 - 1)


def _split_members(x: torch.Tensor, members: int) -> torch.Tensor:
    """View x [members * batch, ...] as [members, batch, ...]."""
    if x.shape[0] % members:
        raise ValueError(f"batch of {x.shape[0]} rows is not a multiple of members={members}: "
                         "repeat the input, x.repeat(members, ...), before the first BatchEnsemble layer")
    return x.view(members, x.shape[0] // members, *x.shape[1:])


class BatchEnsembleLinear(nn.Module):
    """Linear layer shared by ``members`` ensemble members (Wen, Tran and Ba, 2020).

    Member i uses the weight W * (s_i r_i^T): one shared weight times a rank-1
    factor, so the ensemble costs ``members * (in + out)`` extra parameters.
    Input and output rows are member-major: x [members * batch, in_features]
    contains member 0's batch first. The fast weights r, s start as random signs.

    Used by: 03-uncertainty/04-bayesian-deepssm.
    """

    def __init__(self, in_features: int, out_features: int, members: int = 4, bias: bool = True):
        super().__init__()
        if members < 1:
            raise ValueError(f"members must be at least 1, got {members}")
        self.in_features, self.out_features, self.members = in_features, out_features, members
        self.layer = nn.Linear(in_features, out_features, bias=False)
        self.r = _random_signs(members, in_features)
        self.s = _random_signs(members, out_features)
        self.bias = nn.Parameter(torch.zeros(members, out_features)) if bias else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        grouped = _split_members(x, self.members)  # [members, batch, in]
        y = self.layer(grouped * self.r[:, None]) * self.s[:, None]
        if self.bias is not None:
            y = y + self.bias[:, None]
        return y.flatten(0, 1)


class BatchEnsembleConv2d(nn.Module):
    """2-D convolution shared by ``members`` ensemble members (Wen, Tran and Ba, 2020).

    As :class:`BatchEnsembleLinear`, with the rank-1 factors over input and
    output channels. x is [members * batch, in_channels, height, width],
    member-major. Keyword arguments go to ``nn.Conv2d``.

    Used by: 03-uncertainty/04-bayesian-deepssm.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, members: int = 4,
                 bias: bool = True, **conv_kwargs):
        super().__init__()
        if members < 1:
            raise ValueError(f"members must be at least 1, got {members}")
        self.in_channels, self.out_channels, self.members = in_channels, out_channels, members
        self.layer = nn.Conv2d(in_channels, out_channels, kernel_size, bias=False, **conv_kwargs)
        self.r = _random_signs(members, in_channels)
        self.s = _random_signs(members, out_channels)
        self.bias = nn.Parameter(torch.zeros(members, out_channels)) if bias else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        grouped = _split_members(x, self.members)  # [members, batch, in, h, w]
        y = self.layer((grouped * self.r[:, None, :, None, None]).flatten(0, 1))
        y = y.view(self.members, -1, *y.shape[1:]) * self.s[:, None, :, None, None]
        if self.bias is not None:
            y = y + self.bias[:, None, :, None, None]
        return y.flatten(0, 1)


class MultiHeadVectorQuantizer(nn.Module):
    """Vector quantiser with several heads, EMA codebooks and a commitment loss.

    The input ``[batch, heads * dim]`` is cut into ``heads`` slices of
    ``dim`` features. Each slice is replaced by its nearest entry (squared
    Euclidean distance) in that head's codebook of ``codes`` vectors. The
    gradient passes straight through the rounding to the input (van den Oord
    et al., 2017). The codebooks are not trained by gradients but move, in
    training mode, to an exponential moving average (decay ``decay``) of the
    vectors assigned to each code. A code that has received less than
    ``dead_threshold`` assignments on average (its EMA count) is restarted
    at a random input vector of the current batch; 0 turns restarts off.

    Used by: 05-representations/03-separator (the form heads of Separator).
    """

    def __init__(self, heads: int, codes: int, dim: int, decay: float = 0.99,
                 commitment: float = 0.25, dead_threshold: float = 0.0, eps: float = 1e-5) -> None:
        super().__init__()
        for name, value in [("heads", heads), ("codes", codes), ("dim", dim)]:
            if value < 1:
                raise ValueError(f"{name}={value} is invalid: pass a positive integer")
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"decay={decay} is outside [0, 1): pass for example 0.99")
        if commitment < 0 or dead_threshold < 0:
            raise ValueError(f"commitment={commitment} and dead_threshold={dead_threshold} must be >= 0")
        self.heads, self.codes, self.dim = heads, codes, dim
        self.decay, self.commitment = decay, commitment
        self.dead_threshold, self.eps = dead_threshold, eps
        codebook = torch.randn(heads, codes, dim)
        self.register_buffer("codebook", codebook)
        self.register_buffer("ema_count", torch.ones(heads, codes))
        self.register_buffer("ema_sum", codebook.clone())

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Quantise ``x`` of shape ``[batch, heads * dim]``.

        Returns:
            quantized: ``[batch, heads * dim]``, equal to the chosen codes in
                the forward pass, with the identity as its gradient.
            indices: ``[batch, heads]``, the chosen code of each head.
            loss: scalar commitment loss ``commitment * ||x - sg(code)||^2``
                (mean over batch and features).
        """
        if x.dim() != 2 or x.shape[1] != self.heads * self.dim:
            raise ValueError(
                f"input shape {tuple(x.shape)} is invalid: expected [batch, {self.heads * self.dim}] "
                f"(heads={self.heads} x dim={self.dim})"
            )
        slices = x.view(-1, self.heads, self.dim)                       # [batch, heads, dim]
        distances = torch.cdist(slices.transpose(0, 1).detach(), self.codebook)  # [heads, batch, codes]
        indices = distances.argmin(-1).transpose(0, 1)                   # [batch, heads]
        chosen = self.codebook[torch.arange(self.heads), indices]        # [batch, heads, dim]

        if self.training:
            self._update_codebook(slices.detach(), indices)
        loss = self.commitment * nn.functional.mse_loss(slices, chosen.detach())
        quantized = slices + (chosen - slices).detach()
        return quantized.reshape(x.shape), indices, loss

    @torch.no_grad()
    def _update_codebook(self, slices: torch.Tensor, indices: torch.Tensor) -> None:
        """Move each code to the EMA of its assigned vectors, restarting dead codes."""
        onehot = nn.functional.one_hot(indices, self.codes).to(slices.dtype)         # [batch, heads, codes]
        counts = onehot.sum(0)                                           # [heads, codes]
        sums = torch.einsum("bhc,bhd->hcd", onehot, slices)
        self.ema_count.mul_(self.decay).add_(counts, alpha=1 - self.decay)
        self.ema_sum.mul_(self.decay).add_(sums, alpha=1 - self.decay)

        # Laplace smoothing keeps codes that are rarely used from dividing by zero.
        total = self.ema_count.sum(-1, keepdim=True)
        smoothed = (self.ema_count + self.eps) / (total + self.codes * self.eps) * total
        self.codebook.copy_(self.ema_sum / smoothed.unsqueeze(-1))

        if self.dead_threshold > 0:
            dead = self.ema_count < self.dead_threshold                  # [heads, codes]
            for head, code in dead.nonzero().tolist():
                row = torch.randint(len(slices), (1,), device=slices.device)
                self.codebook[head, code] = slices[row, head]
                self.ema_sum[head, code] = slices[row, head]
                self.ema_count[head, code] = 1.0


def interpolation_schedule(progress: float, max_alpha: float = 0.5, steepness: float = 10.0) -> float:
    """Return the bottleneck's interpolation weight alpha at a training progress.

    A sigmoid ramp ``max_alpha / (1 + exp(-steepness * (progress - 0.5)))``,
    so alpha is about 0.003 at the start for the defaults, ``max_alpha / 2``
    half-way and close to ``max_alpha`` at the end. ``progress`` is the
    fraction of training steps done, in [0, 1].
    Used by: 05-representations/04-vittle.
    """
    if not 0 <= progress <= 1:
        raise ValueError(f"progress must lie in [0, 1], got {progress}")
    return max_alpha / (1 + math.exp(-steepness * (progress - 0.5)))


class TokenBottleneck(nn.Module):
    """Token-wise Gaussian bottleneck that interpolates with the input token.

    For each token state h [dim], a 2-layer MLP (dim -> dim -> 2 * dim) gives
    the mean and log-variance of p(z|h), with the log-variance clamped to
    [-logvar_limit, logvar_limit]. The output is ``(1 - alpha) h + alpha z``,
    with z one reparameterised sample in training mode and the mean in
    evaluation mode. The KL to the prior r(z) is averaged over batch, tokens
    and dimensions (nats per element). The prior is N(0, I), or with
    ``learnable_prior`` a diagonal Gaussian with a trained mean and
    log-variance shared by all tokens.
    Used by: 05-representations/04-vittle.

    Args:
        dim: width of the token states.
        learnable_prior: train the prior's mean and log-variance.
        logvar_limit: bound on the absolute log-variance.
    """

    def __init__(self, dim: int, learnable_prior: bool = False, logvar_limit: float = 2.3):
        super().__init__()
        if dim < 1:
            raise ValueError(f"dim must be a positive integer, got {dim}")
        self.dim = dim
        self.logvar_limit = logvar_limit
        self.heads = mlp(dim, [dim], 2 * dim, activation=nn.GELU)
        self.prior_mean = nn.Parameter(torch.zeros(dim), requires_grad=learnable_prior)
        self.prior_logvar = nn.Parameter(torch.zeros(dim), requires_grad=learnable_prior)

    def forward(self, h: torch.Tensor, alpha: float) -> tuple[torch.Tensor, torch.Tensor]:
        """Return the interpolated tokens [..., dim] and the mean KL (a scalar, nats)."""
        if h.shape[-1] != self.dim:
            raise ValueError(f"h has width {h.shape[-1]}, expected dim={self.dim}")
        if not 0 <= alpha <= 1:
            raise ValueError(f"alpha must lie in [0, 1], got {alpha}")

        mean, logvar = self.heads(h).chunk(2, dim=-1)
        logvar = logvar.clamp(-self.logvar_limit, self.logvar_limit)
        z = mean + torch.randn_like(mean) * (0.5 * logvar).exp() if self.training else mean

        # KL(N(mean, var) || N(prior_mean, prior_var)) per element.
        prior_var = self.prior_logvar.exp()
        kl = 0.5 * (self.prior_logvar - logvar + (logvar.exp() + (mean - self.prior_mean) ** 2) / prior_var - 1)
        return (1 - alpha) * h + alpha * z, kl.mean()


def straight_through_bernoulli(logits: torch.Tensor, temperature: float = 1.0, hard: bool = True) -> torch.Tensor:
    """Draw a 0/1 gate from Bernoulli(sigmoid(logits)) with gradients.

    The relaxed sample is sigmoid((logits + logistic noise) / temperature),
    the binary concrete (Gumbel-sigmoid) distribution of Maddison et al.
    (2017). With ``hard`` the forward value is rounded to 0 or 1 while the
    gradient is the relaxed sample's (straight-through).
    Used by: 07-language-models/02-ibprotector.

    Args:
        logits: log-odds of keeping each element, any shape.
        temperature: relaxation temperature, > 0.
        hard: return exact 0/1 values in the forward pass.

    Returns:
        Gates of the shape of ``logits``, in [0, 1].
    """
    if not math.isfinite(temperature) or temperature <= 0:
        raise ValueError(f"temperature must be a finite number > 0, got {temperature}")
    uniform = torch.rand_like(logits).clamp(1e-6, 1 - 1e-6)
    noise = uniform.log() - (-uniform).log1p()
    soft = torch.sigmoid((logits + noise) / temperature)
    return _RoundStraightThrough.apply(soft) if hard else soft


class _RoundStraightThrough(torch.autograd.Function):
    """Round to 0 or 1 in the forward pass; pass the gradient through unchanged."""

    @staticmethod
    def forward(ctx, soft: torch.Tensor) -> torch.Tensor:
        return (soft > 0.5).to(soft.dtype)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        return grad


class VIBMask(nn.Module):
    """Multiplicative Gaussian mask over structures, trained with a VIB term.

    Each of ``size`` structures (units, heads, layers) is scaled by
    z = mu + sigma * eps in training mode, after Dai et al. (2018). The
    compression term is sum_j log(1 + mu_j^2 / sigma_j^2), in nats up to a
    constant. A structure is kept when its log signal-to-noise ratio
    log(mu^2 / sigma^2) is at least ``threshold``. In evaluation mode the mask
    is mu on kept structures and 0 elsewhere.
    Used by: 07-language-models/01-vtrans.

    Args:
        size: number of structures.
        threshold: log signal-to-noise ratio below which a structure is pruned.
        init_logvar: initial log-variance of every structure's noise.
    """

    def __init__(self, size: int, threshold: float = 0.0, init_logvar: float = -6.0):
        super().__init__()
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"size must be a positive integer, got {size!r}")
        for name, value in {"threshold": threshold, "init_logvar": init_logvar}.items():
            if not math.isfinite(value):
                raise ValueError(f"{name} must be a finite number, got {value}")
        self.threshold = threshold
        self.mu = nn.Parameter(torch.ones(size))
        self.logvar = nn.Parameter(torch.full((size,), float(init_logvar)))

    def log_snr(self) -> torch.Tensor:
        """Return the log signal-to-noise ratio log(mu^2 / sigma^2) per structure [size]."""
        return (self.mu.pow(2) + 1e-12).log() - self.logvar

    def kept(self) -> torch.Tensor:
        """Return the boolean mask [size] of the structures that survive pruning."""
        return self.log_snr() >= self.threshold

    def kl(self) -> torch.Tensor:
        """Return the compression term sum_j log(1 + mu_j^2 / sigma_j^2), a scalar in nats."""
        # softplus(x) = log(1 + e^x) without overflow at a large signal-to-noise ratio.
        return nn.functional.softplus(self.log_snr()).sum()

    def forward(self) -> torch.Tensor:
        """Return the mask [size]: a sample in training mode, the pruned mean otherwise."""
        if self.training:
            return self.mu + torch.randn_like(self.mu) * (0.5 * self.logvar).exp()
        return self.mu * self.kept().to(self.mu.dtype)


class _CausalSelfAttention(nn.Module):
    def __init__(self, dim: int, heads: int, dropout: float):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.out = nn.Linear(dim, dim)
        self.dropout = dropout

    def forward(self, x: torch.Tensor, head_mask: torch.Tensor | None, allowed: torch.Tensor) -> torch.Tensor:
        batch, length, dim = x.shape
        q, k, v = self.qkv(x).view(batch, length, 3, self.heads, dim // self.heads).permute(2, 0, 3, 1, 4)
        drop = self.dropout if self.training else 0.0
        heads = nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=allowed, dropout_p=drop)
        if head_mask is not None:
            heads = heads * head_mask.view(1, -1, 1, 1)
        return self.out(heads.transpose(1, 2).reshape(batch, length, dim))


def causal_attention_mask(length: int, padding: torch.Tensor | None = None,
                          device: torch.device | str | None = None) -> torch.Tensor:
    """Return which keys each query may attend to: True on and below the diagonal.

    With ``padding`` [batch, length] (True at padded positions) no query
    attends to a padded key, except that every position attends to itself
    so that no row is empty. The result is [length, length] without padding
    and [batch, 1, length, length] with it.
    """
    allowed = torch.ones(length, length, dtype=torch.bool, device=device).tril()
    if padding is None:
        return allowed
    allowed = allowed & ~padding[:, None, None, :]
    return allowed | torch.eye(length, dtype=torch.bool, device=device)


class TransformerBlock(nn.Module):
    """Pre-norm causal transformer block: attention then MLP, each residual.

    ``head_mask`` [heads] scales each head's output before the output
    projection; ``scale`` (a scalar tensor) scales both residual branches, so
    0 skips the block. ``allowed`` is a :func:`causal_attention_mask`; without
    it the block builds the plain causal one. Register forward hooks on the
    block to read or steer its output [batch, length, dim].
    """

    def __init__(self, dim: int, heads: int, mlp_ratio: int = 4, dropout: float = 0.0):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attention = _CausalSelfAttention(dim, heads, dropout)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, mlp_ratio * dim), nn.GELU(), nn.Linear(mlp_ratio * dim, dim))

    def forward(
        self,
        x: torch.Tensor,
        head_mask: torch.Tensor | None = None,
        scale: torch.Tensor | None = None,
        allowed: torch.Tensor | None = None,
    ) -> torch.Tensor:
        if allowed is None:
            allowed = causal_attention_mask(x.shape[1], device=x.device)
        gain = 1.0 if scale is None else scale
        x = x + gain * self.attention(self.norm1(x), head_mask, allowed)
        return x + gain * self.mlp(self.norm2(x))


class CausalTransformer(nn.Module):
    """A small GPT-style language model with structure masks and hidden states.

    Token and learned position embeddings, ``layers`` pre-norm blocks, a final
    layer norm and a linear head over the vocabulary. Every block is a
    :class:`TransformerBlock` in ``self.blocks``, so ``register_forward_hook``
    reads or changes its output. Masks for pruning:
    ``head_mask`` [layers, heads] scales attention heads, ``layer_mask``
    [layers] scales whole blocks, ``dim_mask`` [dim] scales embedding
    dimensions (applied to the embeddings and every block's output).
    Used by: 07-language-models (all four chapters).

    Args:
        vocab: number of token ids.
        dim: model width; divisible by ``heads``.
        heads: attention heads per block.
        layers: number of blocks.
        max_len: maximum sequence length (size of the position table).
        mlp_ratio: width of the MLP as a multiple of ``dim``.
        dropout: attention dropout in training mode.
    """

    def __init__(self, vocab: int, dim: int = 64, heads: int = 4, layers: int = 2, max_len: int = 64,
                 mlp_ratio: int = 4, dropout: float = 0.0):
        super().__init__()
        sizes = {"vocab": vocab, "dim": dim, "heads": heads, "layers": layers, "max_len": max_len, "mlp_ratio": mlp_ratio}
        for name, value in sizes.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if not 0 <= dropout < 1:
            raise ValueError(f"dropout must lie in [0, 1), got {dropout}")
        if dim % heads:
            raise ValueError(f"dim={dim} is not divisible by heads={heads}; pick dim as a multiple of heads")
        self.vocab, self.dim, self.heads, self.max_len = vocab, dim, heads, max_len
        self.token = nn.Embedding(vocab, dim)
        self.position = nn.Embedding(max_len, dim)
        self.blocks = nn.ModuleList(TransformerBlock(dim, heads, mlp_ratio, dropout) for _ in range(layers))
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, vocab)

    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        """Return the token embeddings [batch, length, dim] of ids [batch, length], without positions."""
        if ids.dtype not in (torch.int64, torch.int32):
            raise ValueError(f"ids must be an int64 or int32 tensor, got {ids.dtype}; convert with ids.long()")
        if ids.numel() and (ids.min() < 0 or ids.max() >= self.vocab):
            raise ValueError(f"ids must lie in [0, {self.vocab}), got [{int(ids.min())}, {int(ids.max())}]")
        return self.token(ids)

    def forward(
        self,
        ids: torch.Tensor | None = None,
        *,
        embeds: torch.Tensor | None = None,
        head_mask: torch.Tensor | None = None,
        layer_mask: torch.Tensor | None = None,
        dim_mask: torch.Tensor | None = None,
        padding: torch.Tensor | None = None,
        return_hidden: bool = False,
    ) -> torch.Tensor | tuple[torch.Tensor, list[torch.Tensor]]:
        """Next-token logits [batch, length, vocab] of ``ids`` or of token ``embeds``.

        Args:
            ids: token ids [batch, length]; give either ids or embeds.
            embeds: token embeddings [batch, length, dim], e.g. a perturbed
                ``embed(ids)``; positions are added here.
            head_mask, layer_mask, dim_mask: structure masks (see the class).
            padding: boolean [batch, length], True at padded positions that
                no query may attend to.
            return_hidden: also return the residual stream after the
                embeddings and after every block (``layers + 1`` tensors).
        """
        if (ids is None) == (embeds is None):
            raise ValueError("give exactly one of ids and embeds")
        if ids is not None and ids.dim() != 2:
            raise ValueError(f"ids must have shape [batch, length], got {tuple(ids.shape)}; add a batch axis with ids[None]")
        x = self.embed(ids) if embeds is None else embeds
        if x.dim() != 3 or x.shape[-1] != self.dim:
            raise ValueError(f"embeds must have shape [batch, length, {self.dim}], got {tuple(x.shape)}")
        if x.dtype != self.token.weight.dtype:
            raise ValueError(f"embeds are {x.dtype} but the model is {self.token.weight.dtype}; convert one to the other")
        if padding is not None and (padding.dtype != torch.bool or tuple(padding.shape) != tuple(x.shape[:2])):
            raise ValueError(
                f"padding must be a bool tensor of shape {tuple(x.shape[:2])}, got {padding.dtype} {tuple(padding.shape)}"
            )
        length = x.shape[1]
        if length > self.max_len:
            raise ValueError(f"sequence length {length} exceeds max_len={self.max_len}; build the model with a larger max_len")
        layers = len(self.blocks)
        if head_mask is not None and tuple(head_mask.shape) != (layers, self.heads):
            raise ValueError(f"head_mask must have shape ({layers}, {self.heads}), got {tuple(head_mask.shape)}")
        if layer_mask is not None and tuple(layer_mask.shape) != (layers,):
            raise ValueError(f"layer_mask must have shape ({layers},), got {tuple(layer_mask.shape)}")
        if dim_mask is not None and tuple(dim_mask.shape) != (self.dim,):
            raise ValueError(f"dim_mask must have shape ({self.dim},), got {tuple(dim_mask.shape)}")

        x = x + self.position(torch.arange(length, device=x.device))
        allowed = causal_attention_mask(length, padding, x.device)
        if dim_mask is not None:
            x = x * dim_mask
        hidden = [x]
        for index, block in enumerate(self.blocks):
            x = block(
                x,
                None if head_mask is None else head_mask[index],
                None if layer_mask is None else layer_mask[index],
                allowed,
            )
            if dim_mask is not None:
                x = x * dim_mask
            hidden.append(x)
        logits = self.head(self.norm(x))
        return (logits, hidden) if return_hidden else logits
