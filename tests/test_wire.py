"""The channel under attack: what a hostile kernel can send instead of what the bridge sends.

No kernel runs here. Each test hands the grader's side of the channel (``wire`` decoding, a
:class:`~course_kit.judge.Proxy` reading a ``done`` message, callbacks, the kernel clients'
message reader, the output caps) a message crafted as a student's kernel could craft it, and
checks that the grader reads data and nothing else: malformed input is refused with one
error type, nothing crashes the grader's process, and no message reaches a value the test
computed itself or a grader function the test did not pass.
"""

from __future__ import annotations

import base64
import json

import nbformat
import numpy as np
import pytest
import zmq

from course_kit import wire
from course_kit.judge import (
    DROPPED,
    MAX_FRAME,
    Judge,
    LimitedAsyncClient,
    LimitedBlockingClient,
    limited_unpack,
)
from grader.execution import ResilientExecute, answer_functions


def b64(array: np.ndarray) -> str:
    return base64.b64encode(array.tobytes()).decode()


def nd(array) -> dict:
    array = np.asarray(array, dtype=float)
    return {"__nd__": ["<f8", list(array.shape), b64(array)]}


def mt19937_state(pos: int) -> dict:
    state = np.random.MT19937(1).state
    state["state"]["pos"] = pos
    return state


def encoded(value) -> object:
    """``value`` as the kernel would put it on the wire (through JSON, as it travels)."""
    return json.loads(wire.dumps(wire.Encoder().encode(value)))


CRAFTED = {
    "object dtype": {"__nd__": ["|O", [1], "AAAAAAAAAAA="]},
    "datetime dtype": {"__nd__": ["<M8[s]", [1], "AAAAAAAAAAA="]},
    "a shape of 2**124 empty entries": {"__nd__": ["<f8", [0, 2**62, 2**62], ""]},
    "data shorter than its shape": {"__nd__": ["<f8", [3], b64(np.zeros(2))]},
    "a negative dimension": {"__nd__": ["<f8", [-1], ""]},
    "a bool as a dimension": {"__nd__": ["<f8", [True], b64(np.zeros(1))]},
    "data that is not base64": {"__nd__": ["<f8", [1], "!!!!!!!!!!!!"]},
    "a scalar without data": {"__np__": ["<f8"]},
    "a tuple that is not a list": {"__tuple__": "abc"},
    "a list as a dict key": {"__dict__": [[[1], 2]]},
    "a tuple holding a list as a dict key": {"__dict__": [[{"__tuple__": [[1]]}, 2]]},
    "a dict entry of three items": {"__dict__": [[1, 2, 3]]},
    "two tags in one object": {"__tuple__": [], "__dict__": []},
    "an unknown tag": {"__import__": "os"},
    "a grader callable from the kernel": {"__fn__": 1},
    "a float that is not nan or inf": {"__float__": "1e400"},
    "a type name that is not a string": {"__opaque__": 5},
    "a generator of a class NumPy does not have": {"__rng__": [1, "os.system", {}]},
    "a generator handle that is not an int": {"__rng__": ["1", "PCG64", {}]},
    "an MT19937 state that reads past its key": {"__rng__": [1, "MT19937",
                                                             encoded(mt19937_state(100_000))]},
    "values nested 40 levels deep": json.loads("[" * 40 + "]" * 40),
}


@pytest.mark.parametrize("data", CRAFTED.values(), ids=CRAFTED.keys())
def test_crafted_values_are_refused_with_a_wire_error_and_nothing_else(data):
    with pytest.raises(wire.WireError):
        wire.Decoder().decode(data)


@pytest.mark.parametrize("name", wire.BIT_GENERATORS)
def test_every_generator_travels_by_state_and_draws_the_same_numbers(name):
    rng = np.random.Generator(getattr(np.random, name)(11))
    rng.random(3)
    twin = wire.Decoder().decode(encoded(rng))
    assert type(twin.bit_generator).__name__ == name
    assert twin.random(5).tolist() == rng.random(5).tolist()


