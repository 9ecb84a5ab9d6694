"""Where grading happens, never shipped to students: nbgrader hardened and driven.

``config`` (the course's nbgrader configuration), ``execution`` (runs a submission: other cells
in the sandboxed kernel, test cells in the grader's process), ``sandbox`` (the bubblewrap
kernel), ``rebuild`` and ``integrity`` (what a submission may change), ``diagnostics`` and
``mistakes`` (naming a failed test's misconception), ``grading``, ``classroom`` and ``cluster``
(grading a class), ``gradebook`` and ``flags``.
"""
