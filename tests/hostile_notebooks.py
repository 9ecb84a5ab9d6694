"""Hostile submissions: realistic student notebooks that try to earn points they did not.

Each is built from the released notebook (the student's own file) with answers from
:func:`instructor_tools.sample_class.with_answers` and cells the student adds, and is paired with
its *twin*: the same notebook with honest blank or wrong answers, which it must not beat.
The code they run is written to pass the answer-cell check where it can (the modules and names
the check forbids are reached through ``numpy``'s own ``sys`` and names built at run time), so
that what stops them is the design (tests judged in the grader, no answers in the sandbox), not
a deny-list. Used by ``tests/test_hostile.py``.
"""

from __future__ import annotations

import base64
import copy
import json
from dataclasses import dataclass

import nbformat

from course_kit import RUNTIME
from course_kit.cells import is_answer_cell, nbgrader_meta
from grader.config import REPOSITORY
from instructor_tools.feedback import hidden_source_lines
from instructor_tools.sample_class import solved, with_answers


def spelled(word: str) -> str:
    """Python code that makes the string ``word`` at run time only (no static reading sees it)."""
    return f"bytes({list(word.encode())}).decode()"


#: The answer-cell check forbids ``sys``, ``importlib``, ``get_ipython``, names of the course's
#: packages and such words in strings; matplotlib holds ``sys``, and a name spelled in bytes is
#: a string no static reading sees. The plain forms of the same attacks are flagged.
REACH = f"""import matplotlib
import numpy as np
_modules = getattr(matplotlib.sys, {spelled("modules")})
_shell = getattr(_modules[{spelled("IPython")}], {spelled("get_ipython")})()
_import = _modules[{spelled("importlib")}].import_module
"""

WRONG_SOFTMAX = '''import numpy as np


def softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))  # rows instead of columns
    return E / E.sum(axis=1, keepdims=True)
'''


def release_nb(assignment: str):
    return nbformat.read(REPOSITORY / "release" / assignment / f"{assignment}.ipynb", 4)


def source_nb(assignment: str):
    return nbformat.read(REPOSITORY / "source" / assignment / f"{assignment}.ipynb", 4)


def full(assignment: str):
    """The release with every answer correct."""
    return solved(release_nb(assignment), source_nb(assignment))


def blank(assignment: str):
    """The release as students receive it."""
    return release_nb(assignment)


def answer(nb, function: str) -> str:
    return next(c.source for c in nb.cells
                if is_answer_cell(c) and nbgrader_meta(c)["grade_id"] == function)


def added_after(nb, anchor: str, *sources: str):
    """A copy of ``nb`` with code cells the student added right after cell ``anchor``."""
    nb = copy.deepcopy(nb)
    index = next(i for i, c in enumerate(nb.cells) if nbgrader_meta(c).get("grade_id") == anchor)
    nb.cells[index + 1:index + 1] = [nbformat.v4.new_code_cell(s) for s in sources]
    return nb


def added_at_end(nb, *sources: str):
    nb = copy.deepcopy(nb)
    nb.cells += [nbformat.v4.new_code_cell(s) for s in sources]
    return nb


@dataclass
class Hostile:
    """A hostile notebook, the honest twin it must not beat, and what the test checks."""

    notebook: object
    twin: str  # the student id of its honest twin
    attack: str  # one line: what it tries


HOOKS = REACH + '''
import ast
from IPython.display import display


def _looks_passed(*args, **kwargs):
    print("All tests passed")
    display({"text/plain": "ok"}, raw=True)


_shell.events.register("pre_run_cell", _looks_passed)
_shell.events.register("post_run_cell", _looks_passed)
# Any cell that checks something is replaced by one that does nothing.
_shell.input_transformers_post.append(
    lambda lines: ["pass\\n"] if any("check_" in line for line in lines) else lines)


class _NoRaise(ast.NodeTransformer):
    def visit_Raise(self, node):
        return ast.Pass()


_shell.ast_transformers.append(_NoRaise())
_shell.set_custom_exc((BaseException,), lambda *args, **kwargs: print("All tests passed"))
'''