def _edited(state: dict, path: tuple, value) -> dict:
    inner = state
    for key in path[:-1]:
        inner = inner[key]
    inner[path[-1]] = value
    return state


BAD_STATES = [
    ("MT19937", ("state", "pos"), 625),
    ("MT19937", ("state", "pos"), 100_000),
    ("MT19937", ("state", "pos"), -5),
    ("MT19937", ("state", "key"), np.zeros(10, dtype=np.uint32)),
    ("MT19937", ("state", "key"), np.zeros(624, dtype=np.int64)),
    ("Philox", ("buffer_pos",), 5),
    ("PCG64", ("state", "state"), -1),
    ("PCG64", ("state", "inc"), 2**130),
    ("PCG64", ("has_uint32",), 1.5),
    ("PCG64", ("extra",), 1),
    ("SFC64", ("state", "state"), np.zeros(1, dtype=np.uint64)),
    ("PCG64", ("bit_generator",), "MT19937"),
]


@pytest.mark.parametrize(("name", "path", "value"), BAD_STATES,
                         ids=[f"{n}-{'.'.join(p)}" for n, p, _ in BAD_STATES])
def test_a_generator_state_must_be_laid_out_like_numpys_own(name, path, value):
    """An MT19937 position past its key makes NumPy read outside it (a segfault of the grader
    when the test draws); every field is checked before NumPy sees the state."""
    rng = np.random.Generator(getattr(np.random, name)(3))
    before = rng.bit_generator.state
    with pytest.raises(wire.WireError):
        wire.set_state(rng, _edited(rng.bit_generator.state, path, value))
    assert str(rng.bit_generator.state) == str(before)


def test_loads_refuses_text_that_is_not_small_json_before_parsing_it(monkeypatch):
    for text in (b"[1]", None, "[NaN]", "[1, oops", "{" * 100_000):
        with pytest.raises(wire.WireError):
            wire.loads(text)

    def no_parsing(*args, **kwargs):
        raise AssertionError("parsed a message it should have refused")

    monkeypatch.setattr(wire.json, "loads", no_parsing)
    many = "[" + "[]," * wire.MAX_VALUES + "[]]"  # 3 MB of text, a million lists once parsed
    with pytest.raises(wire.WireError, match="values"):
        wire.loads(many)
    monkeypatch.setattr(wire, "MAX_MESSAGE", 100)
    with pytest.raises(wire.WireError, match="characters"):
        wire.loads(json.dumps("x" * 200))


def test_a_million_opaque_values_make_one_class():
    values = wire.Decoder().decode([{"__opaque__": "Matrix"}] * 1000 + [{"__opaque__": "<b>x"}])
    assert len({type(v) for v in values[:-1]}) == 1
    assert repr(values[0]) == "<Matrix object (not data)>"
    assert type(values[-1]).type_name == "object"  # markup is not a type name


def test_more_generators_than_a_test_passes_are_refused():
    state = encoded(np.random.PCG64(0).state)
    many = [{"__rng__": [i, "PCG64", state]} for i in range(wire.MAX_GENERATORS + 1)]
    with pytest.raises(wire.WireError, match="generators"):
        wire.Decoder().decode(many)


class FakeLink:
    """Stands for the kernel: answers every exchange with a crafted message.

    ``done`` maps a function name to the ``done`` message its call gets, or to a function of
    the request that makes it; ``callbacks`` are the callback messages the 'kernel' sends first
    (their replies are kept in ``replies``).
    """

    def __init__(self, done: dict, callbacks: list[dict] | None = None):
        self.done, self.callbacks = done, callbacks or []
        self.requests: list[dict] = []
        self.replies: list[dict] = []

    def exchange(self, request, answer, deadline):
        self.requests.append(request)
        if request["op"] == "describe":
            return {"op": "done", "names": {n: {"kind": "callable"} for n in request["names"]}}
        self.replies += [json.loads(wire.dumps(answer(m, deadline))) for m in self.callbacks]
        done = self.done[request["name"]]
        return done(request) if callable(done) else done


