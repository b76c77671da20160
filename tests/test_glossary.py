"""One Bengali: every Bengali text of the course uses the glossary's terms and writes numbers one way.

The glossary is ``lrcourse/locale/glossary.toml``: for each recurring technical term the chosen
Bengali, its first-use form with the English in brackets, and the variants to avoid; its
``[conventions]`` table gives the rule for digits and grouping, and its header explains how the
variants are matched. This test reads every Bengali text a learner sees:

- the markdown cells and the printed outputs of ``notebooks/bn/*.ipynb`` and of the Bengali grading
  source ``notebooks/grading/source/lr-schedules-bn/*.ipynb`` (code cells are code, except their
  ``"bn": ...`` strings, which become plot labels and printed lines);
- the ``bn`` value of every message in ``lrcourse/locale/*.toml``.

A failure names the file, the cell or message key, the word found and the glossary's choice, so the
fix is a search-and-replace. To change a choice, edit the glossary (one source of truth), not this file.
"""

from __future__ import annotations

import ast
import bisect
import json
import re
import tomllib
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LOCALE_DIR = ROOT / "lrcourse" / "locale"
GLOSSARY_PATH = LOCALE_DIR / "glossary.toml"
NOTEBOOKS = sorted((ROOT / "notebooks" / "bn").glob("*.ipynb")) + sorted(
    (ROOT / "notebooks" / "grading" / "source" / "lr-schedules-bn").glob("*.ipynb")
)
MESSAGE_FILES = sorted(p for p in LOCALE_DIR.glob("*.toml") if p != GLOSSARY_PATH)
SOURCES = NOTEBOOKS + MESSAGE_FILES

BN = "\u0980-\u09ff\u200c\u200d"  # the Bengali block (letters, signs, digits) and the joiners
HAS_BN = re.compile(f"[{BN}]")
BN_DIGITS = "০১২৩৪৫৬৭৮৯"
DIGIT = "0-9০-৯"


# ---------------------------------------------------------------- the texts


@dataclass(frozen=True)
class Text:
    """One Bengali text: ``kind`` is "prose" (markdown), "message" (a catalogue or code-cell string)
    or "output" (printed by code: only Bengali words and digits are checked there)."""

    source: str
    place: str
    kind: str
    text: str


def _code_bn_strings(source: str) -> list[str]:
    """The ``"bn": ...`` values (dict entries or ``bn=`` keywords) of a code cell; an f-string's fields as {}."""
    source = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return [m.group(1) for m in re.finditer(r'"bn"\s*:\s*f?"((?:[^"\\\n]|\\.)*)"', source)]

    def render(node: ast.AST) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.JoinedStr):
            return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
        return None

    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            pairs = [(k.value if isinstance(k, ast.Constant) else None, v) for k, v in zip(node.keys, node.values)]
        elif isinstance(node, ast.Call):
            pairs = [(kw.arg, kw.value) for kw in node.keywords]
        else:
            continue
        found += [text for key, value in pairs if key == "bn" and (text := render(value)) is not None]
    return found


def _notebook_texts(path: Path, source: str) -> list[Text]:
    texts = []
    for i, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"]):
        body = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            texts.append(Text(source, f"cell {i} (markdown)", "prose", body))
        if cell["cell_type"] != "code":
            continue
        texts += [Text(source, f'cell {i} (code, "bn" string)', "message", s) for s in _code_bn_strings(body)]
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if output.get("output_type") == "stream":
                texts.append(Text(source, f"cell {i} (output)", "output", "".join(output["text"])))
            elif "text/markdown" in data:
                texts.append(Text(source, f"cell {i} (markdown output)", "prose", "".join(data["text/markdown"])))
            elif "text/plain" in data:
                texts.append(Text(source, f"cell {i} (output)", "output", "".join(data["text/plain"])))
    return texts


def _message_texts(path: Path, source: str) -> list[Text]:
    texts = []

    def walk(table: dict, prefix: str) -> None:
        for key, value in table.items():
            if isinstance(value, dict):
                if isinstance(value.get("bn"), str):
                    texts.append(Text(source, f"key {prefix}{key}", "message", value["bn"]))
                else:
                    walk(value, f"{prefix}{key}.")

    with open(path, "rb") as f:
        walk(tomllib.load(f), "")
    return texts


