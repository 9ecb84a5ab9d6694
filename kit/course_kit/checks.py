"""Assertion helpers for the course's test cells: strict, readable, and hard to fool.

Test cells call these instead of bare ``assert`` so that a failure says what was expected and
what came instead ("softmax: columns must sum to 1; column 3 sums to 1.7").

At grading time test cells run in the grader's process (``course_kit.judge``), where no student
code runs: what the student's functions return arrives as plain data. The helpers still check
exact types (``type(x) is np.ndarray``, a real float), so a value of the wrong kind — a list, an
array subclass, an object the kernel could not send as data — never passes. Students import the
same helpers from the kit to run the visible tests in their own kernel.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Sequence
from contextvars import ContextVar

import numpy as np


def _as_float(value) -> np.ndarray:
    return np.asarray(value, dtype=np.float64)


class CheckFailed(AssertionError):
    """A test's verdict, with a message for the student."""


def _fail(message: str) -> None:
    raise CheckFailed(message)


def _index(flat: int, shape) -> tuple[int, ...]:
    """The index, as plain ints, of entry ``flat`` of an array of ``shape`` (row-major)."""
    return tuple(int(i) for i in np.unravel_index(flat, shape))


def _first_entry(flags: np.ndarray) -> tuple[int, tuple[int, ...], int]:
    """Where the first true entry of the boolean array ``flags`` is (its flat position and its
    index) and how many entries are true; ``flags`` has at least one."""
    found = np.flatnonzero(flags)
    first = int(found[0])
    return first, _index(first, flags.shape), int(found.size)


def _describe(value) -> str:
    kind = type(value).__name__
    if type(value) is np.ndarray:
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    return f"a {kind}"


def check_array(
    name: str, value, shape: Sequence[int] | None = None, kind: str = "float", finite: bool = True
) -> np.ndarray:
    """Check that ``value`` is a real ``numpy.ndarray`` of ``shape`` with finite floats (or ints).

    ``kind`` is "float" or "int". Returns the value for further checks.
    """
    if type(value) is not np.ndarray:
        _fail(f"{name} must return a numpy array (np.ndarray); got {_describe(value)}")
    if shape is not None and tuple(value.shape) != tuple(shape):
        _fail(f"{name}: expected shape {tuple(shape)}; got shape {tuple(value.shape)}")
    wanted = np.floating if kind == "float" else np.integer
    if not np.issubdtype(value.dtype, wanted):
        _fail(f"{name}: expected an array of {kind}s; got dtype {value.dtype}")
    if finite and kind == "float" and value.size and not bool(np.isfinite(value).all()):
        bad, where, _ = _first_entry(~np.isfinite(value))
        _fail(f"{name}: every entry must be finite; entry {where} is {value.flat[bad]}")
    return value


def check_float(name: str, value) -> float:
    """Check that ``value`` is a finite real number (a Python float or a NumPy floating scalar)."""
    if (
        type(value) is float
        or type(value) is np.float64
        or (isinstance(value, np.floating) and type(value).__module__ == "numpy")
    ):
        result = float(value)
        if not math.isfinite(result):
            _fail(f"{name}: expected a finite number; got {result}")
        return result
    _fail(f"{name} must return a float; got {_describe(value)}")


def max_abs_difference(actual: np.ndarray, expected: np.ndarray) -> tuple[float, tuple[int, ...]]:
    """The largest ``|actual - expected|`` and where it is (computed with pristine ufuncs)."""
    diff = np.absolute(np.subtract(_as_float(actual), _as_float(expected)))
    if diff.size == 0:
        return 0.0, ()
    if np.isnan(diff).any():
        return math.inf, _first_entry(np.isnan(diff))[1]
    index = int(diff.argmax())
    return float(diff.flat[index]), _index(index, diff.shape)


def check_close(
    name: str, actual, expected, rtol: float = 1e-7, atol: float = 1e-10, kind: str = "float"
) -> None:
    """Check that ``actual`` is an array of the expected shape within ``atol + rtol * |expected|``.

    The message names the worst entry, the value expected there and the value found.
    """
    expected = np.asarray(expected)
    check_array(name, actual, expected.shape, kind=kind)
    diff = np.absolute(np.subtract(_as_float(actual), _as_float(expected)))
    allowed = atol + rtol * np.absolute(np.asarray(expected, dtype=np.float64))
    excess = np.subtract(diff, allowed)
    if excess.size == 0:
        return
    worst = int(excess.argmax())
    if bool(np.isnan(diff).any()) or float(excess.flat[worst]) > 0:
        _fail(
            f"{name}: entry {_index(worst, excess.shape)} should be {expected.flat[worst]:.10g}; "
            f"got {actual.flat[worst]:.10g} (largest error {float(diff.flat[worst]):.3g})"
        )


