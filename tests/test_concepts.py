"""Tests of the human concepts loader (``ibnotes.data.concepts``).

The table itself cannot be downloaded on the test machines, so the tests that
read it look for it in ``$IBNOTES_OFFLINE_DATA`` (``tests/conftest.py`` points
that at the workplace's offline data folder) and skip when it is missing.
"""

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from ibnotes import data
from ibnotes.data import concepts

OFFLINE = os.environ.get(concepts.OFFLINE_DATA_ENV)
OFFLINE_FILE = Path(OFFLINE) / concepts.HUMAN_CONCEPTS_FILE if OFFLINE else None
needs_table = pytest.mark.skipif(
    OFFLINE_FILE is None or not OFFLINE_FILE.is_file(),
    reason=f"{concepts.HUMAN_CONCEPTS_FILE} not found: set {concepts.OFFLINE_DATA_ENV} "
    "to a folder that holds it",
)


@needs_table
def test_offline_rows_and_checksum():
    table = data.load_human_concepts()
    assert table.source == "offline"
    assert len(table) == 1105
    assert table.studies == ["Rosch1973", "Rosch1975", "McCloskey1978"]
    assert len(table.sha256) == 64
    assert concepts._readme_sha256(OFFLINE_FILE.parent) in (None, table.sha256)


@needs_table
def test_subset_rows():
    table = data.load_human_concepts()
    for study, rows in concepts.HUMAN_CONCEPTS_ROWS.items():
        assert len(table.subset(study)) == rows, study


@needs_table
def test_subset_unknown_study():
    with pytest.raises(ValueError, match="unknown study"):
        data.load_human_concepts().subset("Rosch1999")


@needs_table
def test_typicality_direction():
    table = data.load_human_concepts()
    rosch = table.subset("Rosch1975")
    mccloskey = table.subset("McCloskey1978")
    # Rosch: rank 1 is most typical, so the score is the negated rank.
    assert np.allclose(rosch.typicality_score(), -rosch.typicality)
    # McCloskey and Glucksberg: a rating of 10 is most typical, kept as is.
    assert np.allclose(mccloskey.typicality_score(), mccloskey.typicality)
    dog = (mccloskey.item == "Dog") & (mccloskey.category == "Animal")
    assert mccloskey.typicality_score()[dog].item() == mccloskey.typicality_score().max()


@needs_table
def test_checksum_mismatch(tmp_path):
    shutil.copy(OFFLINE_FILE, tmp_path / concepts.HUMAN_CONCEPTS_FILE)
    (tmp_path / "README.md").write_text(f"{concepts.HUMAN_CONCEPTS_FILE}, sha256\n  {'0' * 64}\n")
    with pytest.raises(data.DatasetUnavailable, match="sha256"):
        data.load_human_concepts(offline_dir=tmp_path)


@needs_table
def test_cache_used(tmp_path, monkeypatch):
    cached = tmp_path / "human-concepts" / concepts.HUMAN_CONCEPTS_FILE
    cached.parent.mkdir()
    shutil.copy(OFFLINE_FILE, cached)
    monkeypatch.setenv(data.CACHE_ENV, str(tmp_path))
    table = data.load_human_concepts(offline_dir=tmp_path / "empty")
    assert table.source == "cache"


def test_wrong_columns(tmp_path):
    (tmp_path / concepts.HUMAN_CONCEPTS_FILE).write_text("word,label\nrobin,bird\n")
    with pytest.raises(data.DatasetUnavailable, match="columns"):
        data.load_human_concepts(offline_dir=tmp_path)


def test_wrong_row_count(tmp_path):
    header = ",".join(concepts.HUMAN_CONCEPTS_COLUMNS)
    (tmp_path / concepts.HUMAN_CONCEPTS_FILE).write_text(f"{header}\nRobin,Bird,1.1,Rosch1973\n")
    with pytest.raises(data.DatasetUnavailable, match="rows"):
        data.load_human_concepts(offline_dir=tmp_path)


def test_download_failure_message(tmp_path, monkeypatch):
    monkeypatch.setenv(data.CACHE_ENV, str(tmp_path / "cache"))
    # A file URL that does not exist fails like an unreachable host, without a network.
    url = (tmp_path / "missing.csv").as_uri()
    with pytest.raises(data.DatasetUnavailable) as error:
        data.load_human_concepts(offline_dir=tmp_path / "empty", url=url)
    assert concepts.OFFLINE_DATA_ENV in str(error.value)
    assert url in str(error.value)
    assert not (tmp_path / "cache" / "human-concepts" / concepts.HUMAN_CONCEPTS_FILE).exists()
