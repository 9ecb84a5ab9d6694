"""The grader's side of the channel: test code here, the student's functions in a real kernel."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import numpy as np
import pytest
from jupyter_client.manager import KernelManager

from course_kit.judge import Judge, KernelLink

pytestmark = pytest.mark.kernel

STUDENT = '''
import numpy as np

def softmax(Z):
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)

def grads(W, b, X, Y):
    A = softmax(W @ X + b)
    return float(-np.sum(Y * np.log(A)) / X.shape[1]), (A - Y) @ X.T / X.shape[1]

def search(objective, sampler, n, rng):
    history = [(p := sampler(rng), objective(p)) for _ in range(n)]
    best = min(history, key=lambda h: h[1])
    return best[0], best[1], history

def squares(n):
    return [i * i for i in range(1, n + 1)]

def sum_of_squares(n):
    return sum(squares(n))

def add_one_in_place(Z):
    Z += 1
    return None

def positive(x):
    if x <= 0:
        raise ValueError(f"x must be positive; got {x}")
    return x

class Matrix:
    pass

def odd():
    return Matrix()

def loud(x):
    print("x" * 100_000)
    return x

def slow():
    while True:
        pass

def stubborn():
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        pass

heard = []

def ask(make, *args):
    """Calls a grader callable (the item-5 attack: sizes the grader must allocate)."""
    try:
        got = make(*args)
    except Exception as error:
        heard.append(f"{type(error).__name__}: {error}")
        return heard[-1]
    return f"got {type(got).__name__}"

def pester(make, n):
    """Calls a grader callable ``n`` times with small arguments."""
    for i in range(n):
        make(i)
    return n

def flood(seconds):
    """Keeps IOPub busy (never asks the grader anything) for at most ``seconds``."""
    import time
    kernel = get_ipython().kernel
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        kernel.session.send(kernel.iopub_socket, "stream", {"name": "stdout", "text": "x"})
    return "flooded"

answer = 42
'''


@pytest.fixture(scope="module")
def kernel():
    km = KernelManager()
    km.start_kernel(extra_arguments=["--HistoryManager.hist_file=:memory:"])
    client = km.blocking_client()
    client.start_channels()
    client.wait_for_ready(timeout=60)
    reply = client.execute_interactive(STUDENT, timeout=60)
    assert reply["content"]["status"] == "ok"
    yield km
    client.stop_channels()
    km.shutdown_kernel(now=True)


#: Seconds a test cell may run here: short, as hanging code is tested, yet long enough that a
#: loaded machine does not time out an honest call.
CELL_TIMEOUT = 10


@pytest.fixture
def judge(kernel):
    judge = Judge(["softmax", "grads", "search", "squares", "sum_of_squares", "add_one_in_place",
                   "positive", "odd", "loud", "slow", "stubborn", "ask", "flood", "pester"],
                  cell_timeout=CELL_TIMEOUT,
                  grader_memory=64 * 2**20)
    judge.link = KernelLink(kernel.get_connection_info(), kernel.is_alive)
    judge.run_setup("import numpy as np\nfrom course_kit.checks import check_close, replaced")
    yield judge
    judge.link.close()


def run(judge: Judge, code: str, hidden: bool = False):
    return judge.run_test(textwrap.dedent(code), "<test>", hidden=hidden)


def test_a_test_calls_the_students_function_and_judges_here(judge):
    outcome = run(judge, """
        A = softmax(np.array([[0.0, 1000.0], [np.log(3.0), 1000.0]]))
        check_close("softmax", A, [[0.25, 0.5], [0.75, 0.5]], rtol=1e-12)
        print("right")
    """)
    assert outcome.passed, outcome.message
    assert outcome.outputs == [{"output_type": "stream", "name": "stdout", "text": "right\n"}]


def test_a_failed_check_is_an_error_output_naming_the_visible_line(judge):
    outcome = run(judge, """
        A = softmax(np.zeros((2, 1)))
        check_close("softmax", A, [[1.0], [0.0]])
    """)
    assert not outcome.passed
    (error,) = outcome.outputs
    assert error["output_type"] == "error" and error["ename"] == "CheckFailed"
    assert "should be 0; got 0.5" in error["evalue"]
    assert error["traceback"][0].startswith("test line 3: check_close(")


def test_a_hidden_test_shows_no_line_of_its_source(judge):
    outcome = run(judge, "check_close('softmax', softmax(np.zeros((2, 1))), [[1.0], [0.0]])",
                  hidden=True)
    assert not outcome.passed
    assert all("check_close(" not in line for line in outcome.outputs[0]["traceback"])


def test_replaced_swaps_the_function_in_the_kernel_for_a_grader_callback(judge):
    outcome = run(judge, """
        seen = []
        def uniform(Z):
            seen.append(Z.shape)
            return np.full(Z.shape, 1 / Z.shape[0])
        with replaced(globals(), softmax=uniform):
            loss, dW = grads(np.ones((2, 3)), np.zeros((2, 1)), np.ones((3, 4)),
                             np.array([[1.0, 1, 0, 0], [0, 0, 1, 1]]))
        assert seen == [(2, 4)], seen
        check_close("dW", dW, np.zeros((2, 3)), atol=1e-15)
        # outside the block the student's own softmax is back
        check_close("softmax", softmax(np.array([[0.0], [0.0]])), [[0.5], [0.5]])
    """)
    assert outcome.passed, outcome.message


def test_a_name_the_test_deletes_is_missing_in_the_kernel_for_the_call(judge):
    """nbgrader's own documentation example: does sum_of_squares use squares?"""
    outcome = run(judge, """
        orig_squares = squares
        del squares
        try:
            sum_of_squares(1)
        except NameError:
            pass
        else:
            raise AssertionError("sum_of_squares does not use squares")
        finally:
            squares = orig_squares
        assert sum_of_squares(3) == 14
    """)
    assert outcome.passed, outcome.message


