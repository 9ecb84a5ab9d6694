"""The one exception the ``course`` command turns into a single line for the user."""

import sys


class CourseError(Exception):
    """Something the user can fix; the message says what is wrong and what to do."""


def said(error: CourseError, program: str) -> int:
    """Print ``error`` as one line on stderr, ``program: message``; return the exit code, 2."""
    print(f"{program}: {error}", file=sys.stderr)
    return 2
