"""Name the student's mistake: when a test fails, find the catalogued mistake that reproduces it.

The grader calls :func:`diagnose` with one call the failed test made (the function's name, the
arguments as they were before the call, and what the student's function returned or raised).
Every misconception of that function in :mod:`grader.mistakes` is tried in catalogue order
(on arguments the reference rejects, only the mistakes in argument checks): the one whose
outcome on the same arguments equals the student's (:func:`same`: the same structure, values
within ``rtol = 1e-9``, ``atol = 1e-12``) **and** differs from every right answer's (the
reference's) is named, with its message in the lecture's words — unless a second one does too
on arguments the reference accepts: the call cannot tell them apart, and names nothing (on
rejected arguments the checks' mistakes come narrowest first, and the first wins). Mistakes no
variant reproduces (another random stream) are then recognised by their predicates, in
catalogue order. A student whose result equals a right answer's is never named, so a correct
answer cannot be mistaken for a mistake.

A failed test makes its calls in order and the calls before the failing one gave right results,
so the first diagnosis among a failed test's calls is the one to show. :func:`summarise` counts
the diagnoses of a class for the report.

Runs beside the reference, in the grader's process; never on the student's side (the catalogue
holds right answers too, and must stay out of the student kit).
"""

from __future__ import annotations

import contextlib
import inspect
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from course_kit.outcomes import Raised, same
from grader.mistakes import load, reference, right_answers, substituting


@dataclass(frozen=True)
class Diagnosis:
    """A named mistake: its catalogue key ("batchnorm_forward.unbiased_variance") and message."""

    key: str
    message: str


class Recorded:
    """A grader callable the student's function calls (an objective, a sampler, a substitute),
    with a log of its calls for :func:`diagnose`.

    A test's callable may not give the same answer twice: a sampler returning the next value
    of an iterator, or a stand-in returning hand-chosen points round by round, is used up by
    the student's call. Wrap each callable argument and each substitute in ``Recorded`` before
    the student's function runs, and pass the same objects to :func:`diagnose`: every mistake
    tried then gets, call by call, the answer the student's function got whenever it makes the
    same call (same position, same arguments), with the same effect on its arguments (a
    Generator advanced as far). Any other call goes to the callable itself; if that raises,
    the call gets the answer recorded at its position (a used-up callable answers what it
    answered the student).
    """

    def __init__(self, function: Callable) -> None:
        self.function = function
        self.calls: list[tuple[tuple[tuple, dict], tuple[tuple, dict], Any]] = []

    def __call__(self, *args, **kwargs):
        before = _fresh((args, kwargs))
        try:
            result = self.function(*args, **kwargs)
        except Exception as error:
            self.calls.append((before, _fresh((args, kwargs)), error))
            raise
        self.calls.append((before, _fresh((args, kwargs)), _fresh(result)))
        return result

    def replay(self) -> Callable:
        """A callable that answers the recorded calls in order, and calls through otherwise."""
        position = 0

        def replayed(*args, **kwargs):
            nonlocal position
            index, position = position, position + 1
            if index >= len(self.calls):
                return self.function(*args, **kwargs)
            before, after, outcome = self.calls[index]
            if not same(before, (args, kwargs), rtol=0.0, atol=0.0):
                try:
                    return self.function(*args, **kwargs)
                except Exception:
                    pass
            _write_back((args, kwargs), after)
            if isinstance(outcome, Exception):
                raise outcome
            return _fresh(outcome)

        return replayed


def diagnose(
    function: str,
    args: tuple,
    kwargs: Mapping[str, Any],
    student_result: Any,
    substitutes: Mapping[str, Callable] | None = None,
) -> Diagnosis | None:
    """The catalogued mistake that explains ``student_result``, or None.

    Parameters
    ----------
    function : name of the graded function the test called ("batchnorm_forward")
    args, kwargs : the arguments of that call as they were before it (plain data; NumPy
        Generators in their state before the call; callables as given, best wrapped in
        :class:`Recorded`). Nothing of them is changed: every run gets copies, and every
        Generator is rebuilt from its state.
    student_result : what the student's function returned, or a :class:`Raised`
    substitutes : graded functions the test bound to stand-ins for this call (the reference
        ``softmax`` while ``softmax_regression_grads`` is tested, a hand-made
        ``random_search_points``), best wrapped in :class:`Recorded`; a mistake calling another
        graded function gets the stand-in, else the reference

    Returns
    -------
    The catalogued mistake whose outcome equals ``student_result`` and differs from every
    right answer's (:func:`grader.mistakes.right_answers`); None when the student's result
    equals a right answer's, when no mistake matches, when two mistakes match (the call cannot
    tell them apart: a softmax over the rows and over the whole array agree on one row), or
    when anything goes wrong. Never raises.
    """
    try:
        with _quiet():
            return _diagnose(function, tuple(args), dict(kwargs), student_result, substitutes or {})
    except Exception:
        return None


