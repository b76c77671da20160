"""The Bengali notebooks print Bengali: no English prose in the stored outputs of ``notebooks/bn``.

Every sentence a code cell prints comes from the message catalogue (``lrcourse/locale/*.toml``) in
the notebook's language; the code cells are the same in both languages. What may stay in Latin
letters: code (an exported snippet, a shell command, a comment), reprs such as
``cosine(lr=0.001, total_steps=100)``, identifiers, numbers, units, paths, URLs, abbreviations
(LR, CPU), names (PyTorch, Goyal et al.), single technical terms, and English inside brackets or
quotes of a Bengali line (a gloss, a paper title, a library's own message quoted: «Tried to step…»).
A warning on stderr is checked after its ``path.py:12: UserWarning:`` header: the course's warnings
come from the catalogue; a library's is caught and shown in a Bengali sentence that quotes it.

What counts as a line of English prose (:func:`english_prose`): once code, reprs, identifiers,
paths and URLs are set aside, a line without Bengali that still has three English words (Latin
letters, two or more, not an all-caps abbreviation such as LR), or a Bengali line with three
English words in a row (numbers and punctuation between them allowed) outside its glosses.
"each update multiplies the LR by 0.9", "budget: standard | train yourself: False" and "cosine -
constant: +5.7 points" are prose; "valley 1.02e-02, steep 2.60e-02" and "[epochs_per_batch]" are not.

The outputs read (:func:`output_lines`) are the text a learner sees: streams (stdout and stderr),
``text/markdown`` and ``text/html`` (tags, styles and scripts removed), and ``text/plain`` where it
is what Jupyter shows, i.e. when the output has no richer form (an image, HTML, a widget).
Error outputs are skipped: tracebacks fail ``tests/test_notebooks.py`` already.

The stored outputs are refreshed only when all notebooks are re-executed, so after a change to the
messages this test fails until then; its message lists notebook, cell and line. The detector itself
is checked against the English notebooks, where it must find nearly every printed sentence.
"""

from __future__ import annotations

import ast
import html
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BN_NOTEBOOKS = sorted((ROOT / "notebooks" / "bn").glob("*.ipynb"))
EN_NOTEBOOKS = sorted((ROOT / "notebooks" / "en").glob("*.ipynb"))

BENGALI = re.compile(r"[\u0980-\u09ff]")
MIN_RUN = 3  # English words in a row that make a line prose

# mime types that Jupyter shows instead of text/plain
RICHER = ("text/html", "text/markdown", "text/latex", "image/png", "image/jpeg", "image/svg+xml",
          "application/vnd.jupyter.widget-view+json")


# ---------------------------------------------------------------- the text a learner sees


@dataclass(frozen=True)
class Line:
    notebook: str
    cell: int
    text: str

    def __str__(self) -> str:
        return f"{self.notebook} cell {self.cell}: {self.text.strip()}"


def _html_text(source: str) -> str:
    source = re.sub(r"<(style|script)\b.*?</\1>", " ", source, flags=re.S | re.I)
    source = re.sub(r"<br\s*/?>|</(p|div|tr|li|h\d|table|pre)>", "\n", source, flags=re.I)
    return html.unescape(re.sub(r"<[^>]+>", " ", source))


def _output_texts(output: dict) -> list[str]:
    if output.get("output_type") == "stream":
        return ["".join(output.get("text", ""))]
    data = output.get("data", {})
    texts = []
    if "text/markdown" in data:
        texts.append("".join(data["text/markdown"]))
    if "text/html" in data:
        texts.append(_html_text("".join(data["text/html"])))
    if "text/plain" in data and not any(mime in data for mime in RICHER):
        texts.append("".join(data["text/plain"]))
    return texts


@cache
def output_lines(path: Path) -> tuple[Line, ...]:
    """Every line of every output of ``path`` that a learner sees (errors excluded)."""
    name = path.relative_to(ROOT).as_posix()
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return tuple(
        Line(name, i, line)
        for i, cell in enumerate(cells)
        if cell["cell_type"] == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") != "error"
        for text in _output_texts(output)
        for line in text.splitlines()
        if line.strip()
    )


# ---------------------------------------------------------------- what is English prose