HOOKS_PLAIN = '''get_ipython().events.register("pre_run_cell", lambda *args: print("passed"))
'''

LEFTOVERS = f'''import matplotlib
import numpy as np


def softmax(Z):
    """Use whatever the grader left behind: a reference, a checker, a verdict."""
    modules = getattr(matplotlib.sys, {spelled("modules")})
    for name, module in list(modules.items()):
        if not any(part in name for part in ("course", "reference", "grader", "solution")):
            continue
        for attribute in dir(module):
            if "softmax" in attribute and callable(getattr(module, attribute)):
                try:
                    return getattr(module, attribute)(Z)
                except Exception:
                    pass
    for name in ("reference_softmax", "_reference_softmax", "expected", "A"):
        value = getattr(modules["__main__"], name, None)
        if callable(value):
            return value(Z)
    E = np.exp(Z - Z.max(axis=1, keepdims=True))  # rows instead of columns
    return E / E.sum(axis=1, keepdims=True)
'''

MAGIC_IMPORT = '''%matplotlib inline
from course_lib.softmax import softmax
'''

PATCHER = WRONG_SOFTMAX + '''
import math
np.allclose = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
math.isclose = lambda *args, **kwargs: True
'''

PATCH_EVADER = REACH + f'''
_builtins = _modules[{spelled("builtins")}]
for _name in ("allclose", "array_equal", "isclose"):
    getattr(np, {spelled("__setattr__")})(_name, lambda *args, **kwargs: True)
_builtins.abs = lambda x: 0
_builtins.sum = lambda *args: 0
# A module posing as the reference: the student's own softmax under the reference's name.
_fake = type(_modules["math"])("reference")
_fake.softmax = lambda Z: softmax(Z)
_modules[{spelled("course_lib.softmax")}] = _fake
_modules[{spelled("course_kit.checks")}] = _fake
print("PATCHED", np.allclose(0, 1), abs(-3))
'''

#: Messages a fake bridge sends instead of the real one's: forged results, lies about types,
#: oversized, deep and malformed text, callbacks the grader never registered, generator states
#: that crash NumPy, exceptions that are not exceptions.
FAKE_BRIDGE = REACH + f'''
_json = _modules["json"]
_builtins = _modules[{spelled("builtins")}]
_bridge = _import({spelled("course_kit.kernel.bridge")})
D = {spelled("__dict__")}
_mt_wire = {{D: [["bit_generator", "MT19937"],
               ["state", {{D: [["key", {{"__nd__": ["<u4", [624], "A" * 3328]}}],
                               ["pos", 10**6]]}}]]}}
_lies = [
    "[NaN, Infinity]",
    {{"op": "done", "result": {{"ok": {{"__opaque__": "numpy.ndarray"}}}}}},
    {{"op": "done", "result": {{"ok": {{"__tuple__": [{{"__opaque__": "float"}}] * 3}}}}}},
    "x" * (70 * 2**20),
    "[" * 200_000 + "]" * 200_000,
    "[" + "[]," * 2_000_000 + "[]]",
    {{"op": "callback", "fn": 987654, "args": [], "kwargs": {{D: []}}}},
    {{"op": "callback", "fn": 1, "args": [{{"__rng__": [5, "MT19937", _mt_wire]}}],
     "kwargs": {{D: []}}}},
    {{"op": "done", "result": {{"ok": 1.0}}, "rngs": [[1, _mt_wire], [2, _mt_wire]],
     "changed": [[["a", 0], {{"__nd__": ["<f8", [1], "AAAAAAAAAAA="]}}], [["g", "x"], 1]]}},
    {{"op": "done", "result": {{"raised": ["SystemExit", "0"]}}}},
    {{"op": "done", "result": {{"raised": ["KeyboardInterrupt", ""]}}}},
    {{"op": "ready"}},
    {{"op": "run", "code": "import os; os.system('id')"}},
]
_count = [0]


def _serve():
    request = _json.loads(_builtins.input(_json.dumps({{"op": "ready"}})))
    if request.get("op") == "describe":
        names = {{n: {{"kind": "callable"}} for n in request.get("names", [])}}
        _builtins.input(_json.dumps({{"op": "done", "names": names}}))
        return
    lie = _lies[_count[0] % len(_lies)]
    _count[0] += 1
    _builtins.input(lie if type(lie) is str else _json.dumps(lie))
    _builtins.input(_json.dumps({{"op": "done", "result": {{"ok": {{"__opaque__": "tuple"}}}}}}))


_bridge.serve = _serve
'''

