"""Run test cells in the grader's own process against the student's functions in a kernel.

The student's notebook runs in its (sandboxed) kernel; its test cells never do. A
:class:`Judge` executes each test cell's code here, in a namespace where

- the set-up cells' code has run too (``np`` and the course's imports),
- every name the test reads and does not define is looked up in the kernel: a function becomes
  a :class:`Proxy`, plain data is copied over (:mod:`course_kit.wire`), a missing name stays
  missing;
- a :class:`Proxy` call sends the arguments as data and returns the student's result as data.
  Grader callables among the arguments (objectives, samplers) are called back here; graded
  functions that the test bound to something else (``replaced(globals(), softmax=...)``) are
  swapped in the kernel for callbacks for the length of the call; generators travel by state
  and come back advanced. Array arguments the student's function changed in place are never
  written back: the test's arrays stay as the test made them, so its value checks judge the
  result against expectations computed from the original inputs (a test never computes an
  expected value from an argument the student's code rewrote). The change is recorded instead
  (``Judge.changed``, :data:`course_kit.checks.CHANGED_IN_PLACE`): it costs only the tests that
  check for it (``check_arguments_unchanged``), and grading flags it for a person.

So expected values, tolerances, hidden test code and the reference stay in this process, and
the verdict is whatever the test code here decides. A student function that hangs is
interrupted at the cell's deadline; one that will not stop, or kills its kernel, raises
:class:`KernelLost` after that test is scored as failed. What the student's code asks of the
grader is bounded too (:mod:`course_kit.bounds`): a test runs under a memory budget, a grader
callable still running at the deadline is stopped, an answer too large to send is refused
before it is encoded, and the kernel always gets an answer or an error.

Why one module of about 580 lines: it is the grader's end of one protocol (proxies, callbacks,
the kernel link and its bounded clients) and the judge that runs test cells over it; the
kernel's end is :mod:`course_kit.kernel.bridge`, the data format :mod:`course_kit.wire`.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import copy
import functools
import io
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import zmq
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.blocking import BlockingKernelClient

from course_kit import checks, wire
from course_kit.bounds import Overrun, memory_budget, raise_at
from course_kit.limits import CELL_TIMEOUT, GRADER_MEMORY

#: Seconds a kernel gets to stop after an interrupt before it is declared lost.
INTERRUPT_GRACE = 5.0
#: Characters of a test's own printed output kept in the notebook.
MAX_TEST_PRINT = 10_000
#: Starts the line of a failed test's message that names the student's likely mistake.
MISTAKE_PREFIX = "Likely mistake: "
SERVE = "import course_kit.kernel.bridge as _course_bridge\n_course_bridge.serve()"


#: Largest message part (ZMQ frame) the grader receives from a kernel: ZMQ drops a larger one
#: before it is read (a kernel can send a message as large as its memory).
MAX_FRAME = 2 * wire.MAX_MESSAGE + 2**20
#: Milliseconds between a client's tries to connect to a kernel that is not listening yet.
RECONNECT_MS = 5
#: Stands for a message part with more than ``wire.MAX_VALUES`` JSON values, which the grader
#: does not parse: it reads as an output of any type (stream, display, error, comm) saying so,
#: and never as the end of a cell.
DROPPED = "[a message from the kernel was dropped: it held more values than the grader reads]"


def _stand_in() -> dict:
    return {"name": "stdout", "text": DROPPED + "\n", "data": {"text/plain": DROPPED},
            "metadata": {}, "execution_count": None, "ename": "OutputDropped", "evalue": DROPPED,
            "traceback": [DROPPED], "wait": False, "comm_id": "", "execution_state": "busy",
            "status": "error", "prompt": ""}  # fmt: skip


def limited_unpack(unpack: Callable[[bytes], Any]) -> Callable[[bytes], Any]:
    """``unpack`` (a Jupyter session's JSON reader), refusing to parse a part with too many
    values."""

    def read(data: bytes) -> Any:
        return _stand_in() if wire.too_many_values(data) else unpack(data)

    return read


class _Limited:
    """A kernel client that reads only bounded messages: frames of at most :data:`MAX_FRAME`
    bytes (the context's sockets refuse larger ones) and at most ``wire.MAX_VALUES`` values.
    Its sockets retry a connection every :data:`RECONNECT_MS` (``course check`` connects while
    its kernel is still starting; ZMQ's default waits 100 ms between tries)."""

    def _context_default(self):
        context = super()._context_default()
        context.setsockopt(zmq.MAXMSGSIZE, MAX_FRAME)
        context.setsockopt(zmq.RECONNECT_IVL, RECONNECT_MS)
        return context

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.session.unpack = limited_unpack(self.session.unpack)


class LimitedBlockingClient(_Limited, BlockingKernelClient):
    """A blocking kernel client with the grader's limits (:class:`KernelLink`'s)."""


class LimitedAsyncClient(_Limited, AsyncKernelClient):
    """An asynchronous kernel client with the grader's limits (nbclient's, while grading)."""


class KernelLost(Exception):
    """The kernel died or would not stop when interrupted: it must be restarted."""


class CallTimeout(Exception):
    """A student function was interrupted at the test's deadline."""


class StudentError(Exception):
    """An exception the student's function raised, of a type that is not a builtin one."""


class ChannelError(Exception):
    """The kernel's answer was not data the grader reads (or the channel broke)."""


class KernelLink:
    """A client of its own on the student's kernel, speaking the protocol of
    :mod:`course_kit.kernel.bridge`.

    Every IOPub message the kernel sends while the link waits is read and counted in
    ``output_chars`` (of every type) and thrown away. The client reads bounded messages only
    (:class:`LimitedBlockingClient`).
    """

    def __init__(self, connection_info: dict, is_alive: Callable[[], bool]):
        self.client = LimitedBlockingClient()
        self.client.load_connection_info(connection_info)
        self.client.start_channels()
        self.is_alive = is_alive
        self.output_chars = 0
        self.poller = zmq.Poller()
        for channel in (self.client.shell_channel, self.client.stdin_channel,
                        self.client.iopub_channel):
            self.poller.register(channel.socket, zmq.POLLIN)

    def close(self) -> None:
        self.client.stop_channels()
        self.client.context.destroy(linger=0)

    def interrupt(self) -> None:
        self.client.control_channel.send(self.client.session.msg("interrupt_request", {}))

    def exchange(self, request: dict, answer: Callable[[dict, float], dict],
                 deadline: float) -> dict:
        """Run ``bridge.serve()`` for ``request``; ``answer`` answers the kernel's callbacks.

        Returns the kernel's ``done`` message. Raises :class:`CallTimeout` when the call had to
        be interrupted, :class:`KernelLost` when the kernel died or ignored the interrupt, and
        :class:`ChannelError` when the kernel ended without a readable ``done``.
        """
        shell, stdin, iopub = (self.client.shell_channel, self.client.stdin_channel,
                               self.client.iopub_channel)
        text = wire.dumps(request)  # one too large to send is refused before the kernel waits
        msg_id = self.client.execute(SERVE, silent=False, store_history=False, allow_stdin=True,
                                     stop_on_error=False)
        done: dict | None = None
        problem: str | None = None
        interrupted: float | None = None
        last_alive_check = time.monotonic()
        while True:
            now = time.monotonic()
            if interrupted is None and now > deadline:
                self.interrupt()
                interrupted = now
            if interrupted is not None and now > interrupted + INTERRUPT_GRACE:
                raise KernelLost(f"did not stop within {INTERRUPT_GRACE:.0f} s of an interrupt")
            if now - last_alive_check > 1.0:
                last_alive_check = now
                if not self.is_alive():
                    raise KernelLost("the kernel died")
            ready = dict(self.poller.poll(timeout=100))
            if iopub.socket in ready:
                self._drain(iopub)
            if stdin.socket in ready:
                message = stdin.get_msg(timeout=0)
                if message["parent_header"].get("msg_id") != msg_id:
                    self.client.input("{}")
                    continue
                reply, finished, complaint = self._answer(message, text, answer, deadline)
                if finished is not None:
                    done = finished
                problem = problem or complaint
                self.client.input(reply)
            if shell.socket in ready:
                reply = shell.get_msg(timeout=0)
                if reply["parent_header"].get("msg_id") == msg_id:
                    break
        self._drain(iopub)
        if interrupted is not None:
            raise CallTimeout("interrupted at the test's deadline")
        if problem:
            raise ChannelError(problem)
        if done is None:
            raise ChannelError("the kernel ended the call without a result")
        return done

    def _answer(self, message: dict, request: str, answer: Callable[[dict, float], dict],
                deadline: float):
        """The reply to one input prompt, the ``done`` message if it was one, and a complaint."""
        try:
            prompt = wire.loads(message["content"].get("prompt", ""))
            op = prompt.get("op") if type(prompt) is dict else None
        except wire.WireError:
            return "{}", None, "the function asked for keyboard input (input() is not allowed)"
        if op == "ready":
            return request, None, None
        if op == "callback":
            try:
                return wire.dumps(answer(prompt, deadline)), None, None
            except (wire.WireError, MemoryError) as error:  # the kernel waits: it gets an error
                reason = str(error) or "the answer does not fit the grader's memory budget"
                return wire.dumps({"raised": ["MemoryError", reason]}), None, None
        if op == "done":
            return "{}", prompt, None
        return "{}", None, "the kernel sent a message the grader does not read"

    def _drain(self, iopub) -> None:
        while True:
            try:
                message = iopub.get_msg(timeout=0)
            except Exception:  # noqa: BLE001 - queue.Empty: nothing left
                return
            if message["msg_type"] not in ("status", "execute_input"):
                self.output_chars += len(str(message.get("content", "")))


@dataclass
class Call:
    """One call of a student function during a test, for the diagnostics."""

    name: str
    args: tuple
    kwargs: dict
    result: Any = None
    raised: tuple[str, str] | None = None
    substitutes: dict[str, Callable] = field(default_factory=dict)
    #: What the call changed in place (a message), if it changed an argument.
    changed: str | None = None
    #: The stand-ins the test gave the call (``substitutes``) that the function never called.
    unused: list[str] = field(default_factory=list)


def _snapshot(value: Any) -> Any:
    try:
        return copy.deepcopy(value)
    except Exception:  # noqa: BLE001 - e.g. a Python generator: keep the object itself
        return value


def _is_function(value: Any) -> bool:
    """A grader callable (not a class, not a student function's proxy)."""
    return callable(value) and not isinstance(value, type | Proxy)


def _locate(args: tuple, kwargs: dict, path: Any) -> Any:
    """The grader's object at a write-back path ``["a", i(, j)]`` or ``["k", name(, j)]``."""
    if type(path) is not list or len(path) not in (2, 3):
        return None
    kind, key, *rest = path
    try:
        value = args[key] if kind == "a" else kwargs[key] if kind == "k" else None
        return value[rest[0]] if rest else value
    except (IndexError, KeyError, TypeError):
        return None


def _argument(path: list) -> str:
    """``"argument 2"``, ``"argument labels"``, ``"item 1 of argument 2"`` for a write-back path."""
    kind, key, *rest = path
    name = f"argument {key + 1 if kind == 'a' else key}"
    return f"item {rest[0]} of {name}" if rest else name


def rebuild_exception(kind: Any, message: Any) -> Exception:
    """The exception a student's function raised, as an object of this process."""
    kind, message = str(kind)[:80], str(message)[:2000]
    if kind == "KeyboardInterrupt":
        return CallTimeout("interrupted at the test's deadline")
    if kind in wire.EXCEPTIONS:
        return wire.EXCEPTIONS[kind](message)
    return StudentError(f"{kind}: {message}")


class Proxy:
    """A student function seen from the grader: each call runs in the kernel (see module doc)."""

    def __init__(self, name: str, judge: Judge):
        self.__name__ = self.name = name
        self.judge = judge

    def __repr__(self) -> str:
        return f"<your function {self.name}>"

    def __call__(self, *args, **kwargs):
        judge = self.judge
        if judge.link is None:
            raise KernelLost("no kernel")
        handles: dict[int, Callable] = {}

        def handle(function: Callable) -> int:
            handles[len(handles) + 1] = function
            return len(handles)

        keep = judge.watch
        args = tuple(keep(a) if _is_function(a) else a for a in args)
        kwargs = {k: keep(v) if _is_function(v) else v for k, v in kwargs.items()}
        substitutes = {name: f if f is None else keep(f)
                       for name, f in judge.substitutes(self.name).items()}
        used: set[str] = set()

        def stand_in(name: str, function: Callable) -> int:
            def called(*args, **kwargs):
                used.add(name)
                return function(*args, **kwargs)

            return handle(called)

        encoder = wire.Encoder(callable_handle=handle)
        request = {
            "op": "call", "name": self.name,
            "args": encoder.encode(list(args)), "kwargs": encoder.encode(dict(kwargs)),
            "substitutes": {n: f if f is None else stand_in(n, f) for n, f in substitutes.items()},
        }  # fmt: skip
        record = Call(self.name, judge.snapshot(args), judge.snapshot(kwargs),
                      substitutes={n: f for n, f in substitutes.items() if f is not None})
        judge.calls.append(record)
        try:
            done = judge.link.exchange(request, functools.partial(judge.call_back, handles),
                                       judge.deadline)
        finally:
            record.unused = sorted(set(record.substitutes) - used)
        try:
            changed = self._changed(done, args, kwargs, encoder)
            outcome = done.get("result")
            if type(outcome) is not dict:
                raise wire.WireError("no result")
            if "raised" in outcome:
                kind, message = outcome["raised"]
                record.raised = (str(kind)[:80], str(message)[:2000])
            else:
                record.result = wire.Decoder().decode(outcome["ok"])
        except (wire.WireError, KeyError, TypeError, ValueError) as error:
            raise ChannelError(f"{self.name} returned something the grader cannot read "
                               f"({error})") from None
        if changed:
            record.changed = (f"{self.name} changed {_argument(changed[0])} in place; the "
                              "course's functions leave their arguments unchanged (work on a "
                              "copy, or build a new array)")
            judge.changed.append(record.changed)
        if record.raised:
            raise rebuild_exception(*record.raised)
        return record.result

    @staticmethod
    def _changed(done: dict, args: tuple, kwargs: dict, encoder: wire.Encoder) -> list:
        """The paths of the call's own array arguments the kernel says it changed (never
        written into the grader's arrays), after setting the grader's generators to the
        states the kernel reports."""
        import numpy as np

        changed = [path for path, _ in done.get("changed", [])
                   if type(_locate(args, kwargs, path)) is np.ndarray]
        for rng_handle, state in done.get("rngs", []):
            if rng_handle in encoder.rngs:
                wire.set_state(encoder.rngs[rng_handle], wire.Decoder().decode(state))
        return changed


def _run_callback(handles: dict[int, Callable], message: dict, deadline: float) -> dict:
    """Call a grader callable for the kernel; its arguments are data from the kernel. It is
    stopped at ``deadline``; its answer is refused, before it is encoded, when too large."""
    decoder = wire.Decoder()
    try:
        with raise_at(deadline):
            reply = _called_back(handles, message, decoder)
    except Overrun:
        reply = {"raised": ["TimeoutError", "the grader's function was still running at the "
                            "test's deadline"]}
    reply["rngs"] = [[h, wire.Encoder().encode(r.bit_generator.state)]
                     for h, r in decoder.rngs.items()]
    return reply


def _called_back(handles: dict[int, Callable], message: dict, decoder: wire.Decoder) -> dict:
    try:
        function = handles.get(message.get("fn")) if type(message.get("fn")) is int else None
        if function is None:
            raise wire.WireError("unknown callback")
        args, kwargs = decoder.decode(message.get("args")), decoder.decode(message.get("kwargs"))
        if type(args) is not list or type(kwargs) is not dict or any(
            type(k) is not str for k in kwargs
        ):
            raise wire.WireError("arguments must be a list and a dict of names")
        result = function(*args, **kwargs)
        try:
            reply = {"ok": wire.Encoder().encode(result)}
        except wire.WireError as error:
            raise MemoryError(f"the answer is too large to send: {error}") from None
    except Exception as error:  # noqa: BLE001 - reported to the student's code as raised
        reply = {"raised": [type(error).__name__, str(error)[:2000]]}
    return reply


def assigned_names(tree: ast.AST) -> set[str]:
    """Every name the code binds anywhere (assignments, defs, imports, arguments, targets)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return names


@contextlib.contextmanager
def salted_seeds(salt: int) -> Iterator[None]:
    """While it lasts, ``np.random.default_rng(seed)`` draws from ``[salt, seed]`` instead.

    Hidden tests seed their inputs with fixed numbers; run inside this with a salt fresh for
    each grading run, every seeded draw of the test (its inputs and the generators it hands the
    student's function alike) is new each time, so inputs seen in one grading run (printed by a
    student's function) tell nothing about the next. A seed that is already a generator, a bit
    generator or a SeedSequence is left alone.
    """
    import numpy as np

    original = np.random.default_rng

    def default_rng(seed=None):
        if isinstance(seed, int | np.integer):
            return original([salt, int(seed)])
        if isinstance(seed, list | tuple) and all(isinstance(s, int | np.integer) for s in seed):
            return original([salt, *map(int, seed)])
        return original(seed)

    np.random.default_rng = default_rng
    try:
        yield
    finally:
        np.random.default_rng = original



def read_names(tree: ast.AST) -> set[str]:
    """Names the code reads anywhere (candidates to look up in the kernel), builtins aside."""
    read = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return read - set(dir(builtins))


def only_called(tree: ast.AST) -> set[str]:
    """Names the code reads only to call them (``softmax(z)``), never as a value."""
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    loads = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)]
    return ({n.id for n in loads if id(n) in called}
            - {n.id for n in loads if id(n) not in called})


@dataclass
class TestOutcome:
    """A test cell's verdict and the outputs the grader writes into the notebook."""

    passed: bool
    outputs: list[dict]
    message: str = ""
    kernel_lost: str | None = None
    calls: list[Call] = field(default_factory=list)
    #: One message per call that changed an argument in place (see the module doc).
    changed: list[str] = field(default_factory=list)
    #: What the grader refused the student's code during the test (a callback past the memory
    #: budget or the deadline, an answer too large to send), as "Type: message".
    refused: list[str] = field(default_factory=list)


class Judge:
    """The grader's side of one notebook: its test namespace and the link to the kernel.

    ``functions`` are the names the answer cells define: while a test has bound one of them to
    something else, calls of the student's other functions see that instead. ``explain`` (the
    diagnostics) turns a failed test's calls into a sentence naming the likely mistake; for it,
    ``watch`` wraps each grader callable a call hands to the kernel (so that its calls can be
    replayed) and ``snapshot`` keeps the arguments as they were before the call.
    ``grader_memory`` bounds what each test may map in this process
    (:func:`course_kit.bounds.memory_budget`).
    """

    def __init__(
        self,
        functions: Iterable[str] = (),
        cell_timeout: float = CELL_TIMEOUT,
        explain: Callable[[list[Call]], str | None] | None = None,
        watch: Callable[[Callable], Callable] = lambda function: function,
        snapshot: Callable[[Any], Any] = _snapshot,
        salt: int | None = None,
        grader_memory: int = GRADER_MEMORY,
    ):
        self.functions = set(functions)
        self.grader_memory = grader_memory
        self.salt = salt
        self.cell_timeout = cell_timeout
        self.explain = explain
        self.watch = watch
        self.snapshot = snapshot
        self.namespace: dict[str, Any] = {"__name__": "__course_tests__", "__builtins__": builtins}
        self.owned: set[str] = set()
        self.fetched: set[str] = set()
        self.link: KernelLink | None = None
        self.deadline = 0.0
        self.calls: list[Call] = []
        self.changed: list[str] = []
        self.refused: list[str] = []

    def call_back(self, handles: dict[int, Callable], message: dict, deadline: float) -> dict:
        """:func:`_run_callback`, keeping what the grader refused (past its bounds)."""
        reply = _run_callback(handles, message, deadline)
        kind, text = reply.get("raised", ("", ""))
        if kind in ("MemoryError", "TimeoutError"):
            self.refused.append(f"{kind}: {text}"[:300])
        return reply

    def substitutes(self, calling: str) -> dict[str, Callable | None]:
        """Graded functions (other than ``calling``) that the test bound to a grader callable,
        and (as None) the kernel's names the test deleted (``del squares``).

        Only graded functions: any other name the test binds (``from course_lib.softmax import
        softmax as reference_softmax``) may also name a function the student defined, and that
        must never become the test's callable in the kernel.
        """
        found: dict[str, Callable | None] = {}
        for name in (self.functions | self.fetched) - {calling}:
            if name not in self.namespace:
                if name in self.fetched:
                    found[name] = None
                continue
            value = self.namespace[name]
            if name in self.functions and callable(value) and not (
                isinstance(value, Proxy) and value.name == name
            ):
                found[name] = value
        return found

    def run_setup(self, source: str) -> None:
        """Run a set-up cell's code (the course's imports) in the test namespace too."""
        tree = ast.parse(source)
        self.owned |= assigned_names(tree)
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(tree, "<setup>", "exec"), self.namespace)  # noqa: S102 - course code

    def _proxy(self, names: set[str]) -> None:
        """Graded functions the test only calls need no look-up: each call finds the name in
        the kernel, or raises there what calling it here would (``NameError`` when it is gone,
        ``TypeError`` when it is not a function)."""
        for name in names:
            self.namespace[name] = Proxy(name, self)
            self.fetched.add(name)

    def _look_up(self, names: set[str]) -> None:
        names = sorted(names)
        if not names:
            return
        request = {"op": "describe", "names": names}
        done = self.link.exchange(request, lambda m, d: {"raised": ["RuntimeError", "no"]},
                                  time.monotonic() + self.cell_timeout)
        found = done.get("names") if type(done.get("names")) is dict else {}
        for name in names:
            info = found.get(name)
            kind = info.get("kind") if type(info) is dict else None
            if kind == "callable":
                self.namespace[name] = Proxy(name, self)
            elif kind == "value":
                try:
                    self.namespace[name] = wire.Decoder().decode(info.get("value"))
                except wire.WireError:
                    self.namespace[name] = wire.foreign("unreadable")
            else:
                if name in self.fetched:  # gone from the kernel since the last test
                    self.namespace.pop(name, None)
                    self.fetched.discard(name)
                continue
            self.fetched.add(name)

    def run_test(self, source: str, label: str, hidden: bool = False) -> TestOutcome:
        """Execute a test cell's code here, within the grader's memory budget; failures become
        an error output for nbgrader."""
        self.refused = []
        with memory_budget(self.grader_memory):
            outcome = self._run_test(source, label, hidden)
        outcome.refused = self.refused
        return outcome

    def _run_test(self, source: str, label: str, hidden: bool) -> TestOutcome:
        self.calls, self.changed = [], []
        printed = io.StringIO()
        try:
            tree = ast.parse(source)
        except SyntaxError as error:
            return self._failed(label, f"the test cell does not parse: {error}", [], None)
        self.deadline = time.monotonic() + self.cell_timeout
        seeds = (salted_seeds(self.salt) if hidden and self.salt is not None
                 else contextlib.nullcontext())
        try:
            # a name the test binds itself is never asked of the kernel, unless it is a graded
            # function (``del squares`` ... ``squares = orig``), so the kernel learns nothing of
            # the test's own names; a name the set-up cells bind stays theirs
            needed = read_names(tree) - (assigned_names(tree) - self.functions) - self.owned
            if self.link is not None:
                called = needed & self.functions & only_called(tree)
                self._proxy(called)
                self._look_up(needed - called)
            token = checks.CHANGED_IN_PLACE.set(self.changed)
            try:
                with contextlib.redirect_stdout(printed), seeds:
                    exec(compile(tree, label, "exec"), self.namespace)  # noqa: S102 - course code
            finally:
                checks.CHANGED_IN_PLACE.reset(token)
        except KernelLost as lost:
            function = self.calls[-1].name if self.calls else "your code"
            return self._failed(label, f"{function} stopped the kernel ({lost}); the kernel was "
                                "restarted and the remaining cells still count", [], str(lost))
        except CallTimeout:
            function = self.calls[-1].name if self.calls else "your code"
            return self._failed(label, f"TimeoutError: {function} did not return within "
                                f"{self.cell_timeout:.0f} s and was interrupted", [], None)
        except Exception as error:  # noqa: BLE001 - any failure of a test is its verdict
            lines = [] if hidden else _test_lines(error, label, source)
            message = f"{type(error).__name__}: {error}"
            hint = self.explain(self.calls) if self.explain else None
            if hint:
                message += f"\n{MISTAKE_PREFIX}{hint}"
            elif note := stand_in_note(self.calls):
                message += f"\n{note}"
            return self._failed(label, message, lines, None)
        finally:
            # what the test bound is the test's (a later test reads it here, not in the kernel)
            self.owned |= assigned_names(tree) - self.functions
        text = printed.getvalue()[:MAX_TEST_PRINT]
        outputs = [{"output_type": "stream", "name": "stdout", "text": text}] if text else []
        return TestOutcome(True, outputs, calls=self.calls, changed=self.changed)

    def _failed(self, label: str, message: str, lines: list[str], lost: str | None):
        ename, _, evalue = message.partition(": ")
        if not evalue:
            ename, evalue = "TestFailed", message
        output = {"output_type": "error", "ename": ename, "evalue": evalue,
                  "traceback": [*lines, f"{ename}: {evalue}"]}
        return TestOutcome(False, [output], message, lost, self.calls, self.changed)


def stand_in_note(calls: list[Call]) -> str | None:
    """A line saying which stand-in a failed test gave a function that never called it (its
    result then cannot be the hand-worked one the test expects)."""
    for call in calls:
        if call.unused:
            names = " and ".join(call.unused)
            return (f"Note: this test gave {call.name} its own {names} (values it knows), and "
                    f"your {call.name} never called {names}: call {names} as the docstring "
                    "asks, rather than computing it yourself or drawing from rng directly.")
    return None


def _test_lines(error: BaseException, label: str, source: str) -> list[str]:
    """The lines of the (visible) test cell where it failed, innermost last."""
    lines = source.splitlines()
    found = []
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename == label and frame.lineno and 0 < frame.lineno <= len(lines):
            found.append(f"test line {frame.lineno}: {lines[frame.lineno - 1].strip()}")
    return found
