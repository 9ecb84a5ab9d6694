"""`course check` runs in its own process only the set-up code its visible tests read."""

from __future__ import annotations

import ast

from course_kit.check import _setup_for

SETUP = """import numpy as np
import matplotlib.pyplot as plt
np.random.seed(0)
from course_kit.data import load_digits_split, make_blobs
"""


def test_the_setup_keeps_what_the_tests_read_and_what_binds_nothing():
    kept = _setup_for(SETUP, {"np", "make_blobs", "softmax"})
    assert ast.dump(ast.parse(kept)) == ast.dump(ast.parse(
        "import numpy as np\nnp.random.seed(0)\n"
        "from course_kit.data import load_digits_split, make_blobs\n"))


def test_the_setup_drops_the_plotting_imports_no_test_reads():
    assert "matplotlib" not in _setup_for(SETUP, {"np"})
