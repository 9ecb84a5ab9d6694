"""Outcomes of a call and when two are the same: shared by the grader's diagnostics and by the
student kit's ``course check`` (which compares a student's results with the table of catalogued
mistakes' outcomes on the visible tests' inputs). Holds no answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from course_kit import wire

#: Tolerances of :func:`same`: ``|a - b| <= ATOL + RTOL * max(|a|, |b|)`` entry by entry. Far
#: above rounding (a correct answer computed another way stays within them) and about as tight
#: as the hidden tests, so that a mistake they see is seen here too.
RTOL, ATOL = 1e-9, 1e-12


@dataclass(frozen=True)
class Raised:
    """What a call raised instead of returning: the exception's type name and message."""

    type_name: str
    message: str = ""


def same(a: Any, b: Any, rtol: float = RTOL, atol: float = ATOL) -> bool:
    """Whether two outcomes are the same: structure, types and values (within tolerance).

    Arrays must agree in shape and kind of dtype (bool, integer, float, complex) and in every
    entry (NaN equals NaN, infinities equal themselves); tuples and lists are told apart and
    compared entry by entry; numbers (int or float, Python or NumPy) compare by value; two
    :class:`Raised` are the same when their exception types are; Generators by their state.
    Anything else must have one type and compare equal. Never raises.
    """
    try:
        return _same(a, b, rtol, atol)
    except Exception:
        return False


_KINDS = {"b": "bool", "i": "int", "u": "int", "f": "float", "c": "complex"}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


def _same(a: Any, b: Any, rtol: float, atol: float) -> bool:
    if isinstance(a, Raised) or isinstance(b, Raised):
        return isinstance(a, Raised) and isinstance(b, Raised) and a.type_name == b.type_name
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and _same_array(a, b, rtol, atol)
        )
    if isinstance(a, np.random.Generator) or isinstance(b, np.random.Generator):
        return (
            isinstance(a, np.random.Generator)
            and isinstance(b, np.random.Generator)
            and _same(a.bit_generator.state, b.bit_generator.state, 0.0, 0.0)
        )
    if isinstance(a, tuple | list) or isinstance(b, tuple | list):
        return (
            isinstance(a, tuple) == isinstance(b, tuple)
            and isinstance(a, list) == isinstance(b, list)
            and len(a) == len(b)
            and all(_same(x, y, rtol, atol) for x, y in zip(a, b, strict=True))
        )
    if isinstance(a, dict) or isinstance(b, dict):
        return (
            isinstance(a, dict)
            and isinstance(b, dict)
            and a.keys() == b.keys()
            and all(_same(a[key], b[key], rtol, atol) for key in a)
        )
    if _is_number(a) or _is_number(b):
        return (
            _is_number(a)
            and _is_number(b)
            and _same_array(np.array(a, dtype=float), np.array(b, dtype=float), rtol, atol)
        )
    return type(a) is type(b) and bool(a == b)


def _same_array(a: np.ndarray, b: np.ndarray, rtol: float, atol: float) -> bool:
    kind_a, kind_b = _KINDS.get(a.dtype.kind), _KINDS.get(b.dtype.kind)
    if a.shape != b.shape or kind_a != kind_b:
        return False
    if kind_a is None:  # object or text arrays: entry by entry
        return all(_same(x, y, rtol, atol) for x, y in zip(a.ravel(), b.ravel(), strict=True))
    if kind_a == "bool":
        return bool(np.array_equal(a, b))
    dtype = complex if kind_a == "complex" else float
    a, b = a.astype(dtype), b.astype(dtype)
    with np.errstate(all="ignore"):  # inf - inf is nan, and not close: equal decides
        equal = (a == b) | (np.isnan(a) & np.isnan(b))
        close = np.abs(a - b) <= atol + rtol * np.maximum(np.abs(a), np.abs(b))
    return bool(np.all(equal | close))


def encode_outcome(name: str, raised: tuple[str, str] | None, result: Any) -> list:
    """A call's outcome as data: ``[name, "raised", type]`` or ``[name, "ok", wire data]``."""
    if raised:
        return [name, "raised", raised[0]]
    return [name, "ok", wire.Encoder().encode(result)]


def decode_outcome(entry: list) -> tuple[str, Any]:
    """The function's name and the outcome (a :class:`Raised`, or the value) of an encoded call."""
    name, kind, value = entry
    return name, Raised(value) if kind == "raised" else wire.Decoder().decode(value)


def same_calls(encoded: list, outcomes: list, rtol: float = RTOL, atol: float = ATOL) -> bool:
    """Whether encoded calls (:func:`encode_outcome`) had the ``(name, outcome)`` ``outcomes``."""
    decoded = [decode_outcome(entry) for entry in encoded]
    return len(decoded) == len(outcomes) and all(
        name == theirs and same(value, mine, rtol, atol)
        for (name, value), (theirs, mine) in zip(decoded, outcomes, strict=True)
    )
