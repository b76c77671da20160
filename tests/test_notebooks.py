"""Static checks of every lesson notebook in ``notebooks/en`` and ``notebooks/bn``.

These tests read the committed ``.ipynb`` files; they do not execute them (``make notebooks``
does that with nbval). They check what the course promises about every notebook, whoever wrote it:

- the same file names in both languages;
- the same code cells, except the language line of the first code cell
  (``lrcourse.set_language("en")`` vs ``lrcourse.set_language("bn")``);
- nbformat 4.5 with (unique) cell ids;
- stored outputs from a clean top-to-bottom run: every code cell executed, execution counts
  1, 2, 3, ... in order with no gaps, and no error outputs;
- the first code cell imports lrcourse and sets the notebook's language;
- the Bengali notebooks' prose is actually Bengali, and the English ones' is not.

Failure messages name the file, the cell index (0-based, as in ``nb.cells[i]``) and what differs.
"""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NB_ROOT = ROOT / "notebooks"
LANGS = ("en", "bn")
LANGUAGE_LINE = re.compile(r"""^\s*lrcourse\.set_language\(\s*(['"])(?P<lang>[a-z]+)\1\s*\)\s*(#.*)?$""")

# Bengali letters (U+0980..U+09FF) against Latin letters, in markdown prose with code, maths,
# links and HTML removed.
BENGALI = re.compile(r"[\u0980-\u09FF]")
LATIN = re.compile(r"[A-Za-z]")
MIN_BENGALI_SHARE = 0.5  # of all letters in a bn notebook's prose (English terms in brackets are fine)
MIN_BENGALI_SHARE_CELL = 0.2  # of a single bn markdown cell with a lot of prose
CELL_PROSE_LETTERS = 150  # a bn cell with at least this many letters is checked on its own
MAX_BENGALI_SHARE_EN = 0.3  # an English notebook may quote the Bengali source, not be Bengali


def _notebooks(lang: str) -> dict[str, Path]:
    folder = NB_ROOT / lang
    if not folder.is_dir():
        return {}
    return {p.name: p for p in sorted(folder.glob("*.ipynb"))}


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


ALL = [(lang, name) for lang in LANGS for name in _notebooks(lang)]
PAIRS = sorted(set(_notebooks("en")) & set(_notebooks("bn")))
_cache: dict[Path, nbformat.NotebookNode] = {}


def _read(path: Path) -> nbformat.NotebookNode:
    if path not in _cache:
        # as_version=NO_CONVERT keeps the file's own version, so that we can check it
        _cache[path] = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    return _cache[path]


def _code_cells(nb) -> list[tuple[int, nbformat.NotebookNode]]:
    return [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]


def _prose(markdown: str) -> str:
    """Markdown without fenced code, inline code, maths, HTML tags, URLs and link targets."""
    text = re.sub(r"```.*?```", " ", markdown, flags=re.S)
    text = re.sub(r"~~~.*?~~~", " ", text, flags=re.S)
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.S)
    text = re.sub(r"\$[^$\n]*\$", " ", text)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"https?://\S+", " ", text)
    return text


def _bengali_share(text: str) -> tuple[float, int]:
    bn, la = len(BENGALI.findall(text)), len(LATIN.findall(text))
    total = bn + la
    return (bn / total if total else 1.0), total


def test_notebook_folders_exist():
    for lang in LANGS:
        assert (NB_ROOT / lang).is_dir(), f"missing folder {_rel(NB_ROOT / lang)}"


def test_same_notebooks_in_both_languages():
    en, bn = set(_notebooks("en")), set(_notebooks("bn"))
    problems = []
    if en - bn:
        problems.append(f"only in notebooks/en (no Bengali version): {sorted(en - bn)}")
    if bn - en:
        problems.append(f"only in notebooks/bn (no English version): {sorted(bn - en)}")
    assert not problems, "; ".join(problems)


def test_notebook_names_follow_reading_order():
    for lang in LANGS:
        for name in _notebooks(lang):
            assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", name), (
                f"notebooks/{lang}/{name}: name must be NN_lowercase_name.ipynb (NN is the reading order)"
            )


@pytest.mark.parametrize("lang,name", ALL, ids=[f"{lang}/{name}" for lang, name in ALL])
def test_nbformat_45_with_cell_ids(lang, name):
    path = NB_ROOT / lang / name
    nb = _read(path)
    version = (nb.nbformat, nb.nbformat_minor)
    assert version >= (4, 5), f"{_rel(path)}: nbformat {version[0]}.{version[1]}; cell ids need 4.5 or later"
    # Read the raw JSON: nbformat's reader fills in missing ids in memory, hiding the problem.
    raw = json.loads(path.read_text(encoding="utf-8"))
    seen: dict[str, int] = {}
    for i, cell in enumerate(raw["cells"]):
        cid = cell.get("id")
        assert cid, f"{_rel(path)}: cell {i} ({cell.get('cell_type')}) has no id"
        assert cid not in seen, f"{_rel(path)}: cells {seen[cid]} and {i} share the id {cid!r}"
        seen[cid] = i
    nbformat.validate(nb)


