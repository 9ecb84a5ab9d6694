"""The student kit holds no answers, and alone it runs the completed notebooks to full marks."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest
from traitlets.config import Config

from course_kit import RUNTIME
from course_kit.cells import answer_sources
from course_kit.student_rules import RULES_MARKDOWN
from grader.config import REPOSITORY, configure
from instructor_tools import assignments
from instructor_tools.kit import write_kit
from instructor_tools.sample_class import solved, with_answers

ASSIGNMENTS = ("tuning", "scale", "batch_norm", "softmax")
UNSHIFTED_SOFTMAX = ("import numpy as np\n\n\ndef softmax(Z):\n    E = np.exp(Z)\n"
                     "    return E / E.sum(axis=0)\n")
#: The student runtime's modules, as the kit's wheel names them (``course_kit/judge.py``).
KIT_MODULES = sorted(str(p.relative_to(RUNTIME.parent)) for p in RUNTIME.rglob("*.py"))
REFERENCE_MODULES = ("tuning", "scale", "batch_norm", "softmax", "fast")
#: Lines that only convert an argument (``labels = np.asarray(labels)``): no answer in them.
ARGUMENT_CHECK = re.compile(r"^(\w+) = np\.asarray\(\1(, dtype=[\w.]+)?\)$")
REGION = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1", re.S)


def telling(line: str) -> bool:
    """A line long and specific enough that finding it means an answer leaked."""
    line = line.strip()
    generic = ("#", "import ", "from ", '"""', "raise ", "if ", "elif ", "else", "try", "except",
               "def ", "class ", "with ", "for ", "while ")
    return len(line) >= 16 and not line.startswith(generic) and not line.endswith(("(", ":"))


def answer_lines() -> set[str]:
    """Every telling line of source/'s solution and hidden-test regions and of the reference
    functions' bodies (docstrings left out: they are the contract students are given)."""
    lines, visible = set(), set()
    for path in sorted((REPOSITORY / "source").glob("*/*.ipynb")):
        for cell in nbformat.read(path, 4).cells:
            for _, region in REGION.findall(cell.source):
                lines |= {x.strip() for x in region.splitlines() if telling(x)}
            visible |= {x.strip() for x in REGION.sub("", cell.source).splitlines()}
    for module in REFERENCE_MODULES:
        text = (REPOSITORY / "course_lib" / f"{module}.py").read_text()
        source = text.splitlines()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef):
                body = node.body[1:] if ast.get_docstring(node) else node.body
                for stmt in body:
                    chunk = source[stmt.lineno - 1 : stmt.end_lineno]
                    lines |= {x.strip() for x in chunk if telling(x)}
    return {x for x in lines - visible if not ARGUMENT_CHECK.match(x)}


def kit_texts(kit: Path) -> dict[str, str]:
    """Every text in the kit: notebook cells, the wheel's members, the README."""
    texts = {}
    for path in kit.rglob("*"):
        if path.suffix == ".whl":
            with zipfile.ZipFile(path) as wheel:
                texts |= {f"{path.name}:{n}": wheel.read(n).decode() for n in wheel.namelist()}
        elif path.suffix == ".ipynb":
            nb = nbformat.read(path, 4)
            texts |= {f"{path.name}[{i}]": c.source for i, c in enumerate(nb.cells)}
        elif path.is_file():
            texts[str(path)] = path.read_text()
    return texts


