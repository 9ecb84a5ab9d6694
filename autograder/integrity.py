"""Answer cells that import the reference or tamper with other code earn nothing, by name.

The answer-cell rule: an answer cell defines its one function, with imports of ordinary
libraries. Read statically (the cell is parsed, not run, in the grader's own process, out of
the student's reach), a cell is disqualified when it

- imports or names the reference (``course_lib``) or the grader (``autograder``), also in a
  string (any string containing ``course_lib``);
- reaches for the machinery that patches other code or digs into the grader
  (``FORBIDDEN_MODULES``, ``FORBIDDEN_NAMES``, ``FORBIDDEN_ATTRIBUTES``: ``importlib``,
  ``inspect``, ``sys``, ``__import__``, ``exec``, ``setattr``, ``__dict__``, ...);
- assigns to an attribute of a module it imported (``np.allclose = ...``,
  ``numpy.testing.assert_allclose = ...``, ``math.isclose = ...``).

A disqualified cell is replaced by one that raises with the reason (the original follows as
comments), so its function's tests fail and the reason shows in the feedback; the flag goes into
the grade report. Dynamic tricks that avoid every name above remain possible in principle; the
test helpers' pristine references (``autograder.checks``) are the second line of defence.
"""

from __future__ import annotations

import ast

from nbgrader.preprocessors import NbGraderPreprocessor

from autograder.cells import is_answer_cell, nbgrader_meta
from autograder.rebuild import add_flags

PROTECTED_PACKAGES = ("course_lib", "autograder")
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


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def violations(source: str) -> list[str]:
    """What in an answer cell breaks the rule, one short phrase each (empty when it is fine)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []  # it fails on its own when run
    found: list[str] = []
    modules: set[str] = set()  # local names bound to imported modules
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
            )
            for name in names:
                top = name.split(".")[0]
                if top in PROTECTED_PACKAGES:
                    found.append(
                        f"imports the reference implementation ({name})"
                        if top == "course_lib"
                        else f"imports the grader ({name})"
                    )
                elif top in FORBIDDEN_MODULES:
                    found.append(f"imports {name}, which answer cells may not use")
            if isinstance(node, ast.Import):
                modules.update((a.asname or a.name).split(".")[0] for a in node.names)
            else:
                modules.update(a.asname or a.name for a in node.names)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if any(p in node.value for p in PROTECTED_PACKAGES):
                found.append(f"names the reference or the grader in a string ({node.value!r})")
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
    return list(dict.fromkeys(found))


def is_student_code(cell) -> bool:
    """An answer cell, or a code cell the student added (one nbgrader does not track)."""
    return is_answer_cell(cell) or (cell.cell_type == "code" and not nbgrader_meta(cell))


def disqualified_source(function: str, reasons: list[str], source: str) -> str:
    """A cell that raises with the reasons, the student's original kept below as comments."""
    reason = "; ".join(reasons)
    original = "\n".join(f"# {line}" for line in source.splitlines())
    message = f"course: the answer for {function} {reason}: it earns no points"
    return f"raise RuntimeError({message!r})\n# The submitted cell, not run:\n{original}"


class CheckAnswerCells(NbGraderPreprocessor):
    """nbgrader sanitize step: disqualify student code that breaks the rule (see module doc).

    Applies to answer cells and to cells the student added (which run like answers); a
    disqualified added cell is not run, so what it imported or patched never takes effect.
    """

    def preprocess(self, nb, resources):
        flags = []
        for index, cell in enumerate(nb.cells):
            if not is_student_code(cell):
                continue
            reasons = violations(cell.source)
            if not reasons:
                continue
            if is_answer_cell(cell):
                function = nbgrader_meta(cell).get("grade_id", "?")
                cell.source = disqualified_source(function, reasons, cell.source)
                flags.append(f"{function}: {'; '.join(reasons)} (no points)")
            else:
                cell.source = disqualified_source(f"cell {index + 1}", reasons, cell.source)
                flags.append(f"added cell {index + 1}: {'; '.join(reasons)} (not run)")
        add_flags(nb, flags)
        return nb, resources
