"""The grader's own bounds while it judges a submission's tests: memory and time.

A test's code runs in the grader's process, and so does every grader callable a test hands to the
student's code (a stand-in, an objective, a lent reference), called back with arguments the
student chose. What the student chooses must cost the grader a bounded amount:

- :func:`memory_budget`: while a test runs, the process may map at most so many more bytes of
  data than it held when the test started (the soft ``RLIMIT_DATA``, restored afterwards); an
  allocation past it is a ``MemoryError`` for that test or callback, not the grading process's
  death (and not the out-of-memory killer's choice of the largest process);
- :func:`raise_at`: a grader callable still running at the test's deadline is stopped with
  :class:`Overrun`, raised in its thread between two Python instructions.

Kernels are never started while a budget is in force, so they never inherit it. Where the
process's data size cannot be read or limited (not Linux), :func:`memory_budget` bounds nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import re
import threading
import time
from collections.abc import Iterator


class Overrun(BaseException):
    """A grader callable ran past the test's deadline (a BaseException: test code that catches
    ``Exception`` cannot swallow it)."""


def data_bytes() -> int | None:
    """The bytes of data this process maps now (``VmData``: what ``RLIMIT_DATA`` counts), or
    None where that cannot be read."""
    try:
        with open("/proc/self/status") as status:
            found = re.search(r"^VmData:\s+(\d+) kB", status.read(), re.M)
    except OSError:
        return None
    return int(found.group(1)) * 1024 if found else None


@contextlib.contextmanager
def memory_budget(extra: int) -> Iterator[None]:
    """While it lasts, the process may map at most ``extra`` more bytes of data than now
    (0: no bound). A lower limit already in force stays."""
    used = data_bytes() if extra > 0 else None
    if used is None:
        yield
        return
    import resource  # POSIX only, like /proc

    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    limit = min([used + extra] + [v for v in (soft, hard) if v != resource.RLIM_INFINITY])
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))


def _raise_in(thread_id: int, error: type[BaseException] | None) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(error) if error else ctypes.c_void_p(0)
    )


@contextlib.contextmanager
def raise_at(deadline: float) -> Iterator[None]:
    """While it lasts, :class:`Overrun` is raised in this thread at ``deadline`` (a
    ``time.monotonic()`` value). A single long call into C ends before it is raised; a loop of
    Python code is stopped. The exception may also surface as the block ends: catch it around
    the ``with``."""
    thread_id = threading.get_ident()
    lock = threading.Lock()
    active = [True]

    def fire() -> None:
        with lock:
            if active[0]:
                _raise_in(thread_id, Overrun)

    timer = threading.Timer(max(0.0, deadline - time.monotonic()), fire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with lock:
            active[0] = False
            _raise_in(thread_id, None)  # one set but not raised yet is dropped
        timer.cancel()
