"""The student runtime: everything that runs on a student's machine and in the student's kernel.

Students receive it as its own distribution, ``dl-course-kit`` (``course kit OUT``); the grading
sandbox shows this package folder, read-only, to the student's kernel, and nothing else of the
course. It holds no answers and imports neither the reference (``course_lib``), the grader
(``grader``) nor the instructor's tools (``instructor_tools``).

- ``kernel``: what runs inside the student's kernel (the kernel's end of the grader's channel);
- ``wire``, ``judge``, ``checks``, ``cells``, ``errors``, ``limits``, ``rules``: the channel, the
  judge of test cells and the test helpers, used by ``course check`` and by the grader alike;
- ``command``, ``check``, ``check_kernel``: ``course check``, the student's command, and its
  kernel;
- ``data``, ``network``, ``explorers``: what the notebooks import.
"""

from pathlib import Path

#: This package's folder: the student runtime that the grading sandbox shows the kernel.
RUNTIME = Path(__file__).resolve().parent

#: The version of the course's distributions (``dl-tuning-course`` and ``dl-course-kit`` both
#: read it from here).
__version__ = "0.1.0"