def check_float_close(
    name: str, actual, expected: float, rtol: float = 1e-7, atol: float = 1e-10
) -> None:
    """Check that ``actual`` is a float within ``atol + rtol * |expected|`` of ``expected``."""
    value = check_float(name, actual)
    if not abs(value - float(expected)) <= atol + rtol * abs(float(expected)):
        _fail(f"{name}: expected {expected:.10g}; got {value:.10g}")


def check_equal(name: str, actual, expected, kind: str = "int") -> None:
    """Check exact equality of arrays (labels, counts), naming the first differing entry."""
    expected = np.asarray(expected)
    check_array(name, actual, expected.shape, kind=kind)
    differs = np.asarray(actual) != expected
    if differs.any():
        i, where, count = _first_entry(differs)
        _fail(
            f"{name}: entry {where} should be {expected.flat[i]}; got {actual.flat[i]} "
            f"({count} of {expected.size} entries differ)"
        )


def check_columns_sum_to_one(name: str, A, atol: float = 1e-9) -> None:
    """Check that every column of a 2-D probability array sums to 1."""
    check_array(name, A)
    sums = np.add.reduce(A, axis=0)
    bad = np.flatnonzero(np.absolute(np.subtract(sums, 1.0)) > atol)
    if bad.size:
        _fail(f"{name}: columns must sum to 1; column {int(bad[0])} sums to {sums[bad[0]]:.6g}")


def check_raises_value_error(name: str, call: Callable[[], object], argument: str) -> None:
    """Check that ``call()`` raises ValueError and that its message names ``argument``."""
    try:
        call()
    except ValueError as error:
        if argument not in str(error):
            _fail(
                f"{name}: the ValueError should name the argument '{argument}'; "
                f"its message was: {error}"
            )
        return
    except Exception as error:  # noqa: BLE001 - any other exception is the wrong answer
        kind = type(error).__name__
        _fail(f"{name}: expected a ValueError naming '{argument}'; got {kind}: {error}")
    _fail(f"{name}: expected a ValueError naming '{argument}'; nothing was raised")


def numeric_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-6
) -> np.ndarray:
    """Centred differences ``(f(x + h e_i) - f(x - h e_i)) / (2h)`` for every entry of ``x``.

    ``x`` is perturbed in place and restored; ``f`` returns a float.
    """
    grad = np.array(x, dtype=np.float64) * 0.0
    for i in range(x.size):
        old = x.flat[i]
        x.flat[i] = old + h
        plus = float(f(x))
        x.flat[i] = old - h
        minus = float(f(x))
        x.flat[i] = old
        grad.flat[i] = (plus - minus) / (2 * h)
    return grad