@pytest.fixture(scope="module")
def kit(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("kit")
    write_kit(REPOSITORY, out, list(ASSIGNMENTS), title="Deep learning, week 3")
    return out


def test_the_kit_holds_notebooks_a_wheel_and_a_readme(kit):
    assert sorted(p.name for p in kit.iterdir()) == sorted(
        [*ASSIGNMENTS, "README.md", "dl_course_kit-0.1.0-py3-none-any.whl"]
    )
    with zipfile.ZipFile(kit / "dl_course_kit-0.1.0-py3-none-any.whl") as wheel:
        names = wheel.namelist()
        assert sorted(n for n in names if ".dist-info/" not in n) == sorted(
            [*KIT_MODULES, "course_kit/visible_mistakes.json"])
        entry = wheel.read("dl_course_kit-0.1.0.dist-info/entry_points.txt").decode()
        assert "course = course_kit.command:run" in entry


def test_the_readme_states_the_rules_that_cost_points(kit):
    """The same text as every notebook's opening (tests/test_notebook_teaching.py)."""
    assert RULES_MARKDOWN.strip() in (kit / "README.md").read_text()


def test_no_solution_hidden_test_or_reference_line_is_in_the_kit(kit):
    lines = answer_lines()
    assert len(lines) > 200  # the scan has something to look for
    leaks = [(where, line) for where, text in kit_texts(kit).items()
             for line in lines & {x.strip() for x in text.splitlines()}]
    assert not leaks, leaks[:40]


def test_no_module_of_the_kit_imports_the_reference_the_grader_or_the_instructors_tools():
    """Anywhere in a module, at import time or inside a function: the kit is installed alone."""
    forbidden = re.compile(r"^(course_lib|grader|instructor_tools|samples|nbgrader)(\.|$)")
    assert len(KIT_MODULES) > 10  # the scan has something to read
    for name in KIT_MODULES:
        tree = ast.parse((RUNTIME.parent / name).read_text())
        for node in ast.walk(tree):
            modules = ([a.name for a in node.names] if isinstance(node, ast.Import)
                       else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(forbidden.match(m) for m in modules), (name, modules)


def test_the_grading_runtime_is_the_kit_package_and_is_readable_by_anyone():
    c = configure(Config(), REPOSITORY, sandbox=True)
    assert c.SandboxedKernelManager.runtime_paths == [str(RUNTIME)]
    assert RUNTIME == REPOSITORY / "kit" / "course_kit"
    assert all(p.stat().st_mode & 0o004 for p in RUNTIME.rglob("*.py"))


@pytest.mark.e2e
@pytest.mark.kernel
def test_a_fresh_virtualenv_with_only_the_kit_checks_completed_notebooks(kit, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    wheel = next(kit.glob("*.whl"))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", str(wheel)], check=True,
                   env=env, cwd=tmp_path)
    found = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "import importlib.util as u; print([u.find_spec(m) for m in "
                            "('course_lib', 'grader', 'instructor_tools')])"],
                           capture_output=True, text=True, env=env, cwd=tmp_path)
    assert found.stdout.strip() == "[None, None, None]", found.stderr
    for name in ASSIGNMENTS:
        release = nbformat.read(kit / name / f"{name}.ipynb", 4)
        source = nbformat.read(assignments.source_path(name, REPOSITORY), 4)
        done = tmp_path / "work" / name
        done.mkdir(parents=True)
        nbformat.write(solved(release, source), done / f"{name}.ipynb")
        result = subprocess.run([str(venv / "bin" / "course"), "check", f"{name}.ipynb"],
                                capture_output=True, text=True, env=env, cwd=done, timeout=300)
        assert result.returncode == 0, (name, result.stdout, result.stderr)
        functions = answer_sources(release)
        for function in functions:
            row = next(r for r in result.stdout.splitlines() if r.startswith(function + " "))
            passed = re.search(r"(\d+)/(\d+) passed", row)
            assert passed and passed[1] == passed[2] != "0", row
        assert "WARNING" not in result.stderr, result.stderr
    # a classic mistake: the kit's table names it, with its fix, before the deadline
    release = nbformat.read(kit / "softmax" / "softmax.ipynb", 4)
    source = nbformat.read(assignments.source_path("softmax", REPOSITORY), 4)
    mistaken = with_answers(solved(release, source), {"softmax": UNSHIFTED_SOFTMAX})
    nbformat.write(mistaken, tmp_path / "work" / "softmax" / "mistaken.ipynb")
    result = subprocess.run([str(venv / "bin" / "course"), "check", "mistaken.ipynb"],
                            capture_output=True, text=True, env=env,
                            cwd=tmp_path / "work" / "softmax", timeout=300)
    assert result.returncode == 1
    assert "Likely mistake: Your softmax overflows for large logits" in result.stdout