def judged(code: str, done: dict, callbacks: list[dict] | None = None, functions=("softmax",)):
    judge = Judge(functions, cell_timeout=5)
    judge.link = FakeLink(done, callbacks)
    judge.run_setup("import numpy as np\nfrom course_kit.checks import check_close")
    return judge, judge.run_test(code, "<test>")


def test_only_a_graded_function_read_as_a_value_is_looked_up_in_the_kernel():
    """A call finds its function in the kernel itself: a test that only calls ``softmax``
    sends the call alone; one that reads it as a value (``f = softmax``) asks about it first."""
    done = {"softmax": {"op": "done", "result": {"ok": 1.0}}}
    judge, outcome = judged("assert softmax(np.zeros((2, 1))) == 1.0", done)
    assert outcome.passed, outcome.message
    assert [r["op"] for r in judge.link.requests] == ["call"]
    judge, outcome = judged("f = softmax\nassert f(np.zeros((2, 1))) == 1.0", done)
    assert outcome.passed, outcome.message
    assert [(r["op"], r.get("names")) for r in judge.link.requests] == [
        ("describe", ["softmax"]), ("call", None)]


def test_a_forged_result_is_data_and_the_verdict_is_the_graders():
    forged = {"softmax": {"op": "done", "result": {"ok": nd([[0.5], [0.5]])}}}
    judge, outcome = judged("A = softmax(np.zeros((2, 1)))\n"
                            "check_close('softmax', A, [[0.9], [0.5]])", forged)
    assert not outcome.passed and "should be 0.9; got 0.5" in outcome.message
    assert type(judge.namespace["A"]) is np.ndarray


@pytest.mark.parametrize(("done", "says"), [
    ({"op": "done"}, "cannot read"),
    ({"op": "done", "result": "ok"}, "cannot read"),
    ({"op": "done", "result": {"ok": {"__nd__": ["|O", [1], ""]}}}, "cannot read"),
    ({"op": "done", "result": {"raised": ["ValueError"]}}, "cannot read"),
    ({"op": "done", "result": {"ok": 1}, "changed": "all"}, "cannot read"),
    ({"op": "done", "result": {"ok": 1}, "rngs": [[[1], {}]]}, "cannot read"),
    ({"op": "done", "result": {"raised": ["SystemExit", "bye"]}}, "StudentError: SystemExit"),
    ({"op": "done", "result": {"raised": ["KeyboardInterrupt", ""]}}, "did not return"),
    ({"op": "done", "result": {"raised": ["ValueError", "x" * 10**6]}}, "ValueError: xxx"),
])  # fmt: skip
def test_a_crafted_done_message_fails_that_test_only(done, says):
    judge, outcome = judged("softmax(np.zeros((2, 1)))", {"softmax": done})
    assert not outcome.passed and says in outcome.message
    assert len(outcome.message) < 3000
    again = judge.run_test("assert np.ones(2).sum() == 2", "<next>")
    assert again.passed, again.message


def test_a_crafted_write_back_never_reaches_a_value_the_test_keeps():
    """The kernel names what it changed; it can only name the call's own arguments, and nothing
    is written into the grader's arrays: the change is recorded for the test's own check."""
    five = nd(np.full((2, 2), 5.0))
    changed = [[["a", 0], five], [["a", 1, 0], five], [["k", "expected"], five],
               [["g", "expected"], five], [["a", 9], five], [["a", 2], five]]
    done = {"softmax": {"op": "done", "result": {"ok": 1.0}, "changed": changed}}
    judge, outcome = judged("""
expected = np.ones((2, 2))
Z, Y = np.zeros((2, 2)), np.zeros((2, 2))
frozen = np.broadcast_to(np.zeros(2), (2, 2))
softmax(Z, (Y, expected), frozen)
""", done)
    assert outcome.passed, outcome.message
    assert len(outcome.changed) == 1 and "softmax changed argument 1 in place" in outcome.changed[0]
    space = judge.namespace
    assert (space["expected"] == 1).all() and (space["frozen"] == 0).all()
    assert (space["Z"] == 0).all() and (space["Y"] == 0).all()  # never written back


