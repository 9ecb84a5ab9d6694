"""The kernel of ``course check``: a fresh ``ipykernel`` of this environment, started with plain
``subprocess`` (no kernel manager), so that ``course`` can start it before it imports anything
heavy. Only the standard library is imported here.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from course_kit.limits import SINGLE_THREADED

#: ``python -m ipykernel_launcher`` (the kernel grading runs), without ipykernel's debugger: the
#: check never debugs, and importing debugpy is a fourth of the kernel's start. The student's
#: code can still import debugpy. The notebook's folder (``""``) is off ``sys.path`` while the
#: kernel imports, and IPython puts it back after the standard library, as with
#: ``ipykernel_launcher``.
KERNEL_LAUNCH = """import sys
if sys.path[:1] == [""]:
    del sys.path[0]
sys.modules["debugpy"] = None
import ipykernel.debugger
del sys.modules["debugpy"]
import runpy
runpy.run_module("ipykernel_launcher", run_name="__main__", alter_sys=True)
"""


#: The kernel's options: no history file, and no pause before each reply (ipykernel sleeps half
#: a millisecond, more under load, so that a client reads a cell's outputs before its reply; the
#: check reads replies only, and each visible test is a round trip).
KERNEL_OPTIONS = ("--HistoryManager.hist_file=:memory:", "--IPythonKernel._execute_sleep=0")


#: How the check's kernel listens: IPC sockets in a private folder (as the grading sandbox's
#: kernel does) where the system has them, else TCP on the loopback (Windows).
TRANSPORT = "ipc" if os.name == "posix" else "tcp"
_CHANNELS = ("shell", "iopub", "stdin", "control", "hb")


def _free_ports(count: int) -> list[int]:
    """``count`` TCP ports on the loopback that nothing listens on now."""
    import socket

    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


class Kernel:
    """A fresh kernel for the check (:data:`KERNEL_LAUNCH`, this environment's Python), started
    with plain ``subprocess`` before the check imports anything heavy, so that it boots while
    the check imports the judge. It listens on :data:`TRANSPORT`; its numerical libraries run
    one thread each unless the environment says otherwise, as at grading."""

    def __init__(self, cwd: Path):
        self.folder = tempfile.mkdtemp(prefix="course-check-")
        if TRANSPORT == "ipc":
            where = {"ip": os.path.join(self.folder, "kernel"), "ports": range(1, 6)}
            env = {"JPY_PARENT_PID": str(os.getpid())}  # the kernel ends if the check dies
        else:  # JPY_PARENT_PID would be a process handle there, not a pid
            where, env = {"ip": "127.0.0.1", "ports": _free_ports(len(_CHANNELS))}, {}
        ports = zip(_CHANNELS, where["ports"], strict=True)
        self.info = {"transport": TRANSPORT, "ip": where["ip"],
                     "key": os.urandom(32).hex(), "signature_scheme": "hmac-sha256",
                     **{f"{name}_port": port for name, port in ports}}
        connection = Path(self.folder, "kernel.json")
        connection.write_text(json.dumps(self.info))
        self.process = subprocess.Popen(
            [sys.executable, "-c", KERNEL_LAUNCH, "-f", str(connection), *KERNEL_OPTIONS],
            cwd=cwd, env={**SINGLE_THREADED, **os.environ, **env},
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=os.name == "posix")

    #: Whether the kernel has answered a request (it started).
    answered = False

    def is_alive(self) -> bool:
        return self.process.poll() is None

    def lost(self, name: str) -> str:
        """Why the kernel is gone, in one line (``name``: the cell it was running)."""
        if self.answered:
            return f"{name} stopped the kernel (run it in Jupyter to see why)"
        return (f"the kernel did not start ({sys.executable} -m ipykernel_launcher ended with "
                f"code {self.process.returncode}): is ipykernel installed?")

    def stop(self) -> None:
        """Kill the kernel with the processes its cells started in its process group (as
        Jupyter does; a kernel already reaped leaves its group alone, whose number may be
        another's by now), and delete its folder."""
        if os.name == "posix" and self.process.returncode is None:
            os.killpg(self.process.pid, signal.SIGKILL)  # its own group: start_new_session
        else:
            self.process.kill()
        self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def started_for(argv: list[str]) -> Kernel | None:
    """The kernel ``course check NOTEBOOK`` (``argv``) will use, started now; None for other
    arguments or a notebook that is not a file (the check reports those)."""
    if len(argv) == 2 and argv[0] == "check" and os.path.isfile(argv[1]):
        return Kernel(Path(argv[1]).parent.resolve())
    return None
