"""The table ``course check`` names mistakes from: what each catalogued mistake gives on the
visible tests' inputs (values, never code), built on the instructor's side for the student kit.

The visible tests' inputs are literal and their right values are in the release already, so
the outcomes of known mistakes on them tell a student nothing the notebook does not. For every
variant of every misconception (:mod:`grader.mistakes`) of a graded function, the release
notebook's set-up and visible test cells run through the real :class:`~course_kit.judge.Judge`
against an in-process "kernel" (:class:`InProcessLink`, the kernel side being
:mod:`course_kit.kernel.bridge`'s own code) whose namespace holds the reference for every graded
function but that one, which is the variant. Every test the variant fails records the outcomes
of the calls it made; ``course check`` names the mistake whose outcomes a student's failed test
reproduces (:func:`course_kit.check.named_mistake`). A variant is left out where it
passes the test, and where a right answer's outcomes are the same.

The table also lists the fingerprints of the course's own code cells that are not graded
(demonstrations), which ``course check`` may skip when they are unchanged.
"""

from __future__ import annotations

import builtins
import contextlib
import io
import json
import warnings
from collections.abc import Callable
from typing import Any

import nbformat
import numpy as np

from course_kit import wire
from course_kit.cells import (
    answer_sources,
    fingerprint,
    function_of,
    is_hidden_placeholder,
    is_setup_cell,
    is_test_cell,
    nbgrader_meta,
)
from course_kit.judge import Judge
from course_kit.kernel import bridge
from course_kit.outcomes import decode_outcome, encode_outcome, same_calls
from grader.mistakes import load, right_answers, substituting


class InProcessLink:
    """A kernel link whose kernel is a namespace in this process, served by the bridge's code."""

    def __init__(self, namespace: dict):
        self.namespace = namespace

    def close(self) -> None:
        """Nothing to close (the link of a real kernel has sockets)."""

    def exchange(self, request: dict, answer: Callable[[dict, float], dict],
                 deadline: float) -> dict:
        if request["op"] == "describe":
            names = {n: bridge._describe(self.namespace, n) for n in request["names"]}
            return wire.loads(wire.dumps({"op": "done", "names": names}))
        original = builtins.input
        builtins.input = lambda prompt: wire.dumps(answer(wire.loads(prompt), deadline))
        try:
            done = bridge._call(self.namespace, request)
        finally:
            builtins.input = original
        return wire.loads(wire.dumps(done))


def _as_student(function: str, answer: Callable, graded: list[str], namespace: dict) -> Callable:
    """``answer`` as the notebook's ``function``: other graded functions it calls are the
    namespace's (the test's stand-ins while a call has them, else the reference)."""

    def student(*args, **kwargs):
        others = {n: namespace[n] for n in graded if n != function and n in namespace}
        with substituting(others):
            return answer(*args, **kwargs)

    return student


def _run(nb, graded: list[str], function: str, answer: Callable) -> dict[str, tuple[bool, list]]:
    """``test grade_id -> (passed, calls)`` of the visible tests, with ``answer`` as
    ``function`` and a right answer as every other graded function."""
    namespace: dict[str, Callable] = {}
    for name in graded:
        right = answer if name == function else right_answers(name)[0]
        namespace[name] = _as_student(name, right, graded, namespace)
    judge = Judge(graded, cell_timeout=60)
    judge.link = InProcessLink(namespace)
    results = {}
    quiet = contextlib.redirect_stdout(io.StringIO())
    with quiet, warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for cell in nb.cells:
            if is_setup_cell(cell):
                judge.run_setup(cell.source)
            elif is_test_cell(cell) and not is_hidden_placeholder(cell):
                grade_id = nbgrader_meta(cell)["grade_id"]
                outcome = judge.run_test(cell.source, f"<test {grade_id}>")
                results[grade_id] = (outcome.passed, [encode_outcome(c.name, c.raised, c.result)
                                                     for c in outcome.calls])
    return results


def _raises_as_catalogued(calls: list, right: list, raises: tuple[str, ...]) -> bool:
    """Whether every exception the variant's calls raised is the mistake's own (catalogued in
    ``raises``) or the one a right answer raised on the same call (an argument check)."""
    return all(
        call[2] in raises or (i < len(right) and right[i][1:] == call[1:])
        for i, call in enumerate(calls) if call[1] == "raised"
    )


def assignment_table(nb) -> dict:
    """The table of one release notebook: ``functions``, ``course_cells`` (fingerprints of its
    ungraded code cells) and ``tests`` (``grade_id -> [{key, message, calls}]``, catalogue
    order)."""
    graded = list(answer_sources(nb))
    catalogue = load()
    tests: dict[str, list[dict]] = {}
    for function in graded if set(graded) <= catalogue.keys() else []:  # not another course's
        rights = [_run(nb, graded, function, answer) for answer in right_answers(function)]
        failing = [t for t, (passed, _) in rights[0].items() if not passed]
        if failing:
            raise RuntimeError(f"a right {function} fails the visible tests {failing}")
        for entry in catalogue.get(function, []):
            for variant in entry.variants:
                for test, (passed, calls) in _run(nb, graded, function, variant).items():
                    if passed or function_of(test, graded) != function:
                        continue
                    if not _raises_as_catalogued(calls, rights[0][test][1], entry.raises):
                        continue
                    outcomes = [decode_outcome(c) for c in calls]
                    if any(same_calls(right[test][1], outcomes) for right in rights):
                        continue
                    known = tests.setdefault(test, [])
                    if not any(e["key"] == entry.key and same_calls(e["calls"], outcomes)
                               for e in known):
                        known.append({"key": entry.key, "message": entry.message, "calls": calls})
    course_cells = sorted({
        fingerprint(c.source) for c in nb.cells
        if c.cell_type == "code" and not nbgrader_meta(c)
    })
    return {"functions": graded, "course_cells": course_cells, "tests": tests}


def build(release_notebooks: dict[str, Any]) -> str:
    """The kit's table file (JSON text) for ``assignment -> release notebook path``."""
    tables = {name: assignment_table(nbformat.read(path, 4))
              for name, path in release_notebooks.items()}
    return json.dumps(tables, allow_nan=False, separators=(",", ":"))
