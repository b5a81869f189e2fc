"""A small training loop: progress bar, history, early stopping, checkpoints.

``fit`` runs epochs of ``step`` over a re-iterable of batches and returns a
:class:`History`. The chapter keeps its objective visible: ``step`` is the
chapter's own function from (model, batch) to (loss, metrics).

Used by: 01-foundations/02-deep-vib.
"""

from __future__ import annotations

import copy
import logging
import math
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn
from tqdm.auto import tqdm

logger = logging.getLogger(__name__)

Batch = Any
StepFn = Callable[[nn.Module, Batch], tuple[torch.Tensor, dict[str, float]]]
EvalFn = Callable[[nn.Module], dict[str, float]]


@dataclass
class History:
    """Per-epoch metrics: ``history["loss"]`` is the list of epoch means."""

    epochs: list[dict[str, float]] = field(default_factory=list)

    def __getitem__(self, key: str) -> list[float]:
        if self.epochs and key not in self.epochs[-1]:
            raise KeyError(f"no metric {key!r}: the history has {sorted(self.epochs[-1])}")
        return [epoch[key] for epoch in self.epochs]

    def __len__(self) -> int:
        return len(self.epochs)

    def last(self) -> dict[str, float]:
        """Return the metrics of the last epoch (an empty dict before training)."""
        return dict(self.epochs[-1]) if self.epochs else {}


@dataclass
class EarlyStopping:
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    The best weights are restored at the end of training when
    ``restore_best`` is set.
    """

    monitor: str = "val_loss"
    patience: int = 10
    mode: str = "min"
    min_delta: float = 0.0
    restore_best: bool = True

    def __post_init__(self) -> None:
        if self.mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {self.mode!r}")
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_state: dict[str, torch.Tensor] | None = None
        self.waited = 0

    def update(self, metrics: dict[str, float], model: nn.Module) -> bool:
        """Record an epoch's metrics; return True when training should stop."""
        if self.monitor not in metrics:
            raise KeyError(f"early stopping monitors {self.monitor!r}, but the epoch metrics are {sorted(metrics)}")
        value = metrics[self.monitor]
        better = value < self.best - self.min_delta if self.mode == "min" else value > self.best + self.min_delta
        if better:
            self.best, self.waited = value, 0
            if self.restore_best:
                self.best_state = copy.deepcopy(model.state_dict())
            return False
        self.waited += 1
        return self.waited >= self.patience


def fit(
    model: nn.Module,
    step: StepFn,
    batches: Iterable[Batch],
    *,
    epochs: int,
    optimizer: torch.optim.Optimizer | None = None,
    lr: float = 1e-3,
    evaluate: EvalFn | None = None,
    early_stopping: EarlyStopping | None = None,
    checkpoint: str | os.PathLike[str] | None = None,
    progress: bool = True,
    desc: str = "train",
) -> History:
    """Train ``model`` for up to ``epochs`` epochs and return its history.

    Args:
        model: the module to train, already on its device.
        step: maps (model, batch) to (loss tensor, metrics dict) for one batch.
        batches: a re-iterable of batches, for example ``TensorBatches``.
        epochs: maximum number of epochs.
        optimizer: defaults to Adam with learning rate ``lr``.
        evaluate: called after each epoch with the model in eval mode; its
            metrics join the history (name them ``val_*`` by convention).
        early_stopping: optional stopping rule over the epoch metrics.
        checkpoint: a file that stores model, optimizer and history after
            every epoch. If it exists when ``fit`` starts, training resumes
            from it.
        progress: show a tqdm bar over epochs.
        desc: label of the bar.
    """
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    optimizer = optimizer or torch.optim.Adam(model.parameters(), lr=lr)
    history = History()
    start = _resume(checkpoint, model, optimizer, history) if checkpoint else 0

    bar = tqdm(range(start, epochs), desc=desc, disable=not progress, leave=False)
    for epoch in bar:
        metrics = _train_epoch(model, step, batches, optimizer)
        if evaluate is not None:
            model.eval()
            with torch.no_grad():
                metrics.update(evaluate(model))
        metrics["epoch"] = epoch + 1
        history.epochs.append(metrics)
        bar.set_postfix({k: f"{v:.3g}" for k, v in metrics.items() if k != "epoch"})

        if checkpoint:
            _save(checkpoint, model, optimizer, history)
        if early_stopping is not None and early_stopping.update(metrics, model):
            logger.info("early stop at epoch %d (%s)", epoch + 1, early_stopping.monitor)
            break

    if early_stopping is not None and early_stopping.best_state is not None:
        model.load_state_dict(early_stopping.best_state)
    model.eval()
    return history


def _train_epoch(model: nn.Module, step: StepFn, batches: Iterable[Batch], optimizer: torch.optim.Optimizer) -> dict[str, float]:
    """Run one epoch and return the mean of each metric over batches."""
    model.train()
    totals: dict[str, float] = {}
    count = 0
    for batch in batches:
        loss, metrics = step(model, batch)
        if not torch.isfinite(loss):
            raise FloatingPointError(f"loss became {loss.item()} at batch {count}: lower the learning rate or check the inputs")
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        for key, value in {"loss": loss.item(), **metrics}.items():
            totals[key] = totals.get(key, 0.0) + value
        count += 1
    if count == 0:
        raise ValueError("batches yielded no batch: check the data and batch size")
    return {key: total / count for key, total in totals.items()}


def _save(path: str | os.PathLike[str], model: nn.Module, optimizer: torch.optim.Optimizer, history: History) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".part")
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "history": history.epochs}, partial)
    partial.replace(path)


def _resume(path: str | os.PathLike[str], model: nn.Module, optimizer: torch.optim.Optimizer, history: History) -> int:
    """Load a checkpoint if one exists; return the number of epochs already done."""
    path = Path(path)
    if not path.exists():
        return 0
    state = torch.load(path, map_location=next(model.parameters()).device, weights_only=True)
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    history.epochs.extend(state["history"])
    logger.info("resumed from %s after %d epochs", path, len(history))
    return len(history)
