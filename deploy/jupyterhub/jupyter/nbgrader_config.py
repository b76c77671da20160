"""nbgrader settings of every account on the class's JupyterHub (students and instructor).

JupyterHub puts this folder on each single-user server's JUPYTER_CONFIG_PATH (see
../jupyterhub_config.py), so `nbgrader` in a terminal and the Assignment List both use it.
"""

import os

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

c.CourseDirectory.course_id = "lrcourse"
# nbgrader's exchange: one folder on the server that every account can write (`chmod ugo+rw`).
c.Exchange.root = os.environ.get("LRCOURSE_EXCHANGE", "/srv/nbgrader/exchange")
