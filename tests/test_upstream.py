"""The third-party internals the grader relies on (grader.upstream) are where they were checked."""

from __future__ import annotations

import tomllib

import pytest
from packaging.requirements import Requirement

from grader import upstream
from grader.config import REPOSITORY


@pytest.mark.parametrize("hook", upstream.HOOKS, ids=[h.target for h in upstream.HOOKS])
def test_the_upstream_internal_is_as_checked(hook):
    assert upstream.problem(hook) is None, upstream.problem(hook)


@pytest.mark.parametrize(
    ("hook", "says"),
    [
        (upstream.Hook("nbclient:NotebookClient._gone", "used by x", "(self)"),
         "nbclient:NotebookClient._gone is gone (checked with nbclient 0.11.0; it is used by x)"),
        (upstream.Hook("nbclient:NotebookClient._async_handle_timeout", "used by x",
                       "(self, timeout)"),
         "nbclient:NotebookClient._async_handle_timeout now has the signature "
         "(self, timeout, cell=None), not (self, timeout)"),
        (upstream.Hook("nbconvert.preprocessors:ExecutePreprocessor.preprocess", "copied",
                       "(self, nb, resources=None, km=None)", body="0000000000000000"),
         "nbconvert.preprocessors:ExecutePreprocessor.preprocess's code changed since it was "
         "copied"),
    ],
)  # fmt: skip
def test_a_moved_internal_is_named_in_one_line(hook, says):
    assert says in upstream.problem(hook)


def test_a_copied_body_is_hashed_without_its_docstring_or_layout():
    def one(x):
        """Doc."""
        return x + 1  # a comment

    def two(x):
        return (x
                + 1)

    def three(x):
        return x + 2

    assert upstream.body_hash(one) == upstream.body_hash(two) != upstream.body_hash(three)


def test_the_engine_is_pinned_to_the_range_checked():
    project = tomllib.loads((REPOSITORY / "pyproject.toml").read_text())["project"]
    pins = {Requirement(r).name.replace("-", "_"): Requirement(r).specifier
            for r in project["dependencies"]}
    for package, version in upstream.CHECKED.items():
        assert version in pins[package], (package, pins[package])
        assert any(s.operator == "<" for s in pins[package]), f"{package} has no upper bound"