# a whole line of code: a comment, a shell or Python prompt, a docstring, a statement
_CODE_LINE = re.compile(
    r"""^\s*(\#|\$\s|>>>\s|\.\.\.\s|"{3}|'{3}|@\w"""
    r"""|(import\s+[\w.]+|from\s+[\w.]+\s+import|return|raise|yield|assert)\b"""
    r"""|(def|class|if|elif|else|for|while|with|try|except|finally)\b.*:\s*(\#.*)?$)"""
)
# an assignment, possibly with a comment after it; code uses single spaces (a printed table aligns with more)
_ASSIGNMENT = re.compile(r"^\s*[A-Za-z_][\w.]*(\[[^\]]*\])?(\s*,\s*[A-Za-z_][\w.]*)*\s*[-+*/%|&]?=(?!=)")
_COMMENT = re.compile(r"\s+#\s.*$")
# the header of a Python warning on stderr: path:line: Category: (the message after it is checked)
_WARNING = re.compile(r"^\s*\S+\.py:\d+:\s*\w*(Warning|Error):")
# a call or a repr: name(...), with one level of nested brackets
_CALL = re.compile(r"[A-Za-z_][\w.]*\((?:[^()]|\([^()]*\))*\)")
_PAIR = re.compile(r"\b[A-Za-z_][\w.]*\s*[<>!=]?=\s*[^\s,;)]+")  # lr = 0.1, warmup_steps=2000
_OBJECT_REPR = re.compile(r"<[A-Za-z_][^<>]*>")  # <Figure size 800x360 with 1 Axes>, <... object at 0x...>
_URL = re.compile(r"\b(?:https?|file)://[^\s»”’\"')\]]+|\bwww\.[^\s»”’\"')\]]+")  # a closing quote is not part of it
_PATH = re.compile(r"(?:~|\.{1,2})?/?(?:[\w.-]+/)+[\w.-]*|\b[\w-]+\.(?:py|ipynb|json|toml|png|csv|npz|pt|txt|md)\b")
_CODE_SPAN = re.compile(r"`[^`\n]*`")
# English glosses inside a Bengali line: brackets or quotes with no Bengali inside
_GLOSS = re.compile("|".join(
    rf"{re.escape(a)}[^{re.escape(b)}\u0980-\u09ff]*{re.escape(b)}" for a, b in ("()", "[]", '""', "''", "“”", "‘’", "«»")
))
_WORD = re.compile(r"^[A-Za-z]{2,}(?:['’][a-z]{1,2}|-[A-Za-z]{2,})*$")
_ABBREVIATION = re.compile(r"^[A-Z0-9]{2,}s?$")  # LR, CPU, MLP, PNG, GPUs
_NAME = re.compile(r"^[A-Za-z][a-z]*[A-Z]")  # PyTorch, AdamW, LambdaLR, ImageNet: names, not words
_ET_AL = re.compile(r"\bet al\b\.?")  # a citation: Goyal et al.
_STATEMENT = re.compile(r"^\s*[\w.]+\(.*\)\s*;?\s*$")  # s.step(), print(x)
_NEUTRAL = re.compile(r"^[^A-Za-z\u0980-\u09ff]*$")  # numbers, signs, punctuation, ✓ → ! |
UNITS = {"ms", "s", "min", "h", "kb", "mb", "gb", "mib", "gib", "it", "px", "dpi", "fps", "x"}


def _words(line: str) -> list[str | None]:
    """The line as a token stream: an English word, None (a token that breaks a run), or dropped."""
    stream: list[str | None] = []
    for token in line.split():
        bare = token.strip(".,;:!?()[]{}\"'“”‘’*<>")
        if _NEUTRAL.match(token) or (bare.islower() and bare in UNITS):
            continue  # numbers, units and punctuation neither count nor break a run
        if _ABBREVIATION.match(bare) or _NAME.match(bare):
            continue
        if _WORD.match(bare):
            stream.append(bare)
        else:
            stream.append(None)  # Bengali, an identifier, a number with a unit glued on, a symbol
    return stream


def _is_literal(line: str) -> bool:
    try:
        ast.literal_eval(line.strip())
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False
    return True


def _is_code(line: str) -> bool:
    """A line of code (an exported snippet, a shown source line, a shell command) or a Python literal."""
    if _CODE_LINE.match(line) or _is_literal(line):
        return True
    code = _COMMENT.sub("", line)
    return bool(_STATEMENT.match(code)) or bool(_ASSIGNMENT.match(code)) and "  " not in code.strip()


def english_prose(line: str) -> list[str]:
    """The English words that make ``line`` prose (see the module docstring), or []."""
    line = _WARNING.sub(" ", line)
    if _is_code(line):
        return []
    text = _ET_AL.sub(" ", _OBJECT_REPR.sub(" ", _CODE_SPAN.sub(" ", _URL.sub(" ", line))))
    previous = None
    while previous != text:  # innermost calls first: f(g(x)) and reprs inside reprs
        previous, text = text, _CALL.sub(" ", text)
    text = _PAIR.sub(" ", _PATH.sub(" ", text))
    if not BENGALI.search(text):
        words = [word for word in _words(text) if word]
        return words if len(words) >= MIN_RUN else []
    best: list[str] = []
    run: list[str] = []
    for token in _words(_GLOSS.sub(" ", text)) + [None]:
        if token is None:
            best = max(best, run, key=len)
            run = []
        else:
            run.append(token)
    return best if len(best) >= MIN_RUN else []


def prose_lines(path: Path) -> list[Line]:
    return [line for line in output_lines(path) if english_prose(line.text)]


def _report(path: Path, lines: list[Line]) -> str:
    return (
        f"{path.relative_to(ROOT).as_posix()}: {len(lines)} output line(s) of English prose; print them with "
        f"i18n.t(...) from the lesson's lrcourse/locale/*.toml (stored outputs change when the notebooks are "
        f"re-executed)\n  " + "\n  ".join(str(line) for line in lines)
    )


# ---------------------------------------------------------------- the tests