@cache
def bn_texts(path: Path) -> tuple[Text, ...]:
    source = path.relative_to(ROOT).as_posix()
    texts = _notebook_texts(path, source) if path.suffix == ".ipynb" else _message_texts(path, source)
    return tuple(Text(t.source, t.place, t.kind, unicodedata.normalize("NFC", t.text)) for t in texts)


# ---------------------------------------------------------------- what is prose

# Each pattern's matches are blanked (same length, newlines kept), so positions stay comparable.
_CODE_AND_MATH = [
    re.compile(r"^(```|~~~).*?^\1", re.S | re.M),  # fenced code
    re.compile(r"<!--.*?-->", re.S),
    re.compile(r"\$\$.*?\$\$|\\\[.*?\\\]|\\begin\{(\w+\*?)\}.*?\\end\{\1\}", re.S),  # display math
    re.compile(r"``.+?``|`[^`\n]+`"),  # code spans
    re.compile(r"(?<!\\)\$[^$\n]+?(?<!\\)\$"),  # inline math
    re.compile(r"\]\([^)\s]*\)"),  # link targets
    re.compile(r"https?://\S+"),
    re.compile(r"</?[A-Za-z][^>\n]*>"),  # HTML tags (their text stays)
]
_PLACEHOLDERS = [re.compile(r"\{[^{}\n]*\}"), re.compile(r"`[^`\n]+`"), re.compile(r"https?://\S+")]
# English glosses and quotations: brackets or quotes with no Bengali inside, italic titles (3+ words).
_GLOSSES = [
    re.compile(rf"\([^(){BN}]*\)"),
    re.compile(rf"\"[^\"\n{BN}]*\"|“[^”\n{BN}]*”|‘[^’\n{BN}]*’|'[^'\n{BN}]*'"),
    re.compile(rf"(?<![*\w])\*(?!\*)[^*\n{BN}]*?\S\s+\S+\s+[^*\n{BN}]*?\*(?!\*)"),
]


def _blank(text: str, patterns: list[re.Pattern]) -> str:
    for pattern in patterns:
        text = pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    return text


def code_free(text: Text) -> str:
    """The text without code, math, links and tags (markdown), or without placeholders (messages)."""
    if text.kind == "prose":
        return _blank(text.text, _CODE_AND_MATH)
    if text.kind == "message":
        return _blank(text.text, _PLACEHOLDERS)
    return text.text


# ---------------------------------------------------------------- the glossary and its matcher


@cache
def glossary() -> dict:
    with open(GLOSSARY_PATH, "rb") as f:
        return tomllib.load(f)


def _is_latin(variant: str) -> bool:
    return not HAS_BN.search(variant)


def _pattern(variant: str) -> re.Pattern:
    body = r"\s+".join(re.escape(word) for word in variant.split())
    if _is_latin(variant):
        # a whole English word (optional plural -s), not part of a name, a call, an argument or a path
        return re.compile(
            rf"(?<![\w.\\/])(?<![A-Za-z0-9]-){body}s?(?![\w(=/])(?!-[A-Za-z0-9])(?!\.[A-Za-z])", re.I | re.A
        )
    # the start of a Bengali word, any ending
    return re.compile(rf"(?<![{BN}A-Za-z0-9_]){body}")


@dataclass(frozen=True)
class Rule:
    term: str
    variant: str
    chosen: str
    latin: bool
    pattern: re.Pattern
    allow: tuple[str, ...]


@cache
def rules() -> tuple[Rule, ...]:
    found = []
    for term, entry in glossary()["terms"].items():
        allow = tuple(unicodedata.normalize("NFC", a) for a in entry.get("allow", []))
        for variant in entry.get("avoid", []):
            variant = unicodedata.normalize("NFC", variant)
            found.append(Rule(term, variant, entry["bn"], _is_latin(variant), _pattern(variant), allow))
    return tuple(found)


@dataclass(frozen=True)
class Hit:
    place: str
    start: int
    found: str
    rule: Rule