def summarise(keys: Iterable[str | None]) -> list[tuple[str, str, int]]:
    """Rows ``(key, message, count)`` of the diagnoses of a class, most frequent first.

    ``keys`` are :attr:`Diagnosis.key` values (None, for undiagnosed failures, is skipped); a
    key no longer in the catalogue keeps its count with an empty message.
    """
    counts = Counter(key for key in keys if key)
    messages = {entry.key: entry.message for entries in load().values() for entry in entries}
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [(key, messages.get(key, ""), count) for key, count in ranked]


def _diagnose(
    function: str, args: tuple, kwargs: dict, student: Any, substitutes: Mapping[str, Callable]
) -> Diagnosis | None:
    misconceptions = load().get(function)
    if not misconceptions:
        return None
    call = (args, kwargs, substitutes)
    rights = [_outcome(answer, *call) for answer in right_answers(function)]
    if any(same(student, right) for right in rights):
        return None
    rejected = isinstance(rights[0], Raised)
    if rejected:  # arguments the reference rejects: only mistakes in the checks apply, the
        misconceptions = [entry for entry in misconceptions if entry.checks]  # narrowest first
    reproducing = (entry for entry in misconceptions if _reproduces(entry, call, student, rights))
    found = next(reproducing, None)
    if found is not None:  # two values the call cannot tell apart (softmax of one row): none
        ambiguous = not rejected and next(reproducing, None) is not None
        return None if ambiguous else Diagnosis(found.key, found.message)
    if rejected:
        return None
    arguments = _bound(function, args, kwargs)
    for entry in misconceptions:
        if any(_holds(p, arguments, student, rights[0]) for p in entry.recognisers):
            return Diagnosis(entry.key, entry.message)
    return None


def _reproduces(entry: Any, call: tuple, student: Any, rights: list) -> bool:
    """Whether a variant of the misconception ``entry`` gives the student's outcome of ``call``
    (and no right answer gives it)."""
    for variant in entry.variants:
        outcome = _outcome(variant, *call)
        if isinstance(outcome, Raised) and outcome.type_name not in entry.raises:
            continue
        if same(outcome, student) and not any(same(outcome, right) for right in rights):
            return True
    return False


def _outcome(
    function: Callable, args: tuple, kwargs: dict, substitutes: Mapping[str, Callable]
) -> Any:
    """What ``function`` returns on fresh copies of the arguments and substitutes, or what it
    raised."""
    try:
        with substituting(_fresh(dict(substitutes))):
            return function(*_fresh(args), **_fresh(kwargs))
    except Exception as error:
        return Raised(type(error).__name__, str(error))


def _bound(function: str, args: tuple, kwargs: dict) -> dict[str, Any]:
    """The call's arguments by parameter name, defaults filled in (fresh copies)."""
    bound = inspect.signature(reference(function)).bind(*_fresh(args), **_fresh(kwargs))
    bound.apply_defaults()
    return dict(bound.arguments)


def _holds(predicate: Callable, arguments: dict, student: Any, expected: Any) -> bool:
    if isinstance(student, Raised):
        return False
    try:
        return bool(predicate(arguments, student, expected))
    except Exception:
        return False


def snapshot(value: Any) -> Any:
    """Plain data as it is now, sharing nothing that can change: arrays copied, Generators
    rebuilt from their state, tuples, lists and dicts copied through; anything else (numbers,
    callables, :class:`Recorded` ones included) kept. What the grader keeps of a call's
    arguments before the student's function runs, for :func:`diagnose`."""
    return _copy(value, replay=False)


def _fresh(value: Any) -> Any:
    """:func:`snapshot`, with every :class:`Recorded` callable replayed from its first call."""
    return _copy(value, replay=True)


def _copy(value: Any, replay: bool) -> Any:
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, np.random.Generator):
        bit_generator = type(value.bit_generator)()
        bit_generator.state = value.bit_generator.state
        return np.random.Generator(bit_generator)
    if replay and isinstance(value, Recorded):
        return value.replay()
    if type(value) in (tuple, list):
        return type(value)(_copy(item, replay) for item in value)
    if type(value) is dict:
        return {key: _copy(item, replay) for key, item in value.items()}
    return value


def _write_back(given: Any, after: Any) -> None:
    """Give the arguments of a replayed call the state the recorded call left them in:
    Generators advanced as far, arrays changed in place alike."""
    if isinstance(given, np.random.Generator) and isinstance(after, np.random.Generator):
        given.bit_generator.state = after.bit_generator.state
    elif isinstance(given, np.ndarray) and isinstance(after, np.ndarray):
        if given.shape == after.shape and given.flags.writeable:
            np.copyto(given, after, casting="unsafe")
    elif type(given) in (tuple, list) and type(after) is type(given) and len(given) == len(after):
        for item, state in zip(given, after, strict=True):
            _write_back(item, state)
    elif type(given) is dict and type(after) is dict:
        for key in given.keys() & after.keys():
            _write_back(given[key], after[key])


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """No NumPy floating-point warnings or Python warnings from the mistakes being tried."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield
