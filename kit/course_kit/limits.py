"""The limits of a grading kernel, for the grader and the student kit alike (imports nothing).

``course grade`` and plain ``nbgrader`` (through ``grader.config``) grade with these; the
student's ``course check`` (``course_kit.check``) checks with the same cell timeout.
"""

#: Seconds a single cell may run before the kernel is interrupted and the next cell runs.
CELL_TIMEOUT = 30

#: Bytes of memory a grading kernel may map (RLIMIT_AS); a larger allocation is a MemoryError.
MEMORY_LIMIT = 2 * 2**30

#: Bytes of data the grader's own process may map beyond what it held, while it runs one test
#: cell of a submission (the test's code and the grader callables the student's code calls
#: back; ``course_kit.bounds.memory_budget``). 0: no bound.
GRADER_MEMORY = 256 * 2**20
#: Wall-clock seconds a whole submission may run at grading, restarts and replays included.
SUBMISSION_TIMEOUT = 600

#: The thread pools of a grading kernel's numerical libraries: one thread each, unless the
#: environment says otherwise (RLIMIT_AS counts every thread's stack and buffers, and a pool per
#: core only competes with the grader and the other kernels for the cores).
SINGLE_THREADED = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
