"""The data-only encoding between the grader and a student's kernel.

Everything that crosses between a test (in the grader's process) and the student's functions (in
the sandboxed kernel) is JSON text built from this small vocabulary, and nothing else:

============================  =============================================================
value                         JSON
============================  =============================================================
None, bool, int, str          themselves
float                         itself; ``{"__float__": "nan" | "inf" | "-inf"}`` when not finite
list                          a JSON list
tuple, dict                   ``{"__tuple__": [...]}``, ``{"__dict__": [[key, value], ...]}``
numpy.ndarray                 ``{"__nd__": [dtype, shape, base64 bytes]}`` (bool, int, uint, float
                              and complex dtypes only)
NumPy scalar                  ``{"__np__": [dtype, base64 bytes]}``
numpy.random.Generator        ``{"__rng__": [handle, bit generator name, state]}``
a grader callable             ``{"__fn__": handle}`` (the kernel calls back; see ``bridge``)
anything else                 ``{"__opaque__": type name}``
============================  =============================================================

Decoding never runs code: no pickle, no eval, no import by name. Types are rebuilt only from the
table above; a generator is rebuilt from NumPy's own bit generators by name, from a state laid
out exactly like that bit generator's own (NumPy trusts a state's fields: an MT19937 position
past its key reads outside it and crashes the process); anything malformed, too deep, too large
or holding too many values raises :class:`WireError`, and nothing else. An object the kernel
could not encode arrives as a :class:`Foreign` instance that names its type and fails every
check.

This module is part of the student kit: it holds no answers.
"""

from __future__ import annotations

import base64
import builtins
import functools
import json
import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np

#: Most characters of one message, either way (arrays of a few million floats).
MAX_MESSAGE = 64 * 2**20
#: Deepest nesting of lists, tuples and dicts.
MAX_DEPTH = 32
#: Most JSON values in one message (bounded by its count of ``[``, ``{`` and ``,``): every value
#: is a Python object once parsed, and a million of them is already ~100 MB.
MAX_VALUES = 1_000_000
#: Most generators rebuilt from one message.
MAX_GENERATORS = 100
BIT_GENERATORS = ("PCG64", "PCG64DXSM", "Philox", "SFC64", "MT19937")
#: The builtin exceptions that cross the channel as themselves ("raised ValueError: message"),
#: either way: a student's function raising in the kernel, a grader's callback raising in the
#: grader. Any other kind arrives as a generic error. AssertionError is not among them: a student's
#: error must never read as a check's verdict.
EXCEPTIONS = {
    name: getattr(builtins, name)
    for name in ("ValueError", "TypeError", "IndexError", "KeyError", "ZeroDivisionError",
                 "ArithmeticError", "RuntimeError", "NotImplementedError", "AttributeError",
                 "NameError", "OverflowError", "FloatingPointError", "LookupError",
                 "StopIteration", "MemoryError", "RecursionError", "TimeoutError")
}  # fmt: skip
#: The positions a bit generator's state indexes its buffer with, and their largest value.
_POSITIONS = {"MT19937": (("state", "pos"), 624), "Philox": (("buffer_pos",), 4)}
_DTYPE = re.compile(r"^[<>|=]?[biufc]\d{1,2}$")
_TYPE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]{0,79}$")


class WireError(ValueError):
    """A message that is not in the vocabulary above (malformed, too deep or too large)."""


class Foreign:
    """A value the other side could not send as data; only its type name came across."""

    type_name = "object"

    def __repr__(self) -> str:
        return f"<{self.type_name} object (not data)>"


def foreign(type_name: str) -> Foreign:
    """An instance of a class named like the student's type, so messages say 'a Matrix'."""
    name = type_name if type(type_name) is str and _TYPE_NAME.match(type_name) else "object"
    return _foreign_class(name)()


@functools.lru_cache(maxsize=256)
def _foreign_class(name: str) -> type[Foreign]:
    """One class per type name (a million opaque values make a million instances, not classes)."""
    return type(name.rsplit(".", 1)[-1], (Foreign,), {"type_name": name})


