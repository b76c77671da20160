"""The exercises of a lesson notebook, their folded hints and worked solutions, and a run of the code ones.

Used by ``tests/test_solutions.py``. How a lesson writes them (issue 11, item 4):

- the exercises are a numbered list under a heading, ``## Exercises`` (bn ``## অনুশীলনী``) or a bold
  line that starts with that word (``**Exercises (before you open the assignment).**``);
- after the list, each exercise gets ``<details><summary>Hint</summary> ... </details>`` and then
  ``<details><summary>Solution</summary> ... </details>`` (bn ``ইঙ্গিত`` and ``সমাধান``), in exercise
  order, usually one markdown cell per exercise that starts with ``**Exercise K**`` (``**অনুশীলনী K**``);
- a code solution is a fenced ``python`` block inside the Solution whose first line is
  ``# solution lNN-exK`` (NN: the lesson's number, K: the exercise's), the same code in both languages.
  It runs in the notebook's namespace after the cells above it, in the quick budget.

:func:`lesson` reads one notebook into a :class:`Lesson`; :meth:`Lesson.problems` lists what breaks
these rules. :func:`run_with_solutions` executes the notebook's code cells in one fresh kernel with
each code solution inserted as a code cell right after the markdown cell that holds it, and returns
what failed. :func:`synthetic_cifar10` writes a small learnable stand-in for CIFAR-10 for machines
without the real one.
"""

from __future__ import annotations

import copy
import re
import textwrap
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import nbformat
import numpy as np
from nbclient import NotebookClient

# The summary of a folded block, without tags and the "▸" marker, and what kind of block it is.
KINDS = {"Hint": "hint", "Solution": "solution", "ইঙ্গিত": "hint", "সমাধান": "solution"}
# The literal summaries the course writes, per language: counted in both languages, they must agree.
SUMMARIES = {
    "en": {"hint": "<summary>Hint</summary>", "solution": "<summary>Solution</summary>"},
    "bn": {"hint": "<summary>ইঙ্গিত</summary>", "solution": "<summary>সমাধান</summary>"},
}
EXERCISE_WORD = r"(?:Exercises?|অনুশীলনী)"
DIGITS = "0-9০-৯"
# The heading of the exercise list: "## Exercises", "**Exercises (...)**", "## অনুশীলনী", but not a
# solution cell's label "**Exercise 2**" / "**অনুশীলনী 2**" (a number follows the word there).
EXERCISES_HEADING = re.compile(rf"^(?P<hashes>#{{1,6}}[ \t]+|\*\*[ \t]*){EXERCISE_WORD}(?![ \t]*[{DIGITS}])", re.M)
# The label of one exercise's hint and solution: "**Exercise 2**", "### অনুশীলনী 2".
EXERCISE_LABEL = re.compile(rf"^(?:#{{1,6}}[ \t]+|\*\*[ \t]*){EXERCISE_WORD}[ \t]+(?P<k>[{DIGITS}]+)", re.M)
LIST_ITEM = re.compile(rf"^(?P<k>[{DIGITS}]+)[.)][ \t]+\S", re.M)
HEADING = re.compile(r"^(#{1,6})[ \t]+\S", re.M)
# A fenced code block (``` or ~~~, possibly indented in a list), or a details/summary tag outside one.
TOKEN = re.compile(
    r"^[ \t]*(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[^\n`]*)\n(?P<code>.*?)^[ \t]*(?P=fence)[ \t]*$"
    r"|(?P<open><details\b[^>]*>)|(?P<close></details[ \t]*>)|<summary\b[^>]*>(?P<summary>.*?)</summary[ \t]*>",
    re.M | re.S | re.I,
)
SOLUTION_ID = re.compile(r"^#[ \t]*solution[ \t]+l(?P<lesson>\d\d)-ex(?P<k>\d+)[ \t]*$")
PYTHON = {"python", "py", "python3", "ipython", "ipython3"}
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _number(text: str) -> int:
    """An integer written in Latin or Bengali digits."""
    return int(text.translate(str.maketrans("০১২৩৪৫৬৭৮৯", "0123456789")))


