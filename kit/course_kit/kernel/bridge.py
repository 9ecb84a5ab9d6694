"""The kernel's end of the grader's channel: call the student's functions for the grader.

The grader runs ``import course_kit.kernel.bridge as _course_bridge; _course_bridge.serve()`` in the
student's kernel with stdin allowed. :func:`serve` then talks to the grader through
``input()`` (the Jupyter stdin channel), one JSON message per prompt, in the vocabulary of
:mod:`course_kit.wire`:

1. it says ``{"op": "ready"}``; the grader answers with a request:
   ``{"op": "describe", "names": [...]}`` — what each name is in the notebook's namespace, or
   ``{"op": "call", "name": f, "args": [...], "kwargs": {...}, "substitutes": {g: handle}}``
   (a ``None`` handle: the test deleted ``g``, so it is missing for the call);
2. while the student's function runs, a grader callable it was given (an objective, a sampler,
   a substitute for another graded function) is called back with
   ``{"op": "callback", "fn": handle, "args": [...], "kwargs": {...}}``, answered by
   ``{"ok": value}`` or ``{"raised": [type, message]}`` and the generators' new states;
3. it says ``{"op": "done", ...}`` with the result (or the exception), the array arguments the
   function changed, and the final state of every generator it was given.

Nothing here is trusted by the grader: student code runs in this process and can replace any
of it. It only ever hurts its own answers: the grader decides every verdict from the data it
receives. This module is part of the student kit: it holds no answers.
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from course_kit import wire
from course_kit.checks import ABSENT, replaced

_MISSING = object()
#: Largest array sent when a test reads a name of the notebook (not an argument or a result).
MAX_VALUE_BYTES = 8 * 2**20


def _ask(message: dict) -> Any:
    """Send ``message`` to the grader as an input prompt; return its decoded answer."""
    return wire.loads(builtins.input(wire.dumps(message)))


class Callback:
    """Stands in the kernel for a grader callable: each call is answered by the grader."""

    def __init__(self, handle: int):
        self.handle = handle

    def __call__(self, *args, **kwargs):
        encoder = wire.Encoder()
        reply = _ask({
            "op": "callback", "fn": self.handle,
            "args": encoder.encode(list(args)), "kwargs": encoder.encode(kwargs),
        })  # fmt: skip
        for handle, state in reply.get("rngs", []):
            if handle in encoder.rngs:
                wire.set_state(encoder.rngs[handle], wire.Decoder().decode(state))
        if "raised" in reply:
            kind, message = reply["raised"]
            raise wire.EXCEPTIONS.get(kind, RuntimeError)(message)
        return wire.Decoder().decode(reply["ok"])


def _namespace() -> dict:
    from IPython import get_ipython

    return get_ipython().user_ns


def _describe(namespace: dict, name: str) -> dict:
    value = namespace.get(name, _MISSING)
    if value is _MISSING:
        return {"kind": "missing"}
    if type(value).__name__ == "module":
        return {"kind": "module"}
    if callable(value):
        return {"kind": "callable"}
    if type(value) is np.ndarray and value.nbytes > MAX_VALUE_BYTES:
        return {"kind": "value", "value": {"__opaque__": "ndarray (too large to send)"}}
    try:
        data = wire.Encoder().encode(value)
        wire.dumps(data)
    except (wire.WireError, RecursionError):
        data = {"__opaque__": type(value).__name__}
    return {"kind": "value", "value": data}


def _arrays(args: list, kwargs: dict) -> list[tuple[list, np.ndarray]]:
    """The array arguments (and arrays one level inside tuple/list arguments), with paths."""
    found = []
    for key, value in [*((["a", i], v) for i, v in enumerate(args)),
                       *((["k", k], v) for k, v in kwargs.items())]:
        if type(value) is np.ndarray:
            found.append((key, value))
        elif type(value) in (tuple, list):
            found += [([*key, j], v) for j, v in enumerate(value) if type(v) is np.ndarray]
    return found


def _call(namespace: dict, request: dict) -> dict:
    decoder = wire.Decoder(make_callable=Callback)
    args = decoder.decode(request["args"])
    kwargs = decoder.decode(request["kwargs"])
    before = [(path, array, array.copy()) for path, array in _arrays(args, kwargs)]
    substitutes = {name: ABSENT if handle is None else Callback(handle)  # None: test deleted it
                   for name, handle in request.get("substitutes", {}).items()}
    try:
        with replaced(namespace, **substitutes):
            function = namespace.get(request["name"], _MISSING)
            if function is _MISSING:
                raise NameError(f"name '{request['name']}' is not defined")
            outcome = {"ok": wire.Encoder().encode(function(*args, **kwargs))}
    except KeyboardInterrupt:
        outcome = {"raised": ["KeyboardInterrupt", "interrupted by the grader"]}
    except BaseException as error:  # noqa: BLE001 - every failure is the student's result
        outcome = {"raised": [type(error).__name__, str(error)[:4000]]}
    changed = [[path, wire.Encoder().encode(array)] for path, array, copy in before
               if array.shape != copy.shape or not np.array_equal(array, copy, equal_nan=True)]
    states = [[h, wire.Encoder().encode(r.bit_generator.state)] for h, r in decoder.rngs.items()]
    return {"op": "done", "result": outcome, "changed": changed, "rngs": states}


def serve() -> None:
    """Answer one request of the grader (see the module docstring)."""
    namespace = _namespace()
    request = _ask({"op": "ready"})
    if request.get("op") == "describe":
        names = request.get("names", [])
        _ask({"op": "done", "names": {n: _describe(namespace, n) for n in names}})
        return
    try:
        done = _call(namespace, request)
        wire.dumps(done)
    except (wire.WireError, RecursionError) as error:
        done = {"op": "done", "result": {"raised": ["WireError", str(error)]}, "changed": [],
                "rngs": []}
    _ask(done)