def term_hits(text: Text) -> list[Hit]:
    """The rejected variants in one text; where matches overlap, the longest is kept."""
    plain = code_free(text)
    prose = _blank(plain, _GLOSSES)
    bengali_lines = [bool(HAS_BN.search(line)) for line in prose.split("\n")]
    line_starts = [m.start() for m in re.finditer(r"^", prose, re.M)]

    def line_has_bengali(pos: int) -> bool:
        return bengali_lines[bisect.bisect_right(line_starts, pos) - 1]

    spans = []
    for rule in rules():
        if rule.latin and text.kind == "output":
            continue  # printed English is the business of the English-output test, not a variant
        allowed = [(m.start(), m.end()) for a in rule.allow for m in re.finditer(re.escape(a), plain)]
        for m in rule.pattern.finditer(prose if rule.latin else plain):
            if rule.latin and not line_has_bengali(m.start()):
                continue  # an English line (a reference, a quotation) is not Bengali prose
            if any(a <= m.start() and m.end() <= b for a, b in allowed):
                continue
            spans.append((m.start(), m.end(), m.group(0), rule))
    kept: list[tuple[int, int, str, Rule]] = []
    for span in sorted(spans, key=lambda s: (s[0] - s[1], s[0])):
        if all(span[1] <= k[0] or k[1] <= span[0] for k in kept):
            kept.append(span)
    return [Hit(text.place, start, found, rule) for start, _, found, rule in sorted(kept, key=lambda s: s[0])]


# ---------------------------------------------------------------- the digit convention


def _latin_digits(token: str) -> str:
    return token.translate(str.maketrans(BN_DIGITS, "0123456789"))


def _western(token: str) -> str:
    digits = _latin_digits(token).replace(",", "")
    if not digits.isdigit():
        return _latin_digits(token)
    n = int(digits)
    if n >= glossary()["conventions"]["group_from"]:
        return f"{n:,}"
    return digits if "," not in token else str(n)  # keep a leading zero: পাঠ ০৪ → পাঠ 04


_INDIAN_GROUPING = re.compile(rf"(?<![{DIGIT},.])[{DIGIT}]{{1,2}}(?:,[{DIGIT}]{{2}})+,[{DIGIT}]{{3}}(?![{DIGIT}]|,[{DIGIT}])")
_BENGALI_NUMBER = re.compile(rf"[{BN_DIGITS}][{DIGIT},.]*(?<![,.])")
_UNGROUPED = re.compile(rf"(?<![{DIGIT}A-Za-z_.,/\-#])[{DIGIT}]{{5,}}(?![{DIGIT}]|[.,][{DIGIT}])")
_FOUR_DIGITS_WITH_COMMA = re.compile(rf"(?<![{DIGIT},.])[{DIGIT}],[{DIGIT}]{{3}}(?![{DIGIT}]|,[{DIGIT}])")


@cache
def _number_words() -> re.Pattern:
    words = "|".join(map(re.escape, glossary()["conventions"]["number_words_to_avoid"]))
    return re.compile(rf"([{DIGIT}][{DIGIT},.]*)\s*({words})(?!্)")


def number_problems(text: Text) -> list[str]:
    """The numbers in one text that break [conventions]: '<place>: 'token' (why) → 'fix''."""
    plain = code_free(text)
    found: dict[tuple[int, int], tuple[str, list[str], str]] = {}

    def note(m: re.Match, why: str, fix: str) -> None:
        for (a, b), (token, whys, _) in found.items():
            if a <= m.start() and m.end() <= b or m.start() <= a and b <= m.end():
                if m.end() - m.start() > b - a:  # keep the longer token, with every reason
                    del found[(a, b)]
                    found[(m.start(), m.end())] = (m.group(0), [*whys, why], fix)
                else:
                    whys.append(why)
                return
        found[(m.start(), m.end())] = (m.group(0), [why], fix)

    for m in _INDIAN_GROUPING.finditer(plain):
        note(m, "Indian grouping", _western(m.group(0)))
    for m in _number_words().finditer(plain):
        value = float(_latin_digits(m.group(1)).replace(",", ""))
        value *= glossary()["conventions"]["number_words_to_avoid"][m.group(2)]
        note(m, "Indian number word", _western(str(round(value))))
    for m in _BENGALI_NUMBER.finditer(text.text):  # Bengali digits are wrong anywhere, code and math included
        note(m, "Bengali digits", _western(m.group(0)) if "." not in m.group(0) else _latin_digits(m.group(0)))
    if text.kind != "output":  # code prints numbers as it likes; prose and messages group them
        for m in _UNGROUPED.finditer(plain):
            note(m, "5+ digits without grouping", _western(m.group(0)))
        for m in _FOUR_DIGITS_WITH_COMMA.finditer(plain):
            note(m, "no comma below 10,000", _western(m.group(0)))
    return [
        f"{text.place}: '{token}' ({', '.join(dict.fromkeys(whys))}) → '{fix}'"
        for _, (token, whys, fix) in sorted(found.items())
    ]


