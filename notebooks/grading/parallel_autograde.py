"""Autograde an assignment with several `nbgrader autograde` processes at once, one gradebook.

    python parallel_autograde.py ASSIGNMENT [--jobs N] [-- NBGRADER_OPTIONS...]

Run in the course folder (where nbgrader_config.py is), like nbgrader itself. Grading is CPU-bound
and single-threaded per submission (a fresh kernel runs the notebook), so N processes on N cores
grade about N times as fast.

Why not simply start N `nbgrader autograde --student ...` on the same gradebook: nbgrader does not
support concurrent writers to its SQLite gradebook (parallel autograding is the open feature request
jupyter/nbgrader#174), and SQLite answers a second writer with "database is locked". So each process
gets its own COPY of gradebook.db (it needs the assignment recorded by generate_assignment) and a
share of the students (`--CourseDirectory.student_id_exclude` leaves out the others'); the
autograded/<student>/ folders are per student, so the processes never write the same file. When all
are done, each copy's submissions are moved into gradebook.db in one transaction: the rows of the
submission (submitted_assignment, submitted_notebook, grade, comment) keep their ids, and the ids
they refer to (assignment, notebook, cells) are the same in every copy because every copy started as
gradebook.db. A student's earlier submission in gradebook.db is replaced, as `autograde --force` does.
Do not grade by hand in the Formgrader while this runs (the same holds for plain nbgrader).

With --jobs 1, or one submission, this is plain `nbgrader autograde ASSIGNMENT`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

BIN = Path(sys.executable).parent
# The rows of one submission, parents first: table -> the query of their ids in database {db}.
_OF_SUBMISSION = "sa.assignment_id = :a AND sa.student_id = :s"
_NOTEBOOKS = "JOIN {db}.submitted_assignment sa ON sn.assignment_id = sa.id"
SUBMISSION_ROWS = {
    "submitted_assignment": f"SELECT sa.id FROM {{db}}.submitted_assignment sa WHERE {_OF_SUBMISSION}",
    "submitted_notebook": f"SELECT sn.id FROM {{db}}.submitted_notebook sn {_NOTEBOOKS} WHERE {_OF_SUBMISSION}",
    "grade": f"SELECT g.id FROM {{db}}.grade g JOIN {{db}}.submitted_notebook sn ON g.notebook_id = sn.id "
             f"{_NOTEBOOKS} WHERE {_OF_SUBMISSION}",
    "comment": f"SELECT c.id FROM {{db}}.comment c JOIN {{db}}.submitted_notebook sn ON c.notebook_id = sn.id "
               f"{_NOTEBOOKS} WHERE {_OF_SUBMISSION}",
}


def submitted_students(course: Path, assignment: str) -> list[str]:
    return sorted(p.parent.name for p in (course / "submitted").glob(f"*/{assignment}") if p.is_dir())


def shards(students: list[str], jobs: int) -> list[list[str]]:
    """Round robin, so that each process gets a similar share."""
    return [s for s in (students[k::jobs] for k in range(jobs)) if s]


def assignment_key(db: Path, assignment: str) -> str:
    row = None
    if db.exists():
        with sqlite3.connect(db) as con:
            row = con.execute("SELECT id FROM assignment WHERE name = ?", (assignment,)).fetchone()
    if row is None:
        raise SystemExit(f"{db} has no assignment {assignment!r}: "
                         f"run `nbgrader generate_assignment {assignment}` first")
    return row[0]


def merge(main: Path, shard: Path, assignment: str, students: list[str]) -> None:
    """Move the shard's submissions of `students` into the main gradebook (one transaction)."""
    key = assignment_key(main, assignment)
    con = sqlite3.connect(main, timeout=60)
    try:
        con.execute("ATTACH DATABASE ? AS src", (str(shard),))
        with con:
            for student in students:
                params = {"a": key, "s": student}
                for table in reversed(SUBMISSION_ROWS):  # children first
                    ids = SUBMISSION_ROWS[table].format(db="main")
                    con.execute(f"DELETE FROM main.{table} WHERE id IN ({ids})", params)
                con.execute("INSERT OR IGNORE INTO main.student SELECT * FROM src.student WHERE id = :s", params)
                for table, ids in SUBMISSION_ROWS.items():
                    ids = ids.format(db="src")
                    con.execute(f"INSERT INTO main.{table} SELECT * FROM src.{table} WHERE id IN ({ids})", params)
    finally:
        con.close()


def autograde(course: Path, assignment: str, jobs: int, options: list[str]) -> int:
    nbgrader = [str(BIN / "nbgrader"), "autograde", assignment, *options]
    students = submitted_students(course, assignment)
    db = course / "gradebook.db"
    if jobs <= 1 or len(students) <= 1:
        return subprocess.call(nbgrader, cwd=course)
    assignment_key(db, assignment)  # fail early, before starting anything
    groups = shards(students, jobs)
    env = dict(os.environ)
    # N kernels on N cores: one thread each (torch and BLAS would otherwise each start one per core).
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        env.setdefault(var, "1")
    with tempfile.TemporaryDirectory(prefix="lrcourse-autograde-") as tmp:
        procs = []
        for k, group in enumerate(groups):
            copy = Path(tmp) / f"gradebook-{k}.db"
            shutil.copyfile(db, copy)
            others = ",".join(s for s in students if s not in group)
            cmd = [*nbgrader, f"--db=sqlite:///{copy}"]
            if others:
                cmd.append(f"--CourseDirectory.student_id_exclude={others}")
            log = open(Path(tmp) / f"autograde-{k}.log", "w+")
            proc = subprocess.Popen(cmd, cwd=course, env=env, stdout=log, stderr=subprocess.STDOUT)
            procs.append((group, copy, log, proc))
        status = 0
        for group, copy, log, proc in procs:
            code = proc.wait()
            log.seek(0)
            sys.stdout.write(log.read())
            log.close()
            if code:
                print(f"nbgrader autograde for {', '.join(group)} exited with {code}", file=sys.stderr)
                status = status or code
            merge(db, copy, assignment, group)  # what was graded counts, also when another student failed
    print(f"autograded {len(students)} submissions with {len(groups)} processes; gradebook: {db}")
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignment")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="processes at once (default: one per CPU core)")
    parser.add_argument("--course", type=Path, default=Path.cwd(), help="course folder (default: here)")
    argv = sys.argv[1:] if argv is None else argv
    split = argv.index("--") if "--" in argv else len(argv)
    parser.epilog = "Options after -- go to nbgrader autograde, e.g. -- --force"
    args = parser.parse_args(argv[:split])
    return autograde(args.course.resolve(), args.assignment, args.jobs, argv[split + 1:])


if __name__ == "__main__":
    sys.exit(main())
