"""Build the HTML book from executed chapters, with a results page and vendored JavaScript.

The pipeline:

1. ``stage``: copy the book sources (``_config.yml``, ``_toc.yml``,
   ``book/``) and the executed chapters into a staging folder, so that the
   committed notebooks stay untouched.
2. ``write_results``: gather every chapter record into ``book/results.md``,
   one table of claims.
3. ``vendor_javascript``: fetch MathJax, RequireJS and the ipywidgets HTML
   manager from the npm registry (cached) into ``_vendor/``, which Sphinx
   copies to ``_static/``. The site then renders math and widgets with no
   internet.
4. ``build``: run Jupyter Book 1 with warnings as errors.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

from ibnotes import runtime
from ibnotes.chapters import Chapter

logger = logging.getLogger(__name__)

VENDOR_DIR = "_vendor"

# npm package, version, and the files (relative to the package folder) to vendor.
VENDORED = {
    "mathjax": ("3.2.2", {"es5/tex-svg-full.js": "mathjax/tex-svg-full.js"}),
    "requirejs": ("2.3.7", {"require.js": "require.js"}),
    "@jupyter-widgets/html-manager": ("1.0.14", {"dist/": "html-manager/"}),
}


class BuildError(Exception):
    """The site could not be staged, vendored or built."""


def stage(root: Path, chapters: list[Chapter], executed: Path, target: Path) -> Path:
    """Copy the book sources into ``target``, with executed chapters where they exist."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(root / name, target / name)
    shutil.copytree(root / "book", target / "book")

    for chapter in chapters:
        source = executed / chapter.path
        if not source.is_file():
            logger.info("no executed copy of %s: using the committed outputs", chapter.path)
            source = root / chapter.path
        (target / chapter.path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target / chapter.path)
    return target


def gather_records(executed: Path, order: list[str] | None = None) -> list[dict[str, Any]]:
    """Read every ``*.record.json`` under ``executed``.

    Records come in the order of the chapter names in ``order`` (book
    order); records of other chapters follow, sorted by name.
    """
    records = [runtime.load_record(path) for path in executed.rglob(f"*{runtime.RECORD_SUFFIX}")]
    position = {name: index for index, name in enumerate(order or [])}
    return sorted(records, key=lambda record: (position.get(record.get("chapter", ""), len(position)),
                                               record.get("chapter", "")))


def results_table(records: list[dict[str, Any]]) -> str:
    """Return the results page body: one markdown table row per claim."""
    header = "| chapter | claim | paper | ours | profile | data | holds | ci duration |\n"
    header += "| --- | --- | --- | --- | --- | --- | --- | --- |\n"
    rows = []
    for record in records:
        duration = record.get("duration_s")
        ci_duration = f"{duration:.0f} s" if duration is not None and record.get("profile") == "ci" else "n/a"
        for claim in record.get("claims", []):
            holds = "yes" if claim["holds"] else "**no: not reproduced**"
            cells = [record.get("title", record["chapter"]), claim["name"], claim["paper"], claim["ours"],
                     claim["profile"], claim["data"], holds, ci_duration]
            rows.append("| " + " | ".join(str(cell).replace("|", "\\|") for cell in cells) + " |")
    if not rows:
        return "No chapter has recorded a claim yet: run `make book` to execute the chapters.\n"
    return header + "\n".join(rows) + "\n"


def write_results(target: Path, records: list[dict[str, Any]]) -> Path:
    """Write the generated results page into the staged book."""
    page = target / "book" / "results.md"
    intro = page.read_text() if page.is_file() else "# Results\n"
    marker = "<!-- results table -->"
    if marker not in intro:
        raise BuildError(f"{page} lacks the line {marker!r} where the table goes")
    page.write_text(intro.replace(marker, results_table(records)))
    return page


def vendor_javascript(target: Path, cache: Path) -> Path:
    """Copy the vendored JavaScript into ``target/_vendor`` and return that folder.

    Tarballs come from ``npm pack`` and are kept in ``cache``, so only the
    first build needs the npm registry.
    """
    vendor = target / VENDOR_DIR
    vendor.mkdir(parents=True, exist_ok=True)
    cache.mkdir(parents=True, exist_ok=True)
    for package, (version, files) in VENDORED.items():
        tarball = _npm_pack(package, version, cache)
        with tarfile.open(tarball) as archive:
            for member in archive.getmembers():
                relative = member.name.removeprefix("package/")
                for source, destination in files.items():
                    if member.isfile() and relative.startswith(source) and not relative.endswith(".map"):
                        path = vendor / (destination + relative[len(source):])
                        path.parent.mkdir(parents=True, exist_ok=True)
                        path.write_bytes(archive.extractfile(member).read())
    return vendor


def _npm_pack(package: str, version: str, cache: Path) -> Path:
    """Return the cached tarball of ``package@version``, running ``npm pack`` if missing."""
    name = package.lstrip("@").replace("/", "-") + f"-{version}.tgz"
    tarball = cache / name
    if tarball.is_file():
        return tarball
    if shutil.which("npm") is None:
        raise BuildError(
            "npm not found: install Node.js and npm to vendor MathJax and the widget "
            "JavaScript, or build with --cdn to load them from the internet"
        )
    result = subprocess.run(["npm", "pack", f"{package}@{version}", "--pack-destination", str(cache)],
                            capture_output=True, text=True)
    if result.returncode != 0 or not tarball.is_file():
        raise BuildError(f"npm pack {package}@{version} failed: {result.stderr.strip()[-500:]}")
    return tarball


def use_cdn(target: Path) -> None:
    """Drop the vendored-JavaScript settings from the staged ``_config.yml``."""
    import yaml

    config_path = target / "_config.yml"
    config = yaml.safe_load(config_path.read_text())
    sphinx_config = config.get("sphinx", {}).get("config", {})
    for key in ("mathjax_path", "nb_ipywidgets_js", "html_static_path"):
        sphinx_config.pop(key, None)
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))


def _jupyter_book() -> str:
    """Return the jupyter-book executable of this Python environment, else the one on PATH."""
    beside_python = Path(sys.executable).parent / "jupyter-book"
    if beside_python.is_file():
        return str(beside_python)
    found = shutil.which("jupyter-book")
    if found is None:
        raise BuildError("jupyter-book not found: install the book tools with pip install -e '.[book]'")
    return found


def build(source: Path, output_root: Path) -> Path:
    """Build the staged book with Jupyter Book 1, warnings as errors; return the HTML folder."""
    command = [_jupyter_book(), "build", str(source), "--path-output", str(output_root), "-W", "-n", "--keep-going"]
    logger.info("running %s", " ".join(command))
    result = subprocess.run(command)
    if result.returncode != 0:
        raise BuildError(f"jupyter-book build failed with exit code {result.returncode}: see the warnings above")
    return output_root / "_build" / "html"

