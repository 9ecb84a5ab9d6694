"""The static answer-cell check (grader.integrity): what it flags, and that it cannot be
skipped by a magic, a shell line, a syntax error or a module name built from pieces."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from course_kit.rules import RULES, judged_rules, violations
from grader.flags import FLAGS_KEY
from grader.integrity import FLAGGED, CheckAnswerCells

HONEST = """import numpy as np

def softmax(Z):
    E = np.exp(Z - Z.max(axis=0))
    return E / E.sum(axis=0)
"""


@pytest.mark.parametrize(
    "source",
    [
        HONEST,
        "%matplotlib inline\n" + HONEST,
        "get_ipython().run_line_magic('matplotlib', 'inline')\n" + HONEST,
        "np.exp?\n" + HONEST,
        "%timeit -n 3 -r 2 np.exp(1.0)\n" + HONEST,
        "%%time\n" + HONEST,
        'def f():\n    s = "### BEGIN HIDDEN TESTS"\n    return s\n',
    ],
    ids=["plain", "magic", "explicit-magic", "help", "timeit", "time-cell", "marker-string"],
)
def test_honest_cells_pass(source):
    assert violations(source) == []


@pytest.mark.parametrize(
    ("source", "says"),
    [
        ("%matplotlib inline\nimport course_lib.softmax\n", "imports the reference"),
        ("%matplotlib inline\n!echo hi\nimport gc\n", "imports gc"),
        ("%%time\nfrom course_lib.softmax import softmax\n", "in %time: imports the reference"),
        ("%timeit -q import ctypes\n", "in %timeit: imports ctypes"),
        ("%%timeit import sys\nx = 1\n", "in %timeit: imports sys"),
        ("%%capture --no-stderr out\nimport inspect\n", "in %capture: imports inspect"),
        ("%timeit --bogus x\n", "options that cannot be read"),
        ("!cat /etc/passwd\n", "runs a shell command (!cat /etc/passwd)"),
        ("files = !ls\n", "runs a shell command (!ls)"),
        ("%run helper.py\n", "uses the magic %run"),
        ("%%writefile x.py\nimport gc\n", "uses the magic %writefile"),
        ("get_ipython().run_line_magic('run', 'helper.py')\n", "uses the magic %run"),
        ("get_ipython().run_line_magic('time', 'import gc')\n", "in %time: imports gc"),
        ("get_ipython().run_line_magic(name, line)\n", "reaches into IPython"),
        ("get_ipython().events.register('pre_run_cell', f)\n", "reaches into IPython"),
        ("ip = get_ipython()\nip.ast_transformers.append(t)\n", "reaches into IPython"),
        ("%matplotlib course_lib\n", "names the reference or the grader in a string"),
        ('__import__("course_" + "lib.softmax")\n', "uses __import__()"),
        ('__import__("course_" + "lib.softmax")\n', "in a string ('course_lib.softmax')"),
        ('m = "".join(["course", "_lib"])\n', "in a string ('course_lib')"),
        ("m = f\"{'course'}_kit.judge\"\n", "in a string ('course_kit.judge')"),
        ("m = 'gra' + 'der.sandbox'\n", "in a string ('grader.sandbox')"),
        ('import importlib\nimportlib.import_module("course_lib.softmax")\n', "imports importlib"),
        ("np.allclose = lambda *a, **k: True\n", "replaces np.allclose"),
    ],
)
def test_forbidden_code_is_flagged_even_behind_magics(source, says):
    source = source if "np." not in source else "import numpy as np\n" + source
    reasons = violations(source)
    assert any(says in reason for reason in reasons), reasons


@pytest.mark.parametrize(
    ("source", "says"),
    [
        (
            "def softmax(Z:\n    return Z\n",
            "cannot be parsed as Python ('(' was never closed, line 1)",
        ),
        ("%matplotlib inline\ndef softmax(Z):\nreturn Z\n", "cannot be parsed as Python"),
        ("x = " + "+".join(['"a"'] * 5000) + "\n", "cannot be parsed as Python (RecursionError"),
    ],
    ids=["syntax-error", "magic-then-indentation-error", "absurd-nesting"],
)
def test_a_cell_that_cannot_be_parsed_is_a_violation(source, says):
    (reason,) = violations(source)
    assert reason.startswith(says), reason


def _answer(source: str, grade_id: str = "softmax") -> nbformat.NotebookNode:
    meta = {"grade_id": grade_id, "solution": True, "grade": False, "locked": False}
    return new_code_cell(source, metadata={"nbgrader": meta})


def test_check_answer_cells_disqualifies_what_reaches_the_reference_and_flags_the_rest():
    hostile = "%matplotlib inline\nimport course_lib.softmax as ref\nsoftmax = ref.softmax\n"
    unparsable = "def one_hot(labels, C):\n    return np.eye(C)[labels].T +\n"
    added = "%load_ext evil\n"
    nb = new_notebook(
        cells=[_answer(hostile), _answer(unparsable, "one_hot"), new_code_cell(added)]
    )
    nb, _ = CheckAnswerCells().preprocess(nb, {})
    softmax, one_hot, extra = nb.cells
    assert softmax.source.startswith("raise RuntimeError(")
    assert "imports the reference implementation (course_lib.softmax)" in softmax.source
    assert "# import course_lib.softmax as ref" in softmax.source  # the original, as comments
    assert one_hot.source == unparsable and extra.source == added  # they run as written
    flags = nb.metadata[FLAGS_KEY]
    assert flags[0].startswith("softmax: imports the reference") and flags[0].endswith(
        "(no points)"
    )
    assert flags[1].startswith("one_hot: cannot be parsed as Python")
    assert flags[1].endswith(f"({FLAGGED})")
    assert flags[2] == f"added cell 3: uses the magic %load_ext ({FLAGGED})"
    compile(softmax.source, "<cell>", "exec")  # what replaces a cell is valid Python that raises


#: Honest code that looks unusual (finding 3 of issue 21): each once cost its function's points.
UNUSUAL = [
    "import sys\nprint('debug', file=sys.stderr)",
    "%debug",
    "%load_ext autoreload",
    "print(vars())",
    "kind = x.__class__",
    "mode = 'open'",
    "how = 'eval'",
    "what = 'types'",
]


@pytest.mark.parametrize("line", UNUSUAL)
def test_honest_but_unusual_code_is_flagged_for_a_person_and_keeps_its_points(line):
    source = f"{line}\n{HONEST}"
    found = judged_rules(source)
    assert found and not any(b.disqualifies for b in found), found
    nb, _ = CheckAnswerCells().preprocess(new_notebook(cells=[_answer(source)]), {})
    assert nb.cells[0].source == source  # not replaced: it runs and its tests judge it
    (flag,) = nb.metadata[FLAGS_KEY]
    assert flag.endswith(f"({FLAGGED})")


def test_every_finding_comes_from_a_named_rule():
    source = ("import sys\nimport course_lib.softmax\nnp._private = 1\nx = 'course_lib'\n"
              "setattr(a, 'b', 1)\n!ls\n")
    rules = {b.rule: b.disqualifies for b in judged_rules("import numpy as np\n" + source)}
    assert rules == {"machinery_imports": False, "reference_or_grader_imports": True,
                     "library_patches": False, "private_parts": False, "protected_strings": True,
                     "machinery_names": False, "magics": False}
    assert set(rules) <= {rule.__name__ for rule in RULES}


@pytest.mark.parametrize(
    "source",
    [
        "from course_kit.data import load_digits_split",
        "from course_kit.explorers.ewa_explorer import ewa_window_explorer",
        "from course_kit.network import MLP, BatchNormFunctions",
        "from course_kit.checks import check_close",
    ],
)
def test_the_kits_support_modules_may_be_imported(source):
    assert violations(source) == []


@pytest.mark.parametrize(
    "source, says",
    [
        ("from course_lib import softmax", "course_lib.softmax"),
        ("from course_lib.fast import softmax_fast", "course_lib.fast"),
        ("from course_lib.experiments import reference_functions", "course_lib.experiments"),
        ("from course_kit.kernel import bridge", "grader"),
        ("from samples.batch_norm import SUBMISSIONS", "samples"),
        ("importlib.import_module('samples.softmax')", "samples"),
    ],
)
def test_the_reference_and_the_grader_may_not(source, says):
    found = violations(source)
    assert found and any(says in f for f in found), found


def test_samples_as_a_word_is_no_module_path():
    """"samples" labels many an axis: only a module path under it names the sample answers."""
    assert violations("def f(x):\n    return plt.xlabel('samples')") == []


def test_the_courses_own_cells_are_not_the_students():
    from grader.integrity import is_student_code
    from grader.rebuild import COURSE_CELL_KEY

    demo = "from course_kit.explorers.batch_norm_explorer import gamma_beta_explorer"
    assert not is_student_code(new_code_cell(demo, metadata={COURSE_CELL_KEY: True}))
    assert is_student_code(new_code_cell(demo))  # the same cell, added by a student
