"""Profiles, device choice, seeding, CPU threads and the chapter record.

Every chapter starts with :func:`setup`, which validates the profile, picks
the device, seeds python, numpy and torch, and limits CPU threads in the
``ci`` profile. A chapter then records its key numbers and claims in a
:class:`ChapterRecord`; ``ibnotes run`` saves the record beside the executed
notebook and ``ibnotes book`` gathers every record into the results page.
"""

from __future__ import annotations

import json
import logging
import os
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import torch

logger = logging.getLogger(__name__)

PROFILES = ("ci", "full")
DEVICES = ("auto", "cpu", "cuda", "mps")
RECORD_DIR_ENV = "IBNOTES_RECORD_DIR"
RECORD_SUFFIX = ".record.json"

T = TypeVar("T")


@dataclass(frozen=True)
class Setup:
    """The resolved run settings of one chapter."""

    profile: str
    device: torch.device
    seed: int


def check_profile(profile: str) -> str:
    """Return ``profile`` if it is a known profile, else raise ValueError."""
    if profile not in PROFILES:
        raise ValueError(
            f"unknown profile {profile!r}: use one of {', '.join(PROFILES)}"
        )
    return profile


def choose_device(device: str = "auto") -> torch.device:
    """Pick a torch device: ``auto`` tries cuda, then mps, then cpu.

    Raises:
        ValueError: ``device`` is not one of ``DEVICES``, or names an
            accelerator that this machine does not have.
    """
    if device not in DEVICES:
        raise ValueError(f"unknown device {device!r}: use one of {', '.join(DEVICES)}")
    cuda = torch.cuda.is_available()
    mps = hasattr(torch.backends, "mps") and torch.backends.mps.is_available()

    if device == "auto":
        if cuda:
            return torch.device("cuda")
        if mps:
            return torch.device("mps")
        return torch.device("cpu")
    if device == "cuda" and not cuda:
        raise ValueError("device 'cuda' requested but CUDA is not available: use 'auto' or 'cpu'")
    if device == "mps" and not mps:
        raise ValueError("device 'mps' requested but MPS is not available: use 'auto' or 'cpu'")
    return torch.device(device)


def seed_everything(seed: int) -> None:
    """Seed python's ``random``, numpy's global generator and torch (all devices)."""
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def set_cpu_threads(threads: int) -> None:
    """Limit torch, OpenMP and BLAS to ``threads`` CPU threads.

    Small models run much faster on one thread than with threads competing
    for two cores, and scikit-learn's OpenMP loops slow down badly beside
    torch unless OpenMP is limited too. The environment variables are set as
    well so that worker processes started later inherit the limit.
    """
    from threadpoolctl import threadpool_limits

    if threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(threads)
    torch.set_num_threads(threads)
    threadpool_limits(limits=threads)


def setup(profile: str = "ci", device: str = "auto", seed: int = 0) -> Setup:
    """Prepare a chapter run and return its resolved settings.

    The ``ci`` profile limits every library to one CPU thread; ``full``
    leaves thread counts to the libraries.
    """
    check_profile(profile)
    resolved = choose_device(device)
    if profile == "ci":
        set_cpu_threads(1)
    seed_everything(seed)
    logger.info("profile=%s device=%s seed=%d", profile, resolved, seed)
    return Setup(profile=profile, device=resolved, seed=seed)


def by_profile(profile: str, *, ci: T, full: T) -> T:
    """Return the value for ``profile``: ``by_profile(p, ci=5, full=50)``."""
    return ci if check_profile(profile) == "ci" else full


@dataclass
class Claim:
    """One claim of a paper, checked in a chapter.

    ``paper`` and ``ours`` are short texts as they appear on the results page
    (for example "1.13 %" and "3.1 ± 0.4 %").
    """

    name: str
    paper: str
    ours: str
    holds: bool
    data: str
    profile: str


@dataclass
class ChapterRecord:
    """The key numbers and claims of one chapter run.

    Args:
        chapter: the notebook's file stem, for example ``"02-deep-vib"``.
        title: the chapter title shown on the results page.
        profile: the profile the chapter ran with.
        data: the data set the numbers come from, for example "digits (8x8)".
    """

    chapter: str
    title: str
    profile: str
    data: str
    numbers: dict[str, float] = field(default_factory=dict)
    claims: list[Claim] = field(default_factory=list)

    def __post_init__(self) -> None:
        check_profile(self.profile)

    def number(self, name: str, value: float) -> float:
        """Store a key number under ``name`` and return it."""
        self.numbers[name] = float(value)
        return float(value)

    def claim(self, name: str, *, paper: str, ours: str, holds: bool, data: str | None = None) -> bool:
        """Store a claim check and return whether it holds.

        A claim that does not reproduce is still recorded, with
        ``holds=False``, so that the results page shows it.
        """
        self.claims.append(
            Claim(name=name, paper=paper, ours=ours, holds=bool(holds),
                  data=data or self.data, profile=self.profile)
        )
        return bool(holds)

    def to_dict(self) -> dict[str, Any]:
        """Return the record as JSON-ready data."""
        return asdict(self)

    def save(self, directory: str | os.PathLike[str] | None = None) -> Path | None:
        """Write the record as ``<chapter>.record.json``.

        The folder is ``directory``, else the ``IBNOTES_RECORD_DIR``
        environment variable that ``ibnotes run`` sets to the folder of the
        executed notebook. With neither, nothing is written and None is
        returned, so a reader running the chapter by hand gets no stray files.
        """
        target = directory or os.environ.get(RECORD_DIR_ENV)
        if not target:
            logger.info("no record folder set (%s): record not saved", RECORD_DIR_ENV)
            return None
        path = Path(target) / f"{self.chapter}{RECORD_SUFFIX}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n")
        return path


def load_record(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a record file written by :meth:`ChapterRecord.save`."""
    return json.loads(Path(path).read_text())