def test_a_crafted_generator_state_cannot_crash_the_grader():
    state = encoded(np.random.PCG64(0).state)
    state["__dict__"][1][1] = {"__dict__": [["state", -1], ["inc", 1]]}

    def done(request):
        handle = request["args"][0]["__rng__"][0]
        return {"op": "done", "result": {"ok": 1}, "rngs": [[handle, state]]}

    judge, outcome = judged("rng = np.random.default_rng(4)\nsoftmax(rng)\n", {"softmax": done})
    assert not outcome.passed and "cannot read" in outcome.message
    assert judge.namespace["rng"].random() == np.random.default_rng(4).random()


def test_callbacks_the_kernel_crafts_get_an_error_and_never_crash_the_grader():
    crash = {"__rng__": [7, "MT19937", encoded(mt19937_state(10**6))]}
    callbacks = [
        {"op": "callback", "fn": 99, "args": [], "kwargs": {"__dict__": []}},
        {"op": "callback", "fn": [1], "args": [], "kwargs": {"__dict__": []}},
        {"op": "callback", "fn": 1, "args": {"__tuple__": []}, "kwargs": {"__dict__": []}},
        {"op": "callback", "fn": 1, "args": [], "kwargs": {"__dict__": [[1, 2]]}},
        {"op": "callback", "fn": 1, "args": [crash], "kwargs": {"__dict__": []}},
        {"op": "callback", "fn": 1, "args": json.loads("[" * 40 + "]" * 40),
         "kwargs": {"__dict__": []}},
        {"op": "callback", "fn": 1, "args": [2.0], "kwargs": {"__dict__": []}},
    ]  # fmt: skip
    done = {"search": {"op": "done", "result": {"ok": None}}}
    judge, outcome = judged("search(lambda x: x * x)", done, callbacks, functions=("search",))
    assert outcome.passed, outcome.message
    replies = judge.link.replies
    assert all("raised" in r for r in replies[:-1]), replies
    assert replies[-1]["ok"] == 4.0


def test_a_name_the_student_defines_never_becomes_the_tests_callable_in_the_kernel():
    """With ``replaced`` a test binds graded functions to grader callables inside the kernel;
    a student who also defines ``reference_softmax`` (in the answer cell, or anywhere: the test
    reads that name, so the grader looks it up in the kernel first) must not get the test's
    ``reference_softmax`` bound in the kernel (it would answer every hidden test)."""
    cell = nbformat.v4.new_code_cell(
        "def softmax(Z):\n    return reference_softmax(Z)\n\ndef reference_softmax(Z):\n    pass",
        metadata={"nbgrader": {"grade_id": "softmax", "solution": True, "grade": False}})
    nb = nbformat.v4.new_notebook(cells=[cell])
    trusted = {"softmax": 'def softmax(Z):\n    """Column-wise softmax."""\n    raise ValueError'}
    functions = answer_functions(nb, trusted)
    assert functions == ["softmax"]
    assert set(answer_functions(nb, {})) == {"softmax", "reference_softmax"}  # course check
    done = {"softmax": {"op": "done", "result": {"ok": nd([[1.0]])}}}
    judge, outcome = judged("from course_lib.softmax import softmax as reference_softmax\n"
                            "expected = reference_softmax(np.zeros((1, 1)))\n"
                            "softmax(np.zeros((1, 1)))", done, functions=functions)
    assert outcome.passed, outcome.message
    (call,) = [r for r in judge.link.requests if r["op"] == "call"]
    assert call["substitutes"] == {}