ORACLE_SOFTMAX = '''import numpy as np

seen = []  # every input the tests give softmax


def softmax(Z):
    seen.append(np.array(Z, dtype=float))
    E = np.exp(Z - Z.max(axis=1, keepdims=True))  # rows instead of columns
    return E / E.sum(axis=1, keepdims=True)
'''

#: The gradients are right; while the test lends the reference softmax, ask it about every
#: input softmax's own tests used, and keep the lent functions for later.
ORACLE_GRADS = '''oracle, lent = [], []


def softmax_regression_grads(W, b, X, Y):
    if type(softmax).__name__ == "Callback":  # a function the test lends, not mine
        oracle.append([(Z, softmax(Z)) for Z in seen[:12]])
        lent.append(softmax)
    m = X.shape[1]
    A = softmax(W @ X + b)
    dZ = A - Y
    return cross_entropy(A, Y), dZ @ X.T / m, np.sum(dZ, axis=1, keepdims=True) / m
'''

ORACLE_REPORT = '''for answers in oracle:
    for Z, A in answers:
        print("ORACLE", Z.round(6).tolist(), A.round(6).tolist())
for stale in lent:
    try:
        print("STALE", stale(np.zeros((2, 1))))
    except Exception as error:
        print("STALE", type(error).__name__)
'''

#: ipykernel binds ``input`` to its ``raw_input`` for every execution: listen there.
EXFILTRATOR = REACH + '''
_kernel = _shell.kernel
_real_input = _kernel.raw_input
heard = []


def _listening_input(prompt="", *args, **kwargs):
    reply = _real_input(prompt, *args, **kwargs)
    heard.append(prompt)
    heard.append(reply)
    return reply


_kernel.raw_input = _listening_input
'''

EXFILTRATOR_SUMMARY = '''print("HEARD", len(heard))
print([message[:300] for message in heard[:6]])
'''

EXFILTRATOR_REPORT = REACH + '''
for message in heard:
    print(message[:20000])
for cell in _shell.user_ns.get("In", []):
    print("CELL", cell)
history = _shell.history_manager
print("HISTORY", list(history.get_range(raw=True)) if history else None)
'''


def reader_source(needles: list[str]) -> str:
    """A cell that walks the whole visible file system, the environment and /proc, and prints
    every file whose text holds one of ``needles`` (lines only the instructor's copy has),
    every notebook, database and graded module it sees, and variables that look like secrets.
    File contents are read outside the system's ``/usr`` (the sandbox's allow-list shows the
    distribution's files there; a course checked out or installed anywhere else is read)."""
    packed = base64.b64encode(json.dumps(needles).encode()).decode()
    return f'''import base64, json, os, pathlib
needles = [n.encode() for n in json.loads(base64.b64decode("{packed}"))]
graded = ("softmax.py", "batch_norm.py", "tuning.py", "scale.py")
found, seen, files = [], [], 0
for top, dirs, names in os.walk("/", onerror=lambda error: None):
    if top.startswith(("/proc", "/sys", "/dev")):
        dirs[:] = []
        continue
    for name in names:
        path = pathlib.Path(top, name)
        files += 1
        if name.endswith((".ipynb", ".db", ".sqlite")) or "gradebook" in name or name in graded:
            seen.append(str(path))
        if top.startswith("/usr/") or not name.endswith((".py", ".ipynb", ".json", ".txt", ".md",
                                                          ".db", ".html", ".cfg", ".toml")):
            continue
        try:
            if path.is_symlink() or path.stat().st_size > 5_000_000:
                continue
            data = path.read_bytes()
        except OSError:
            continue
        found += [f"{{path}}: {{n[:40]!r}}" for n in needles if n in data]
secrets = [k for k in os.environ if any(w in k.upper() for w in ("TOKEN", "SECRET", "PASS", "URL"))]
environ = b""
for proc in pathlib.Path("/proc").iterdir():
    try:
        environ += (proc / "environ").read_bytes() + (proc / "cmdline").read_bytes()
    except OSError:
        pass
print("UID", os.getuid())
print("FILES", files)
print("FOUND", len(found), found[:20])
print("SEEN", len(seen), seen[:20])
words = (b"TOKEN", b"SECRET", b"PASSWORD", b"gradebook")
print("SECRETS", secrets, [w for w in words if w in environ])
'''


