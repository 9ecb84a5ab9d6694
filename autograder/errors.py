"""The one exception the ``course`` command turns into a single line for the user."""


class CourseError(Exception):
    """Something the user can fix; the message says what is wrong and what to do."""
