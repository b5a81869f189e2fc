"""Course assignments built from the chapters' exercises with otter-grader.

    ibnotes assign [CHAPTER ...]
    ibnotes grade SUBMISSIONS_DIR --chapter CHAPTER [--output scores.csv] [--timeout S] [--jobs N]

``assign`` runs this pipeline for each chapter that has exercises:

1. Read the exercises. Each is a markdown cell with a ``### Exercise N``
   heading, then a code cell tagged ``solution``, then a code cell tagged
   ``exercise-test`` (the format of ``book/contributing.md``).
2. Write an otter master notebook to ``_build/course/<chapter>/master/``. Every
   other cell of the chapter stays as context, so that a student who runs the
   notebook top to bottom in the ``ci`` profile has every variable the
   exercises use. Each exercise becomes an otter question whose solution cell
   sits entirely inside ``# BEGIN SOLUTION`` and ``# END SOLUTION``.
3. Run ``otter assign``. It writes ``student/`` (the notebook to hand out, with
   each solution replaced by ``...`` and each test by ``grader.check``) and
   ``autograder/`` (the solution notebook and the autograder zip).
4. Check that no solution line reached the student notebook. otter copies
   solution code outside its markers into the student version without a
   warning, so this check runs after every generation.

``grade`` runs ``otter run`` without Docker on each submitted notebook, each in
a child process with a timeout, and writes one CSV row per submission: the
points per exercise, the total, and the reasons for every point lost. A
submission that cannot be read, raises, lacks a question, has an edited test
cell or runs past the timeout gets a reason, and the other submissions are
still graded.

Everything under ``_build/course/`` is regenerated from the chapters.
"""

from __future__ import annotations

import ast
import concurrent.futures
import copy
import csv
import logging
import multiprocessing
import re
import shutil
import tempfile
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import yaml

from ibnotes import chapters

logger = logging.getLogger(__name__)

COURSE_DIR = Path("_build") / "course"
SOLUTION_TAG = "solution"
TEST_TAG = "exercise-test"
HEADING = re.compile(r"^###\s+Exercise\s+(\d+)\b", re.MULTILINE)
# The master notebook drops these tags, which only the book uses.
BOOK_TAGS = {SOLUTION_TAG, TEST_TAG, "hide-input"}
# Metadata of the executed chapter (widget state, run times) that the student version does not need.
DROPPED_METADATA = ("widgets", "papermill", "execution")
MAX_EXPECTED_LINES = 20
# The check cell that otter adds after each exercise's code cell in the student version.
CHECK_CALL = re.compile(r'grader\.check\(\s*["\'](\w+)["\']\s*\)')
# The last line of a traceback: "NameError: name 'x' is not defined", "AssertionError".
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception)(:|$)")
INSTALL_HINT = "pip install 'ibnotes[course]'"


class CourseError(chapters.ChapterError):
    """A chapter, a submission folder or a generated assignment is unusable as given."""


class AssignFailed(chapters.ChapterFailed):
    """otter assign failed, or a generated student notebook contains a solution."""


@dataclass(frozen=True)
class Exercise:
    """One exercise of a chapter: its prompt and its solution and test cells."""

    number: int
    prompt: str
    solution: nbformat.NotebookNode
    test: nbformat.NotebookNode

    @property
    def name(self) -> str:
        """The otter question name, also the CSV column of its points."""
        return f"exercise_{self.number}"


@dataclass(frozen=True)
class Assignment:
    """The files ``otter assign`` generated for one chapter."""

    chapter: str
    master: Path
    student: Path
    solution: Path
    autograder: Path


@dataclass
class Score:
    """The grade of one submission: points per exercise and the reasons for lost points."""

    submission: str
    points: dict[str, float]
    possible: dict[str, float]
    reasons: list[str] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(self.points.values())


