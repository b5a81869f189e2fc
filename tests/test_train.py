import pytest
import torch
import torch.nn.functional as F
from torch import nn

from ibnotes import data, train


def _problem(seed=0):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(200, 2, generator=generator)
    y = (x[:, 0] + x[:, 1] > 0).long()
    return data.TensorBatches(x, y, batch_size=50, seed=seed), x, y


def _step(model, batch):
    x, y = batch
    logits = model(x)
    return F.cross_entropy(logits, y), {"accuracy": (logits.argmax(-1) == y).float().mean().item()}


def test_fit_lowers_loss():
    torch.manual_seed(0)
    batches, _, _ = _problem()
    model = nn.Linear(2, 2)
    history = train.fit(model, _step, batches, epochs=30, lr=0.05, progress=False)
    assert len(history) == 30
    assert history["loss"][-1] < history["loss"][0]
    assert history["accuracy"][-1] > 0.9


def test_fit_evaluate_joins_history():
    batches, x, y = _problem()
    model = nn.Linear(2, 2)
    history = train.fit(model, _step, batches, epochs=2, progress=False,
                        evaluate=lambda m: {"val_loss": F.cross_entropy(m(x), y).item()})
    assert len(history["val_loss"]) == 2


def test_history_unknown_metric_lists_names():
    history = train.History([{"loss": 1.0}])
    with pytest.raises(KeyError, match="loss"):
        history["accuracy"]


def test_early_stopping_stops_and_restores():
    batches, _, _ = _problem()
    model = nn.Linear(2, 2)
    values = iter([3.0, 2.0, 2.5, 2.6, 2.7, 2.8])
    stopper = train.EarlyStopping(monitor="val_loss", patience=2)
    history = train.fit(model, _step, batches, epochs=6, progress=False,
                        evaluate=lambda m: {"val_loss": next(values)}, early_stopping=stopper)
    assert len(history) == 4
    assert stopper.best == 2.0


def test_checkpoint_resumes(tmp_path):
    batches, _, _ = _problem()
    checkpoint = tmp_path / "run.pt"
    torch.manual_seed(0)
    model = nn.Linear(2, 2)
    train.fit(model, _step, batches, epochs=3, progress=False, checkpoint=checkpoint)
    resumed = nn.Linear(2, 2)
    history = train.fit(resumed, _step, batches, epochs=5, progress=False, checkpoint=checkpoint)
    assert len(history) == 5
    assert [epoch["epoch"] for epoch in history.epochs] == [1, 2, 3, 4, 5]


def test_fit_rejects_nan_loss():
    batches, _, _ = _problem()
    model = nn.Linear(2, 2)
    nan_step = lambda m, b: (m(b[0]).sum() * float("nan"), {})
    with pytest.raises(FloatingPointError, match="loss became nan"):
        train.fit(model, nan_step, batches, epochs=1, progress=False)


def test_fit_rejects_zero_epochs():
    with pytest.raises(ValueError, match="epochs must be at least 1"):
        train.fit(nn.Linear(2, 2), _step, [], epochs=0)
