"""Hidden tests draw new inputs in every grading run: what a student saw once is worth nothing."""

from __future__ import annotations

import numpy as np
import pytest
from jupyter_client.manager import KernelManager

from course_kit.judge import Judge, KernelLink, salted_seeds

HIDDEN = """# Hidden test: softmax of random logits.
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(6000)
Z = rng.normal(size=(3, 4))
E = np.exp(Z - Z.max(axis=0))
assert np.allclose(softmax(Z.copy()), E / E.sum(axis=0))
### END HIDDEN TESTS
"""
STUDENT = """
import numpy as np
seen = []

def softmax(Z):
    seen.append(Z.tolist())
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)
"""


def test_a_salt_changes_every_seeded_draw_and_only_while_it_lasts():
    plain = np.random.default_rng(3).uniform(size=4)
    with salted_seeds(12345):
        salted = np.random.default_rng(3).uniform(size=4)
        again = np.random.default_rng(3).uniform(size=4)
        listed = np.random.default_rng([1, 2]).uniform()
        given = np.random.default_rng(np.random.PCG64(3)).uniform(size=4)
    assert not np.allclose(salted, plain)
    assert np.array_equal(salted, again)  # a seed still gives one answer within a run
    assert np.array_equal(salted, np.random.default_rng([12345, 3]).uniform(size=4))
    assert listed == np.random.default_rng([12345, 1, 2]).uniform()
    assert np.array_equal(given, plain)  # a bit generator is taken as it is
    assert np.array_equal(np.random.default_rng(3).uniform(size=4), plain)


@pytest.mark.kernel
def test_two_grading_runs_show_the_student_different_hidden_inputs():
    km = KernelManager()
    km.start_kernel(extra_arguments=["--HistoryManager.hist_file=:memory:"])
    client = km.blocking_client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        assert client.execute_interactive(STUDENT, timeout=60)["content"]["status"] == "ok"
        for salt in (1, 2):
            judge = Judge(["softmax"], cell_timeout=10, salt=salt)
            judge.link = KernelLink(km.get_connection_info(), km.is_alive)
            judge.run_setup("import numpy as np")
            try:
                assert judge.run_test(HIDDEN, "<test>", hidden=True).passed
                assert judge.run_test("assert len(seen) > 0", "<visible>").passed
            finally:
                judge.link.close()
        judge = Judge(["softmax"], cell_timeout=10)
        judge.link = KernelLink(km.get_connection_info(), km.is_alive)
        try:
            seen = judge.run_test("assert len(seen) == 2\nfirst, second = seen", "<read>")
            assert seen.passed, seen.message
            first, second = judge.namespace["first"], judge.namespace["second"]
        finally:
            judge.link.close()
        assert not np.allclose(first, second)
        unsalted = np.random.default_rng(6000).normal(size=(3, 4))
        assert not np.allclose(first, unsalted) and not np.allclose(second, unsalted)
    finally:
        client.stop_channels()
        km.shutdown_kernel(now=True)
