"""The course's nbgrader configuration, shared by ``nbgrader_config.py`` and the ``course`` command.

Plain ``nbgrader`` commands run in a course directory load its ``nbgrader_config.py``, which calls
:func:`configure` (the course's hardening) and adds the instructor's own settings. Every
``course`` command reads the same files the same way (:func:`course_config`), so both get the
same settings, plugins beside the file included.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from traitlets.config import Config

import course_kit
from course_kit.errors import CourseError
from course_kit.limits import CELL_TIMEOUT, MEMORY_LIMIT

ASSIGNMENTS = ("tuning", "scale", "batch_norm", "softmax")
REPOSITORY = Path(__file__).resolve().parent.parent

#: nbgrader's exchange (see ``exchange_root``).
EXCHANGE_ROOT = "/srv/nbgrader/exchange"


def gradebook_url(root: Path | str) -> str:
    """The default gradebook of the course directory ``root``: SQLite, ``root/gradebook.db``."""
    return f"sqlite:///{Path(root) / 'gradebook.db'}"


def configure(
    c: Config,
    root: Path | str = REPOSITORY,
    sandbox: bool = True,
    memory_limit: int = MEMORY_LIMIT,
) -> Config:
    """Fill ``c`` with the course's nbgrader settings for the course directory ``root``.

    With ``sandbox`` every grading kernel runs in bubblewrap (``grader.sandbox``), which
    hides the course directory, this repository and home folders and caps memory; without it,
    student code runs with the grader's own permissions.
    """
    root = Path(root).resolve()
    c.CourseDirectory.root = str(root)
    # A course id unless the course sets its own (PostgreSQL refuses a gradebook without one).
    c.CourseDirectory.course_id = default_course_id(root)
    c.CourseDirectory.db_url = gradebook_url(root)
    c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "*.db", ".*"]

    c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
    c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

    # Grading: rebuild each submission on the release (edited or deleted tests come back),
    # disqualify answer cells that import the reference or patch libraries, and run the
    # notebook with kernel restarts and an output cap.
    c.RebuildFromRelease.release_directory = str(root)
    c.Autograde.sanitize_preprocessors = derived(
        nbgrader_steps("Autograde", "sanitize_preprocessors"),
        after={"ClearOutput": ["grader.rebuild.RebuildFromRelease"]},  # flags duplicates
        append=["grader.integrity.CheckAnswerCells"],
    )
    # ResilientExecute caps every output as it arrives, so nbgrader's LimitOutput would only
    # cut the course's own figures a second time.
    c.Autograde.autograde_preprocessors = derived(
        nbgrader_steps("Autograde", "autograde_preprocessors"),
        replace={"Execute": "grader.execution.ResilientExecute"},
        drop={"LimitOutput"},
        # Once the scores are saved, student markdown and outputs are made inert: the
        # formgrader and feedback pages show them in the grader's own browser session.
        after={"SaveAutoGrades": ["grader.sanitize.SanitizeStudentContent",
                                  "grader.flags.FlagInGradebook"]},
    )
    c.Execute.timeout = CELL_TIMEOUT
    c.Execute.interrupt_on_timeout = True
    c.Execute.extra_arguments = ["--HistoryManager.hist_file=:memory:"]
    if sandbox:
        c.Execute.kernel_manager_class = "grader.sandbox.SandboxedKernelManager"
        c.SandboxedKernelManager.memory_limit = memory_limit
        # The kernel imports the course's support code from the answer-free student runtime (the
        # course_kit package), nothing else.
        c.SandboxedKernelManager.runtime_paths = [str(course_kit.RUNTIME)]
    else:
        c.Execute.kernel_manager_class = "jupyter_client.manager.AsyncKernelManager"
    # Feedback must never show hidden tests, nor run what a student wrote; it stands alone
    # (formulas render offline) and says what awaits grading (instructor_tools.feedback_pages).
    c.GenerateFeedback.preprocessors = derived(
        nbgrader_steps("GenerateFeedback", "preprocessors"),
        replace={"GetGrades": "instructor_tools.feedback.GetGradesAwaiting"},
        after={"GetGrades": ["instructor_tools.feedback.HideHiddenTests",
                             "instructor_tools.feedback.ClearHiddenTestRegions"]},
    )
    # nbgrader zip_collect maps LMS file names (Canvas, Moodle) to students through the roster.
    c.ZipCollectApp.collector_plugin = "instructor_tools.lms.CourseCollector"
    page = c.GenerateFeedback.HTMLExporter  # the feedback exporter's only, not formgrader's
    page.template_name = "course_feedback"
    page.template_file = "feedback_page.html.j2"
    templates = Path(__file__).parents[1] / "instructor_tools" / "templates"
    page.extra_template_basedirs.prepend([str(templates)])
    page.sanitize_html = True
    page.filters = {
        "clean_html": "grader.sanitize.clean_html",
    } | {
        name: f"instructor_tools.feedback_pages.{name}"
        for name in (
            "function_summary",
            "mathjax_inline",
            "named_mistake",
            "points_phrase",
            "score_summary",
            "score_text",
            "toc_label",
            "without_mistake",
        )
    }

    # The classroom exchange (release -> fetch -> submit -> collect -> release_feedback ->
    # fetch_feedback, and the formgrader's release and collect buttons): nbgrader's folder
    # exchange under the course id. A course_id and an existing, writable root are what keep
    # the formgrader's "exchange directory ... does not exist" banner away.
    c.Exchange.root = exchange_root()
    # Collecting takes only what each student owns (instructor_tools.exchange.CheckedCollect), and
    # archives are unpacked within limits (instructor_tools.lms.CheckedExtractor), for nbgrader too.
    c.ExchangeFactory.collect = "instructor_tools.exchange.CheckedCollect"
    c.ZipCollectApp.extractor_plugin = "instructor_tools.lms.CheckedExtractor"
    return c


def default_course_id(root: Path) -> str:
    """A course id made from the course directory's name: runs of other characters than
    letters, digits, ``_``, ``.`` and ``-`` become one ``-``."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", root.name).strip("-.") or "course"


