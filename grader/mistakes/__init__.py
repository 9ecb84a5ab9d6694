"""A catalogue of known student mistakes, one module per assignment, for the grader's diagnostics.

Each :class:`Misconception` has a stable key (``"<function>.<slug>"``), a message in the
lecture's words that names the misconception and its fix, and one or more *variants*: small
functions with the graded function's signature that make exactly that mistake. A misconception
whose outcome cannot be reproduced (drawing from another random stream) is recognised instead by
a *recogniser*, a predicate on the call's arguments, the student's result and the reference's.

A variant that needs another graded function (``softmax`` inside ``softmax_regression_grads``)
gets it from :func:`graded`: the test's substitute if the test bound one, else the reference.
So do the right answers those variants are told apart from (:func:`right_answers`): the
reference itself, or for a function that may call other graded functions, the right ways of
doing so registered with :func:`right` (a test may bind a stand-in that returns other numbers
than the reference: a correct sample_beta that calls sample_log_uniform then differs from the
reference, and is still right).
:func:`grader.diagnostics.diagnose` runs the catalogue; modules register their
misconceptions in :data:`CATALOGUE` when imported.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from typing import Any

from grader.config import ASSIGNMENTS

#: ``function name -> its misconceptions``, in the order they are tried.
CATALOGUE: dict[str, list[Misconception]] = {}

#: ``function name -> its right answers``, where they are not just the reference.
RIGHT: dict[str, list[Callable]] = {}

Recogniser = Callable[[Mapping[str, Any], Any, Any], bool]

_SUBSTITUTES: ContextVar[Mapping[str, Callable] | None] = ContextVar("substitutes", default=None)


class Misconception:
    """One misconception about a graded function: key, message, and how to recognise it.

    Decorating a function with the misconception adds it as a variant (a way of making the
    mistake); ``@misconception.recogniser`` adds a predicate
    ``(arguments, student_result, reference_result) -> bool`` for mistakes no variant can
    reproduce. ``raises`` names the exception types that are this mistake's outcome (a variant
    raising anything else is skipped).

    Every variant is written as if it checked its arguments like the reference, except those
    of a misconception about the argument checks themselves (``checks=True``): on arguments
    the reference rejects, only those are tried.
    """

    def __init__(
        self, key: str, message: str, raises: tuple[str, ...] = (), checks: bool = False
    ) -> None:
        self.key, self.message, self.raises, self.checks = key, message, raises, checks
        self.function = key.split(".", 1)[0]
        self.variants: list[Callable] = []
        self.recognisers: list[Recogniser] = []

    def __call__(self, variant: Callable) -> Callable:
        self.variants.append(variant)
        return variant

    def recogniser(self, predicate: Recogniser) -> Recogniser:
        self.recognisers.append(predicate)
        return predicate

    def __repr__(self) -> str:
        return f"Misconception({self.key!r})"


def misconception(
    key: str, message: str, raises: tuple[str, ...] = (), checks: bool = False
) -> Misconception:
    """Create the misconception ``key`` and register it in :data:`CATALOGUE` (keys are unique)."""
    entry = Misconception(key, message, raises, checks)
    entries = CATALOGUE.setdefault(entry.function, [])
    if any(other.key == key for other in entries):
        raise ValueError(f"misconception {key!r} is catalogued twice")
    entries.append(entry)
    return entry


def reference(function: str) -> Callable:
    """The course's reference implementation of the graded ``function`` (from ``course_lib``)."""
    for assignment in ASSIGNMENTS:
        module = importlib.import_module(f"course_lib.{assignment}")
        if hasattr(module, function):
            return getattr(module, function)
    raise ValueError(f"no graded function named {function!r}")


def right(function: str) -> Callable[[Callable], Callable]:
    """Register the decorated function as a right answer of ``function`` (see module doc);
    once one is registered, the reference counts only if registered too."""

    def register(answer: Callable) -> Callable:
        RIGHT.setdefault(function, []).append(answer)
        return answer

    return register


def right_answers(function: str) -> list[Callable]:
    """The right answers of ``function``: those registered with :func:`right`, else the
    reference alone."""
    return RIGHT.get(function) or [reference(function)]


def graded(function: str) -> Callable:
    """The graded ``function`` a variant should call: the test's substitute, else the reference."""
    substitute = (_SUBSTITUTES.get() or {}).get(function)
    return substitute if substitute is not None else reference(function)


@contextlib.contextmanager
def substituting(substitutes: Mapping[str, Callable]) -> Iterator[None]:
    """Within the block, :func:`graded` returns ``substitutes[name]`` where there is one."""
    token = _SUBSTITUTES.set(dict(substitutes))
    try:
        yield
    finally:
        _SUBSTITUTES.reset(token)


def load() -> dict[str, list[Misconception]]:
    """Import every assignment's catalogue module and return :data:`CATALOGUE`."""
    for assignment in ASSIGNMENTS:
        importlib.import_module(f"grader.mistakes.{assignment}")
    return CATALOGUE