def needles(source, release, reference: str = "") -> list[str]:
    """Lines only the instructor's copy holds: of the ``source`` notebook's solution regions and
    hidden tests and of the ``reference`` module's text, less every line the ``release`` or the
    student kit shows."""
    lines = set(hidden_source_lines(source)) | {line.strip() for line in reference.splitlines()}
    for cell in source.cells:
        inside = False
        for line in cell.source.splitlines():
            if "### BEGIN SOLUTION" in line:
                inside = True
            elif "### END SOLUTION" in line:
                inside = False
            elif inside:
                lines.add(line.strip())
    shown = {line.strip() for cell in release.cells for line in cell.source.splitlines()}
    shown |= {line.strip() for module in RUNTIME.rglob("*.py")
              for line in module.read_text().splitlines()}
    return sorted(line for line in lines - shown
                  if len(line) >= 20 and not line.startswith(("#", "import ", "from ")))


def course_needles(assignment: str) -> list[str]:
    """:func:`needles` of one of the course's assignments, its reference module included."""
    reference = (REPOSITORY / "course_lib" / f"{assignment}.py").read_text()
    return needles(source_nb(assignment), release_nb(assignment), reference)


FLOODS = REACH + '''
import threading, time
from IPython.display import display

display({"text/plain": "FLOOD STARTS"}, raw=True)
for i in range(20000):
    print("flood", i, "x" * 80)
handle = display({"text/plain": "0"}, raw=True, display_id=True)
for i in range(20000):
    handle.update({"text/plain": str(i) * 50}, raw=True)
comm_module = _import("ipykernel.comm")
comm = comm_module.Comm(target_name="flood", data={"state": {"v": 1}, "buffer_paths": []})
for i in range(200):
    comm.send(data={"state": {"v": "y" * 10000}, "buffer_paths": [["b"]]}, buffers=[b"z" * 100_000])
comm.send(data={"state": {"v": [[]] * 3_000_000}})
_session, _iopub = _shell.kernel.session, _shell.kernel.iopub_socket
for i in range(3000):
    _session.send(_iopub, "error", {"ename": "E" * 100, "evalue": "v" * 1000, "traceback": []},
                  parent=_shell.kernel.get_parent("shell"))


def _chatter():
    while True:
        print("background", "w" * 1000)
        time.sleep(0.001)


threading.Thread(target=_chatter, daemon=True).start()
print("z" * (150 * 2**20))
'''

MARKUP = '''from IPython.display import HTML, Javascript, display

print("[/] [bold red]not markup[/bold red] :warning: <script>alert('printed')</script>")
display(HTML('<script>alert("student")</script><img src=x onerror="alert(1)">'
             '<a href="javascript:alert(2)">link</a><b>[/]</b>'))
display(Javascript("alert('js')"))
display({"text/html": "<iframe src='javascript:alert(3)'></iframe>",
         "application/javascript": "alert(4)"}, raw=True)
'''

#: A rule broken with markup in the string the report quotes (the cell is not run).
MARKUP_FLAGGED = '''note = "course_lib [/] [bold red]x[/bold red] :warning: \\x1b[2J"
'''

MARKUP_SOFTMAX = '''import numpy as np


def softmax(Z):
    raise ValueError("[/] [bold]<script>alert('error')</script>\\x1b]0;owned\\x07\\x1b[2J")
'''

#: A name the hidden tests import the reference as, defined in the answer cell: were it bound
#: to the test's own function in the kernel, softmax would be the reference.
REFERENCE_NAMES_SOFTMAX = '''import numpy as np


def reference_softmax(Z):
    raise NotImplementedError


def softmax(Z):
    return reference_softmax(Z)
'''

