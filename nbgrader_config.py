"""nbgrader configuration: the folder holding this file is the course directory.

The course's hardening lives in ``grader/config.py`` (``configure``); ``nbgrader`` and
``course`` both read this file, so the settings below it apply to both.
"""

from pathlib import Path

from grader.config import configure, put_tools_on_path

put_tools_on_path()  # nbgrader runs `alembic` beside its Python, activated virtualenv or not
c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file
configure(c, Path(__file__).resolve().parent)
c.CourseDirectory.course_id = "dl-week3"
c.CourseKit.title = "Deep learning, week 3"
