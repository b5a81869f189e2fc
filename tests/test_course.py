"""ibnotes.course: student notebooks and autograders from the chapters' exercises, graded with otter.

The failure modes use a tiny fixture book (tests/fixtures/course/book) and one
fixture submission per mode (tests/fixtures/course/submissions). The book's
real chapters are each executed twice: once as the solution, once as the
student version.
"""

import csv
import shutil
import subprocess
import sys

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import FIXTURES, ROOT
from ibnotes import course

COURSE = FIXTURES / "course"
SUBMISSIONS = COURSE / "submissions"
BOOK_CHAPTERS = course.course_chapters(ROOT)

# Warnings from inside otter-grader 7.0 and traitlets, not from ibnotes.
pytestmark = [
    pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.drop:Warning"),
    pytest.mark.filterwarnings("ignore:Traits should be given as instances:DeprecationWarning"),
]


def read_scores(path):
    with path.open(newline="") as file:
        return {row["submission"]: row for row in csv.DictReader(file)}


def ibnotes(*args, cwd):
    return subprocess.run([sys.executable, "-m", "ibnotes.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def notebook(*cells):
    """A notebook from (kind, source, tags) triples."""
    new_cells = []
    for kind, source, tags in cells:
        factory = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        new_cells.append(factory(source, metadata={"tags": list(tags)}))
    return nbformat.v4.new_notebook(cells=new_cells)


# The fixture book


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """The fixture book copied to a temporary folder, with its assignment generated and checked by otter."""
    root = tmp_path_factory.mktemp("course") / "book"
    shutil.copytree(COURSE / "book", root)
    (chapter,) = course.select_chapters(root, ["tiny"])
    assignment = course.assign(root, chapter, run_tests=True)
    return root, chapter, assignment


@pytest.fixture(scope="module")
def tiny_scores(tiny, tmp_path_factory):
    """Scores of the fixture submissions, the solution, the student version and a file that is not JSON."""
    _, _, assignment = tiny
    submissions = tmp_path_factory.mktemp("submissions")
    for path in SUBMISSIONS.glob("*.ipynb"):
        shutil.copy(path, submissions)
    shutil.copy(assignment.solution, submissions / "solution.ipynb")
    shutil.copy(assignment.student, submissions / "student.ipynb")
    (submissions / "unreadable.ipynb").write_text("{not json")
    output = submissions.parent / "scores.csv"
    course.grade(assignment, submissions, output, jobs=2)
    return read_scores(output)


def test_read_exercises_tiny():
    exercises = course.read_exercises(nbformat.read(COURSE / "book/notebooks/tiny.ipynb", as_version=4))
    assert [exercise.name for exercise in exercises] == ["exercise_1", "exercise_2"]
    assert exercises[0].prompt.startswith("### Exercise 1")
    assert "return sum(values)" in exercises[0].solution.source
    assert "assert mean_value == 4.5" in exercises[1].test.source


def test_exercise_without_test_rejected():
    broken = notebook(("markdown", "### Exercise 1\n\nSet x.", ()), ("code", "x = 1", ("solution",)),
                      ("code", "print(x)", ()))
    with pytest.raises(course.CourseError, match="must be a code cell tagged 'exercise-test'"):
        course.read_exercises(broken, "broken")


def test_stray_solution_tag_rejected():
    broken = notebook(("markdown", "## Setup", ()), ("code", "x = 1", ("solution",)))
    with pytest.raises(course.CourseError, match="does not follow a '### Exercise N' markdown cell"):
        course.read_exercises(broken, "broken")


def test_repeated_exercise_number_rejected():
    exercise = [("markdown", "### Exercise 1\n\nSet x.", ()), ("code", "x = 1", ("solution",)),
                ("code", "assert x == 1", ("exercise-test",))]
    with pytest.raises(course.CourseError, match="exercise numbers repeat"):
        course.read_exercises(notebook(*exercise, *exercise), "twice")


def test_course_chapters_skip_plain_chapters():
    names = [chapter.name for chapter in course.course_chapters(COURSE / "book")]
    assert names == ["tiny"]


def test_select_unknown_chapter():
    with pytest.raises(course.CourseError, match="unknown chapter 'no-exercises': chapters with exercises are tiny"):
        course.select_chapters(COURSE / "book", ["no-exercises"])


def test_master_wraps_each_solution(tiny):
    _, _, assignment = tiny
    master = nbformat.read(assignment.master, as_version=4)
    raw = [cell.source for cell in master.cells if cell.cell_type == "raw"]
    assert raw[0].startswith("# ASSIGNMENT CONFIG")
    assert raw.count("# BEGIN SOLUTION") == 2
    solutions = [cell.source for cell in master.cells if cell.source.startswith("# BEGIN SOLUTION\n")]
    assert len(solutions) == 2
    assert all(source.endswith("\n# END SOLUTION") for source in solutions)


def test_master_keeps_text_above_first_heading(tiny):
    _, _, assignment = tiny
    master = nbformat.read(assignment.master, as_version=4)
    markdown = [cell.source for cell in master.cells if cell.cell_type == "markdown"]
    assert "## Exercises" in markdown
    assert any(source.startswith("### Exercise 1") for source in markdown)


def test_student_has_answer_stubs(tiny):
    _, _, assignment = tiny
    student = nbformat.read(assignment.student, as_version=4)
    answers = [cell.source for cell in student.cells if "otter_answer_cell" in cell.metadata.get("tags", [])]
    checks = [cell.source for cell in student.cells if cell.source.startswith("grader.check")]
    assert answers == ["...", "..."]
    assert checks == ['grader.check("exercise_1")', 'grader.check("exercise_2")']


def test_student_keeps_context_cells(tiny):
    _, _, assignment = tiny
    sources = [cell.source for cell in nbformat.read(assignment.student, as_version=4).cells]
    assert 'profile = "ci"\ndevice = "auto"\nseed = 0' in sources
    assert "numbers = list(range(10))\nprint(len(numbers))" in sources
    assert any(source.startswith("## After the exercises") for source in sources)


def test_student_shows_expected_output(tiny):
    _, _, assignment = tiny
    student = nbformat.read(assignment.student, as_version=4)
    prompt = next(cell.source for cell in student.cells if cell.source.startswith("### Exercise 1"))
    assert "**Expected output**" in prompt
    assert "```text\n45\n```" in prompt


def test_student_check_cells_report(tiny, tmp_path):
    _, _, assignment = tiny
    student = nbformat.read(assignment.student, as_version=4)
    answers = [cell for cell in student.cells if "otter_answer_cell" in cell.metadata.get("tags", [])]
    answers[0].source = "def total(values):\n    return sum(values)"
    answers[1].source = "mean_value = 4.0"
    # The first cell reads the tests from the notebook file, under its generated name.
    nbformat.write(student, tmp_path / assignment.student.name)
    NotebookClient(student, resources={"metadata": {"path": str(tmp_path)}}, allow_errors=True,
                   kernel_name="python3").execute()

    reports = {cell.source: "".join(output.get("data", {}).get("text/plain", "") for output in cell.outputs)
               for cell in student.cells if cell.source.startswith("grader.check")}
    assert reports['grader.check("exercise_1")'] == "exercise_1 results: All test cases passed!"
    assert "mean_value should be 4.5, got 4.0" in reports['grader.check("exercise_2")']


def test_student_has_no_solution(tiny):
    root, chapter, assignment = tiny
    chapter_notebook = nbformat.read(root / chapter.path, as_version=4)
    assert course.find_leaks(chapter_notebook, nbformat.read(assignment.student, as_version=4)) == []


def test_find_leaks_flags_copied_solution():
    chapter_notebook = nbformat.read(COURSE / "book/notebooks/tiny.ipynb", as_version=4)
    leaks = course.find_leaks(chapter_notebook, chapter_notebook)
    assert "return sum(values)" in leaks
    assert "mean_value = sum(numbers) / len(numbers)" in leaks
    assert "print(len(numbers))" not in leaks


def test_check_rejects_solution_outside_markers(tiny, tmp_path):
    root, chapter, assignment = tiny
    chapter_notebook = nbformat.read(root / chapter.path, as_version=4)
    student = nbformat.read(assignment.student, as_version=4)
    # What otter does with solution code outside its markers: it copies it unchanged.
    student.cells.append(nbformat.v4.new_code_cell("def total(values):\n    return sum(values)"))
    leaky = tmp_path / "tiny.ipynb"
    nbformat.write(student, leaky)
    expected = r"contains 2 line\(s\) of a solution, e.g. 'def total\(values\):'; 'return sum\(values\)'"
    with pytest.raises(course.AssignFailed, match=expected):
        course.check_no_solutions(chapter_notebook, leaky)


def test_names_only_the_solution_defines():
    chapter_notebook = notebook(
        ("code", "data = [1, 2]", ()),
        ("markdown", "### Exercise 1\n\nWrite `double(values)`.", ()),
        ("code", "def double(values):\n    return [2 * v for v in values]\n\nexample = [3]", ("solution",)),
        ("code", "assert double(example) == [6]\nassert double(data) == [2, 4]", ("exercise-test",)),
        ("code", "print(double(data))", ()),
        ("code", "def scale(example):\n    return 2 * example", ()),
    )
    warnings = course.check_exercise_names(chapter_notebook, "doubles")
    assert len(warnings) == 2
    assert "the test of exercise_1 reads example, which only the solution defines" in warnings[0]
    assert "cell 4 reads double, which only a solution defines" in warnings[1]


def test_grade_solution_full_marks(tiny_scores):
    row = tiny_scores["solution.ipynb"]
    assert (row["exercise_1"], row["exercise_2"], row["total"]) == ("1", "1", "2")
    assert row["reason"] == ""


def test_grade_student_version_zero(tiny_scores):
    row = tiny_scores["student.ipynb"]
    assert row["total"] == "0"
    assert "exercise_1: test failed: NameError: name 'total' is not defined" in row["reason"]
    assert "exercise_2: test failed: NameError: name 'mean_value' is not defined" in row["reason"]


def test_grade_submission_that_raises(tiny_scores):
    row = tiny_scores["raises.ipynb"]
    assert (row["exercise_1"], row["exercise_2"]) == ("0", "1")
    assert "exercise_1: cell 'tenth = numbers[10]' raised IndexError: list index out of range" in row["reason"]


def test_grade_missing_question(tiny_scores):
    row = tiny_scores["missing-question.ipynb"]
    assert (row["exercise_1"], row["exercise_2"]) == ("1", "0")
    assert "exercise_2: question missing from the submission" in row["reason"]


def test_grade_edited_test_cell(tiny_scores):
    row = tiny_scores["edited-test.ipynb"]
    assert (row["exercise_1"], row["exercise_2"]) == ("0", "1")
    assert "exercise_1: test cell edited; scored with the autograder's own tests" in row["reason"]
    assert "exercise_1: test failed: AssertionError: the total of an empty list is 0" in row["reason"]


def test_grade_unreadable_notebook(tiny_scores):
    row = tiny_scores["unreadable.ipynb"]
    assert row["total"] == "0"
    assert row["reason"].startswith("not a readable notebook: NotJSONError")


def test_grade_batch_completes(tiny_scores):
    assert sorted(tiny_scores) == ["edited-test.ipynb", "missing-question.ipynb", "raises.ipynb",
                                   "solution.ipynb", "student.ipynb", "unreadable.ipynb"]
    assert list(tiny_scores["solution.ipynb"]) == ["submission", "exercise_1", "exercise_2", "total", "reason"]


def test_grade_stops_endless_submission(tiny, tmp_path):
    _, _, assignment = tiny
    student = nbformat.read(assignment.student, as_version=4)
    answer = next(cell for cell in student.cells if "otter_answer_cell" in cell.metadata.get("tags", []))
    answer.source = "while True:\n    pass"
    nbformat.write(student, tmp_path / "endless.ipynb")

    (score,) = course.grade(assignment, tmp_path, tmp_path / "scores.csv", timeout=8)
    assert score.total == 0
    assert score.reasons == ["grading failed: timed out after 8 s"]


def test_grade_rejects_zero_jobs(tiny, tmp_path):
    _, _, assignment = tiny
    with pytest.raises(course.CourseError, match="invalid number of jobs 0: use 1 or more"):
        course.grade(assignment, SUBMISSIONS, tmp_path / "scores.csv", jobs=0)


def test_grade_empty_folder(tiny, tmp_path):
    _, _, assignment = tiny
    with pytest.raises(course.CourseError, match="no .ipynb files in"):
        course.grade(assignment, tmp_path, tmp_path / "scores.csv")


# The command line


def test_cli_assign_unknown_chapter(tiny):
    root, _, _ = tiny
    result = ibnotes("assign", "nope", cwd=root)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "ibnotes: unknown chapter 'nope': chapters with exercises are tiny"
    ]


def test_cli_grade_before_assign(tmp_path):
    root = tmp_path / "book"
    shutil.copytree(COURSE / "book", root)
    result = ibnotes("grade", "submissions", "--chapter", "tiny", cwd=root)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].endswith("run 'ibnotes assign tiny' first")


