"""The answer-cell rule, read statically: what a cell imports, names or patches that it may not.

The answer-cell rule: an answer cell defines its one function, with imports of ordinary
libraries. Read statically (the cell is parsed, not run, in the grader's own process, out of
the student's reach), a cell breaks the rule when it

- cannot be parsed as Python once IPython has transformed it (magics and ``!`` lines become
  ``get_ipython()`` calls first, exactly as the kernel would run them): what cannot be read
  cannot be checked, so it is a violation, not a pass;
- imports or names the reference (``course_lib``) or the grader (``grader``, ``course_kit``'s
  judge and channel, ``instructor_tools``), also in a
  string, including a string built from literal pieces (``"course_" + "lib"``,
  ``"".join([...])``, an f-string of literals, a literal reversed with ``[::-1]``);
- names a forbidden module, name or attribute (below) in such a string, the way
  ``getattr(x, "mod" + "ules")`` reaches what ``x.modules`` would, or reaches into a library's
  private parts (``np.testing._private.utils.sys``);
- reaches for the machinery that patches other code or digs into the grader
  (``FORBIDDEN_MODULES``, ``FORBIDDEN_NAMES``, ``FORBIDDEN_ATTRIBUTES``: ``importlib``,
  ``inspect``, ``sys``, ``__import__``, ``exec``, ``setattr``, ``__dict__``, ...);
- uses IPython beyond the harmless magics (``HARMLESS_MAGICS``: ``%matplotlib``, ``obj?``) and
  the timing magics, whose code is checked like the cell's own (``CODE_MAGICS``): any other
  magic, a shell command (``!``) or ``get_ipython`` itself (events, transformers), by any path
  (``IPython.get_ipython()``, ``from IPython import get_ipython as g``), or imports the
  kernel's machinery (``KERNEL_MODULES``: IPython but ``IPython.display``, ipykernel, ZMQ);
- assigns to an attribute of a module it imported (``np.allclose = ...``,
  ``numpy.testing.assert_allclose = ...``, ``math.isclose = ...``).

What the cell breaks comes as :class:`Broken` findings, each from a named rule (:data:`RULES`).
Only the rules about reaching answers or the grader (importing or naming the reference, the
grader or the sample answers) disqualify: at grading, ``grader.integrity`` gives such a cell
no points. Every other finding is flagged for a person in the grade report and costs nothing:
verdicts never depend on this check (tests run in the grader), so honest code that merely looks
unusual (``import sys`` for a debug print, ``%debug``, ``vars()``) must not lose its points.
``course check`` shows each finding with its consequence. This is a flag for the report, not the
line of defence: a static reading cannot see what code computes at run time (a module name
decoded from bytes, an attribute found by a loop over ``dir()``). The trust model (the README's
"How grading works") keeps verdicts out of the student's process and the reference out of the
kernel; this check names what it can see.
"""


from __future__ import annotations

import ast
import getopt
import importlib.util
import re
from dataclasses import dataclass

#: What answer cells may not import or name in a string: the reference, the grader, the
#: instructor's tools, the sample answers, and the student runtime but the modules below.
PROTECTED_PACKAGES = ("course_lib", "grader", "instructor_tools", "samples", "course_kit")
#: A string names one of them: ``grader`` and ``samples`` are English words too, so only as a
#: module path (``samples`` with a module under it: "samples" is a common axis label).
_PROTECTED_TEXT = re.compile(
    r"course_lib|instructor_tools|course_kit|^grader(\.\w+)*$|^samples(\.\w+)+$")
