"""The rules that can cost a student points, in one text: the opening of every graded notebook
contains it verbatim (a test checks) and the kit's README includes it (``course kit``)."""

from course_kit.limits import CELL_TIMEOUT, SUBMISSION_TIMEOUT

#: Markdown, as it appears in each notebook's opening cell and in the kit's README.
RULES_MARKDOWN = f"""## Rules that can cost points

- **Answer cells.** Write each function's body in its answer cell, below the docstring (where
  it says `# YOUR CODE HERE`). Keep the `def` line and the docstring as given: the tests call
  the function by that name, with those arguments. An answer cell may import ordinary libraries
  (NumPy, `math`, `itertools`, ...) and define helpers for its function.
- **What an answer cell may not do.** A cell that imports or names the course's reference,
  grader or sample answers (`course_lib`, `grader`, `instructor_tools`, `samples`) gets **no
  points** for its function. Anything else unusual (`import sys`, a magic such as `%debug`,
  patching a library) costs nothing by itself but is flagged for a person; `course check` shows
  each finding and what it costs.
- **Do not change your arguments in place.** Compute new arrays (`Z - mu`, not `Z -= mu`) and
  return them: a function that changes an array it was given loses the points of the tests that
  check that the arguments are left as they were.
- **Time.** At grading, every cell, and every call a test makes to your function, may run
  for {CELL_TIMEOUT} s, and the whole notebook for {SUBMISSION_TIMEOUT} s, restarts included.
  What runs longer is stopped and counts as failed; once the notebook's time is used up, the
  cells left score nothing.
- **Your own cells.** You may add cells (helpers, experiments). They run at grading, in order,
  like the given cells, so keep them quick and free of errors. Test cells are restored from the
  original at grading: editing or deleting one changes nothing.
- **Written answers** are graded by a person, with the rubric shown under each question: the
  rubric says what earns each point.
"""
