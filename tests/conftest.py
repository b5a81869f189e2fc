"""Shared fixtures: one torch thread (small models run fastest that way on a 2-core CPU).

Also points ``IBNOTES_OFFLINE_DATA`` at the workplace's folder of public data
that its machines cannot download (``../shared/data`` beside the checkout),
so that chapters needing such a file run under nbval. Where that folder is
missing, those chapters' notebook tests are skipped with the reason.
"""

import os
from pathlib import Path

import pytest
import torch

from ibnotes.chapters import Chapter

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
OFFLINE_DATA = ROOT.parent / "shared" / "data"

# Chapters that read a file which only the offline data folder or a download provides.
OFFLINE_FILES = {"01-tokens-to-thoughts": "human_concepts.csv"}

if "IBNOTES_OFFLINE_DATA" not in os.environ and OFFLINE_DATA.is_dir():
    # Set before any kernel starts, so nbval's and the grader's kernels inherit it.
    os.environ["IBNOTES_OFFLINE_DATA"] = str(OFFLINE_DATA)


def _missing_offline_file(chapter: str) -> str | None:
    """Return the file a chapter needs when no offline folder provides it, else None."""
    name = OFFLINE_FILES.get(chapter)
    folder = os.environ.get("IBNOTES_OFFLINE_DATA")
    if name is None or (folder and (Path(folder) / name).is_file()):
        return None
    return name


def _item_chapter(item: pytest.Item) -> str:
    """Return the chapter an item tests: its parametrised chapter, else its file's stem."""
    for value in getattr(getattr(item, "callspec", None), "params", {}).values():
        if isinstance(value, Chapter):
            return value.name
    return Path(str(item.fspath)).stem


def pytest_collection_modifyitems(config, items):
    for item in items:
        chapter = _item_chapter(item)
        missing = _missing_offline_file(chapter)
        if missing:
            reason = f"{chapter} needs {missing}: set IBNOTES_OFFLINE_DATA to a folder that holds it"
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True, scope="session")
def single_thread():
    torch.set_num_threads(1)