@pytest.mark.parametrize("lang,name", ALL, ids=[f"{lang}/{name}" for lang, name in ALL])
def test_first_code_cell_sets_the_language(lang, name):
    path = NB_ROOT / lang / name
    code = _code_cells(_read(path))
    assert code, f"{_rel(path)}: has no code cell; the first code cell must set the language"
    index, first = code[0]
    lines = first.source.splitlines()
    assert any(re.match(r"^\s*import lrcourse\b", ln) for ln in lines), (
        f"{_rel(path)}: cell {index} (the first code cell) does not `import lrcourse`"
    )
    found = [m.group("lang") for m in map(LANGUAGE_LINE.match, lines) if m]
    assert found == [lang], (
        f"{_rel(path)}: cell {index} (the first code cell) must contain exactly one line "
        f'`lrcourse.set_language("{lang}")`; found {found or "none"}'
    )
    for i, cell in code[1:]:
        assert not any(LANGUAGE_LINE.match(ln) for ln in cell.source.splitlines()), (
            f"{_rel(path)}: cell {i} sets the language again; only the first code cell may"
        )


@pytest.mark.parametrize("lang,name", ALL, ids=[f"{lang}/{name}" for lang, name in ALL])
def test_outputs_come_from_a_clean_run(lang, name):
    path = NB_ROOT / lang / name
    expected = 1
    for i, cell in _code_cells(_read(path)):
        if not cell.source.strip():
            continue  # Jupyter does not count an empty cell
        count = cell.get("execution_count")
        assert count is not None, (
            f"{_rel(path)}: cell {i} was not executed; commit lessons with outputs from a clean run "
            f"(jupyter nbconvert --to notebook --execute --inplace {_rel(path)})"
        )
        assert count == expected, (
            f"{_rel(path)}: cell {i} has execution count {count}, expected {expected}; "
            "the outputs are not from one clean top-to-bottom run (restart the kernel and run all)"
        )
        expected += 1
        for output in cell.get("outputs", []):
            assert output.output_type != "error", (
                f"{_rel(path)}: cell {i} has an error output: "
                f"{output.get('ename')}: {output.get('evalue')}"
            )
            if output.output_type == "execute_result":
                assert output.get("execution_count") == count, (
                    f"{_rel(path)}: cell {i}: its result says execution count "
                    f"{output.get('execution_count')}, the cell says {count}"
                )


@pytest.mark.parametrize("name", PAIRS)
def test_code_cells_are_the_same_in_both_languages(name):
    en_path, bn_path = NB_ROOT / "en" / name, NB_ROOT / "bn" / name
    en, bn = _code_cells(_read(en_path)), _code_cells(_read(bn_path))
    assert len(en) == len(bn), (
        f"{name}: {len(en)} code cells in notebooks/en, {len(bn)} in notebooks/bn; "
        "the two versions must have the same code cells"
    )
    for k, ((ie, ce), (ib, cb)) in enumerate(zip(en, bn)):
        src_en, src_bn = ce.source, cb.source
        if k == 0:  # the one allowed difference: the language line
            src_en = "\n".join(ln for ln in src_en.splitlines() if not LANGUAGE_LINE.match(ln))
            src_bn = "\n".join(ln for ln in src_bn.splitlines() if not LANGUAGE_LINE.match(ln))
        if src_en.rstrip() != src_bn.rstrip():
            diff = "\n".join(
                list(
                    difflib.unified_diff(
                        src_en.splitlines(),
                        src_bn.splitlines(),
                        f"notebooks/en/{name} cell {ie}",
                        f"notebooks/bn/{name} cell {ib}",
                        lineterm="",
                        n=1,
                    )
                )[:40]
            )
            pytest.fail(
                f"{name}: code cell #{k + 1} differs between languages "
                f"(cell {ie} in notebooks/en, cell {ib} in notebooks/bn):\n{diff}"
            )


@pytest.mark.parametrize("name", sorted(_notebooks("bn")))
def test_bengali_notebooks_are_written_in_bengali(name):
    path = NB_ROOT / "bn" / name
    nb = _read(path)
    markdown = [(i, _prose(c.source)) for i, c in enumerate(nb.cells) if c.cell_type == "markdown"]
    assert markdown, f"{_rel(path)}: has no markdown cell"
    share, letters = _bengali_share("\n".join(text for _, text in markdown))
    assert share >= MIN_BENGALI_SHARE, (
        f"{_rel(path)}: only {share:.0%} of the {letters} letters of its prose are Bengali "
        f"(need {MIN_BENGALI_SHARE:.0%}); the Bengali notebook's markdown must be in Bengali"
    )
    for i, text in markdown:
        cell_share, cell_letters = _bengali_share(text)
        if cell_letters >= CELL_PROSE_LETTERS:
            assert cell_share >= MIN_BENGALI_SHARE_CELL, (
                f"{_rel(path)}: markdown cell {i} is {cell_share:.0%} Bengali ({cell_letters} letters); "
                f"it looks untranslated: {text.strip()[:120]!r}"
            )


@pytest.mark.parametrize("name", sorted(_notebooks("en")))
def test_english_notebooks_are_written_in_english(name):
    path = NB_ROOT / "en" / name
    nb = _read(path)
    text = "\n".join(_prose(c.source) for c in nb.cells if c.cell_type == "markdown")
    share, letters = _bengali_share(text)
    assert letters == 0 or share <= MAX_BENGALI_SHARE_EN, (
        f"{_rel(path)}: {share:.0%} of the {letters} letters of its prose are Bengali; "
        "is the Bengali version saved under notebooks/en?"
    )
