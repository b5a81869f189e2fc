"""The book builds offline and renders math and widgets in headless Chromium.

The site is built from the committed notebook outputs (``ibnotes book
--execute never``) in a copy of the book sources, served on 127.0.0.1, and
loaded in Debian's Chromium. The checks read the DOM after scripts ran.
"""

import functools
import http.server
import shutil
import subprocess
import sys
import tempfile
import threading

import pytest
from bs4 import BeautifulSoup

from conftest import ROOT
from ibnotes import site

CHAPTER = "notebooks/01-foundations/02-deep-vib.html"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


def test_results_table_marks_failed_claims():
    records = [{"chapter": "02-deep-vib", "title": "Deep VIB", "profile": "ci", "duration_s": 31.2,
                "claims": [{"name": "rate falls", "paper": "yes", "ours": "a | b", "holds": True,
                            "data": "digits", "profile": "ci"},
                           {"name": "robust", "paper": "yes", "ours": "no", "holds": False,
                            "data": "digits", "profile": "ci"}]}]
    table = site.results_table(records).splitlines()
    assert table[0] == "| chapter | claim | paper | ours | profile | data | holds | ci duration |"
    assert table[2] == "| Deep VIB | rate falls | yes | a \\| b | ci | digits | yes | 31 s |"
    assert "**no: not reproduced**" in table[3]


def test_results_table_empty():
    assert "No chapter has recorded a claim yet" in site.results_table([])


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    book = tmp_path_factory.mktemp("site") / "book"
    book.mkdir()
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(ROOT / name, book / name)
    for folder in ("book", "notebooks"):
        shutil.copytree(ROOT / folder, book / folder)
    result = subprocess.run([sys.executable, "-m", "ibnotes.cli", "--book-dir", str(book), "book", "--execute", "never"],
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return book / "_build" / "html"


def _serve(folder):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def chapter_dom(built_site):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.fail("chromium not found: install Debian's chromium package (.ci/run does)")
    server = _serve(built_site)
    try:
        with tempfile.TemporaryDirectory() as profile:
            url = f"http://127.0.0.1:{server.server_address[1]}/{CHAPTER}"
            result = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                                     "--virtual-time-budget=30000", "--dump-dom", url],
                                    capture_output=True, text=True, timeout=180)
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr[-2000:]
    return BeautifulSoup(result.stdout, "html.parser")


def test_site_has_no_remote_scripts(built_site):
    page = BeautifulSoup((built_site / CHAPTER).read_text(), "html.parser")
    remote = [tag["src"] for tag in page.find_all("script", src=True) if "://" in tag["src"]]
    assert remote == []


def test_math_is_typeset(chapter_dom):
    assert len(chapter_dom.find_all("mjx-container")) > 10
    assert chapter_dom.find("mjx-container").find("svg") is not None


def test_widget_static_view_present(chapter_dom):
    slider = chapter_dom.select_one(".widget-slider")
    assert slider is not None, "the beta slider was not rendered from the saved widget state"
    image = chapter_dom.select_one("img.widget-image")
    assert image is not None, "the image widget was not rendered from the saved widget state"
    assert image.get("src", "").startswith("blob:") or image.get("src", "").startswith("data:"), image


def test_results_page_built(built_site):
    assert (built_site / "book" / "results.html").is_file()


def test_gather_records_in_book_order(tmp_path):
    for name in ("01-zeta", "02-alpha", "99-extra"):
        (tmp_path / f"{name}.record.json").write_text(f'{{"chapter": "{name}", "claims": []}}')
    records = site.gather_records(tmp_path, ["02-alpha", "01-zeta"])
    assert [record["chapter"] for record in records] == ["02-alpha", "01-zeta", "99-extra"]