# Reading the exercises


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _tags(cell: dict) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def read_exercises(notebook: nbformat.NotebookNode, name: str = "notebook") -> list[Exercise]:
    """Return the exercises of a chapter notebook in order.

    Raises:
        CourseError: a ``solution`` or ``exercise-test`` cell outside the
            heading, solution, test sequence, or two exercises with one number.
    """
    exercises = []
    cells = notebook.cells
    for index, cell in enumerate(cells):
        tags = _tags(cell)
        is_heading = cell.cell_type == "markdown" and HEADING.search(_source(cell))
        if not is_heading:
            if (SOLUTION_TAG in tags or TEST_TAG in tags) and not _follows_heading(cells, index):
                raise CourseError(f"{name}: cell {index} is tagged {tags} but does not follow a "
                                  f"'### Exercise N' markdown cell: see 'Exercises' in book/contributing.md")
            continue
        exercises.append(_read_exercise(cells, index, name))

    numbers = [exercise.number for exercise in exercises]
    if len(set(numbers)) != len(numbers):
        raise CourseError(f"{name}: exercise numbers repeat: {numbers}")
    return exercises


def _follows_heading(cells: list, index: int) -> bool:
    """Return whether cell ``index`` is the solution or test cell of an exercise heading above it."""
    for offset in (1, 2):
        if index - offset >= 0 and cells[index - offset].cell_type == "markdown":
            return bool(HEADING.search(_source(cells[index - offset])))
    return False


def _read_exercise(cells: list, index: int, name: str) -> Exercise:
    text = _source(cells[index])
    match = HEADING.search(text)
    solution = cells[index + 1] if index + 1 < len(cells) else None
    test = cells[index + 2] if index + 2 < len(cells) else None
    if solution is None or solution.cell_type != "code" or SOLUTION_TAG not in _tags(solution):
        raise CourseError(f"{name}: the cell after 'Exercise {match.group(1)}' (cell {index}) "
                          f"must be a code cell tagged '{SOLUTION_TAG}'")
    if test is None or test.cell_type != "code" or TEST_TAG not in _tags(test):
        raise CourseError(f"{name}: the cell after the solution of 'Exercise {match.group(1)}' "
                          f"(cell {index + 2}) must be a code cell tagged '{TEST_TAG}'")
    return Exercise(int(match.group(1)), text[match.start():], solution, test)


def chapter_exercises(root: Path, chapter: chapters.Chapter) -> list[Exercise]:
    """Return the exercises of one chapter of the book at ``root``."""
    return read_exercises(nbformat.read(root / chapter.path, as_version=4), chapter.name)


def course_chapters(root: Path) -> list[chapters.Chapter]:
    """Return the chapters of ``_toc.yml`` that have exercises, in book order."""
    return [chapter for chapter in chapters.list_chapters(root) if chapter_exercises(root, chapter)]


def select_chapters(root: Path, names: list[str]) -> list[chapters.Chapter]:
    """Return the course chapters named by stem or path, or all of them when ``names`` is empty.

    Raises:
        CourseError: a name matches no chapter with exercises.
    """
    available = course_chapters(root)
    if not names:
        if not available:
            raise CourseError(f"no chapter in {root / chapters.TOC} has exercises")
        return available

    selected = []
    for name in names:
        matches = [c for c in available if name in (c.name, str(c.path), str(c.path.with_suffix("")))]
        if not matches:
            choices = ", ".join(c.name for c in available) or "none"
            raise CourseError(f"unknown chapter {name!r}: chapters with exercises are {choices}")
        selected.append(matches[0])
    return selected


# The master notebook