@pytest.mark.parametrize(
    ("line", "prose"),
    [
        ("each update multiplies the LR by 0.9", True),
        ("budget: standard | train yourself: False", True),
        ("cosine - constant: +5.7 points (3 seeds)", True),
        ("  ! lr = 1 is at or above 0.89, where the loss diverged in the range test", True),
        ("peak LR 0.001 at step 0; first LR 0.001; last LR 2.47e-13", True),
        ("18 redraws at 10^6 steps on 2 CPU core(s), load average 7.7: median 85 ms", True),
        ("LR range test: recommended LR 1.37e-02 (halfway on a log scale)", True),
        # not prose: code, reprs, identifiers, numbers, units, paths, glosses in a Bengali line
        ("budget: quick", False),
        ("one_cycle(max_lr=1.0, total_steps=336, pct_start=0.3, anneal='cos', three_phase=False)", False),
        ("<Figure size 800x360 with 1 Axes>", False),
        ("[epochs_per_batch]", False),
        ("valley 1.02e-02, steep 2.60e-02, minimum/10 5.46e-03", False),
        ("scheduler = S.attach(optimizer, schedule)  # a torch LRScheduler: LR of update t = schedule(t)", False),
        ("# per batch: loss.backward(); optimizer.step(); scheduler.step(); optimizer.zero_grad()", False),
        ('    """Multiplier of the optimizer\'s lr at update `step` (0 = the first update)."""', False),
        ("$ lrcourse --lang bn design --schedule step --lr 0.1 --out lr_design.png", False),
        ("saved to /tmp/lrcourse/results/a_standard.json", False),
        ("lrcourse  largest relative difference: 0.0e+00", True),
        ("recommended  max_lr 0.0137: test accuracy 98.0%", True),
        ("lr = 1.0     max_lr 1: test accuracy 10.2%", False),  # two words: too little to tell
        ("Recommendations (2):", False),
        ("{'constant': (0.001,), 'step': (0.001, 0.5, 2500)}", False),
        ("  s.step()  # wrong: before the optimizer", False),
        ("epoch 5: PyTorch উদাহরণ 0.1000   Goyal et al. (ব্যাচ 8192) 3.2000", False),
        ("t  SequentialLR     LambdaLR       attach", False),
        ("lrcourse  10,000টি আপডেটে সবচেয়ে বড় আপেক্ষিক পার্থক্য: 0.0e+00", False),
        ("ক্যাটাস্ট্রফিক ফরগেটিংয়ের (catastrophic forgetting) ঝুঁকি", False),
        ("Ma ও Yarats, 'On the adequacy of untuned warmup for adaptive optimization', AAAI 2021", False),
        ("ডিজাইন: cosine(lr=0.001, total_steps=100000, lr_min=0.0)", False),
        ("  ! রানের 100% কাটছে (ধাপ 90 থেকে): প্রতি ব্যাচে ডাকা হচ্ছে?", False),
        ("/tmp/ipykernel_1/2.py:6: UserWarning: Detected call of `lr_scheduler.step()` before", True),
        ("/tmp/ipykernel_1/2.py:6: UserWarning: LR রেঞ্জ টেস্টে লস এখনো নামছে", False),
        ("PyTorch-এর সতর্কবার্তা: «Detected call of lr_scheduler.step() before optimizer.step()»", False),
        ("with warmup (100 steps)  final loss 0.434   accuracy 78.9%", True),
        ("    if step < 2000:", False),
    ],
)
def test_detector(line, prose):
    assert bool(english_prose(line)) is prose, english_prose(line)


def test_the_detector_finds_the_english_notebooks_prose():
    """A sanity check of the detector: in the English twin of a Bengali output line (same cell, same
    output, same line, where both outputs have as many lines), it finds English prose nearly always."""
    pairs = found = 0
    for bn_path in BN_NOTEBOOKS:
        en_path = bn_path.parents[1] / "en" / bn_path.name
        if not en_path.exists():
            continue
        by_cell: dict[int, tuple[list[str], list[str]]] = {}
        for lang, path in (("bn", bn_path), ("en", en_path)):
            for line in output_lines(path):
                by_cell.setdefault(line.cell, ([], []))[lang == "en"].append(line.text)
        for bn_lines, en_lines in by_cell.values():
            if len(bn_lines) != len(en_lines):
                continue  # a run printed a different number of lines: no line-by-line twin
            for bn_line, en_line in zip(bn_lines, en_lines):
                if len(BENGALI.findall(bn_line)) >= 10 and not english_prose(bn_line) and bn_line != en_line \
                        and len(re.findall(r"[A-Za-z]{2,}", en_line)) >= MIN_RUN:
                    pairs += 1  # a Bengali sentence, and its English twin of a few words at least
                    found += bool(english_prose(en_line))
    assert pairs >= 50, f"only {pairs} Bengali output lines with an English twin: is the pairing broken?"
    assert found >= 0.9 * pairs, f"the detector finds only {found} of {pairs} English sentences in notebooks/en"


@pytest.mark.parametrize("path", BN_NOTEBOOKS, ids=lambda p: p.name)
def test_bengali_notebooks_print_no_english_prose(path):
    lines = prose_lines(path)
    assert not lines, _report(path, lines)