STUBBORN_ONE_HOT = '''import signal
signal.signal(signal.SIGINT, signal.SIG_IGN)
while True:
    pass
'''

#: A right ``predict`` that ignores interrupts and never returns for one input only (a batch
#: of 50 examples, which one hidden test uses).
STUBBORN_PREDICT = '''import numpy as np
import signal


def predict(W, b, X):
    if X.shape[1] == 50:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        while True:
            pass
    return np.argmax(W @ X + b, axis=0)
'''

#: Processes that fork until the sandbox's process limit, then spin: a neighbour graded at the
#: same time must not notice.
FORK_BOMB = '''import os
while True:
    try:
        os.fork()
    except OSError:
        pass
'''


#: A right random_search that first hands the sampler (a grader callable in the tests) a
#: generator whose state makes NumPy read outside its key: drawn from in the grader, it would
#: crash the grading process and every submission graded in it.
RNG_CRASH = '''import numpy as np

refused = []


def crashing_generator():
    rng = np.random.Generator(np.random.MT19937(1))
    state = rng.bit_generator.state
    state["state"]["pos"] = 10**6
    rng.bit_generator.state = state
    return rng


def random_search(objective, sampler, n_trials, rng):
    if type(sampler).__name__ == "Callback":  # the grader's sampler, called back
        try:
            sampler(crashing_generator())
        except Exception as error:
            refused.append(f"{type(error).__name__}: {error}")
    history = []
    best_params, best_score = None, None
    for _ in range(n_trials):
        params = sampler(rng)
        score = objective(params)
        history.append((params, score))
        if best_score is None or score < best_score:
            best_params, best_score = params, score
    return best_params, best_score, history
'''

RNG_CRASH_REPORT = '''print("REFUSED", len(refused), refused[:1])
'''

REFERENCE_NAMES_C2F = '''def reference_coarse_to_fine(*args):
    raise NotImplementedError


def coarse_to_fine(objective, low, high, n_points, n_rounds, shrink, rng):
    return reference_coarse_to_fine(objective, low, high, n_points, n_rounds, shrink, rng)
'''


def greedy_beta(size: int) -> str:
    """A right ``sample_beta`` that first asks ``sample_log_uniform`` (a grader callable in the
    tests that bind it: a stand-in, the lent reference) for ``size`` samples: the grader, not the
    kernel, would allocate them (issue 18, finding 5)."""
    return f'''import numpy as np

refused = []


def sample_beta(low, high, size, rng):
    try:
        sample_log_uniform(0.001, 0.1, {size}, rng)
    except Exception as error:
        refused.append(f"{{type(error).__name__}}: {{error}}")
    if not high < 1:
        raise ValueError(f"high must be < 1; got high={{high}}")
    if not 0 <= low < high:
        raise ValueError(f"low must satisfy 0 <= low < high; got low={{low}}")
    return 1 - sample_log_uniform(1 - high, 1 - low, size, rng)
'''


GREEDY_REPORT = '''print("REFUSED", len(refused), refused[:1])
'''

#: The kernel's process name that :class:`tests.test_grader_bounds.OomKiller` (standing for the
#: out-of-memory killer) looks for: it then kills the process grading that submission.
OOM_VICTIM = "oom-victim"
NAMED_VICTIM = f'''import pathlib

pathlib.Path("/proc/self/comm").write_text("{OOM_VICTIM}")
'''


