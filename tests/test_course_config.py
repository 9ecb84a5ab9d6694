"""Every ``course`` command reads the course directory's nbgrader_config.py as nbgrader does:
every setting, plugins in modules beside it, the course's hardening for what it leaves unset;
``course init`` makes such a directory (issue 19)."""

from __future__ import annotations

import shutil
import sys

import pytest

from grader.config import course_config
from instructor_tools.scaffold import init_course
from tests.support import course

LATE_HALF = "from nbgrader.plugins import LateSubmissionPlugin\n\n\nclass SubtractHalf(LateSubmissionPlugin):\n    pass\n"  # noqa: E501


@pytest.fixture
def root(tmp_path):
    """A course directory whose nbgrader_config.py holds only the instructor's own settings."""
    folder = tmp_path / "course"
    folder.mkdir()
    (folder / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        "c.CourseDirectory.course_id = 'stats-1'\n"
        "c.CourseDirectory.db_url = 'postgresql+psycopg2://grader@db.example/stats'\n"
        "c.Execute.timeout = 7\n"
        "c.ClearSolutions.begin_solution_delimeter = 'STUDENT CODE BEGINS'\n"
        "c.AssignLatePenalties.plugin_class = 'late_half_probe.SubtractHalf'\n"
    )
    (folder / "late_half_probe.py").write_text(LATE_HALF)
    yield folder
    sys.modules.pop("late_half_probe", None)
    if str(folder) in sys.path:
        sys.path.remove(str(folder))


def test_the_course_file_is_read_with_the_hardening_under_it(root):
    cfg = course_config(root)
    assert cfg.CourseDirectory.course_id == "stats-1"
    assert cfg.CourseDirectory.db_url == "postgresql+psycopg2://grader@db.example/stats"
    assert cfg.Execute.timeout == 7
    assert cfg.ClearSolutions.begin_solution_delimeter == "STUDENT CODE BEGINS"
    assert sys.modules["late_half_probe"].__file__ == str(root / "late_half_probe.py")
    # what the file leaves unset is the course's hardening
    assert cfg.Execute.kernel_manager_class == "grader.sandbox.SandboxedKernelManager"
    assert "grader.execution.ResilientExecute" in cfg.Autograde.autograde_preprocessors
    assert course_config(root, "sqlite:////tmp/x.db").CourseDirectory.db_url == "sqlite:////tmp/x.db"


def test_every_command_uses_the_configs_gradebook_unless_db_is_given(root):
    (root / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        "c.CourseDirectory.db_url = 'postgresql+pg8000://grader@db.example/stats'\n")
    ran = course("roster", "import", "nobody.csv", cwd=root)
    assert ran.returncode == 2
    assert "gradebook postgresql+pg8000://grader@db.example/stats needs the Python package" in (
        ran.stderr)
    ran = course("--db", "mysql+pymysql://x@y/z", "roster", "import", "nobody.csv", cwd=root)
    assert "gradebook mysql+pymysql://x@y/z needs the Python package pymysql" in ran.stderr


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("c = get_config(\n", "nbgrader_config.py cannot be loaded (line 1: '(' was never closed)"),
        ("raise RuntimeError('no grading today')\n",
         "nbgrader_config.py cannot be loaded (RuntimeError: no grading today)"),
        ("c = get_config()  # noqa: F821\n"
         "c.AssignLatePenalties.plugin_class = 'late_quarter.SubtractQuarter'\n",
         "AssignLatePenalties.plugin_class names 'late_quarter.SubtractQuarter', which cannot be "
         "imported (ModuleNotFoundError: No module named 'late_quarter'): put late_quarter.py "
         "beside nbgrader_config.py or correct the name"),
    ],
)
def test_a_config_that_cannot_be_loaded_is_one_line(root, text, says):
    (root / "nbgrader_config.py").write_text(text)
    ran = course("new", "hw1", cwd=root)
    assert ran.returncode == 2
    assert len(ran.stderr.strip().splitlines()) == 1 and says in ran.stderr, ran.stderr
    assert not (root / "source").exists()


def test_course_init_makes_a_course_directory_that_course_new_works_in(tmp_path):
    folder = tmp_path / "Intro ML 2026"
    ran = course("init", str(folder), cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert "course id 'Intro-ML-2026'" in ran.stdout
    assert (folder / "source").is_dir()
    assert (folder / "README.md").read_text().startswith("# Intro-ML-2026: the course directory")
    cfg = course_config(folder)
    assert cfg.CourseDirectory.course_id == "Intro-ML-2026"
    assert cfg.Autograde.autograde_preprocessors == course_config(tmp_path).Autograde.get(
        "autograde_preprocessors")  # the hardening line
    ran = course("new", "hw1", cwd=folder)
    assert ran.returncode == 0, ran.stderr
    assert (folder / "source" / "hw1" / "hw1.ipynb").is_file()

    again = course("init", str(folder), cwd=tmp_path)
    assert again.returncode == 2 and "already exists" in again.stderr
    bad = course("init", str(tmp_path / "other"), "--course-id", "a b", cwd=tmp_path)
    assert bad.returncode == 2 and "'a b' is not a usable course id" in bad.stderr


@pytest.mark.parametrize(
    ("title", "heading"),
    [("", "# stats-1: your notebooks"), ("Statistics 101", "# Statistics 101: your notebooks")],
)
def test_the_kit_readme_names_the_course_not_the_folder(tmp_path, title, heading):
    folder = tmp_path / "p"
    init_course(folder, "stats-1")
    if title:
        with (folder / "nbgrader_config.py").open("a") as config:
            config.write(f"c.CourseKit.title = {title!r}\n")
    assert course("new", "hw1", cwd=folder).returncode == 0
    shutil.copytree(folder / "source" / "hw1", folder / "release" / "hw1")
    ran = course("kit", str(tmp_path / "kit"), cwd=folder)
    assert ran.returncode == 0, ran.stderr
    assert (tmp_path / "kit" / "README.md").read_text().splitlines()[0].startswith(heading)
