"""The ibnotes command on a fixture book with one passing and one failing chapter."""

import json
import shutil
import subprocess
import sys

import pytest

from conftest import FIXTURES


@pytest.fixture
def book(tmp_path):
    root = tmp_path / "book"
    shutil.copytree(FIXTURES / "book", root)
    return root


def ibnotes(*args, cwd):
    return subprocess.run([sys.executable, "-m", "ibnotes.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_list_in_toc_order(book):
    result = ibnotes("list", cwd=book)
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("notebooks/ok.ipynb")
    assert "A chapter that passes" in lines[0]
    assert lines[1].startswith("notebooks/fails.ipynb")


def test_list_outside_book_fails(tmp_path):
    result = ibnotes("list", cwd=tmp_path)
    assert result.returncode == 2
    assert "no _toc.yml found" in result.stderr


def test_run_missing_notebook(book):
    result = ibnotes("run", "notebooks/absent.ipynb", cwd=book)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "ibnotes: notebook not found: notebooks/absent.ipynb; list the chapters with 'ibnotes list'"
    ]


def test_run_chapter_by_name(book):
    result = ibnotes("run", "ok", cwd=book)
    assert result.returncode == 0, result.stderr
    assert (book / "_build" / "executed" / "notebooks" / "ok.ipynb").is_file()


@pytest.mark.parametrize("name", ["ok.ipynb", "notebooks/ok", "notebooks/ok.ipynb"])
def test_run_name_variants(book, name):
    elsewhere = book / "elsewhere"
    elsewhere.mkdir()
    result = ibnotes("run", name, "--output", str(book / "out.ipynb"), cwd=elsewhere)
    assert result.returncode == 0, result.stderr


def test_run_rejects_non_notebook(book):
    (book / "notes.md").write_text("# not a notebook\n")
    result = ibnotes("run", "notes.md", cwd=book)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "ibnotes: notes.md is not a notebook: pass a chapter's .ipynb file or its name"
    ]


def test_run_unknown_parameter(book):
    result = ibnotes("run", "notebooks/ok.ipynb", "-p", "epochs", "3", cwd=book)
    assert result.returncode == 2
    assert "unknown parameter 'epochs'" in result.stderr
    assert "profile, device, seed" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_run_unknown_profile(book):
    result = ibnotes("run", "notebooks/ok.ipynb", "-p", "profile", "huge", cwd=book)
    assert result.returncode == 2
    assert "unknown profile 'huge': valid profiles are ci, full" in result.stderr


@pytest.mark.parametrize(
    "name, value, message",
    [("device", "tpu", "unknown device 'tpu'"), ("seed", "abc", "seed must be a whole number"),
     ("seed", "-1", "seed must be a whole number")],
)
def test_run_bad_value_keeps_earlier_copy(book, name, value, message):
    output = book / "notebooks" / "ok.ipynb"
    before = output.read_bytes()
    result = ibnotes("run", "notebooks/ok.ipynb", "-p", name, value, "--output", str(output), cwd=book)
    assert result.returncode == 2
    assert message in result.stderr
    assert output.read_bytes() == before


def test_run_writes_record_with_duration(book):
    result = ibnotes("run", "notebooks/ok.ipynb", "-p", "seed", "5", cwd=book)
    assert result.returncode == 0, result.stderr
    executed = book / "_build" / "executed" / "notebooks"
    record = json.loads((executed / "ok.record.json").read_text())
    assert (executed / "ok.ipynb").is_file()
    assert record["numbers"] == {"seed": 5.0}
    assert record["claims"][0]["holds"] is True
    assert record["duration_s"] > 0


def test_run_failure_keeps_partial_copy(book):
    result = ibnotes("run", "notebooks/fails.ipynb", cwd=book)
    assert result.returncode == 1
    assert "failed in cell 3" in result.stderr
    assert "RuntimeError: claim does not hold" in result.stderr
    partial = json.loads((book / "_build" / "executed" / "notebooks" / "fails.ipynb").read_text())
    code = {"".join(cell["source"]): cell for cell in partial["cells"] if cell["cell_type"] == "code"}
    assert code["first = 1"]["execution_count"] is not None
    assert code['raise RuntimeError("claim does not hold")']["outputs"][-1]["ename"] == "RuntimeError"
    assert code["never = 2"]["execution_count"] is None


def test_book_rejects_unknown_profile(book):
    result = ibnotes("book", "--profile", "medium", cwd=book)
    assert result.returncode == 2
    assert "unknown profile 'medium': valid profiles are auto, ci, full" in result.stderr


def test_parse_value_types():
    from ibnotes.chapters import parse_value

    assert parse_value("3") == 3
    assert parse_value("0.5") == 0.5
    assert parse_value("False") is False
    assert parse_value("ci") == "ci"


def test_notebook_parameters_are_values():
    from ibnotes.chapters import notebook_parameters

    defaults = notebook_parameters(FIXTURES / "book" / "notebooks" / "ok.ipynb")
    assert defaults == {"profile": "ci", "device": "auto", "seed": 0}


def test_run_path_relative_to_book_dir(book, tmp_path):
    result = ibnotes("--book-dir", str(book), "run", "notebooks/ok.ipynb", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (book / "_build" / "executed" / "notebooks" / "ok.record.json").is_file()