def relative_error(a, b) -> float:
    """``max |a - b| / max(max |a| + max |b|, 1e-12)``, a scale-free distance between arrays."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    diff = float(np.maximum.reduce(np.absolute(np.subtract(a, b)), axis=None)) if a.size else 0.0
    scale = (float(np.maximum.reduce(np.absolute(a), axis=None)) if a.size else 0.0) + (
        float(np.maximum.reduce(np.absolute(b), axis=None)) if b.size else 0.0
    )
    return diff / max(scale, 1e-12)


def check_gradient(name: str, analytic, numeric, tol: float = 1e-6) -> None:
    """Check an analytic gradient against a numeric one: relative error below ``tol``."""
    numeric = np.asarray(numeric)
    check_array(name, analytic, numeric.shape)
    error = relative_error(analytic, numeric)
    if not error < tol:
        _, where = max_abs_difference(analytic, numeric)
        _fail(
            f"{name}: the gradient disagrees with centred differences (relative error "
            f"{error:.2e}, allowed {tol:.0e}); worst at entry {where}: "
            f"numeric {numeric[where]:.8g}, yours {analytic[where]:.8g}"
        )


def fraction_per_bin(samples, edges) -> np.ndarray:
    """The fraction of ``samples`` in each bin ``[edges[i], edges[i+1])`` (last bin closed)."""
    samples = np.asarray(samples, dtype=np.float64).ravel()
    counts, _ = np.histogram(samples, bins=np.asarray(edges, dtype=np.float64))
    return counts / max(samples.size, 1)


def check_fractions(
    name: str, fractions, expected, n: int, sigmas: float = 6.0, labels: Sequence[str] | None = None
) -> None:
    """Check observed bin fractions against expected probabilities.

    Each bin may differ from its probability ``p`` by at most ``sigmas`` binomial standard
    deviations ``sqrt(p (1 - p) / n)``: a right sampler practically never fails (6 sigma is a
    chance of about 2e-9 per bin), while a wrong distribution fails for large ``n``.
    """
    fractions, expected = _as_float(fractions), _as_float(expected)
    for i in range(expected.size):
        p = float(expected[i])
        allowed = sigmas * math.sqrt(max(p * (1 - p), 1e-12) / n)
        if abs(float(fractions[i]) - p) > allowed:
            label = labels[i] if labels is not None else f"bin {i}"
            _fail(
                f"{name}: {label} should hold about {p:.1%} of the samples; it holds "
                f"{float(fractions[i]):.1%} (n = {n})"
            )


def check_tuple(name: str, value, length: int) -> tuple:
    """Check that ``value`` is a tuple (exactly, not a list or a subclass) of ``length`` items."""
    if type(value) is not tuple:
        _fail(f"{name} must return a tuple of {length} items; got {_describe(value)}")
    if len(value) != length:
        _fail(f"{name} must return a tuple of {length} items; got {len(value)} items")
    return value


def check_list(name: str, value, length: int | None = None) -> list:
    """Check that ``value`` is a list (exactly) and, if ``length`` is given, of that length."""
    if type(value) is not list:
        _fail(f"{name} must be a list; got {_describe(value)}")
    if length is not None and len(value) != length:
        _fail(f"{name}: expected a list of {length} items; got {len(value)} items")
    return value


#: While the grader runs a test cell (``course_kit.judge``): one message per call of a student
#: function that changed an argument in place, in order. None in a notebook's own kernel.
CHANGED_IN_PLACE: ContextVar[list[str] | None] = ContextVar("changed_in_place", default=None)


def check_arguments_unchanged(function: str) -> None:
    """Fail if a call of ``function`` in this test changed an argument in place.

    At grading (and in ``course check``) the grader knows which arguments each call changed
    (the value checks judge the test's own, unchanged arrays); in a notebook's own kernel it
    does not, and this check passes: there, compare a copy made before the call.
    """
    for message in CHANGED_IN_PLACE.get() or []:
        if message.startswith(f"{function} changed "):
            _fail(message)


#: A value for :func:`replaced` that removes the name for the ``with`` block.
ABSENT = object()


@contextlib.contextmanager
def replaced(namespace: dict, /, **values):
    """Bind ``values`` in ``namespace`` (a notebook's ``globals()``) for the ``with`` block only.

    A test of one function uses it to give that function the reference version of another graded
    function it may call (``with replaced(globals(), sample_log_uniform=reference_...)``), so a
    mistake in the other function costs that function's points only. A value :data:`ABSENT`
    removes the name for the block. Names that did not exist before are removed again
    afterwards. At grading time the namespace is the grader's, and while the block lasts the
    student's kernel sees each replaced graded function as a call back to the grader's value
    (``course_kit.judge.Judge.substitutes``, which the kernel applies with this same function).
    """
    missing = object()
    saved = {key: namespace.get(key, missing) for key in values}
    for key, value in values.items():
        if value is ABSENT:
            namespace.pop(key, None)
        else:
            namespace[key] = value
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is missing:
                namespace.pop(key, None)
            else:
                namespace[key] = old


def check_between(name: str, values, low, high) -> None:
    """Check that every entry of the array ``values`` lies in the closed interval ``[low, high]``.

    ``low`` and ``high`` may be numbers or arrays that broadcast against ``values`` (per-column
    bounds, for instance); the message names the first entry outside its interval.
    """
    check_array(name, values)
    lows = _as_float(low) + np.multiply(values, 0.0)
    highs = _as_float(high) + np.multiply(values, 0.0)
    outside = (values < lows) | (values > highs)
    if outside.any():
        i, where, count = _first_entry(outside)
        _fail(
            f"{name}: every entry must lie in [{lows.flat[i]:.6g}, {highs.flat[i]:.6g}]; "
            f"entry {where} is {values.flat[i]:.10g} ({count} of {values.size} "
            f"entries are outside)"
        )