def test_what_a_test_bound_is_there_for_later_tests(judge):
    assert run(judge, "from course_kit.checks import check_equal\nexpected = [1, 4]").passed
    outcome = run(judge, "assert squares(2) == expected\ncheck_equal('x', np.ones(1), [1.0], "
                  "kind='float')")
    assert outcome.passed, outcome.message


def test_callables_are_called_back_and_generators_come_back_advanced(judge):
    outcome = run(judge, """
        values = iter([0.5, 2.0, 1.5])
        draws = []
        def sampler(rng):
            draws.append(rng.uniform())
            return next(values)
        rng = np.random.default_rng(7)
        best, score, history = search(lambda x: (x - 1.6) ** 2, sampler, 3, rng)
        assert best == 1.5 and abs(score - 0.01) < 1e-12, (best, score)
        assert [h[0] for h in history] == [0.5, 2.0, 1.5]
        twin = np.random.default_rng(7)
        assert draws == [twin.uniform() for _ in range(3)], draws
        assert rng.uniform() == twin.uniform()  # the kernel's draws advanced this generator
    """)
    assert outcome.passed, outcome.message


def test_an_array_changed_in_place_is_recorded_never_written_back_and_fails_only_its_check(judge):
    outcome = run(judge, """
        Z = np.zeros((2, 2))
        assert add_one_in_place(Z) is None
        assert (Z == 0).all(), Z  # the test's own array: values are judged on the original
    """)
    assert outcome.passed, outcome.message
    assert outcome.changed == ["add_one_in_place changed argument 1 in place; the course's "
                               "functions leave their arguments unchanged (work on a copy, or "
                               "build a new array)"]
    checked = run(judge, """
        from course_kit.checks import check_arguments_unchanged
        add_one_in_place(np.zeros((2, 2)))
        check_arguments_unchanged("add_one_in_place")
    """)
    assert not checked.passed and "add_one_in_place changed argument 1 in place" in checked.message


def test_exceptions_arrive_with_their_type_and_message(judge):
    outcome = run(judge, """
        try:
            positive(-2)
        except ValueError as error:
            assert "must be positive; got -2" in str(error)
        else:
            raise AssertionError("no ValueError")
    """)
    assert outcome.passed, outcome.message


def test_objects_that_are_not_data_fail_checks_by_their_type_name(judge):
    outcome = run(judge, "from course_kit.checks import check_array\ncheck_array('odd', odd())")
    assert not outcome.passed
    assert "got a Matrix" in outcome.message


def test_names_the_test_reads_come_from_the_kernel_as_data(judge):
    outcome = run(judge, "assert answer == 42 and type(answer) is int\nprint(missing_name)")
    assert not outcome.passed
    assert "NameError" in outcome.message and "missing_name" in outcome.message


def test_what_the_student_prints_during_a_test_never_reaches_the_outputs(judge):
    outcome = run(judge, "assert loud(3) == 3")
    assert outcome.passed and outcome.outputs == []
    assert judge.link.output_chars > 100_000


def test_a_hanging_function_is_interrupted_and_the_next_test_runs(judge):
    outcome = run(judge, "slow()")
    assert not outcome.passed and outcome.kernel_lost is None
    assert f"did not return within {CELL_TIMEOUT} s" in outcome.message
    assert run(judge, "assert positive(2) == 2").passed


def test_a_function_flooding_its_output_is_still_stopped_at_the_deadline(judge):
    """Output faster than the grader reads it must not keep the grader reading past the
    deadline (the flood stops by itself after 4 cell timeouts: the old grader returned then)."""
    outcome = run(judge, f"flood({4 * CELL_TIMEOUT})")
    assert not outcome.passed and f"did not return within {CELL_TIMEOUT} s" in outcome.message
    assert run(judge, "assert positive(2) == 2").passed


