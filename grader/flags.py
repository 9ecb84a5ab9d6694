"""Flags: what the grading steps noticed about a submission, for the report and the formgrader.

Each step appends one-line flags to the autograded notebook's metadata (:func:`add_flags`);
:class:`FlagInGradebook`, the last autograde step, sets nbgrader's own ``flagged`` field of the
submitted notebook when there are any, so they show in the formgrader's "Flagged?" column.
"""

from __future__ import annotations

from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor

FLAGS_KEY = "course_flags"
#: Notebook metadata: ``test grade_id -> key`` of the mistake the diagnostics named in each
#: failed test (``grader.diagnostics``), for the class report.
DIAGNOSES_KEY = "course_diagnoses"


def add_flags(nb, flags: list[str]) -> None:
    """Append ``flags`` to the notebook's metadata, where the grader collects them."""
    if flags:
        nb.metadata.setdefault(FLAGS_KEY, [])
        nb.metadata[FLAGS_KEY] = list(nb.metadata[FLAGS_KEY]) + flags


def diagnosed_mistakes(folder) -> list[str]:
    """The keys of the mistakes named in the autograded notebooks in ``folder``, test by test."""
    import json

    keys = []
    for path in sorted(folder.glob("*.ipynb")):
        try:
            keys += json.loads(path.read_text()).get("metadata", {}).get(DIAGNOSES_KEY, {}).values()
        except (OSError, ValueError, AttributeError):
            continue
    return keys


class FlagInGradebook(NbGraderPreprocessor):
    """nbgrader autograde step: a notebook with flags is ``flagged`` in the gradebook."""

    def preprocess(self, nb, resources):
        if nb.metadata.get(FLAGS_KEY):
            info = resources["nbgrader"]
            with Gradebook(info["db_url"]) as gb:
                notebook = gb.find_submission_notebook(
                    info["notebook"], info["assignment"], info["student"]
                )
                notebook.flagged = True
                gb.db.commit()
        return nb, resources