def exchange_root() -> str:
    """The exchange folder: ``$COURSE_EXCHANGE``, else ``EXCHANGE_ROOT``. Every user of the
    course writes there (mode 1777: nbgrader's 0777 and the sticky bit, which keeps each
    course's folder its owner's); several courses share one, each under
    its ``CourseDirectory.course_id``. A course's nbgrader_config.py may set ``c.Exchange.root``
    after ``configure``."""
    return os.environ.get("COURSE_EXCHANGE") or EXCHANGE_ROOT


def nbgrader_steps(converter: str, trait: str) -> list[str]:
    """The dotted names of nbgrader's own default preprocessors for ``converter.trait``."""
    import nbgrader.converters

    classes = getattr(nbgrader.converters, converter).class_traits()[trait].default()
    return [f"{cls.__module__}.{cls.__name__}" for cls in classes]


def derived(
    steps: list[str],
    replace: dict[str, str] | None = None,
    after: dict[str, list[str]] | None = None,
    drop: set[str] | None = None,
    append: list[str] | None = None,
) -> list[str]:
    """nbgrader's ``steps`` with the course's changes, each step named by its class name:
    ``replace`` one by another, insert steps ``after`` one, ``drop`` some, ``append`` others.
    A step nbgrader no longer has is an error, so an nbgrader upgrade cannot silently skip one.
    """
    replace, after, drop = replace or {}, after or {}, drop or set()
    names = {step.rsplit(".", 1)[-1] for step in steps}
    missing = (set(replace) | set(after) | drop) - names
    if missing:
        raise RuntimeError(f"nbgrader has no step {sorted(missing)}: update grader/config.py")
    result = []
    for step in steps:
        name = step.rsplit(".", 1)[-1]
        if name in drop:
            continue
        result.append(replace.get(name, step))
        result += after.get(name, [])
    return result + list(append or [])


def hidden_test_delimiters(cfg: Config | None = None) -> tuple[str, str]:
    """The delimiters of hidden tests, ``(begin, end)``: nbgrader's
    ``ClearHiddenTests.begin_test_delimeter`` and ``end_test_delimeter`` as ``cfg`` sets them
    (nbgrader's defaults without one). Wherever the course recognises hidden tests, it asks here,
    so a course that sets other delimiters gets its hidden tests judged and shown as hidden."""
    from nbgrader.preprocessors import ClearHiddenTests

    clear = ClearHiddenTests(config=cfg) if cfg is not None else ClearHiddenTests()
    return clear.begin_test_delimeter, clear.end_test_delimeter


def put_tools_on_path() -> None:
    """Make the commands installed beside this Python (nbgrader runs ``alembic``) findable."""
    tools = str(Path(sys.executable).parent)
    if tools not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = tools + os.pathsep + os.environ.get("PATH", "")


CONFIG_FILE = "nbgrader_config.py"


