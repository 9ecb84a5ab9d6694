"""Test files of an optional extra are left out, with one line, when it is absent (conftest)."""

from __future__ import annotations

import importlib.util
from types import SimpleNamespace

import pytest

from tests import conftest


@pytest.fixture
def no_dask(monkeypatch):
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "distributed" else find_spec(name, *a))


def test_a_missing_extra_leaves_its_test_file_out_with_one_line(no_dask, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    config = SimpleNamespace(stash=pytest.Stash())
    conftest.pytest_configure(config)
    assert conftest.pytest_ignore_collect(conftest.Path("tests/test_cluster.py"), config)
    assert conftest.pytest_ignore_collect(conftest.Path("tests/test_kit.py"), config) is None
    lines = []
    conftest.pytest_terminal_summary(SimpleNamespace(write_line=lines.append), config)
    assert lines == ["left out test_cluster.py: the extra cluster is not installed "
                     "(pip install -e '.[cluster]', or make dev)"]


def test_under_ci_a_missing_extra_is_an_error(no_dask, monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.UsageError, match="CI runs every test: left out test_cluster.py"):
        conftest.pytest_configure(SimpleNamespace(stash=pytest.Stash()))

