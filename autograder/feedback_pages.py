"""``course feedback A``: nbgrader's ``generate_feedback`` with the course's configuration."""

from __future__ import annotations

from pathlib import Path

from autograder.config import course_config, run_converter
from autograder.errors import CourseError


def generate_feedback(assignment: str, root: Path, db_url: str | None = None) -> list[Path]:
    """Write ``feedback/<student>/<a>/<a>.html`` for every autograded student; return the pages."""
    if not (root / "autograded").is_dir() or not any((root / "autograded").glob(f"*/{assignment}")):
        raise CourseError(
            f"nothing graded for '{assignment}' yet: run 'course grade {assignment}' first"
        )
    cfg = course_config(root)
    if db_url:
        cfg.CourseDirectory.db_url = db_url
    try:
        run_converter("GenerateFeedback", cfg, assignment)
    except Exception as error:  # nbgrader raises NbGraderException after logging the reason
        raise CourseError(
            f"nbgrader could not write feedback for '{assignment}': {error}"
        ) from None
    return sorted((root / "feedback").glob(f"*/{assignment}/{assignment}.html"))
