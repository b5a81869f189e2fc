"""Find the book's chapters and execute one with papermill.

The chapters are the notebooks that ``_toc.yml`` lists, in book order.
``execute`` runs one into an output folder, with its record of numbers and
claims saved beside the executed copy and the run's duration added to it.
"""

from __future__ import annotations

import ast
import json
import logging
import os
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from ibnotes import runtime

logger = logging.getLogger(__name__)

TOC = "_toc.yml"

# A cell of a ci run that takes longer than this has hung: the whole chapter's
# budget is 60 s. Runs of the full profile have no cell limit.
CI_CELL_TIMEOUT_S = 600


class ChapterError(Exception):
    """A chapter could not be found or parameterised."""


class ChapterFailed(ChapterError):
    """A chapter ran and raised an error in one of its cells."""


@dataclass(frozen=True)
class Chapter:
    """A notebook chapter: its path relative to the book root and its title."""

    path: Path
    title: str

    @property
    def name(self) -> str:
        return self.path.stem


def find_book_root(start: str | os.PathLike[str] | None = None) -> Path:
    """Return the nearest folder at or above ``start`` that contains ``_toc.yml``."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / TOC).is_file():
            return folder
    raise ChapterError(f"no {TOC} found in {here} or above: keep the notebook inside the ibnotes checkout or pass --book-dir")


def list_chapters(root: Path) -> list[Chapter]:
    """Return the notebook chapters of ``_toc.yml`` in book order."""
    toc = yaml.safe_load((root / TOC).read_text())
    chapters = []
    for entry in _toc_files(toc):
        for suffix in (".ipynb", ""):
            path = root / (entry + suffix)
            if path.suffix == ".ipynb" and path.is_file():
                chapters.append(Chapter(path.relative_to(root), _notebook_title(path)))
                break
    return chapters


def _toc_files(node: Any) -> list[str]:
    """Collect every ``file`` entry of a table of contents, depth first."""
    files: list[str] = []
    if isinstance(node, dict):
        if "file" in node:
            files.append(str(node["file"]))
        if "root" in node:
            files.append(str(node["root"]))
        for key in ("parts", "chapters", "sections"):
            for child in node.get(key, []) or []:
                files.extend(_toc_files(child))
    return files


def _notebook_title(path: Path) -> str:
    """Return the first markdown heading of a notebook, else its file stem."""
    cells = json.loads(path.read_text()).get("cells", [])
    for cell in cells:
        if cell.get("cell_type") == "markdown":
            for line in "".join(cell.get("source", [])).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return path.stem


def notebook_parameters(path: Path) -> dict[str, Any]:
    """Return the names and default values of a notebook's ``parameters`` cell."""
    import papermill

    inspected = papermill.inspect_notebook(str(path))
    if not inspected:
        raise ChapterError(f"{path} has no cell tagged 'parameters': tag the cell that sets profile, device and seed")
    return {name: _literal(info["default"]) for name, info in inspected.items()}


def _literal(source: str) -> Any:
    """Evaluate a default as papermill returns it (source text such as '"ci"'), else keep the text."""
    try:
        return ast.literal_eval(source)
    except (ValueError, SyntaxError):
        return source


def check_parameters(path: Path, parameters: dict[str, Any]) -> None:
    """Raise ChapterError for a parameter the notebook lacks or a bad profile, device or seed.

    The check runs before the notebook starts, so a typo does not replace an
    earlier executed copy or its record.
    """
    known = notebook_parameters(path)
    for name in parameters:
        if name not in known:
            raise ChapterError(f"unknown parameter {name!r} for {path.name}: valid parameters are {', '.join(known)}")
    profile = parameters.get("profile")
    if profile is not None and profile not in runtime.PROFILES:
        raise ChapterError(f"unknown profile {profile!r}: valid profiles are {', '.join(runtime.PROFILES)}")
    device = parameters.get("device")
    if device is not None and device not in runtime.DEVICES:
        raise ChapterError(f"unknown device {device!r}: valid devices are {', '.join(runtime.DEVICES)}")
    seed = parameters.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise ChapterError(f"seed must be a whole number >= 0, got {seed!r}: pass e.g. -p seed 1")


def parse_value(text: str) -> Any:
    """Convert a command-line value: int, then float, then True/False/None, else the string."""
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    return {"True": True, "False": False, "None": None}.get(text, text)


def execute(notebook: Path, output: Path, parameters: dict[str, Any]) -> Path:
    """Execute ``notebook`` into ``output`` with papermill and return the record path.

    The record folder is passed to the kernel through ``IBNOTES_RECORD_DIR``.
    After the run, the wall time and the date are added to the chapter's
    record. On failure the partly executed copy stays at ``output`` and
    ChapterFailed names the failing cell.
    """
    import papermill
    from nbclient.exceptions import CellTimeoutError
    from papermill.exceptions import PapermillExecutionError

    if not notebook.is_file():
        raise ChapterError(f"notebook not found: {notebook}")
    check_parameters(notebook, parameters)
    profile = parameters.get("profile", notebook_parameters(notebook).get("profile"))
    timeout = CI_CELL_TIMEOUT_S if profile == "ci" else None
    output.parent.mkdir(parents=True, exist_ok=True)
    record_path = output.parent / f"{notebook.stem}{runtime.RECORD_SUFFIX}"
    record_path.unlink(missing_ok=True)

    previous = os.environ.get(runtime.RECORD_DIR_ENV)
    os.environ[runtime.RECORD_DIR_ENV] = str(output.parent.resolve())
    start = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(notebook), str(output), parameters=parameters, cwd=str(notebook.parent),
            progress_bar=False, kernel_name="python3", execution_timeout=timeout,
        )
    except PapermillExecutionError as error:
        raise ChapterFailed(
            f"{notebook.name} failed in cell {error.cell_index} (execution count {error.exec_count}): "
            f"{error.ename}: {error.evalue.splitlines()[0] if error.evalue else ''}; "
            f"the partly executed copy is {output}"
        ) from None
    except CellTimeoutError as error:
        raise ChapterFailed(
            f"{notebook.name} timed out: a cell ran longer than {timeout} s in the ci profile "
            f"({error}); the partly executed copy is {output}"
        ) from None
    finally:
        if previous is None:
            os.environ.pop(runtime.RECORD_DIR_ENV, None)
        else:
            os.environ[runtime.RECORD_DIR_ENV] = previous
    duration = time.perf_counter() - start

    if record_path.is_file():
        record = json.loads(record_path.read_text())
        record["duration_s"] = round(duration, 1)
        record["executed_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        record["notebook"] = notebook.name
        record_path.write_text(json.dumps(record, indent=2) + "\n")
    else:
        logger.warning("%s saved no record: call record.save() in its claim-check cell", notebook.name)
    return record_path