#: The student runtime's modules a notebook imports: the course's data, network and explorers,
#: and the test helpers. Importing them is harmless.
KIT_MODULE_NAMES = {
    "course_kit", "course_kit.checks", "course_kit.data", "course_kit.network",
    "course_kit._validate", "course_kit.explorers", "course_kit.explorers._view",
    "course_kit.explorers.batch_norm_explorer", "course_kit.explorers.ewa_explorer",
}  # fmt: skip
FORBIDDEN_MODULES = {
    "importlib",
    "ctypes",
    "gc",
    "inspect",
    "sys",
    "builtins",
    "pickle",
    "marshal",
    "types",
    "unittest",
}
FORBIDDEN_NAMES = {
    "__import__",
    "exec",
    "eval",
    "compile",
    "setattr",
    "delattr",
    "globals",
    "vars",
    "__builtins__",
    "open",
    "breakpoint",
}
FORBIDDEN_ATTRIBUTES = {
    "__dict__",
    "__globals__",
    "__code__",
    "__builtins__",
    "__class__",
    "__subclasses__",
    "__getattribute__",
    "__setattr__",
    "__delattr__",
    "f_globals",
    "f_back",
    "modules",
}


#: The kernel's own machinery (its shell, hooks, sockets); ``IPython.display`` is allowed.
KERNEL_MODULES = {"IPython", "ipykernel", "jupyter_client", "zmq", "traitlets", "comm"}
ALLOWED_SUBMODULES = ("IPython.display",)

#: Words that, as strings, reach what the names above reach (``getattr(x, "modules")``).
_FORBIDDEN_WORDS = (FORBIDDEN_MODULES | FORBIDDEN_NAMES | FORBIDDEN_ATTRIBUTES | KERNEL_MODULES
                    | {"get_ipython"})

#: Magics that neither run code nor change the kernel: ``%matplotlib inline``, ``np.mean?``.
HARMLESS_MAGICS = {"matplotlib", "pinfo", "pinfo2"}
#: Magics that run Python code given to them: name -> the getopt options of their line.
CODE_MAGICS = {
    "time": ("", []),
    "timeit": ("n:r:tcp:qo", []),
    "capture": ("", ["no-stderr", "no-stdout", "no-display"]),
}


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def ipython_to_python(source: str) -> str:
    """The cell as the kernel runs it: IPython's own transformation of magics and ``!`` lines.

    ``%matplotlib inline`` becomes ``get_ipython().run_line_magic('matplotlib', 'inline')``,
    ``!ls`` becomes ``get_ipython().system('ls')``; plain Python comes back unchanged.
    """
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def _literal_string(node: ast.AST) -> str | None:
    """The value of a string built from literals only (``"a" + "b"``, ``"".join(["a", "b"])``,
    ``f"a{'b'}"``), or None."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal_string(node.left), _literal_string(node.right)
        return None if left is None or right is None else left + right
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.slice, ast.Slice)
        and ast.unparse(node.slice) == "::-1"
    ):
        text = _literal_string(node.value)
        return None if text is None else text[::-1]
    if isinstance(node, ast.JoinedStr | ast.FormattedValue):
        parts = node.values if isinstance(node, ast.JoinedStr) else [node.value]
        pieces = [_literal_string(part) for part in parts]
        return None if None in pieces else "".join(pieces)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "join"
        and len(node.args) == 1
        and isinstance(node.args[0], ast.List | ast.Tuple)
    ):
        separator = _literal_string(node.func.value)
        pieces = [_literal_string(item) for item in node.args[0].elts]
        return None if separator is None or None in pieces else separator.join(pieces)
    return None


def _magic_call(node: ast.AST) -> tuple[str, list[str]] | None:
    """``(method, literal arguments)`` of a ``get_ipython().method("...", ...)`` call, else None."""
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Call)
        and isinstance(node.func.value.func, ast.Name)
        and node.func.value.func.id == "get_ipython"
        and not node.func.value.args
    ):
        return None
    arguments = [_literal_string(arg) for arg in node.args]
    if None in arguments or node.keywords:
        return None
    return node.func.attr, arguments


def _magic_code(method: str, arguments: list[str]) -> str | None:
    """The Python code a code magic runs: its line without the options, then its cell body
    (None when the options cannot be read)."""
    name, line = arguments[0], arguments[1] if len(arguments) > 1 else ""
    body = arguments[2] if method == "run_cell_magic" and len(arguments) == 3 else ""
    short, long = CODE_MAGICS[name]
    words = line.split()
    try:
        _, rest = getopt.getopt(words, short, long)
    except getopt.GetoptError:
        return None
    consumed = len(words) - len(rest)
    code = re.split(r"\s+", line.strip(), maxsplit=consumed)[-1] if consumed and rest else line
    return f"{code if rest else ''}\n{body}"


@dataclass(frozen=True)
class Broken:
    """One finding: the rule broken, the reason in a short phrase, and whether grading
    disqualifies the cell for it (only what reaches answers or the grader does)."""

    rule: str
    reason: str
    disqualifies: bool = False


class _Reading:
    """What the rules share while reading one cell: the local names bound to imported modules,
    and the nodes already judged (inside a magic, or a string already reported)."""

    def __init__(self, tree: ast.AST):
        self.modules: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                self.modules.update((a.asname or a.name).split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                self.modules.update(a.asname or a.name for a in node.names)
        self.judged: set[int] = set()

    def judge_all(self, node: ast.AST) -> None:
        self.judged |= {id(sub) for sub in ast.walk(node)}


def _imported_names(node: ast.AST) -> list[str]:
    """The modules an import statement imports (``from course_lib import softmax``: the
    module ``course_lib.softmax``), or none."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    if (node.module or "").split(".")[0] in PROTECTED_PACKAGES:
        return [f"{node.module}.{a.name}" for a in node.names
                if _is_module(f"{node.module}.{a.name}")] or [node.module or ""]
    return [node.module or ""]