def course_config(root: Path | str = REPOSITORY, db_url: str | None = None, **settings) -> Config:
    """The nbgrader configuration of the course directory ``root``, read as nbgrader reads it.

    The course's hardening (:func:`configure`, with ``settings``) fills in what the files leave
    unset; then every ``nbgrader_config.py`` on Jupyter's config path (system-wide, then the
    user's), then ``root``'s own, with ``root`` first on ``sys.path`` so that plugins in modules
    beside it import; then ``db_url`` if given. A file that cannot be loaded, or a plugin that
    cannot be imported, is one :class:`CourseError` line.
    """
    put_tools_on_path()
    cfg = configure(Config(), root, **settings)
    cfg.merge(_config_files(Path(root).resolve()))
    if db_url:
        cfg.CourseDirectory.db_url = db_url
    _check_plugins(cfg)
    return cfg


def course_id(root: Path | str) -> str:
    """The course id the course directory ``root`` configures (nbgrader's default: none)."""
    return course_config(root).CourseDirectory.get("course_id", "")


def relocated(cfg: Config, folder: Path) -> Config:
    """``cfg`` for a private copy of the course in ``folder``: its root, a SQLite gradebook and
    the release it rebuilds submissions from are there."""
    moved = Config()
    moved.CourseDirectory.root = str(folder)
    moved.CourseDirectory.db_url = gradebook_url(folder)
    moved.RebuildFromRelease.release_directory = str(folder)
    cfg.merge(moved)
    return cfg


def put_course_on_path(root: Path) -> str:
    """Put the course directory first on ``sys.path``, as nbgrader does (plugins live there)."""
    folder = str(root)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    return folder


def course_modules(root: Path) -> dict[str, bytes]:
    """The Python modules beside the course's ``nbgrader_config.py`` (its plugins), by name."""
    return {
        path.name: path.read_bytes()
        for path in sorted(root.glob("*.py"))
        if path.name != CONFIG_FILE and path.is_file()
    }


def _config_files(root: Path) -> Config:
    from jupyter_core.paths import jupyter_config_path
    from traitlets.config.loader import PyFileConfigLoader

    put_course_on_path(root)
    cfg = Config()
    for folder in [*reversed(jupyter_config_path()), str(root)]:
        path = Path(folder) / CONFIG_FILE
        if not path.is_file():
            continue
        try:
            cfg.merge(PyFileConfigLoader(CONFIG_FILE, path=folder).load_config())
        except CourseError:
            raise
        except Exception as error:  # noqa: BLE001 - whatever the file raises, said in one line
            raise CourseError(f"{path} cannot be loaded ({_reason(error)}): fix it") from None
    return cfg


def _reason(error: Exception) -> str:
    if isinstance(error, SyntaxError):
        return f"line {error.lineno}: {error.msg}"
    return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"


def _check_plugins(cfg: Config) -> None:
    """Refuse, in one line, a plugin or step the configuration names but Python cannot import
    (nbgrader would fail on it later, once per student)."""
    from traitlets.utils.importstring import import_item

    for section, values in cfg.items():
        if not isinstance(values, Config):
            continue
        for name, value in values.items():
            if name.endswith(("_class", "_plugin")):
                named = [value]
            elif name.endswith("preprocessors") and isinstance(value, list):
                named = value
            else:
                continue
            for item in named:
                if not isinstance(item, str) or "." not in item:
                    continue
                try:
                    import_item(item)
                except Exception as error:  # noqa: BLE001 - any failure to import is the same
                    raise CourseError(
                        f"{section}.{name} names '{item}', which cannot be imported "
                        f"({_reason(error)}): put {item.split('.')[0]}.py beside "
                        f"{CONFIG_FILE} or correct the name"
                    ) from None


def run_converter(converter: str, cfg: Config, assignment: str, student: str = "", **flags) -> None:
    """Run one of nbgrader's converters ("GenerateAssignment", "Autograde", "GenerateFeedback")
    for ``assignment`` (and ``student``) with ``cfg``, quietly, forcing overwrites.

    ``flags`` set attributes such as ``create_assignment=True``. nbgrader's own exception
    (its reason already logged) propagates.
    """
    import logging

    import nbgrader.converters
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=cfg)
    coursedir.assignment_id = assignment
    if student:
        coursedir.student_id = student
    app = getattr(nbgrader.converters, converter)(coursedir=coursedir, config=cfg)
    app.log.setLevel(logging.ERROR)
    app.force = True
    for name, value in flags.items():
        setattr(app, name, value)
    app.start()