def test_a_kernel_message_with_too_many_values_is_not_parsed_and_reads_as_any_output():
    calls = []
    read = limited_unpack(lambda data: calls.append(data) or json.loads(data))
    assert read(b'{"a": [1, 2]}') == {"a": [1, 2]} and calls
    bomb = b'{"data": [' + b"[]," * wire.MAX_VALUES + b"[]]}"
    stand_in = read(bomb)
    assert len(calls) == 1  # never parsed
    for msg_type in ("stream", "display_data", "execute_result", "error"):
        output = nbformat.v4.output_from_msg({"header": {"msg_type": msg_type},
                                              "content": read(bomb)})
        assert DROPPED in json.dumps(output)
        nbformat.validate(nbformat.v4.new_notebook(cells=[
            nbformat.v4.new_code_cell("x", outputs=[output])]))
    assert stand_in["execution_state"] != "idle"  # never ends a cell early


@pytest.mark.parametrize("client", [LimitedBlockingClient, LimitedAsyncClient])
def test_the_graders_kernel_clients_refuse_oversized_frames(client):
    kc = client()
    try:
        assert kc.context.getsockopt(zmq.MAXMSGSIZE) == MAX_FRAME
        assert kc.session.unpack(b"[" * (wire.MAX_VALUES + 1))["text"].startswith(DROPPED)
    finally:
        kc.context.destroy(linger=0)


def capped_execute(**caps) -> ResilientExecute:
    """A ``ResilientExecute`` ready to read output messages (what nbclient and ``preprocess``
    set up before a notebook), without a kernel."""
    execute = ResilientExecute(**caps)
    execute.reset_execution_trackers()
    execute.clear_before_next_output = False
    execute._output_used, execute._output_total, execute._capped = {}, 0, set()
    return execute


def test_comm_buffers_count_against_the_cells_output_cap():
    execute = capped_execute(max_output_chars=1000)
    cell = nbformat.v4.new_code_cell("x")
    comm = {"msg_type": "comm_msg", "header": {"msg_type": "comm_msg"}, "parent_header": {},
            "content": {"comm_id": "c", "data": {"state": {}, "buffer_paths": [["v"]]}},
            "buffers": [b"\0" * 2000]}
    assert execute.process_message(comm, cell, 0) is None
    assert "output beyond 1,000 characters dropped" in cell.outputs[-1]["text"]


def test_the_whole_notebooks_output_is_capped_as_it_arrives():
    stream = {"msg_type": "stream", "header": {"msg_type": "stream"}, "parent_header": {},
              "content": {"name": "stdout", "text": "z" * 960}}
    size = len(json.dumps(stream["content"]))
    execute = capped_execute(max_output_chars=1000, max_notebook_chars=5 * size)
    cells = [nbformat.v4.new_code_cell("y") for _ in range(10)]
    dropped = [execute.process_message(stream, c, i) is None for i, c in enumerate(cells)]
    assert dropped == [False] * 5 + [True] * 5  # each cell under its cap, the notebook full


@pytest.mark.parametrize("kind", sorted(wire.EXCEPTIONS))
def test_a_raised_builtin_crosses_the_channel_as_itself_both_ways(kind, monkeypatch):
    from course_kit.judge import rebuild_exception
    from course_kit.kernel import bridge

    assert type(rebuild_exception(kind, "message")) is wire.EXCEPTIONS[kind]  # kernel -> grader
    monkeypatch.setattr(bridge, "_ask", lambda message: {"raised": [kind, "message"]})
    with pytest.raises(wire.EXCEPTIONS[kind]):  # grader's callback -> kernel
        bridge.Callback(1)()
    assert "AssertionError" not in wire.EXCEPTIONS  # a student's error never reads as a verdict


def test_a_graded_name_the_set_up_binds_is_never_taken_from_the_kernel():
    """A test that only calls a graded function whose name a set-up cell binds (here the
    set-up's ``check_close``) calls the set-up's, as a look-up did: the kernel's function of
    that name, which passes anything, is never called."""
    lenient = {"check_close": {"op": "done", "result": {"ok": None}},
               "softmax": {"op": "done", "result": {"ok": 1.0}}}
    judge, outcome = judged("check_close(softmax(np.zeros((2, 1))), 2.0)", lenient,
                            functions=("softmax", "check_close"))
    assert not outcome.passed
    assert [r.get("name") for r in judge.link.requests] == ["softmax"]
