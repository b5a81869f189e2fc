"""Protocol shared by the peer workers: read sample files, time each estimate, print JSON.

A worker runs in the peer's own virtual environment and is called as

    python WORKER JOBS_JSON

where the jobs file lists ``{"samples": path.npz, "estimator": name}``
entries. Each result is printed as one line, ``RESULT`` and then JSON with
the estimate in nats, the wall time in seconds, and an error message where
the estimator raised. The marker keeps the peers' own prints apart.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable

import numpy as np

Estimator = Callable[[np.ndarray, np.ndarray], float]


def run(estimators: dict[str, Estimator]) -> None:
    """Run every job of the file named on the command line with ``estimators``."""
    jobs = json.loads(open(sys.argv[1]).read())
    for job in jobs:
        samples = np.load(job["samples"])
        x, y = samples["x"], samples["y"]
        result = dict(job)
        start = time.perf_counter()
        try:
            result["estimate"] = float(estimators[job["estimator"]](x, y))
        except Exception as error:  # a peer's failure is a result, not a crash
            result["error"] = f"{type(error).__name__}: {error}"
        result["seconds"] = time.perf_counter() - start
        print("RESULT " + json.dumps(result), flush=True)
