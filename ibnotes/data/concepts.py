"""Human categorisation norms: items, their categories and typicality.

The table joins three studies of how people sort everyday concepts into
categories: Rosch (1973), Rosch (1975) and McCloskey and Glucksberg (1978).
Shani et al. (2025) digitised it and published it on the Hugging Face hub as
the dataset ``CShani/human-concepts`` (WTFPL licence). The machines that run
the ``ci`` profile have no internet, so :func:`load_human_concepts` first
reads a folder of offline data files, then the ibnotes cache, and only then
downloads.

Used by: 05-representations/01-tokens-to-thoughts (``load_human_concepts``,
``HumanConcepts``).
"""

from __future__ import annotations

import csv
import hashlib
import logging
import os
import re
import shutil
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ibnotes.data.loaders import DatasetUnavailable, cache_dir

logger = logging.getLogger(__name__)

OFFLINE_DATA_ENV = "IBNOTES_OFFLINE_DATA"
HUMAN_CONCEPTS_FILE = "human_concepts.csv"
HUMAN_CONCEPTS_COLUMNS = ("item", "category", "typicality", "subdataset")
# Rows per study in the released table (1,105 in all). Some items are listed
# under two categories of one study, so there are 1,049 distinct items per
# study in all, the paper's stated total (it also states 34 categories).
HUMAN_CONCEPTS_ROWS = {"Rosch1973": 48, "Rosch1975": 565, "McCloskey1978": 492}
# Studies whose typicality is a mean rank (1 = most typical). The others are
# ratings where a larger value is more typical (10 in McCloskey and Glucksberg).
RANK_STUDIES = ("Rosch1973", "Rosch1975")
# The hub revision that MTEB's HumanConceptsClustering task pins.
HUMAN_CONCEPTS_REVISION = "99f1715a5945341896ed3cbe4a3f1d3b7b913cf2"
# NOTE: the file name on the hub is assumed to match the released copy's name.
# This download was never run, because the machines that test ibnotes have no
# internet.
HUMAN_CONCEPTS_URL = (
    "https://huggingface.co/datasets/CShani/human-concepts/resolve/"
    f"{HUMAN_CONCEPTS_REVISION}/{HUMAN_CONCEPTS_FILE}"
)


@dataclass
class HumanConcepts:
    """The human categorisation table, one entry per (item, category) row.

    ``item``, ``category`` and ``subdataset`` are str arrays [n];
    ``typicality`` is float64 [n] in each study's own units (see
    :meth:`typicality_score`). ``path`` is the file read, ``sha256`` its
    checksum and ``source`` one of "offline", "cache" or "download".
    """

    item: np.ndarray
    category: np.ndarray
    typicality: np.ndarray
    subdataset: np.ndarray
    path: Path
    sha256: str
    source: str

    def __len__(self) -> int:
        return len(self.item)

    @property
    def studies(self) -> list[str]:
        """The study names in the order of :data:`HUMAN_CONCEPTS_ROWS`."""
        return [name for name in HUMAN_CONCEPTS_ROWS if name in set(self.subdataset)]

    def subset(self, study: str) -> "HumanConcepts":
        """Return the rows of one study, for example ``"Rosch1975"``."""
        if study not in set(self.subdataset):
            raise ValueError(f"unknown study {study!r}: use one of {self.studies}")
        keep = self.subdataset == study
        return HumanConcepts(self.item[keep], self.category[keep], self.typicality[keep],
                             self.subdataset[keep], self.path, self.sha256, self.source)

    def typicality_score(self) -> np.ndarray:
        """Return typicality [n] with one direction: larger means more typical.

        Rosch's mean ranks (1 = most typical) are negated; McCloskey and
        Glucksberg's ratings are kept. Scores are comparable within a study,
        not across studies.
        """
        is_rank = np.isin(self.subdataset, RANK_STUDIES)
        return np.where(is_rank, -self.typicality, self.typicality)


