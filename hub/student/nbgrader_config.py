"""nbgrader's settings for a student's server on the course hub: where the exchange is.

``hub/install`` copies this folder into the students' environment (``etc/course``), which the
hub puts on their JUPYTER_CONFIG_PATH; nbgrader's Assignments tab and its command-line tools
(``nbgrader fetch_assignment``, ``submit``, ``fetch_feedback``) read it.
"""

import os

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file
c.Exchange.root = os.environ.get("COURSE_EXCHANGE") or "/srv/nbgrader/exchange"
