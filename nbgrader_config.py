"""nbgrader configuration: the folder holding this file is the course directory.

All settings live in ``autograder/config.py`` so that ``nbgrader`` and ``course`` share them.
"""

from pathlib import Path

from autograder.config import configure

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file
configure(c, Path(__file__).resolve().parent)
