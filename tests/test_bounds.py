"""The grader's own bounds while it judges: memory per test, the deadline inside a callback, and
an answer too large to send refused before it is encoded (no kernel: the callback path alone)."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from course_kit import wire
from course_kit.bounds import Overrun, data_bytes, memory_budget, raise_at
from course_kit.judge import KernelLink, _run_callback

NO_KWARGS = {"__dict__": []}


def callback(function, *args) -> dict:
    """The message a kernel sends to call ``function`` back with ``args``."""
    return {"fn": 1, "args": wire.Encoder().encode(list(args)), "kwargs": NO_KWARGS}


def test_an_allocation_past_the_budget_is_a_memory_error_and_the_budget_ends_with_the_block():
    with memory_budget(64 * 2**20):
        small = np.full(1_000_000, 0.01)  # 8 MB: within
        with pytest.raises(MemoryError):
            np.full(30_000_000, 0.01)  # 240 MB: past it, refused before it is mapped
    assert small.sum() > 0
    assert np.full(30_000_000, 0.01).nbytes == 240_000_000  # the limit is gone again
    assert data_bytes() > 0


def test_a_callback_asking_for_too_much_memory_answers_the_kernel_with_a_memory_error():
    """The item-5 stand-in: ``np.full(size, 0.01)`` for a size the student chose."""
    def stand_in(low, high, size, rng):
        return np.full(size, 0.01)

    with memory_budget(64 * 2**20):
        reply = _run_callback({1: stand_in}, callback(stand_in, 0.001, 0.1, 60_000_000, None),
                              time.monotonic() + 10)
    assert reply["raised"][0] == "MemoryError", reply
    assert "ok" not in reply


def test_an_answer_too_large_to_send_is_refused_before_it_is_encoded(monkeypatch):
    encoded = []
    monkeypatch.setattr(wire, "_b64", lambda data: encoded.append(len(data)) or "")
    reply = _run_callback({1: np.zeros}, callback(np.zeros, 10_000_000), time.monotonic() + 10)
    assert reply["raised"][0] == "MemoryError" and "the limit is 67,108,864" in reply["raised"][1]
    assert encoded == []  # 80 MB of floats is 107 M characters of base64: never built
    assert wire.dumps(reply)  # and the error itself is sent


def test_a_callback_still_running_at_the_deadline_is_stopped_and_answers_a_timeout():
    reached = []

    def count(n):
        for i in range(n):
            reached.append(i) if i % 1_000_000 == 0 else None
        return n

    reply = _run_callback({1: count}, callback(count, 10**10), time.monotonic() + 0.5)
    assert reply["raised"][0] == "TimeoutError", reply
    assert len(reached) < 10**4  # stopped long before the end


MALFORMED_CALLBACKS = {
    "an unknown handle": {"fn": 2, "args": [], "kwargs": NO_KWARGS},
    "a handle that is a bool": {"fn": True, "args": [], "kwargs": NO_KWARGS},
    "a handle that is a list": {"fn": [1], "args": [], "kwargs": NO_KWARGS},
    "no arguments at all": {"fn": 1},
    "arguments that are a tuple": {"fn": 1, "args": {"__tuple__": []}, "kwargs": NO_KWARGS},
    "keyword names that are numbers": {"fn": 1, "args": [], "kwargs": {"__dict__": [[1, 2]]}},
    "arguments nested 40 levels deep": {"fn": 1, "args": json.loads("[" * 40 + "]" * 40),
                                        "kwargs": NO_KWARGS},
}


@pytest.mark.parametrize("message", MALFORMED_CALLBACKS.values(), ids=MALFORMED_CALLBACKS.keys())
def test_a_malformed_callback_calls_nothing_and_the_kernel_gets_an_error(message):
    called = []
    reply = _run_callback({1: lambda *args, **kwargs: called.append(args)}, message,
                          time.monotonic() + 10)
    assert called == [] and reply["raised"][0] == "WireError", reply
    assert wire.dumps(reply)  # the kernel, waiting, is answered


def test_raise_at_leaves_nothing_behind_once_its_block_has_ended():
    with raise_at(time.monotonic() + 0.05):
        pass
    time.sleep(0.2)  # the timer was cancelled: no Overrun surfaces here later
    with pytest.raises(Overrun), raise_at(time.monotonic()):
        while True:
            pass


def test_a_reply_that_runs_out_of_memory_still_answers_the_kernel():
    """The kernel waits for every callback's reply: one that cannot be built is an error."""

    def answer(prompt: dict, deadline: float) -> dict:
        raise MemoryError

    message = {"content": {"prompt": wire.dumps({"op": "callback", "handle": 1})}}
    reply, done, complaint = KernelLink._answer(None, message, "", answer, 0.0)
    assert wire.loads(reply)["raised"][0] == "MemoryError" and done is None and complaint is None
