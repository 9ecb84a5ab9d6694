"""Every third-party internal the grader relies on, in one place, with the versions checked.

nbgrader, nbclient, nbconvert and jupyter_client are the engine; in a few places the course goes
below their public API: it overrides a private method, calls one, or copies a method's body to
change it. Each such place is a :class:`Hook` below. ``tests/test_upstream.py`` checks each one
against the installed packages (the method exists, has the signature it had, and a copied body
is still the one that was copied), so an upgrade that moves one fails a test that names it.
pyproject.toml pins these packages to the ranges checked (:data:`CHECKED`); after an upgrade,
re-read each hook's upstream code, adapt ours, then update the signature, hash and version here.
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import inspect
import textwrap
from dataclasses import dataclass

#: The versions every hook was read against.
CHECKED = {"nbgrader": "0.9.6", "nbclient": "0.11.0", "nbconvert": "7.17.2",
           "jupyter_client": "8.10.0"}  # fmt: skip


@dataclass(frozen=True)
class Hook:
    """One internal: ``target`` (``module:Class.attribute``), what the course does with it and
    where, its signature (annotations left out), and for a copied body the hash of the code
    that was copied (:func:`body_hash`)."""

    target: str
    use: str
    signature: str
    body: str | None = None


HOOKS = (
    Hook("nbconvert.preprocessors:ExecutePreprocessor.preprocess",
         "body copied into grader.execution.ResilientExecute.preprocess (which runs cells one "
         "by one, restarting a dead kernel)",
         "(self, nb, resources=None, km=None)", body="146178644a561eaf"),
    Hook("nbconvert.preprocessors:ExecutePreprocessor._check_assign_resources",
         "called by grader.execution.ResilientExecute.preprocess (from the copied body)",
         "(self, resources)"),
    Hook("nbclient:NotebookClient.__init__",
         "called on the preprocessor by ResilientExecute.preprocess (from the copied body)",
         "(self, nb, km=None, **kw)"),
    Hook("nbclient:NotebookClient._async_handle_timeout",
         "overridden by grader.execution.ResilientExecute (a kernel that ignores the interrupt "
         "is stuck)", "(self, timeout, cell=None)"),
    Hook("nbclient:NotebookClient.async_start_new_kernel",
         "its kernel arguments (the history file) made again by grader.execution."
         "ResilientExecute._kernel_arguments for the pre-started kernel",
         "(self, **kwargs)", body="38ac0e7c4af1ab63"),
    Hook("nbclient:NotebookClient.setup_kernel",
         "relied on by grader.execution.ResilientExecute: a manager from create_kernel_manager "
         "that has a kernel (the pre-started one) is not started again",
         "(self, **kwargs)", body="d2b69ca0dad39423"),
    Hook("nbgrader.preprocessors:GetGrades._get_score",
         "overridden by instructor_tools.feedback.GetGradesAwaiting (marks cells awaiting a "
         "person)", "(self, cell, resources)"),
    Hook("jupyter_client.client:KernelClient._context_default",
         "overridden by course_kit.judge's bounded clients (ZMQ's MAXMSGSIZE on their context)",
         "(self)"),
    Hook("jupyter_client.asynchronous:AsyncKernelClient._context_default",
         "overridden by course_kit.judge.LimitedAsyncClient", "(self)"),
    Hook("jupyter_client.manager:AsyncKernelManager._async_pre_start_kernel",
         "overridden by grader.sandbox.SandboxedKernelManager (wraps the kernel command in "
         "bubblewrap)", "(self, *, transport_encryption=None, **kw)"),
    Hook("jupyter_client.manager:AsyncKernelManager._async_cleanup_resources",
         "overridden by grader.sandbox.SandboxedKernelManager (removes its folders)",
         "(self, restart=False)"),
    Hook("nbgrader.apps.zipcollectapp:ZipCollectApp._format_collect_path",
         "called by instructor_tools.lms.CourseCollector (where zip_collect extracted files)",
         "(self, collect_step)"),
)  # fmt: skip


def resolve(target: str):
    """The object ``module:Class.attribute`` names (raises AttributeError or ImportError)."""
    module, _, path = target.partition(":")
    found = importlib.import_module(module)
    for name in path.split("."):
        found = getattr(found, name) if name not in vars(found) else vars(found)[name]
    return found


def signature(function) -> str:
    """``(self, timeout, cell=None)``: parameters, kinds and defaults, without annotations."""
    sig = inspect.signature(function)
    plain = [p.replace(annotation=p.empty) for p in sig.parameters.values()]
    return str(sig.replace(parameters=plain, return_annotation=sig.empty))


def body_hash(function) -> str:
    """A short hash of a function's parameters and body: its name, docstring, comments and
    layout left out."""
    node = ast.parse(textwrap.dedent(inspect.getsource(function))).body[0]
    body = node.body[1:] if ast.get_docstring(node) else node.body
    code = "\n".join([ast.unparse(node.args), *map(ast.unparse, body)])
    return hashlib.sha256(code.encode()).hexdigest()[:16]


def problem(hook: Hook) -> str | None:
    """What moved in ``hook``'s upstream code, in one line naming it; None when nothing did."""
    package = hook.target.split(".")[0].split(":")[0]
    checked = f"checked with {package} {CHECKED[package]}; it is {hook.use}"
    try:
        found = resolve(hook.target)
    except (ImportError, AttributeError):
        return f"{hook.target} is gone ({checked})"
    if signature(found) != hook.signature:
        return (f"{hook.target} now has the signature {signature(found)}, not "
                f"{hook.signature} ({checked})")
    if hook.body is not None and body_hash(found) != hook.body:
        return f"{hook.target}'s code changed since it was copied ({checked})"
    return None