@dataclass
class Code:
    """A fenced code block of a markdown cell; ``sid`` is its ``lNN-exK`` id if its first line has one."""

    cell: int
    lang: str
    code: str
    sid: str | None
    lesson: str | None = None
    k: int | None = None


@dataclass
class Block:
    """A folded ``<details>`` block: its summary, its kind ("hint", "solution" or None) and its code."""

    cell: int
    position: int  # where its <details> tag starts in the cell's source
    summary: str
    kind: str | None
    label: int | None  # the "Exercise K" label above it in its cell, if any
    code: list[Code] = field(default_factory=list)


@dataclass
class Lesson:
    """What one notebook holds: its exercises (numbers), folded blocks and fenced code, in order."""

    path: Path
    lang: str
    number: str  # "01" .. "10", from the file name
    nb: nbformat.NotebookNode
    exercise_cell: int | None = None
    exercises: list[int] = field(default_factory=list)
    section_blocks: list[Block] = field(default_factory=list)  # hint/solution blocks after the list
    blocks: list[Block] = field(default_factory=list)  # every folded block of the notebook
    code: list[Code] = field(default_factory=list)  # every fenced block of every markdown cell

    @property
    def solutions(self) -> list[Code]:
        """The code solutions: fenced blocks whose first line is ``# solution lNN-exK``, in order."""
        return [c for c in self.code if c.sid]

    def summary_counts(self) -> dict[str, int]:
        """How often the literal Hint and Solution summaries of the notebook's language occur."""
        text = "\n".join(c.source for c in self.nb.cells if c.cell_type == "markdown")
        return {kind: text.count(literal) for kind, literal in SUMMARIES[self.lang].items()}

    def by_exercise(self) -> dict[int, list[Block]]:
        """The hint and solution blocks of each exercise (1..n, and any other number a label names).

        Blocks go by their "Exercise K" label where every block has one; else by position, a hint
        and a solution per exercise in order (unlabelled hints and solutions must not skip one).
        """
        n = len(self.exercises)
        out: dict[int, list[Block]] = {k: [] for k in range(1, n + 1)}
        labelled = all(b.label is not None for b in self.section_blocks)
        for i, block in enumerate(self.section_blocks):
            out.setdefault(block.label if labelled else i // 2 + 1, []).append(block)
        return out

    def problems(self) -> list[str]:
        """Every way the exercises, hints and solutions break the rules of the module docstring."""
        if self.exercise_cell is None:
            return []
        where = f"notebooks/{self.lang}/{self.path.name}"
        out = []
        n = len(self.exercises)
        if self.exercises != list(range(1, n + 1)):
            out.append(f"{where}: the exercises of cell {self.exercise_cell} are numbered {self.exercises}, "
                       f"expected 1..{n} (a numbered list right under the heading)")
        for k, blocks in self.by_exercise().items():
            kinds = [b.kind for b in blocks]
            if kinds != ["hint", "solution"]:
                found = ", ".join(f"{b.kind} (cell {b.cell})" for b in blocks) or "nothing"
                out.append(f"{where}: exercise {k} (cell {self.exercise_cell}) needs a folded hint and then a "
                           f"folded solution after the exercise list; found {found}")
            for code in (c for b in blocks if b.kind == "solution" for c in b.code):
                if code.sid and (code.lesson, code.k) != (self.number, k):
                    out.append(f"{where}: cell {code.cell}: the solution of exercise {k} has the id "
                               f"{code.sid!r}; expected 'l{self.number}-ex{k}'")
        for block in self.blocks:
            for code in block.code:
                if block.kind == "solution" and code.lang in PYTHON and not code.sid:
                    out.append(f"{where}: cell {code.cell}: a python block in a solution must start with "
                               f"'# solution l{self.number}-exK' (so that the test runs it): {code.code[:60]!r}")
        in_solution = {id(c) for b in self.section_blocks if b.kind == "solution" for c in b.code}
        ids = [c.sid for c in self.solutions]
        for code in self.solutions:
            if id(code) not in in_solution:
                out.append(f"{where}: cell {code.cell}: {code.sid} is not inside the folded solution of "
                           "its exercise (after the exercise list)")
            if code.lang not in PYTHON:
                out.append(f"{where}: cell {code.cell}: {code.sid} is fenced as {code.lang or 'no language'!r}, "
                           "not python")
        for sid in sorted({s for s in ids if ids.count(s) > 1}):
            out.append(f"{where}: the id {sid} is used by {ids.count(sid)} code blocks")
        return out


def _parse_markdown(index: int, source: str, lesson: Lesson) -> list[Block]:
    """The folded blocks and fenced code of one markdown cell (a block's code: the innermost one)."""
    labels = [(m.start(), _number(m.group("k"))) for m in EXERCISE_LABEL.finditer(_prose(source))]
    blocks, stack = [], []
    for m in TOKEN.finditer(source):
        if m.group("fence"):
            raw = textwrap.dedent(m.group("code"))
            lines = raw.strip("\n").splitlines()
            first = lines[0].strip() if lines else ""
            sid_match = SOLUTION_ID.match(first)
            code = Code(index, m.group("lang").strip().lower(), raw.rstrip() + "\n", None)
            if sid_match:
                code.sid = f"l{sid_match['lesson']}-ex{sid_match['k']}"
                code.lesson, code.k = sid_match["lesson"], int(sid_match["k"])
            lesson.code.append(code)
            if stack:
                stack[-1].code.append(code)
        elif m.group("open"):
            label = next((k for pos, k in reversed(labels) if pos < m.start()), None)
            block = Block(index, m.start(), "", None, label)
            stack.append(block)
            blocks.append(block)
        elif m.group("summary") is not None and stack and not stack[-1].summary:
            text = re.sub(r"<[^>]+>", "", m.group("summary")).replace("▸", "").strip()
            stack[-1].summary, stack[-1].kind = text, KINDS.get(text)
        elif m.group("close") and stack:
            stack.pop()
    return blocks


def _prose(source: str) -> str:
    """``source`` with the inside of its fenced code blanked (same length), so that a ``# comment``
    in code is not taken for a heading."""
    def blank(m):
        return m.group(0) if not m.group("fence") else re.sub(r"[^\n]", " ", m.group(0))

    return TOKEN.sub(blank, source)


def lesson(path: Path) -> Lesson:
    """Read one lesson notebook: its exercise list, and the blocks that follow it."""
    nb = nbformat.read(path, as_version=4)
    found = Lesson(path, path.parent.name, path.name[:2], nb)
    level = None
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        source, prose = cell.source, _prose(cell.source)
        start = 0
        if found.exercise_cell is None:
            heading = EXERCISES_HEADING.search(prose)
            if heading:
                found.exercise_cell = i
                hashes = heading.group("hashes").strip()
                level = len(hashes) if hashes.startswith("#") else 7  # a bold line: any heading ends it
                rest = prose[heading.end():]
                end = HEADING.search(rest)
                items = rest[: end.start()] if end else rest
                found.exercises = [_number(m.group("k")) for m in LIST_ITEM.finditer(items)]
                start = heading.end()
        elif level is not None and any(len(h) <= level for h in HEADING.findall(prose)):
            level = None  # the exercise section ended at this cell's heading
        blocks = _parse_markdown(i, source, found)
        found.blocks += blocks
        if found.exercise_cell is not None and level is not None:  # in the cell of the list: below it
            found.section_blocks += [b for b in blocks if b.kind and b.position >= start]
    return found


# ------------------------------------------------------------------------------- the run


def with_solutions(nb: nbformat.NotebookNode, solutions: list[Code]) -> tuple[nbformat.NotebookNode, dict[int, str]]:
    """A copy of ``nb`` with each code solution as a code cell right after its markdown cell.

    Returns the copy and, for each inserted cell's index in it, the solution's id.
    """
    out = nbformat.v4.new_notebook(metadata=nb.metadata)
    inserted: dict[int, str] = {}
    by_cell: dict[int, list[Code]] = {}
    for code in solutions:
        by_cell.setdefault(code.cell, []).append(code)
    for i, cell in enumerate(nb.cells):
        cell = copy.deepcopy(cell)
        cell.metadata.pop("execution", None)  # the stored run's timings: this run records its own
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        out.cells.append(cell)
        for code in by_cell.get(i, []):
            inserted[len(out.cells)] = code.sid
            out.cells.append(nbformat.v4.new_code_cell(code.code, metadata={"lrcourse_solution": code.sid}))
    return out, inserted


def _error_text(output) -> str:
    tail = "\n".join(ANSI.sub("", line) for line in output.get("traceback", [])[-12:])
    return f"{output.get('ename')}: {output.get('evalue')}\n{textwrap.indent(tail, '    ')}"


def run_with_solutions(found: Lesson, *, timeout: int = 600, slow_s: float | None = None) -> tuple[list[str], dict]:
    """Execute the notebook's code cells and its code solutions, in order, in one fresh kernel.

    The kernel is the one the notebook names, started in the notebook's folder; it inherits this
    process's environment (set the budget and the data folder before calling). Returns the failures
    (a solution that raised or took longer than ``slow_s`` seconds, a notebook cell that raised)
    and the seconds each solution and the whole run took.
    """
    nb, inserted = with_solutions(found.nb, found.solutions)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name=nb.metadata.get("kernelspec", {}).get("name", "python3"),
        allow_errors=True, interrupt_on_timeout=True, record_timing=True,
        resources={"metadata": {"path": str(found.path.parent)}},
    )
    where = f"notebooks/{found.lang}/{found.path.name}"
    failures = []
    started = time.perf_counter()
    try:
        client.execute()
    except Exception as err:  # the kernel died, or a cell timed out and could not be interrupted
        started_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.metadata.get("execution")]
        stuck = started_cells[-1] if started_cells else None  # the last cell the kernel began
        what = f"solution {inserted[stuck]}" if stuck in inserted else f"cell {stuck} (with the solutions inserted)"
        failures.append(f"{where}: the run stopped at {what}: {type(err).__name__}: {err}")
    seconds = {"total": time.perf_counter() - started}
    original, broken = -1, False
    for i, cell in enumerate(nb.cells):
        sid = inserted.get(i)
        if sid is None:
            original += 1
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
        if sid is not None:
            timing = cell.metadata.get("execution", {})
            begin, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
            if begin and end:
                took = (datetime.fromisoformat(end.replace("Z", "+00:00"))
                        - datetime.fromisoformat(begin.replace("Z", "+00:00"))).total_seconds()
                seconds[sid] = took
                if slow_s is not None and took > slow_s and not errors:
                    failures.append(f"{where}: solution {sid} took {took:.0f} s in the quick budget "
                                    f"(at most {slow_s:.0f} s: a solution runs in seconds)")
            for err in errors:
                failures.append(f"{where}: solution {sid} (after markdown cell {original}) raised "
                                f"{_error_text(err)}")
        elif errors and not broken:
            broken = True  # the notebook's cells after it fail for the same reason
            after = [s for j, s in inserted.items() if j < i]
            cause = f" (it ran after the solutions {', '.join(after)})" if after else ""
            failures.append(f"{where}: notebook cell {original}{cause} raised {_error_text(errors[0])}")
    return failures, seconds


def synthetic_cifar10(folder: Path, n_train: int = 2560, n_test: int = 640, seed: int = 0) -> Path:
    """A small CIFAR-10 stand-in in ``folder`` (the data folder's file layout), that a network can learn.

    Each class is a fixed random colour pattern plus noise, so training, the LR range test and the
    accuracies behave like those of a real (easy) data set. For the calls only, not the numbers.
    """
    from lrcourse import data

    rng = np.random.default_rng(seed)
    patterns = rng.uniform(40, 215, size=(10, 3, 8, 8)).repeat(4, axis=2).repeat(4, axis=3)

    def split(n):
        y = np.arange(n) % 10
        rng.shuffle(y)
        x = patterns[y] + rng.normal(0, 40, size=(n, 3, 32, 32))
        return np.clip(x, 0, 255).astype(np.uint8), y.astype(np.int64)

    (x_train, y_train), (x_test, y_test) = split(n_train), split(n_test)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / data.CIFAR10_FILE
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test,
             classes=np.array(data.CIFAR10_CLASSES), source=np.array("synthetic stand-in (tests/_solutions.py)"))
    return path