def magics(node: ast.AST, reading: _Reading) -> list[Broken]:
    """IPython beyond the harmless and timing magics: other magics, shell commands; the code
    a timing magic runs is read by every rule."""
    call = _magic_call(node)
    if call is None:
        return []
    method, arguments = call
    name = arguments[0] if arguments else ""
    if method in ("system", "getoutput"):
        reading.judge_all(node)
        return [Broken("magics", f"runs a shell command (!{name})")]
    if method not in ("run_line_magic", "run_cell_magic"):
        return []
    if name in HARMLESS_MAGICS:  # its arguments are still read like any string
        reading.judged |= {id(node), id(node.func), id(node.func.value), id(node.func.value.func)}
        return []
    reading.judge_all(node)
    if name not in CODE_MAGICS:
        return [Broken("magics", f"uses the magic %{name}")]
    code = _magic_code(method, arguments)
    if code is None:
        return [Broken("magics", f"gives %{name} options that cannot be read")]
    return [Broken(b.rule, f"in %{name}: {b.reason}", b.disqualifies) for b in judged_rules(code)]


def reference_or_grader_imports(node: ast.AST, reading: _Reading) -> list[Broken]:
    """Imports of the reference (``course_lib`` but the kit's support modules) or the grader
    (``grader``, ``instructor_tools``): these reach answers, and disqualify."""
    found = []
    for name in _imported_names(node):
        top = name.split(".")[0]
        if top in PROTECTED_PACKAGES and name not in KIT_MODULE_NAMES:
            what = "the reference implementation" if top == "course_lib" else "the grader"
            found.append(Broken("reference_or_grader_imports", f"imports {what} ({name})", True))
    return found


def machinery_imports(node: ast.AST, reading: _Reading) -> list[Broken]:
    """Imports of the machinery that patches code or digs into the kernel (``sys``,
    ``importlib``, IPython but ``IPython.display``, ...)."""
    found = [
        Broken("machinery_imports", f"imports {name}")
        for name in _imported_names(node)
        if name.split(".")[0] in FORBIDDEN_MODULES or (
            name.split(".")[0] in KERNEL_MODULES
            and not any(name == m or name.startswith(m + ".") for m in ALLOWED_SUBMODULES))
    ]
    if isinstance(node, ast.Import | ast.ImportFrom) and any(
        a.name == "get_ipython" for a in node.names
    ):
        found.append(Broken("machinery_imports", "reaches into IPython (get_ipython)"))
    return found


def protected_strings(node: ast.AST, reading: _Reading) -> list[Broken]:
    """A string (built from literals) naming the reference or the grader: disqualifies."""
    text = _literal_string(node)
    if text is None or not _PROTECTED_TEXT.search(text):
        return []
    reading.judge_all(node)
    return [Broken("protected_strings", f"names the reference or the grader in a string "
                   f"({text!r})", True)]