# ---------------------------------------------------------------- the tests


def test_glossary_is_consistent():
    data = glossary()
    conventions = data["conventions"]
    assert conventions["digits"] == "latin" and conventions["grouping"] == "western"
    assert isinstance(conventions["group_from"], int) and conventions["rule"].strip()
    seen: dict[str, str] = {}
    problems = []
    for term, entry in data["terms"].items():
        for field in ("en", "bn", "first_use"):
            if not isinstance(entry.get(field), str) or not entry[field].strip():
                problems.append(f"{term}: no {field}")
        if not isinstance(entry.get("avoid", []), list) or not all(isinstance(v, str) for v in entry.get("avoid", [])):
            problems.append(f"{term}: avoid must be a list of strings")
        unknown = set(entry) - {"en", "bn", "first_use", "avoid", "allow", "note"}
        if unknown:
            problems.append(f"{term}: unknown fields {sorted(unknown)}")
        if entry.get("bn") and entry["bn"] not in unicodedata.normalize("NFC", entry.get("first_use", "")):
            problems.append(f"{term}: first_use {entry.get('first_use')!r} does not contain bn {entry['bn']!r}")
        for variant in entry.get("avoid", []):
            if variant in seen:
                problems.append(f"{term}: '{variant}' is also avoided by {seen[variant]}")
            seen[variant] = term
        for phrase in entry.get("allow", []):
            if not any(_pattern(v).search(phrase) for v in entry.get("avoid", [])):
                problems.append(f"{term}: allow '{phrase}' contains none of its avoided variants")
    # no chosen word and no first-use form is itself a rejected variant (of any term)
    for term, entry in data["terms"].items():
        for field in ("bn", "first_use"):
            text = Text("glossary", f"{term}.{field}", "message", unicodedata.normalize("NFC", entry[field]))
            problems += [
                f"{term}.{field} '{entry[field]}' uses '{h.found}', avoided by {h.rule.term}" for h in term_hits(text)
            ]
            problems += [f"{term}.{field}: {p}" for p in number_problems(text)]
    assert not problems, "glossary.toml is inconsistent:\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("text", "kind", "found"),
    [
        ("শেখার হারের সূচি", "prose", ["শেখার হার"]),
        ("ওয়ার্মআপ (warmup) দিয়ে শুরু", "prose", []),  # the gloss in brackets is the first-use form
        ("warmup-এর পরে `warmup_steps=100`", "prose", ["warmup"]),  # code spans are code
        ("The warmup ends here.", "prose", []),  # an English line (a quotation) is not Bengali prose
        ("অস্থির শুরু, ক্ষতিটা আগেই হয়ে যায়", "prose", []),  # other words that contain a variant
        ("ওয়ান-সাইকেল শিডিউলে সাইকেল একটি", "prose", ["সাইকেল"]),
        ("training loss (ক্ষতি)", "message", ["training", "loss (ক্ষতি)"]),  # the longer match wins over 'loss'
        ("স্টেপ ডিকে নয়, step decay লিখেছেন", "prose", ["step decay"]),
        ("torch-lr-finder আর `scheduler.step()` দেখুন", "prose", []),
        ("{n}টি epoch", "message", ["epoch"]),
        ("epoch 3: warmup", "output", []),  # printed English is another test's business
        ("রৈখিকভাবে বাড়ে", "output", ["রৈখিক"]),
        ("$\\text{warmup}$ আর *Training ImageNet in 1 Hour* পড়ুন", "prose", []),
    ],
)
def test_matcher_follows_the_glossary_header(text, kind, found):
    assert [h.found for h in term_hits(Text("example", "x", kind, unicodedata.normalize("NFC", text)))] == found


