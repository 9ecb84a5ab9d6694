"""JupyterHub for the course: local Unix accounts, JupyterLab with nbgrader's extensions, one
exchange for everyone, and the formgrader for instructors.

Lay it out with ``hub/install`` (see ``hub/README.md``), then run it as root from the
instructors' environment (it starts each user's server as that user)::

    /opt/course/instructor/bin/jupyterhub -f hub/jupyterhub_config.py

- **Who may log in**: members of the Unix groups ``$COURSE_STUDENTS`` (default ``students``)
  and ``$COURSE_INSTRUCTORS`` (default ``instructors``), with their Unix password (PAM).
- **Students** get JupyterLab in their home folder from the students' environment
  ``$COURSE_STUDENT_ENV`` (default: ``student`` beside the instructors' environment): the
  student kit, nbgrader's Assignments tab (fetch, validate, submit, fetch feedback) and
  Validate button; the formgrader, course list and create-assignment tools are switched off
  (``hub/student/``, copied to that environment's ``etc/course``). Nothing of the
  course package, this repository or the course directory is readable to them.
- **Instructors** get JupyterLab from the environment the hub runs in, in the course directory
  ``$COURSE_DIR`` (the folder holding ``nbgrader_config.py``), with the formgrader; the
  ``course`` command works in its terminal.
- **The exchange** is ``$COURSE_EXCHANGE`` (default ``/srv/nbgrader/exchange``, mode 1777) for
  every server and every ``nbgrader`` and ``course`` command.
- **The proxy** is configurable-http-proxy from ``hub/node_modules`` (``npm ci --prefix hub``).
- The hub keeps its database and cookie secret in ``$COURSE_HUB_STATE`` (default
  ``/srv/jupyterhub``) and listens on ``$COURSE_HUB_IP:$COURSE_HUB_PORT`` (default
  ``127.0.0.1:8000``; put TLS in front of it, or set ``c.JupyterHub.ssl_cert``/``ssl_key``);
  the hub's and the proxy's own APIs take the next two ports, on 127.0.0.1.
"""

import os
import sys
from pathlib import Path

HUB = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent  # the instructors' environment: the hub's and theirs
STUDENT_BIN = Path(os.environ.get("COURSE_STUDENT_ENV") or BIN.parent.parent / "student") / "bin"
STATE = Path(os.environ.get("COURSE_HUB_STATE") or "/srv/jupyterhub")
STUDENTS = os.environ.get("COURSE_STUDENTS") or "students"
INSTRUCTORS = os.environ.get("COURSE_INSTRUCTORS") or "instructors"
EXCHANGE = os.environ.get("COURSE_EXCHANGE") or "/srv/nbgrader/exchange"
COURSE_DIR = os.environ.get("COURSE_DIR", "")

c = get_config()  # noqa: F821 - provided by JupyterHub when it loads this file

c.JupyterHub.ip = os.environ.get("COURSE_HUB_IP") or "127.0.0.1"
c.JupyterHub.port = PORT = int(os.environ.get("COURSE_HUB_PORT") or 8000)
c.JupyterHub.hub_port = PORT + 1  # the hub's own API, behind the proxy
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PORT + 2}"
STATE.mkdir(mode=0o700, parents=True, exist_ok=True)
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(STATE / "jupyterhub-proxy.pid")
c.ConfigurableHTTPProxy.command = [str(HUB / "node_modules" / ".bin" / "configurable-http-proxy")]

c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.allowed_groups = {STUDENTS, INSTRUCTORS}

c.JupyterHub.spawner_class = "localprocess"
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 60
c.Spawner.http_timeout = 60
c.Spawner.environment = {"COURSE_EXCHANGE": EXCHANGE}


def is_instructor(username: str) -> bool:
    """Whether the Unix user ``username`` is in the instructors' group."""
    import grp
    import pwd

    try:
        group = grp.getgrnam(INSTRUCTORS)
    except KeyError:
        return False
    return username in group.gr_mem or pwd.getpwnam(username).pw_gid == group.gr_gid


def per_role(spawner) -> None:
    """Instructors start in the course directory from the instructors' environment with every
    nbgrader tool and its settings (``hub/instructor/``); students in their home folder from
    the students' environment with its copy of the student settings (``etc/course``)."""
    instructor = is_instructor(spawner.user.name) and COURSE_DIR
    where = BIN if instructor else STUDENT_BIN
    spawner.cmd = [str(where / "jupyterhub-singleuser")]
    # nbgrader (and for instructors course and alembic) beside the server's Python
    spawner.environment["PATH"] = f"{where}:/usr/local/bin:/usr/bin:/bin"
    if instructor:
        spawner.notebook_dir = COURSE_DIR
        spawner.environment["COURSE_DIR"] = COURSE_DIR
        spawner.environment["JUPYTER_CONFIG_PATH"] = str(HUB / "instructor")
    else:
        spawner.notebook_dir = "~"
        spawner.environment["JUPYTER_CONFIG_PATH"] = str(STUDENT_BIN.parent / "etc" / "course")


c.Spawner.pre_spawn_hook = per_role