def load_human_concepts(offline_dir: str | os.PathLike[str] | None = None,
                        url: str = HUMAN_CONCEPTS_URL) -> HumanConcepts:
    """Load the human categorisation norms (1,105 rows, 3 studies).

    The file is looked up, in order: in ``offline_dir`` (default: the folder
    named by ``$IBNOTES_OFFLINE_DATA``), in :func:`cache_dir`, and last it is
    downloaded from ``url`` into the cache. The columns and the row count of
    each study are validated. When the file comes from an offline folder that
    contains a README.md listing a sha256, the file's checksum is compared
    with it.

    Raises:
        DatasetUnavailable: no folder contains the file and the download failed,
            or a file has the wrong columns, row counts or checksum.
    """
    offline = offline_dir if offline_dir is not None else os.environ.get(OFFLINE_DATA_ENV)
    if offline:
        path = Path(offline) / HUMAN_CONCEPTS_FILE
        if path.is_file():
            return _read(path, "offline", expected_sha256=_readme_sha256(path.parent))
        logger.info("%s not found in %s", HUMAN_CONCEPTS_FILE, offline)

    cached = cache_dir() / "human-concepts" / HUMAN_CONCEPTS_FILE
    if cached.is_file():
        return _read(cached, "cache")
    return _read(_download(url, cached), "download")


def _download(url: str, path: Path) -> Path:
    """Download ``url`` to ``path``, or raise DatasetUnavailable with the fallback."""
    partial = path.with_suffix(path.suffix + ".part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        logger.info("downloading %s", url)
        with urllib.request.urlopen(url, timeout=30) as response, open(partial, "wb") as out:
            shutil.copyfileobj(response, out)
    except (urllib.error.URLError, OSError) as error:
        partial.unlink(missing_ok=True)
        raise DatasetUnavailable(
            f"could not download the human concepts table from {url}: {error}. "
            f"Without internet, set {OFFLINE_DATA_ENV} to a folder that holds "
            f"{HUMAN_CONCEPTS_FILE}, or copy the file to {path}."
        ) from error
    partial.replace(path)
    return path


def _read(path: Path, source: str, expected_sha256: str | None = None) -> HumanConcepts:
    """Read and validate the table at ``path``."""
    checksum = _sha256(path)
    if expected_sha256 is not None and checksum != expected_sha256:
        raise DatasetUnavailable(
            f"{path} has sha256 {checksum}, but the README beside it lists "
            f"{expected_sha256}: the file was changed or replaced"
        )
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != HUMAN_CONCEPTS_COLUMNS:
            raise DatasetUnavailable(
                f"{path} has columns {reader.fieldnames}, expected {list(HUMAN_CONCEPTS_COLUMNS)}"
            )
        rows = list(reader)

    table = HumanConcepts(
        item=np.array([row["item"].strip() for row in rows]),
        category=np.array([row["category"].strip() for row in rows]),
        typicality=np.array([float(row["typicality"]) for row in rows]),
        subdataset=np.array([row["subdataset"].strip() for row in rows]),
        path=path, sha256=checksum, source=source,
    )
    counts = {name: int((table.subdataset == name).sum()) for name in HUMAN_CONCEPTS_ROWS}
    if counts != HUMAN_CONCEPTS_ROWS or len(table) != sum(HUMAN_CONCEPTS_ROWS.values()):
        raise DatasetUnavailable(
            f"{path} has {len(table)} rows, per study {counts}; expected {HUMAN_CONCEPTS_ROWS}. "
            "The hub version may have changed: pin the revision in the download URL."
        )
    if not np.all(np.isfinite(table.typicality)):
        raise DatasetUnavailable(f"{path} has missing or non-finite typicality values")
    logger.info("human concepts from %s (%s), sha256 %s", path, source, checksum)
    return table


def _readme_sha256(folder: Path) -> str | None:
    """Return the sha256 that ``folder``/README.md lists for the table, if any.

    The README names the file, then gives its checksum as "sha256" followed by
    64 hex digits, possibly on the next line.
    """
    readme = folder / "README.md"
    if not readme.is_file():
        return None
    text = readme.read_text(encoding="utf-8")
    start = text.find(HUMAN_CONCEPTS_FILE)
    match = re.search(r"sha256\s+([0-9a-f]{64})", text[start:]) if start >= 0 else None
    return match.group(1) if match else None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
