"""The limits of a grading kernel, for the grader and the student kit alike (imports nothing).

``course grade`` and plain ``nbgrader`` (through ``grader.config``) grade with these; the
student's ``course check`` (``course_kit.check``) checks with the same cell timeout.
"""

#: Seconds a single cell may run before the kernel is interrupted and the next cell runs.
CELL_TIMEOUT = 30

#: Bytes of memory a grading kernel may map (RLIMIT_AS); a larger allocation is a MemoryError.
MEMORY_LIMIT = 2 * 2**30