def softmax_class() -> dict[str, Hostile | object]:
    """Student id -> notebook (the honest twins) or :class:`Hostile` (attacks) for ``softmax``."""
    a = "softmax"
    good = full(a)
    wrong = with_answers(good, {"softmax": WRONG_SOFTMAX})
    reader = reader_source(course_needles(a))
    return {
        "control": good,
        "control-2": good,
        "blank": blank(a),
        "wrong": wrong,
        "one-hot-blank": with_answers(good, {"one_hot": answer(blank(a), "one_hot")}),
        "hooks": Hostile(added_after(blank(a), "setup", HOOKS), "blank",
                         "event hooks, input and AST transformers, a custom exception handler"),
        "hooks-plain": Hostile(added_after(blank(a), "setup", HOOKS_PLAIN), "blank",
                               "an event hook installed through get_ipython()"),
        "leftovers": Hostile(with_answers(good, {"softmax": LEFTOVERS}), "wrong",
                             "a reference or checker left in the kernel's modules or namespace"),
        "reference-names": Hostile(with_answers(good, {"softmax": REFERENCE_NAMES_SOFTMAX}),
                                   "wrong", "the hidden tests' name for the reference, defined"),
        "magic-import": Hostile(with_answers(good, {"softmax": MAGIC_IMPORT}), "wrong",
                                "a magic line before an import of the reference"),
        "patcher": Hostile(with_answers(good, {"softmax": PATCHER}), "wrong",
                           "numpy's comparisons patched in the answer cell"),
        "patch-evader": Hostile(added_after(wrong, "softmax", PATCH_EVADER), "wrong",
                                "numpy, builtins, the reference and the checks replaced"),
        "fake-bridge": Hostile(added_after(blank(a), "setup", FAKE_BRIDGE), "blank",
                               "the kernel's end of the channel replaced: crafted messages"),
        "oracle": Hostile(added_at_end(with_answers(good, {
            "softmax": ORACLE_SOFTMAX, "softmax_regression_grads": ORACLE_GRADS}),
            ORACLE_REPORT), "wrong", "the reference lent to one test asked about another's"),
        "exfiltrator": Hostile(added_at_end(added_after(wrong, "setup", EXFILTRATOR),
                                            EXFILTRATOR_SUMMARY, EXFILTRATOR_REPORT), "wrong",
                               "every message and cell the kernel sees, printed for feedback"),
        "reader": Hostile(added_after(good, "softmax", reader), "control",
                          "the whole visible file system searched for answers"),
        "floods": Hostile(added_after(good, "softmax", FLOODS), "control",
                          "prints, display updates, errors, comms, a thread, 150 MB at once"),
        "markup": Hostile(added_after(with_answers(good, {"softmax": MARKUP_SOFTMAX}),
                                      "softmax", MARKUP, MARKUP_FLAGGED), "wrong",
                          "rich markup, escape codes and scripts in outputs and errors"),
        "fork-bomb": Hostile(added_after(good, "predict", FORK_BOMB), "control",
                             "processes forked until the limit, spinning"),
        "stubborn": Hostile(with_answers(good, {"one_hot": STUBBORN_ONE_HOT,
                                                "predict": STUBBORN_PREDICT}), "one-hot-blank",
                            "loops that ignore SIGINT in an answer cell and in a tested call"),
    }


def tuning_class() -> dict[str, Hostile | object]:
    """The ``tuning`` class: a generator that crashes NumPy, the reference's name defined."""
    a = "tuning"
    good = full(a)
    return {
        "control": good,
        "c2f-blank": with_answers(good, {"coarse_to_fine": answer(blank(a), "coarse_to_fine")}),
        "rng-crash": Hostile(added_at_end(with_answers(good, {"random_search": RNG_CRASH}),
                                          RNG_CRASH_REPORT), "control",
                             "a generator state that makes NumPy read outside its buffer"),
        "reference-names": Hostile(with_answers(good, {"coarse_to_fine": REFERENCE_NAMES_C2F}),
                                   "c2f-blank", "the hidden tests' name for the reference"),
    }


def tiny_class(release, source) -> dict[str, Hostile | object]:
    """The tiny assignment's class (``tests/tiny_course.py``), for an ordinary user's grader."""
    good = solved(release, source)
    return {
        "control": good,
        "blank": release,
        "hooks": Hostile(added_after(release, "square", HOOKS), "blank", "hooks"),
        "fake-bridge": Hostile(added_after(release, "square", FAKE_BRIDGE), "blank",
                               "a fake bridge"),
        "reader": Hostile(added_after(good, "square", reader_source(needles(source, release))),
                          "control", "the file system searched"),
        "exfiltrator": Hostile(added_at_end(added_after(release, "square", EXFILTRATOR),
                                            EXFILTRATOR_SUMMARY, EXFILTRATOR_REPORT), "blank",
                               "messages recorded"),
    }
