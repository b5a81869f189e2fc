"""torch-mist's InfoNCE through its estimate_mi entry point, run in torch-mist's environment.

Settings: a 2-layer critic of width 64 (``hidden_dims``), at most 10 epochs
with its early stopping, batch 128 (its default), x and y as float32.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch_mist import estimate_mi  # noqa: E402

from common import run  # noqa: E402

torch.set_num_threads(1)


def infonce(x, y):
    x, y = np.asarray(x, dtype=np.float32), np.asarray(y, dtype=np.float32)
    estimate = estimate_mi(data=(x, y), estimator="infonce", hidden_dims=[64, 64], max_epochs=10, verbose=False)
    # estimate_mi returns (value, training log) when its logger is on.
    return estimate[0] if isinstance(estimate, tuple) else estimate


run({"mist-infonce": infonce})