def test_a_function_calling_back_without_end_is_stopped_at_the_deadline(judge):
    """Each small callback costs the grader one round trip; the calls end at the deadline, with
    the kernel stopped mid-conversation and not left waiting."""
    outcome = run(judge, """
        seen = []
        pester(seen.append, 10**9)
    """)
    assert not outcome.passed and f"did not return within {CELL_TIMEOUT} s" in outcome.message
    assert 0 < len(judge.namespace["seen"]) < 10**9
    assert run(judge, "assert pester(lambda i: i, 3) == 3").passed


def peak_growth(action) -> int:
    """Bytes this process's peak resident memory grew by while ``action`` ran."""
    def hwm() -> int:
        status = Path("/proc/self/status").read_text()
        return int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.M).group(1)) * 1024

    Path("/proc/self/clear_refs").write_text("5")  # the peak starts again from now
    before = hwm()
    action()
    return hwm() - before


def test_a_callback_asked_for_more_than_the_graders_memory_budget_answers_an_error(judge):
    """The item-5 attack at 30 M elements (old grader: ~1.3 GB for it) against a 64 MiB budget:
    the kernel gets a MemoryError, the grader's peak barely moves, the next call works."""
    outcomes = []
    grew = peak_growth(lambda: outcomes.append(run(judge, """
        said = ask(lambda low, high, size, rng: np.full(size, 0.01), 0.001, 0.1, 30_000_000, None)
        assert said.startswith("MemoryError: Unable to allocate"), said
        assert positive(2) == 2
    """)))
    assert outcomes[0].passed, outcomes[0].message
    assert outcomes[0].refused[0].startswith("MemoryError: Unable to allocate")  # for a flag
    assert grew < 100 * 2**20, f"the grader grew by {grew / 2**20:.0f} MB"


def test_an_answer_too_large_to_send_reaches_the_kernel_as_an_error(judge):
    judge.grader_memory = 256 * 2**20
    outcome = run(judge, """
        said = ask(np.zeros, 10_000_000)  # 80 MB: 107 M characters, past the channel's 64 MiB
        assert said.startswith("MemoryError: the answer is too large to send"), said
        assert positive(2) == 2  # the kernel was not left waiting
    """)
    assert outcome.passed, outcome.message


def test_a_slow_callback_is_stopped_at_the_cells_deadline(judge):
    outcome = run(judge, """
        reached = [0]
        def count(n):
            for i in range(n):
                reached[0] = i
            return n
        ask(count, 10**9)
    """)
    assert not outcome.passed and f"did not return within {CELL_TIMEOUT} s" in outcome.message
    assert judge.namespace["reached"][0] < 10**9 - 1  # the old grader finished the loop first
    assert run(judge, "assert positive(1) == 1").passed  # the kernel was not left waiting


def test_the_grader_keeps_its_own_expected_values(kernel):
    """Nothing the kernel returns can reach an array the test computed itself."""
    judge = Judge(["softmax"], cell_timeout=5)
    judge.link = KernelLink(kernel.get_connection_info(), kernel.is_alive)
    judge.run_setup("import numpy as np")
    try:
        outcome = run(judge, """
            expected = np.array([[0.5], [0.5]])
            result = softmax(np.zeros((2, 1)))
            assert result is not expected and expected.tolist() == [[0.5], [0.5]]
        """)
        assert outcome.passed, outcome.message
        assert type(judge.namespace["result"]) is np.ndarray
    finally:
        judge.link.close()


def test_a_graded_function_the_test_only_calls_fails_as_it_would_when_missing_or_not_one(judge):
    """The judge asks the kernel nothing about a graded function the test only calls (the call
    finds it there): one the kernel lacks fails with the NameError a look-up gave, one bound to
    a number with the TypeError of calling it, and the next test sees the function again."""
    def fails(code: str) -> str:
        outcome = run(judge, code)
        assert not outcome.passed
        return outcome.message

    try:
        assert judge.link.client.execute_interactive(
            "_kept = squares\ndel squares", timeout=30)["content"]["status"] == "ok"
        assert fails("squares(3)") == "NameError: name 'squares' is not defined"
        assert judge.link.client.execute_interactive(
            "squares = 3", timeout=30)["content"]["status"] == "ok"
        assert fails("squares(3)") == "TypeError: 'int' object is not callable"
    finally:
        judge.link.client.execute_interactive("squares = _kept", timeout=30)
    assert run(judge, "assert squares(3) == [1, 4, 9]").passed


def test_a_function_that_ignores_interrupts_loses_the_kernel(judge):
    """Last in the file: it leaves the module's kernel stuck."""
    outcome = run(judge, "stubborn()")
    assert not outcome.passed
    assert outcome.kernel_lost and "did not stop" in outcome.kernel_lost

