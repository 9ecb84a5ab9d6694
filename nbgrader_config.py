"""nbgrader configuration: the folder holding this file is the course directory.

All settings live in ``grader/config.py`` so that ``nbgrader`` and ``course`` share them.
"""

from pathlib import Path

from grader.config import configure, put_tools_on_path

put_tools_on_path()  # nbgrader runs `alembic` beside its Python, activated virtualenv or not
c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file
configure(c, Path(__file__).resolve().parent)
