"""Shared fixtures: one torch thread (small models run fastest that way on a 2-core CPU)."""

from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True, scope="session")
def single_thread():
    torch.set_num_threads(1)
