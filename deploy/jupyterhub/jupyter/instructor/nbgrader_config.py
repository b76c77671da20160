"""nbgrader settings of the instructor's account: the course folder is ~/grading.

JupyterHub copies the course's notebooks/grading there at the instructor's first login. Its own
nbgrader_config.py (time limits, zip_collect patterns, the venv on PATH) is loaded here as well,
so the Formgrader behaves as `make formgrader` does on a laptop.
"""

import os

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

c.CourseDirectory.root = os.path.expanduser("~/grading")
_course_config = os.path.join(c.CourseDirectory.root, "nbgrader_config.py")
if os.path.exists(_course_config):
    load_subconfig(_course_config)  # noqa: F821  (provided by traitlets' config loader)
