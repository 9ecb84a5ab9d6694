"""nbgrader's settings for an instructor's server on the course hub: the course's own.

JupyterHub starts each server in its user's home folder, and nbgrader (the formgrader, the
``nbgrader`` commands) reads ``nbgrader_config.py`` from the working folder and the Jupyter
config path; the hub puts this folder on the instructors' path, and this file loads the
course directory's ``nbgrader_config.py`` (``$COURSE_DIR``): its course id, its exchange, the
course's grading settings.
"""

import os

load_subconfig("nbgrader_config.py", path=os.environ["COURSE_DIR"])  # noqa: F821 - traitlets