class Encoder:
    """Turns values into JSON-ready data; remembers the generators and callables it met.

    ``callable_handle`` gives a handle for a callable (the grader registers callbacks); without
    it a callable is opaque. ``rngs`` maps each handle to the generator sent under it, so that
    the caller can read the state the other side reports back. ``chars`` counts the characters
    the arrays and strings met will take: past :data:`MAX_MESSAGE` the encoder raises WireError
    before it copies or encodes anything more (an array's text is estimated from its bytes).
    """

    def __init__(self, callable_handle: Callable[[Callable], int] | None = None):
        self.callable_handle = callable_handle
        self.rngs: dict[int, np.random.Generator] = {}
        self.chars = 0

    def _count(self, chars: int) -> None:
        self.chars += chars
        if self.chars > MAX_MESSAGE:
            raise WireError(f"a message of more than {self.chars:,} characters (the limit is "
                            f"{MAX_MESSAGE:,})")

    def encode(self, value: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise WireError(f"values nested deeper than {MAX_DEPTH} levels")
        kind = type(value)
        if kind is str:
            self._count(len(value))
        if value is None or kind in (bool, int, str):
            return value
        if kind is float:
            return value if math.isfinite(value) else {"__float__": repr(value)}
        if kind is list:
            return [self.encode(v, depth + 1) for v in value]
        if kind is tuple:
            return {"__tuple__": [self.encode(v, depth + 1) for v in value]}
        if kind is dict:
            return {"__dict__": [[self.encode(k, depth + 1), self.encode(v, depth + 1)]
                                 for k, v in value.items()]}
        if kind is np.ndarray and _DTYPE.match(value.dtype.str):
            self._count(4 * -(-value.nbytes // 3))
            data = np.ascontiguousarray(value).reshape(-1).view(np.uint8)
            return {"__nd__": [value.dtype.str, list(value.shape), _b64(data)]}
        if isinstance(value, np.generic) and kind.__module__ == "numpy" and _DTYPE.match(
            value.dtype.str
        ):
            return {"__np__": [value.dtype.str, _b64(value.tobytes())]}
        if kind is np.random.Generator:
            bit = value.bit_generator
            name = type(bit).__name__
            if name in BIT_GENERATORS:
                handle = id(value)
                self.rngs[handle] = value
                return {"__rng__": [handle, name, self.encode(bit.state, depth + 1)]}
        if callable(value) and self.callable_handle is not None:
            return {"__fn__": self.callable_handle(value)}
        return {"__opaque__": f"{kind.__module__}.{kind.__qualname__}".removeprefix("builtins.")}


class Decoder:
    """Rebuilds values from JSON data; ``make_callable(handle)`` rebuilds a ``__fn__``.

    ``rngs`` maps each generator handle to the generator rebuilt for it, so that the caller can
    report its final state back.
    """

    def __init__(self, make_callable: Callable[[int], Callable] | None = None):
        self.make_callable = make_callable
        self.rngs: dict[int, np.random.Generator] = {}

    def decode(self, data: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise WireError(f"values nested deeper than {MAX_DEPTH} levels")
        kind = type(data)
        if data is None or kind in (bool, int, float, str):
            return data
        if kind is list:
            return [self.decode(v, depth + 1) for v in data]
        if kind is not dict or len(data) != 1:
            raise WireError("not a value of the channel's vocabulary")
        (tag, body), = data.items()
        if tag == "__float__" and body in ("nan", "inf", "-inf"):
            return float(body)
        if tag == "__tuple__" and type(body) is list:
            return tuple(self.decode(v, depth + 1) for v in body)
        if tag == "__dict__" and type(body) is list:
            pairs = [self._pair(p, depth) for p in body]
            try:
                return dict(pairs)
            except TypeError:  # a tuple key holding a list
                raise WireError("dict keys must be hashable") from None
        if tag == "__nd__":
            return _array(body)
        if tag == "__np__":
            dtype, raw = _fields(body, 2)
            return _array([dtype, [], raw])[()]
        if tag == "__rng__":
            handle, name, state = _fields(body, 3)
            return self._generator(handle, name, state, depth)
        if tag == "__fn__" and type(body) is int and self.make_callable is not None:
            return self.make_callable(body)
        if tag == "__opaque__" and type(body) is str:
            return foreign(body)
        raise WireError(f"unknown or malformed tag {str(tag)[:40]!r}")

    def _pair(self, pair: Any, depth: int) -> tuple:
        if type(pair) is not list or len(pair) != 2:
            raise WireError("a dict entry must be a [key, value] pair")
        key = self.decode(pair[0], depth + 1)
        if type(key) not in (str, int, float, bool, tuple) and key is not None:
            raise WireError("dict keys must be numbers, strings or tuples")
        return key, self.decode(pair[1], depth + 1)

    def _generator(self, handle: Any, name: Any, state: Any, depth: int) -> np.random.Generator:
        if type(handle) is not int or name not in BIT_GENERATORS:
            raise WireError("a generator must name one of NumPy's bit generators")
        if handle in self.rngs:
            return self.rngs[handle]
        if len(self.rngs) >= MAX_GENERATORS:
            raise WireError(f"more than {MAX_GENERATORS} generators in one message")
        rng = np.random.Generator(getattr(np.random, name)())
        set_state(rng, self.decode(state, depth + 1))
        self.rngs[handle] = rng
        return rng


def set_state(rng: np.random.Generator, state: Any) -> None:
    """Give ``rng`` a state received over the channel.

    The state must have the layout of a fresh generator of the same kind (the same keys, ints
    in ``[0, 2**128)`` where it has ints, arrays of the same shape and dtype) and positions
    within the buffer they index; otherwise, or if NumPy rejects it, WireError.
    """
    name = type(rng.bit_generator).__name__
    path, largest = _POSITIONS.get(name, ((), 0))
    position = functools.reduce(lambda d, k: d.get(k) if type(d) is dict else None, path, state)
    if not _same_layout(state, type(rng.bit_generator)().state) or (
        path and not 0 <= position <= largest
    ):
        raise WireError(f"not a valid {name} generator state")
    try:
        rng.bit_generator.state = state
    except (TypeError, ValueError, KeyError, OverflowError) as error:
        raise WireError(f"not a valid generator state ({error})") from None


def _same_layout(value: Any, template: Any) -> bool:
    """Whether ``value`` is laid out like ``template``, a state NumPy made itself."""
    if type(template) is dict:
        return (type(value) is dict and value.keys() == template.keys()
                and all(_same_layout(value[k], template[k]) for k in template))
    if type(template) is np.ndarray:
        return (type(value) is np.ndarray and value.shape == template.shape
                and value.dtype == template.dtype)
    if type(template) is int:
        return type(value) is int and 0 <= value < 2**128
    return type(value) is type(template) and value == template


def too_many_values(text: str | bytes) -> bool:
    """Whether JSON ``text`` may hold more than :data:`MAX_VALUES` values (a cheap upper bound:
    its ``[``, ``{`` and ``,`` characters, counted without parsing)."""
    marks = ("[", "{", ",") if type(text) is str else (b"[", b"{", b",")
    return sum(text.count(mark) for mark in marks) > MAX_VALUES


def dumps(data: Any) -> str:
    """JSON text of encoded data (WireError past :data:`MAX_MESSAGE` characters)."""
    text = json.dumps(data, allow_nan=False, separators=(",", ":"))
    if len(text) > MAX_MESSAGE:
        raise WireError(f"a message of {len(text):,} characters (the limit is {MAX_MESSAGE:,})")
    return text


def loads(text: Any) -> Any:
    """Parse JSON text received over the channel (WireError if it is not JSON or too large)."""
    if type(text) is not str:
        raise WireError("a message must be text")
    if len(text) > MAX_MESSAGE:
        raise WireError(f"a message of {len(text):,} characters (the limit is {MAX_MESSAGE:,})")
    if too_many_values(text):
        raise WireError(f"a message of more than {MAX_VALUES:,} values")
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as error:
        raise WireError(f"not JSON ({str(error)[:80]})") from None


def _reject_constant(name: str) -> None:
    raise WireError(f"JSON constant {name} is not allowed")


def _fields(body: Any, n: int) -> list:
    if type(body) is not list or len(body) != n:
        raise WireError(f"expected a list of {n} fields")
    return body


def _b64(data: bytes | np.ndarray) -> str:
    return base64.b64encode(data).decode("ascii")


def _array(body: Any) -> np.ndarray:
    dtype, shape, raw = _fields(body, 3)
    if type(dtype) is not str or not _DTYPE.match(dtype):
        raise WireError("arrays must have a bool, int, uint, float or complex dtype")
    if type(shape) is not list or len(shape) > 32 or any(
        type(n) is not int or n < 0 for n in shape
    ):
        raise WireError("an array shape must be a list of non-negative ints")
    if type(raw) is not str:
        raise WireError("array data must be base64 text")
    try:
        dt = np.dtype(dtype)
        data = base64.b64decode(raw, validate=True)
    except (TypeError, ValueError) as error:
        raise WireError(f"bad array data ({error})") from None
    if len(data) != dt.itemsize * math.prod(shape):
        raise WireError("array data does not match its shape and dtype")
    try:
        return np.frombuffer(data, dtype=dt).reshape(shape).copy()
    except ValueError as error:  # an empty array with absurd other dimensions
        raise WireError(f"bad array shape ({error})") from None
