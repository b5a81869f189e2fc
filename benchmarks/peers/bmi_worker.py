"""benchmark-mi (bmi) estimators with their default settings, run in bmi's environment."""

import os
import sys

os.environ.setdefault("JAX_PLATFORMS", "cpu")
sys.path.insert(0, os.path.dirname(__file__))

import bmi  # noqa: E402

from common import run  # noqa: E402

run({
    "bmi-ksg": lambda x, y: bmi.estimators.KSGEnsembleFirstEstimator().estimate(x, y),
    "bmi-cca": lambda x, y: bmi.estimators.CCAMutualInformationEstimator().estimate(x, y),
    "bmi-infonce": lambda x, y: bmi.estimators.InfoNCEEstimator(verbose=False).estimate(x, y),
})