@pytest.mark.parametrize(
    ("text", "kind", "problems"),
    [
        ("মোট ১০,০০০টি ধাপ", "prose", ["x: '১০,০০০' (Bengali digits) → '10,000'"]),
        ("মোট 1,00,000টি ধাপ", "prose", ["x: '1,00,000' (Indian grouping) → '100,000'"]),
        (
            "মোট 10000টি ধাপ, 8192 ব্যাচ, 2017 সালে, arXiv 2404.06395, pytorch#20124",
            "prose",
            ["x: '10000' (5+ digits without grouping) → '10,000'"],
        ),
        ("1,000টি ধাপ", "message", ["x: '1,000' (no comma below 10,000) → '1000'"]),
        ("10 লক্ষ step; লক্ষ করুন", "prose", ["x: '10 লক্ষ' (Indian number word) → '1,000,000'"]),
        ("step 10000 lr 0.5", "output", []),
        ("`x = ১০`, পাঠ ০৪", "prose", ["x: '১০' (Bengali digits) → '10'", "x: '০৪' (Bengali digits) → '04'"]),
    ],
)
def test_number_rules(text, kind, problems):
    assert number_problems(Text("example", "x", kind, text)) == problems


def test_the_scanned_texts_exist():
    assert len(NOTEBOOKS) >= 11, "the Bengali lessons and the Bengali grading source are missing"
    assert all(any(t.kind == "prose" for t in bn_texts(p)) for p in NOTEBOOKS)


def _report(path: Path, lines: list[str], what: str) -> str:
    return (
        f"{path.relative_to(ROOT).as_posix()}: {len(lines)} {what} "
        f"(the rules: lrcourse/locale/glossary.toml)\n  " + "\n  ".join(lines)
    )


def _grouped_hits(path: Path) -> list[str]:
    by_place: dict[str, Counter] = defaultdict(Counter)
    for text in bn_texts(path):
        for hit in term_hits(text):
            by_place[hit.place][(hit.found, hit.rule.chosen)] += 1
    return [
        f"{place}: " + "; ".join(f"'{found}'{f' ×{n}' if n > 1 else ''} → {chosen}" for (found, chosen), n in counts.items())
        for place, counts in by_place.items()
    ]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_bn_texts_use_the_glossary_terms(path):
    lines = _grouped_hits(path)
    assert not lines, _report(path, lines, "places use words that the glossary rejects")


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_bn_texts_write_numbers_one_way(path):
    lines = [p for text in bn_texts(path) for p in number_problems(text)]
    assert not lines, _report(path, lines, "numbers break the digit convention")


TEXT_IN_MATH = re.compile(r"\\text(?:rm|tt|it|bf|sf)?\{((?:[^{}]|\{[^{}]*\})*)\}")


def test_no_escaped_underscore_inside_text_in_math():
    """MathJax does not read macros inside \\text{...}: \\text{div\\_factor} shows a backslash.

    Write such a name as \\mathrm{div\\_factor} (math mode, where \\_ is an underscore) or as `code`
    (MathJax 3, which Jupyter and GitHub use, loads no text-mode macros; see mathjax/MathJax#1770).
    """
    notebooks = sorted((ROOT / "notebooks").glob("*/*.ipynb")) + sorted(
        (ROOT / "notebooks" / "grading" / "source").glob("*/*.ipynb")
    )
    found = [
        f"{path.relative_to(ROOT).as_posix()} cell {i}: {m.group(0)}"
        for path in notebooks
        for i, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"])
        if cell["cell_type"] == "markdown"
        for m in TEXT_IN_MATH.finditer("".join(cell["source"]))
        if "\\_" in m.group(1)
    ]
    assert not found, "\\_ inside \\text{} shows a literal backslash in MathJax:\n  " + "\n  ".join(found)
