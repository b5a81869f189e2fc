"""The ``ibnotes`` command: list chapters, run one chapter, build the book.

    ibnotes list
    ibnotes run notebooks/01-foundations/02-deep-vib.ipynb -p profile ci -p seed 1
    ibnotes book --profile auto

Bad input (a missing notebook, an unknown parameter or profile) exits with
status 2 and one line that names the value and the valid choices. A chapter
that fails exits with status 1, and its message names the failing cell.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from ibnotes import chapters, runtime, site

logger = logging.getLogger("ibnotes")

BUILD = "_build"
EXECUTED = f"{BUILD}/executed"


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit status."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(name)s: %(message)s")
    try:
        return args.handler(args)
    except (chapters.ChapterFailed, site.BuildError) as error:
        print(f"ibnotes: {error}", file=sys.stderr)
        return 1
    except chapters.ChapterError as error:
        print(f"ibnotes: {error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ibnotes", description="Run the chapters of the ibnotes book and build it.")
    parser.add_argument("--book-dir", type=Path, default=None, help="book checkout (default: the nearest folder with _toc.yml)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log each step")
    commands = parser.add_subparsers(dest="command", required=True)

    listing = commands.add_parser("list", help="list the chapters in book order")
    listing.set_defaults(handler=_list)

    run = commands.add_parser("run", help="execute one chapter with papermill into _build/executed/")
    run.add_argument("notebook", type=Path, help="path of the chapter notebook")
    run.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                     help="set a parameter of the notebook's parameters cell (repeatable)")
    run.add_argument("--output", type=Path, default=None,
                     help="executed copy (default: _build/executed/ and the notebook's path)")
    run.set_defaults(handler=_run)

    book = commands.add_parser("book", help="execute every chapter and build the HTML book into _build/html")
    book.add_argument("--profile", default="auto",
                      help="auto (full where CUDA is available, else ci), ci or full")
    book.add_argument("--execute", default="always", choices=("always", "never"),
                      help="never: build from the committed notebook outputs")
    book.add_argument("--cdn", action="store_true",
                      help="load MathJax and the widget JavaScript from the internet instead of vendoring them")
    book.set_defaults(handler=_book)

    assign = commands.add_parser("assign", help="generate student notebooks and otter autograders into _build/course/")
    assign.add_argument("chapter", nargs="*",
                        help="chapter name or notebook path (default: every chapter with exercises)")
    assign.add_argument("--no-run-tests", action="store_true",
                        help="skip the run of each chapter that checks its solutions pass the tests")
    assign.set_defaults(handler=_assign)

    grade = commands.add_parser("grade", help="grade a folder of submitted notebooks with otter run into a CSV")
    grade.add_argument("submissions", type=Path, help="folder of submitted .ipynb notebooks, one per student")
    grade.add_argument("--chapter", required=True, help="chapter name or notebook path of the assignment")
    grade.add_argument("--output", type=Path, default=None,
                       help="CSV of scores (default: _build/course/<chapter>/scores.csv)")
    grade.add_argument("--timeout", type=float, default=600,
                       help="seconds one submission may run before it is stopped and scored 0 (default: 600)")
    grade.add_argument("--jobs", type=int, default=1,
                       help="submissions graded at a time, each in its own kernel (default: 1)")
    grade.set_defaults(handler=_grade)
    return parser


def _root(args: argparse.Namespace) -> Path:
    return chapters.find_book_root(args.book_dir)


def _list(args: argparse.Namespace) -> int:
    root = _root(args)
    for chapter in chapters.list_chapters(root):
        print(f"{chapter.path}  {chapter.title}")
    return 0


def _run(args: argparse.Namespace) -> int:
    notebook = args.notebook.resolve()
    if not notebook.is_file() and args.book_dir is not None:
        # Paths that 'ibnotes list' prints are relative to the book folder.
        notebook = (args.book_dir / args.notebook).resolve()
    if not notebook.is_file():
        notebook = _chapter_by_name(args)
    if notebook.suffix != ".ipynb":
        raise chapters.ChapterError(f"{args.notebook} is not a notebook: pass a chapter's .ipynb file or its name")
    root = chapters.find_book_root(args.book_dir or notebook.parent)
    parameters = {name: chapters.parse_value(value) for name, value in args.parameter}
    output = args.output or root / EXECUTED / notebook.relative_to(root)
    return _execute(notebook, output, parameters)


def _chapter_by_name(args: argparse.Namespace) -> Path:
    """Return the path of the book chapter named like ``args.notebook``.

    A name is a chapter's stem (02-deep-vib), optionally with its part folder
    (01-foundations/02-deep-vib) or the .ipynb suffix.
    """
    missing = chapters.ChapterError(f"notebook not found: {args.notebook}; list the chapters with 'ibnotes list'")
    try:
        root = chapters.find_book_root(args.book_dir)
    except chapters.ChapterError:
        raise missing from None
    requested = Path(str(args.notebook).removesuffix(".ipynb"))
    for chapter in chapters.list_chapters(root):
        chapter_path = chapter.path.with_suffix("")
        if requested.parts == chapter_path.parts[-len(requested.parts):]:
            return root / chapter.path
    raise missing


def _execute(notebook: Path, output: Path, parameters: dict) -> int:
    chapters.check_parameters(notebook, parameters)
    print(f"running {notebook.name} {parameters or ''}".rstrip(), file=sys.stderr)
    record = chapters.execute(notebook, output, parameters)
    print(f"executed {output}; record {record if record.is_file() else 'not saved'}", file=sys.stderr)
    return 0


def _resolve_profile(profile: str) -> str:
    if profile == "auto":
        import torch

        return "full" if torch.cuda.is_available() else "ci"
    if profile not in runtime.PROFILES:
        raise chapters.ChapterError(f"unknown profile {profile!r}: valid profiles are auto, {', '.join(runtime.PROFILES)}")
    return profile


def _book(args: argparse.Namespace) -> int:
    root = _root(args)
    profile = _resolve_profile(args.profile)
    executed = root / EXECUTED
    book_chapters = chapters.list_chapters(root)

    failures = []
    if args.execute == "always":
        for chapter in book_chapters:
            # A profile equal to the notebook's default is not injected, so
            # the built page shows no duplicate parameters cell.
            default = chapters.notebook_parameters(root / chapter.path).get("profile")
            parameters = {} if default == profile else {"profile": profile}
            try:
                _execute(root / chapter.path, executed / chapter.path, parameters)
            except chapters.ChapterFailed as error:
                print(f"ibnotes: {error}", file=sys.stderr)
                failures.append(chapter.name)

    # With --execute never, the committed outputs are built, with the records
    # of an earlier run where _build/executed still contains them.
    source = executed if args.execute == "always" else root
    staged = site.stage(root, book_chapters, source, root / BUILD / "site-src")
    records = site.gather_records(executed, [chapter.name for chapter in book_chapters]) if executed.is_dir() else []
    site.write_results(staged, records)
    if args.cdn:
        site.use_cdn(staged)
    else:
        site.vendor_javascript(staged, root / BUILD / "vendor-cache")
    html = site.build(staged, root)
    print(f"book built: {html / 'index.html'}", file=sys.stderr)
    if failures:
        print(f"ibnotes: {len(failures)} chapter(s) failed: {', '.join(failures)}", file=sys.stderr)
        return 1
    return 0


def _assign(args: argparse.Namespace) -> int:
    from ibnotes import course

    root = _root(args)
    for chapter in course.select_chapters(root, args.chapter):
        print(f"assigning {chapter.name}", file=sys.stderr)
        assignment = course.assign(root, chapter, run_tests=not args.no_run_tests)
        print(f"student notebook {assignment.student}; autograder {assignment.autograder}", file=sys.stderr)
    return 0


def _grade(args: argparse.Namespace) -> int:
    from ibnotes import course

    root = _root(args)
    (chapter,) = course.select_chapters(root, [args.chapter])
    assignment = course.generated_assignment(root, chapter)
    output = args.output or root / course.COURSE_DIR / chapter.name / "scores.csv"
    scores = course.grade(assignment, args.submissions, output, timeout=args.timeout, jobs=args.jobs)
    print(f"graded {len(scores)} submission(s) of {chapter.name}: {output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
