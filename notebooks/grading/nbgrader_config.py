"""nbgrader configuration of the lrcourse assignment (run every nbgrader command in this folder).

Assignments: lr-schedules-en and lr-schedules-bn (the same assignment in English and Bengali:
same grade ids, points and tests; only the prose and the language line differ).
See RUBRIC.md for the manually graded part and README.md (Instructors) for the commands.
"""

import os
import sys

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

# nbgrader creates the gradebook by running `alembic` as a subprocess, found on PATH. Called by its
# path (`.venv/bin/nbgrader ...`, a cron job, a JupyterHub service) without activating the venv,
# PATH lacks the venv's bin/ and the first command fails with FileNotFoundError: 'alembic'. The
# interpreter running nbgrader sits in that bin/: put it first, for nbgrader and the kernels it starts.
_bin = os.path.dirname(sys.executable)
if _bin not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _bin + os.pathsep + os.environ.get("PATH", "")

c.CourseDirectory.course_id = "lrcourse"

# Bilingual stubs where the solutions were (the learner may be reading either language).
c.ClearSolutions.code_stub = {
    "python": "# YOUR CODE HERE / এখানে আপনার কোড লিখুন\nraise NotImplementedError()",
}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE / এখানে আপনার উত্তর লিখুন"

# Per cell: the MLP cells train 5 x 300 steps (about a second on a laptop CPU); five
# minutes leaves room for a slow machine under load. A cell that runs longer (an infinite loop) is
# interrupted, recorded as an error in that cell, and grading goes on with the next cell.
c.Execute.timeout = 300
c.Execute.interrupt_on_timeout = True

# A learner who deleted a test cell gets it back (and graded) instead of silently losing it.
c.OverwriteCells.add_missing_cells = True

# Never let a learner's output flood the feedback.
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 60

# `nbgrader zip_collect <assignment>`: the "download all submissions" zip of Moodle or Canvas, put in
# downloaded/<assignment>/archive/. The pattern is applied to each extracted file's path; the
# student id is the LMS's number for the student, so grades.csv can go back to the LMS.
#   Moodle:  Jane Doe_1234567_assignsubmission_file/lr_schedules.ipynb   (one folder per student,
#            the default since Moodle 3.1; older: ..._assignsubmission_file_/... or one flat
#            folder of Jane Doe_1234567_assignsubmission_file_lr_schedules.ipynb)
#   Canvas:  doejane_12345_678901_lr_schedules.ipynb  (login, user id, file id; "_LATE_" after the
#            login when late; a file uploaded again may get a suffix: lr_schedules-1.ipynb)
c.FileNameCollectorPlugin.named_regexp = (
    r".*/(?:[^/]*?_)?(?P<student_id>\d+)_"
    r"(?:assignsubmission_file_?[/_]|\d+_)"
    r"(?P<file_id>[^/]+?)(?:-\d+)?\.ipynb$"
)
