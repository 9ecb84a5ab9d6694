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

At grading, ``grader.integrity`` disqualifies such a cell (no points, a flag in the report);
``course check`` warns the student in one line. This is a flag for the report, not the line of
defence: a static reading cannot see what code computes at run time (a module name decoded from
bytes, an attribute found by a loop over ``dir()``). The trust model (the README's "How grading
works") keeps verdicts out of the student's process and the reference out of the kernel; this
check names what it can see.
"""


from __future__ import annotations

import ast
import getopt
import importlib.util
import re

#: What answer cells may not import or name in a string: the reference, the grader, the
#: instructor's tools, and the student runtime but the modules below.
PROTECTED_PACKAGES = ("course_lib", "grader", "instructor_tools", "course_kit")
#: A string names one of them: ``grader`` is an English word too, so only as a module path.
_PROTECTED_TEXT = re.compile(r"course_lib|instructor_tools|course_kit|^grader(\.\w+)*$")
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


def _ipython_use(node: ast.AST, found: list[str]) -> set[int]:
    """Judge one ``get_ipython().method(...)`` call with literal arguments (a magic, a shell
    command); return the ids of the nodes judged (none when ``node`` is no such call)."""
    call = _magic_call(node)
    if call is None:
        return set()
    method, arguments = call
    name = arguments[0] if arguments else ""
    skeleton = {id(node), id(node.func), id(node.func.value), id(node.func.value.func)}
    if method in ("system", "getoutput"):
        found.append(f"runs a shell command (!{name}), which answer cells may not do")
    elif method not in ("run_line_magic", "run_cell_magic"):
        return set()
    elif name in HARMLESS_MAGICS:
        return skeleton  # its arguments are still read like any string
    elif name in CODE_MAGICS:
        code = _magic_code(method, arguments)
        if code is None:
            found.append(f"gives %{name} options that cannot be read")
        else:
            found.extend(f"in %{name}: {reason}" for reason in violations(code))
    else:
        found.append(f"uses the magic %{name}, which answer cells may not use")
    return {id(sub) for sub in ast.walk(node)}


def violations(source: str) -> list[str]:
    """What in an answer cell breaks the rule, one short phrase each (empty when it is fine)."""
    try:
        return _broken_rules(ast.parse(ipython_to_python(source)))
    except SyntaxError as error:
        where = f", line {error.lineno}" if error.lineno else ""
        return [f"cannot be parsed as Python ({error.msg}{where})"]
    except (ValueError, RecursionError, MemoryError) as error:  # absurd nesting
        return [f"cannot be parsed as Python ({type(error).__name__}: {error})"]


def _broken_rules(tree: ast.AST) -> list[str]:
    found: list[str] = []
    modules: set[str] = set()  # local names bound to imported modules
    checked: set[int] = set()  # nodes inside a get_ipython() call already judged
    for node in ast.walk(tree):
        if id(node) in checked:
            continue
        checked |= _ipython_use(node, found)
        if id(node) in checked:
            continue
        text = _literal_string(node)
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
            )
            if (isinstance(node, ast.ImportFrom)
                    and (node.module or "").split(".")[0] in PROTECTED_PACKAGES):
                names = [f"{node.module}.{a.name}" for a in node.names if _is_module(
                    f"{node.module}.{a.name}")] or names  # ``from course_lib import softmax``
            for name in names:
                top = name.split(".")[0]
                if name in KIT_MODULE_NAMES:
                    continue  # answer-free support code, the same students have in their kit
                if top in PROTECTED_PACKAGES:
                    found.append(
                        f"imports the reference implementation ({name})"
                        if top == "course_lib"
                        else f"imports the grader ({name})"
                    )
                elif top in FORBIDDEN_MODULES or (
                    top in KERNEL_MODULES
                    and not any(name == m or name.startswith(m + ".") for m in ALLOWED_SUBMODULES)
                ):
                    found.append(f"imports {name}, which answer cells may not use")
            if any(a.name == "get_ipython" for a in node.names):
                found.append("reaches into IPython (get_ipython), which answer cells may not use")
            if isinstance(node, ast.Import):
                modules.update((a.asname or a.name).split(".")[0] for a in node.names)
            else:
                modules.update(a.asname or a.name for a in node.names)
        elif text is not None and _PROTECTED_TEXT.search(text):
            found.append(f"names the reference or the grader in a string ({text!r})")
            checked |= {id(sub) for sub in ast.walk(node)}
        elif text is not None and text in _FORBIDDEN_WORDS:
            found.append(f"names {text!r} in a string, which answer cells may not use")
            checked |= {id(sub) for sub in ast.walk(node)}
        elif (isinstance(node, ast.Name) and node.id == "get_ipython") or (
            isinstance(node, ast.Attribute) and node.attr == "get_ipython"
        ):
            found.append("reaches into IPython (get_ipython), which answer cells may not use")
        elif isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
            found.append(f"uses {node.id}(), which answer cells may not use")
        elif isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_ATTRIBUTES:
            found.append(f"reaches into .{node.attr}")
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        elif isinstance(node, ast.Delete):
            targets = node.targets
        for target in targets:
            if isinstance(target, ast.Attribute) and _root_name(target) in modules:
                found.append(f"replaces {ast.unparse(target)} (patching a library)")
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.endswith("__")
            and _root_name(node) in modules
        ):
            found.append(f"reaches into a library's private parts ({ast.unparse(node)})")
    return list(dict.fromkeys(found))


def _is_module(name: str) -> bool:
    """Whether ``name`` (``course_lib.x``) is a module of ours rather than a name in one."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False