def test_cli_assign_and_grade(tmp_path):
    root = tmp_path / "book"
    shutil.copytree(COURSE / "book", root)
    assigned = ibnotes("assign", "--no-run-tests", cwd=root)
    assert assigned.returncode == 0, assigned.stderr
    assert (root / "_build/course/tiny/student/tiny.ipynb").is_file()

    submissions = tmp_path / "submissions"
    submissions.mkdir()
    shutil.copy(SUBMISSIONS / "raises.ipynb", submissions / "alice.ipynb")
    graded = ibnotes("grade", str(submissions), "--chapter", "notebooks/tiny.ipynb",
                     "--output", "scores.csv", cwd=root)
    assert graded.returncode == 0, graded.stderr
    scores = read_scores(root / "scores.csv")
    assert list(scores) == ["alice.ipynb"]
    assert scores["alice.ipynb"]["total"] == "1"


# The book's chapters


@pytest.fixture(scope="module", params=BOOK_CHAPTERS, ids=[chapter.name for chapter in BOOK_CHAPTERS])
def book_chapter(request, tmp_path_factory):
    """A chapter's assignment, with the scores of its solution and student versions (two chapter runs)."""
    chapter = request.param
    build = tmp_path_factory.mktemp(f"course-{chapter.name}")
    assignment = course.assign(ROOT, chapter, build_dir=build, run_tests=False)
    submissions = build / "submissions"
    submissions.mkdir()
    shutil.copy(assignment.solution, submissions / "solution.ipynb")
    shutil.copy(assignment.student, submissions / "student.ipynb")
    # The two runs share the two cores of a CI machine; a chapter runs single-threaded in ci.
    graded = course.grade(assignment, submissions, build / "scores.csv", timeout=300, jobs=2)
    if any("timed out" in reason for score in graded for reason in score.reasons):
        # NOTE: nbclient once waited forever on an idle kernel in these tests, cause not
        # found, so a chapter that timed out is graded once more.
        graded = course.grade(assignment, submissions, build / "scores.csv", timeout=300, jobs=2)
    scores = {score.submission: score for score in graded}
    return chapter, assignment, scores


def test_chapter_student_has_no_solution(book_chapter):
    chapter, assignment, _ = book_chapter
    chapter_notebook = nbformat.read(ROOT / chapter.path, as_version=4)
    assert course.find_leaks(chapter_notebook, nbformat.read(assignment.student, as_version=4)) == []


def test_chapter_solution_passes(book_chapter):
    _, _, scores = book_chapter
    solution = scores["solution.ipynb"]
    assert solution.points == solution.possible, solution.reasons
    assert solution.reasons == []


def test_chapter_student_fails(book_chapter):
    _, _, scores = book_chapter
    student = scores["student.ipynb"]
    assert set(student.points.values()) == {0.0}, student.reasons
    assert len(student.reasons) >= len(student.points)


@pytest.mark.parametrize("chapter", BOOK_CHAPTERS, ids=[chapter.name for chapter in BOOK_CHAPTERS])
def test_chapter_tests_need_no_hidden_names(chapter):
    chapter_notebook = nbformat.read(ROOT / chapter.path, as_version=4)
    assert course.check_exercise_names(chapter_notebook, chapter.name) == []


def test_book_has_course_chapters():
    assert BOOK_CHAPTERS, "no chapter of _toc.yml has exercises, so the chapter tests above ran on none"
