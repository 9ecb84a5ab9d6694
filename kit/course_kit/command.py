"""The student kit's ``course`` command: ``course check NOTEBOOK`` (:mod:`course_kit.check`).

It starts the check's kernel (:mod:`course_kit.check_kernel`) before it imports the check, so
that the kernel boots while the check imports the judge, NumPy and ZMQ; and once the report is
printed and the kernel is gone, it ends without the interpreter's teardown of those modules (a
tenth of the check's time).
"""

from __future__ import annotations

import os
import sys

from course_kit.check_kernel import started_for


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    kernel = started_for(argv)
    try:
        from course_kit.check import main as check

        return check(argv, kernel)
    finally:
        if kernel:
            kernel.stop()


def run() -> None:
    """The console script: :func:`main`, then the end of the process (Ctrl-C: one line, once
    the kernel is stopped and its folder deleted)."""
    try:
        code = main()
    except KeyboardInterrupt:
        print("course: interrupted; nothing was checked", file=sys.stderr)
        code = 130
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
