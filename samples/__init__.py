"""Known answers to each assignment: ``CORRECT`` (other styles, full marks) and ``MISTAKES``.

One module per assignment, each mapping a name to ``{function: full answer-cell source}``. The
tests hold every assignment's tests to them, and ``make demo`` builds its sample class from them.
"""