def build_master(notebook: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """Return the otter master notebook of a chapter.

    Every cell stays in place. A markdown cell with text above its
    ``### Exercise N`` heading is split so that the text stays as context.
    Each exercise becomes an otter question of one point.
    """
    exercises = {id(exercise.solution): exercise for exercise in read_exercises(notebook, name)}
    master = nbformat.v4.new_notebook(metadata=copy.deepcopy(notebook.metadata))
    for key in DROPPED_METADATA:
        master.metadata.pop(key, None)
    master.cells.append(nbformat.v4.new_raw_cell(_assignment_config(name)))

    cells = notebook.cells
    index = 0
    while index < len(cells):
        exercise = exercises.get(id(cells[index + 1])) if index + 1 < len(cells) else None
        if exercise is None:
            master.cells.append(_context_cell(cells[index]))
            index += 1
            continue
        heading = _source(cells[index])
        context = heading[:HEADING.search(heading).start()].strip()
        if context:
            master.cells.append(nbformat.v4.new_markdown_cell(context))
        master.cells.extend(_question_cells(exercise))
        index += 3
    return master


def _assignment_config(name: str) -> str:
    # Students hand in the .ipynb itself, so the export cell (a zip with a PDF) is off.
    # otter runs the tests on the solutions unless assign() passes no_run_tests.
    config = {
        "name": name,
        "init_cell": True,
        "check_all_cell": False,
        "export_cell": False,
        "run_tests": True,
        "generate": {"pdf": False, "filtering": False},
        "tests": {"files": False, "ok_format": True},
    }
    return "# ASSIGNMENT CONFIG\n" + yaml.safe_dump(config, sort_keys=False)


def _context_cell(cell: nbformat.NotebookNode) -> nbformat.NotebookNode:
    cell = copy.deepcopy(cell)
    for key in DROPPED_METADATA:
        cell.metadata.pop(key, None)
    if "tags" in cell.metadata:
        cell.metadata["tags"] = [tag for tag in cell.metadata["tags"] if tag not in BOOK_TAGS]
    return cell


def _question_cells(exercise: Exercise) -> list[nbformat.NotebookNode]:
    """Build the raw-cell markers, prompt, solution and test of one otter question."""
    raw = nbformat.v4.new_raw_cell
    solution = nbformat.v4.new_code_cell(
        "# BEGIN SOLUTION\n" + _source(exercise.solution).rstrip() + "\n# END SOLUTION"
    )
    test_config = f'""" # BEGIN TEST CONFIG\nhidden: false\npoints: 1\n""" # END TEST CONFIG\n'
    test = nbformat.v4.new_code_cell(test_config + _test_function(exercise))
    return [
        raw(f"# BEGIN QUESTION\nname: {exercise.name}\npoints: 1"),
        nbformat.v4.new_markdown_cell(exercise.prompt.rstrip() + _expected_output(exercise.solution)),
        raw("# BEGIN SOLUTION"), solution, raw("# END SOLUTION"),
        raw("# BEGIN TESTS"), test, raw("# END TESTS"),
        raw("# END QUESTION"),
    ]


def _test_function(exercise: Exercise) -> str:
    """Wrap the chapter's test cell in a function that the test calls once.

    otter runs a test as a doctest, one example per statement, and fails it
    when a statement prints a value the cell would not show, such as the
    generator that ``torch.manual_seed(0)`` returns. A call that returns None
    prints nothing.
    """
    function = f"_test_{exercise.name}"
    body = textwrap.indent(_source(exercise.test).rstrip(), "    ")
    return f"def {function}():\n{body}\n\n\n{function}()"


def _expected_output(solution: nbformat.NotebookNode) -> str:
    """Format the solution's printed output in the chapter as a markdown block for students."""
    lines, figure = [], False
    for output in solution.get("outputs", []):
        if output.get("output_type") == "stream" and output.get("name") == "stdout":
            lines += _source({"source": output.get("text", "")}).splitlines()
        elif output.get("output_type") in ("execute_result", "display_data"):
            data = output.get("data", {})
            figure = figure or "image/png" in data
            if "image/png" not in data and "text/plain" in data:
                lines += _source({"source": data["text/plain"]}).splitlines()
    if len(lines) > MAX_EXPECTED_LINES:
        lines = lines[:MAX_EXPECTED_LINES] + ["..."]

    text = ""
    if lines:
        text += "\n\n**Expected output** of a correct answer (from the book's `ci` run):\n\n```text\n"
        text += "\n".join(lines) + "\n```"
    if figure:
        text += "\n\nA correct answer also draws a figure: compare it with the one in the book."
    return text


# Generation and the solution check


def assign(root: Path, chapter: chapters.Chapter, *, build_dir: Path | None = None,
           run_tests: bool = True) -> Assignment:
    """Generate the student notebook and the autograder of one chapter with ``otter assign``.

    The output folder ``<build_dir>/<chapter>/`` (default ``_build/course``) is
    emptied first. With ``run_tests``, otter executes the solution notebook and
    fails unless every test passes, which takes one run of the chapter.

    Raises:
        CourseError: otter-grader is not installed, or the chapter's
            exercises are malformed or its default profile is not ``ci``.
        AssignFailed: otter assign failed, or the student notebook contains
            a line of a solution.
    """
    otter_assign = _import_otter_assign()
    notebook_path = root / chapter.path
    profile = chapters.notebook_parameters(notebook_path).get("profile")
    if profile != "ci":
        raise CourseError(f"{chapter.name}: the parameters cell sets profile {profile!r}, but students "
                          f"run the chapter in the 'ci' profile: set profile = \"ci\"")

    notebook = nbformat.read(notebook_path, as_version=4)
    for warning in check_exercise_names(notebook, chapter.name):
        logger.warning(warning)

    output = (build_dir or root / COURSE_DIR) / chapter.name
    shutil.rmtree(output, ignore_errors=True)
    master = output / "master" / f"{chapter.name}.ipynb"
    master.parent.mkdir(parents=True)
    nbformat.write(build_master(notebook, chapter.name), master)

    try:
        otter_assign(str(master), str(output), no_pdfs=True, no_run_tests=not run_tests)
    except Exception as error:  # otter raises plain exceptions of many kinds
        raise AssignFailed(f"otter assign failed for {chapter.name}: {type(error).__name__}: {error}") from error

    assignment = _generated(output, chapter.name)
    check_no_solutions(notebook, assignment.student)
    return assignment


def _import_otter_assign():
    try:
        from otter.assign import main
    except ImportError:
        raise CourseError(f"otter-grader is not installed: {INSTALL_HINT}") from None
    return main


def _generated(output: Path, name: str) -> Assignment:
    """Return the generated files of a chapter, or raise CourseError naming what is missing."""
    zips = sorted((output / "autograder").glob(f"{name}-autograder_*.zip"))
    student = output / "student" / f"{name}.ipynb"
    solution = output / "autograder" / f"{name}.ipynb"
    if not zips or not student.is_file():
        raise CourseError(f"no generated assignment for {name} in {output}: run 'ibnotes assign {name}' first")
    return Assignment(name, output / "master" / f"{name}.ipynb", student, solution, zips[-1])


def generated_assignment(root: Path, chapter: chapters.Chapter, build_dir: Path | None = None) -> Assignment:
    """Return the files of an earlier ``assign`` run of ``chapter``."""
    return _generated((build_dir or root / COURSE_DIR) / chapter.name, chapter.name)


def _code_lines(text: str) -> set[str]:
    """Return the stripped lines of ``text`` that contain a letter or digit, so ``)`` or ``...`` never match."""
    return {line.strip() for line in text.splitlines() if re.search(r"\w", line)}


def _cell_texts(cell: dict) -> list[str]:
    """Return the source of a cell and the text of its outputs."""
    texts = [_source(cell)]
    for output in cell.get("outputs", []):
        texts.append(_source({"source": output.get("text", "")}))
        texts.append(_source({"source": output.get("data", {}).get("text/plain", "")}))
    return texts


def find_leaks(chapter: nbformat.NotebookNode, student: nbformat.NotebookNode) -> list[str]:
    """Return the solution lines of ``chapter`` that appear in any cell of ``student``.

    A line counts only when no other cell of the chapter has it too, so that an
    import or a ``plt.show()`` shared with the context cells is not a leak.
    """
    solution_lines: set[str] = set()
    other_lines: set[str] = set()
    for cell in chapter.cells:
        lines = _code_lines(_source(cell))
        if SOLUTION_TAG in _tags(cell):
            solution_lines |= lines
        else:
            other_lines |= lines
    secret = solution_lines - other_lines

    student_lines: set[str] = set()
    for cell in student.cells:
        for text in _cell_texts(cell):
            student_lines |= _code_lines(text)
    return sorted(secret & student_lines)


def check_no_solutions(chapter: nbformat.NotebookNode, student_path: Path) -> None:
    """Raise AssignFailed if the student notebook at ``student_path`` contains a solution line."""
    leaks = find_leaks(chapter, nbformat.read(student_path, as_version=4))
    if leaks:
        examples = "; ".join(repr(line) for line in leaks[:3])
        raise AssignFailed(f"{student_path} contains {len(leaks)} line(s) of a solution, e.g. {examples}: "
                           f"do not hand it out")


# Names the exercises depend on


class _NameCollector(ast.NodeVisitor):
    """Visitor of a cell's syntax tree: the names it binds at top level and the names it reads.

    An approximation of Python's scopes: a name bound anywhere inside a
    function, lambda, class or comprehension counts as local to it.
    """

    def __init__(self) -> None:
        self.bound: set[str] = set()
        self.local: set[str] = set()
        self.read: set[str] = set()
        self.depth = 0

    def _bind(self, name: str) -> None:
        (self.local if self.depth else self.bound).add(name)

    def _visit_scope(self, node: ast.AST) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self.read.add(node.id)
        else:
            self._bind(node.id)

    def visit_arg(self, node: ast.arg) -> None:
        self.local.add(node.arg)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        self._bind(node.name)
        self._visit_scope(node)

    visit_AsyncFunctionDef = visit_ClassDef = visit_FunctionDef
    visit_Lambda = visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _visit_scope

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        for alias in node.names:
            self._bind((alias.asname or alias.name).split(".")[0])

    visit_ImportFrom = visit_Import


def _names(source: str) -> tuple[set[str], set[str]]:
    """Return the names a cell binds at its top level and the names it reads from outside.

    Both are empty for code that is not plain Python, such as a cell with an
    IPython magic.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set(), set()
    collector = _NameCollector()
    collector.visit(tree)
    return collector.bound, collector.read - collector.local


def check_exercise_names(notebook: nbformat.NotebookNode, name: str) -> list[str]:
    """Return warnings about names the student version cannot have.

    A student's code replaces a solution cell, so a name that only a solution
    binds exists in the student version only if the student writes it. The
    warnings name (1) a test that reads such a name when the prompt does not
    mention it, and (2) a context cell that reads such a name.
    """
    exercises = read_exercises(notebook, name)
    solution_ids = {id(exercise.solution) for exercise in exercises}
    context_bound: set[str] = set()
    for cell in notebook.cells:
        if cell.cell_type == "code" and id(cell) not in solution_ids:
            context_bound |= _names(_source(cell))[0]

    warnings = []
    for exercise in exercises:
        only_solution = _names(_source(exercise.solution))[0] - context_bound
        unnamed = sorted(n for n in only_solution & _names(_source(exercise.test))[1]
                         if not re.search(rf"\b{re.escape(n)}\b", exercise.prompt))
        if unnamed:
            warnings.append(f"{name}: the test of {exercise.name} reads {', '.join(unnamed)}, which only "
                            f"the solution defines and the prompt does not name: students cannot pass it")

    solution_bound = set().union(*(_names(_source(e.solution))[0] for e in exercises)) if exercises else set()
    test_ids = {id(exercise.test) for exercise in exercises}
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code" or id(cell) in solution_ids or id(cell) in test_ids:
            continue
        needed = sorted((_names(_source(cell))[1] & solution_bound) - context_bound)
        if needed:
            warnings.append(f"{name}: cell {index} reads {', '.join(needed)}, which only a solution defines: "
                            f"it fails in the student version until the exercise is answered")
    return warnings


# Grading


def grade(assignment: Assignment, submissions: Path, output: Path, *, timeout: float = 600,
          jobs: int = 1) -> list[Score]:
    """Grade every ``.ipynb`` in ``submissions`` with otter run and write the scores to ``output``.

    Each submission is executed from top to bottom in this Python environment,
    without Docker, in a child process that is stopped after ``timeout``
    seconds, with up to ``jobs`` submissions at a time. A submission that
    cannot be graded gets zero points and a reason, and the other submissions
    are still graded.

    Raises:
        CourseError: otter-grader is not installed, ``jobs`` is below 1, or
            ``submissions`` is not a folder with at least one notebook.
    """
    _import_otter_grade()
    if jobs < 1:
        raise CourseError(f"invalid number of jobs {jobs}: use 1 or more")
    if not submissions.is_dir():
        raise CourseError(f"submissions folder not found: {submissions}")
    paths = sorted(submissions.glob("*.ipynb"))
    if not paths:
        raise CourseError(f"no .ipynb files in {submissions}: put one submitted notebook per student there")

    student = nbformat.read(assignment.student, as_version=4)
    questions = _questions(student)
    # Each job is a thread that waits on its own child process.
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        scores = list(pool.map(lambda path: _grade_one(path, assignment, questions, timeout), paths))
    write_scores(scores, list(questions), output)
    return scores


def _import_otter_grade():
    try:
        from otter.api import grade_submission
    except ImportError:
        raise CourseError(f"otter-grader is not installed: {INSTALL_HINT}") from None
    return grade_submission


def _questions(student: nbformat.NotebookNode) -> dict[str, nbformat.NotebookNode]:
    """Map each question name of a generated student notebook to its check cell."""
    questions = {}
    for cell in student.cells:
        match = CHECK_CALL.fullmatch(_source(cell).strip()) if cell.cell_type == "code" else None
        if match:
            questions[match.group(1)] = cell
    return questions


def _grade_one(path: Path, assignment: Assignment, questions: dict[str, nbformat.NotebookNode],
               timeout: float) -> Score:
    """Grade one submission, turning every failure into a reason instead of an exception."""
    logger.info("grading %s", path.name)
    score = Score(path.name, dict.fromkeys(questions, 0.0), dict.fromkeys(questions, 1.0))
    try:
        submission = nbformat.read(path, as_version=4)
    except Exception as error:  # nbformat raises JSON, validation and Unicode errors
        score.reasons.append(f"not a readable notebook: {type(error).__name__}: {_first_line(error)}")
        return score

    score.reasons += _structure_reasons(submission, questions)
    outcome = _run_isolated(path, assignment, timeout)
    if outcome["error"] is not None:
        logger.warning("grading %s failed: %s", path.name, outcome["error"])
        score.reasons.append(f"grading failed: {outcome['error']}")
        return score

    score.reasons += outcome["reasons"]
    for name in questions:
        if name not in outcome["tests"]:
            score.reasons.append(f"{name}: no test result")
            continue
        points, possible, failure = outcome["tests"][name]
        score.points[name], score.possible[name] = points, possible
        if failure is not None:
            score.reasons.append(f"{name}: test failed: {failure}")
    return score


def _run_isolated(path: Path, assignment: Assignment, timeout: float) -> dict[str, Any]:
    """Run ``_grade_in_child`` in a new process and return its outcome.

    A child process lets a hung submission be stopped: otter's local run sets
    no execution timeout, and nbclient was seen waiting forever on an idle
    kernel. On a timeout the child and its kernel are killed.
    """
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    arguments = (str(path), str(assignment.autograder), assignment.student.name, sender)
    process = context.Process(target=_grade_in_child, args=arguments, daemon=True)
    process.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            return {"error": f"timed out after {timeout:g} s"}
        return receiver.recv()
    except EOFError:
        process.join(5)
        return {"error": f"the grading process exited with status {process.exitcode} and no result"}
    finally:
        if process.is_alive():
            _kill_tree(process.pid)
        process.join(5)
        receiver.close()


def _kill_tree(pid: int) -> None:
    """Kill a process and its descendants, such as the kernel that otter started.

    jupyter_client starts each kernel in a session of its own, so killing the
    child's process group would miss it.
    """
    import psutil  # a dependency of ipykernel

    try:
        parent = psutil.Process(pid)
        processes = [*parent.children(recursive=True), parent]
    except psutil.NoSuchProcess:
        return
    for process in processes:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass


def _grade_in_child(submission: str, autograder: str, student_name: str, sender: Any) -> None:
    """Grade one submission with otter and send a picklable outcome through ``sender``.

    The notebook's first cell opens ``otter.Notebook("<chapter>.ipynb")``, which
    fails under any other file name, so ``alice.ipynb`` is graded as a copy.
    """
    outcome: dict[str, Any] = {"error": None, "reasons": [], "tests": {}}
    try:
        with tempfile.TemporaryDirectory() as folder:
            copy_path = Path(folder) / student_name
            shutil.copyfile(submission, copy_path)
            results = _import_otter_grade()(str(copy_path), autograder, quiet=True)
        if results.catastrophic_error is not None:
            outcome["error"] = _first_line(results.catastrophic_error)
        else:
            outcome["reasons"] = _execution_reasons(results.notebook)
            outcome["tests"] = {
                name: (float(result.score), float(result.possible),
                       None if result.passed_all else _test_failure(result))
                for name, result in results.results.items()
            }
    except Exception as error:  # otter raises its own errors and nbclient's (a dead kernel)
        outcome["error"] = f"{type(error).__name__}: {_first_line(error)}"
    sender.send(outcome)
    sender.close()


def _structure_reasons(submission: nbformat.NotebookNode, questions: dict[str, nbformat.NotebookNode]) -> list[str]:
    """Return a reason for each question whose prompt or check cell is missing or edited in ``submission``."""
    by_id = {cell.get("id"): cell for cell in submission.cells}
    sources = [_source(cell).strip() for cell in submission.cells if cell.cell_type == "code"]
    markdown = "\n".join(_source(cell) for cell in submission.cells if cell.cell_type == "markdown")
    headings = {f"exercise_{number}" for number in HEADING.findall(markdown)}

    reasons = []
    for name, check in questions.items():
        expected = _source(check).strip()
        if expected in sources:
            continue
        same_cell = by_id.get(check.get("id"))
        mentioned = any(re.search(rf"\b{name}\b", source) for source in sources)
        if (same_cell is not None and same_cell.cell_type == "code") or mentioned:
            reasons.append(f"{name}: test cell edited; scored with the autograder's own tests")
        elif name not in headings:
            reasons.append(f"{name}: question missing from the submission")
        else:
            reasons.append(f"{name}: test cell deleted; scored with the autograder's own tests")
    return reasons


def _execution_reasons(executed: nbformat.NotebookNode | None) -> list[str]:
    """Return the first error of each exercise, and of the cells outside the exercises, in an executed submission."""
    if executed is None:
        return []
    reasons, reported = [], set()
    current = None
    for cell in executed.cells:
        if cell.cell_type == "markdown":
            match = HEADING.search(_source(cell))
            current = f"exercise_{match.group(1)}" if match else current
            continue
        check = CHECK_CALL.search(_source(cell))
        if check and check.group(1) == current:
            current = None
        for output in cell.get("outputs", []):
            place = current or "outside the exercises"
            if output.get("output_type") == "error" and place not in reported:
                reported.add(place)
                first_line = _source(cell).strip().splitlines()[0] if _source(cell).strip() else ""
                reasons.append(f"{place}: cell '{first_line[:60]}' raised "
                               f"{output.get('ename')}: {_first_line(output.get('evalue', ''))}")
    return reasons


def _test_failure(result: Any) -> str:
    """Return the exception line of a failed otter test, e.g. ``AssertionError: total should be 45``."""
    for case in result.test_case_results:
        if case.passed:
            continue
        lines = [line.strip() for line in (case.message or "").splitlines() if line.strip()]
        errors = [line for line in lines if EXCEPTION_LINE.match(line)]
        if errors:
            return errors[0][:200]
        if "Got:" in lines[:-1]:
            return f"unexpected output: {lines[lines.index('Got:') + 1][:200]}"
        return lines[-1][:200] if lines else "no message"
    return "no message"


def _first_line(error: Any) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:200] if text else ""


def write_scores(scores: list[Score], questions: list[str], output: Path) -> None:
    """Write one CSV row per submission: its name, the points per question, the total and the reasons."""
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["submission", *questions, "total", "reason"])
        for score in scores:
            points = [f"{score.points[name]:g}" for name in questions]
            writer.writerow([score.submission, *points, f"{score.total:g}", "; ".join(score.reasons)])