def machinery_strings(node: ast.AST, reading: _Reading) -> list[Broken]:
    """A string that is exactly a forbidden module, name or attribute (``getattr(x, "mod" +
    "ules")``)."""
    text = _literal_string(node)
    if text is None or text not in _FORBIDDEN_WORDS:
        return []
    reading.judge_all(node)
    return [Broken("machinery_strings", f"names {text!r} in a string")]


def ipython_names(node: ast.AST, reading: _Reading) -> list[Broken]:
    """``get_ipython`` by name or attribute (events, transformers)."""
    if (isinstance(node, ast.Name) and node.id == "get_ipython") or (
        isinstance(node, ast.Attribute) and node.attr == "get_ipython"
    ):
        return [Broken("ipython_names", "reaches into IPython (get_ipython)")]
    return []


def machinery_names(node: ast.AST, reading: _Reading) -> list[Broken]:
    """Builtins that run or patch code (``exec``, ``setattr``, ``vars``, ``open``, ...)."""
    if isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
        return [Broken("machinery_names", f"uses {node.id}()")]
    return []


def machinery_attributes(node: ast.AST, reading: _Reading) -> list[Broken]:
    """Attributes that reach other code's insides (``__dict__``, ``__class__``, ``modules``)."""
    if isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_ATTRIBUTES:
        return [Broken("machinery_attributes", f"reaches into .{node.attr}")]
    return []


def library_patches(node: ast.AST, reading: _Reading) -> list[Broken]:
    """Assigning to (or deleting) an attribute of an imported module (``np.allclose = ...``)."""
    targets = (node.targets if isinstance(node, ast.Assign | ast.Delete)
               else [node.target] if isinstance(node, ast.AugAssign | ast.AnnAssign) else [])
    return [Broken("library_patches", f"replaces {ast.unparse(t)} (patching a library)")
            for t in targets
            if isinstance(t, ast.Attribute) and _root_name(t) in reading.modules]


def private_parts(node: ast.AST, reading: _Reading) -> list[Broken]:
    """A library's private attribute (``np.testing._private``)."""
    if (isinstance(node, ast.Attribute) and node.attr.startswith("_")
            and not node.attr.endswith("__") and _root_name(node) in reading.modules):
        return [Broken("private_parts", f"reaches into a library's private parts "
                       f"({ast.unparse(node)})")]
    return []


#: The rules, in the order a node is read: the first that finds something judges the node.
RULES = (magics, reference_or_grader_imports, machinery_imports, protected_strings,
         machinery_strings, ipython_names, machinery_names, machinery_attributes,
         library_patches, private_parts)


def judged_rules(source: str) -> list[Broken]:
    """Every rule an answer cell breaks (empty when it is fine), each finding once."""
    try:
        tree = ast.parse(ipython_to_python(source))
    except SyntaxError as error:
        where = f", line {error.lineno}" if error.lineno else ""
        return [Broken("parses", f"cannot be parsed as Python ({error.msg}{where})")]
    except (ValueError, RecursionError, MemoryError) as error:  # absurd nesting
        return [Broken("parses", f"cannot be parsed as Python ({type(error).__name__}: {error})")]
    reading = _Reading(tree)
    found: list[Broken] = []
    for node in ast.walk(tree):
        for rule in RULES:
            if id(node) in reading.judged:
                break
            broken = rule(node, reading)
            found += broken
            if broken:
                break
    return list(dict.fromkeys(found))


def violations(source: str) -> list[str]:
    """What in an answer cell breaks the rule, one short phrase each (empty when it is fine)."""
    return [broken.reason for broken in judged_rules(source)]


def disqualifying(source: str) -> list[str]:
    """The findings that cost the cell's points at grading (reaching answers or the grader)."""
    return [broken.reason for broken in judged_rules(source) if broken.disqualifies]


def _is_module(name: str) -> bool:
    """Whether ``name`` (``course_lib.x``) is a module of ours rather than a name in one."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False
