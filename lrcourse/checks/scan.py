"""The instructor's scan: submissions whose answer cells do what no answer to this assignment needs.

    python -m lrcourse.checks.scan notebooks/grading/submitted [more folders or notebooks]

Some tampering cannot be stopped inside the kernel that grades (:mod:`lrcourse.checks.guard`
stops the rest): code that writes files, patches the import system, the kernel or the checker
itself. Such code has to be written somewhere, so this scan reads the code of every cell the
student could change (answer cells, ``nbgrader.solution``, and cells the student added; the locked
cells are restored by nbgrader anyway) with :mod:`ast` and flags what an answer never needs:
rebinding the names of the checks, changing attributes of imported modules (``setattr`` too),
``exec``/``eval``/``compile``, ``importlib``, ``sys.modules``, ``builtins``, writing files or
running processes, the kernel's error display (``sys.excepthook``, ``showtraceback``, custom
exception handlers, transformers, events), frames and code objects, the checker's internals,
classes with their own comparisons (an object equal to anything), catching ``AssertionError``,
and code cells placed before the setup cell.

It prints one line per finding, tab-separated: student, notebook, cell, line, what (in the
course language, ``LRCOURSE_LANG``), and a summary on stderr; the exit status is 1 when anything
is flagged, 0 when nothing is, 2 when no notebook was found. A flag is a reason to read the cell,
not a verdict. The correct answers of ``tests/assignment_corpus`` are not flagged.

:func:`scan_code` (one cell's code), :func:`scan_notebook` and :func:`scan_paths` do the same
from Python; a new rule goes into :class:`_Rules` and its message into ``checks.toml``
(``checks.scan.*``).
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from .. import i18n

i18n.load("checks")

#: Names the test cells and the checks rely on: an answer cell that binds one is flagged.
CHECK_NAMES = frozenset(
    {
        "check_constant_lr", "check_step_decay", "check_exponential_decay", "check_cosine_lr",
        "check_warmup_cosine", "check_plot", "check_train_mlp", "check_histories", "lrcourse",
        "AssertionError", "Exception", "BaseException", "__import__", "__builtins__", "get_ipython",
    }
)
#: What the notebook may use from lrcourse.checks; anything else is the checker's internals.
PUBLIC_CHECKS = frozenset(
    {"PLOT_ARGS", "PLOT_T", "MLP_ARGS", "MLP_STEPS", "ACCURACY_FLOOR", "SCHEDULE_KEYS", "plot_text", "graded"}
    | {name for name in CHECK_NAMES if name.startswith("check_")}
)
_CODE_BUILTINS = {"exec", "eval", "compile", "__import__", "breakpoint"}
_NAMESPACE_BUILTINS = {"globals", "vars", "locals", "setattr", "delattr"}
_MODULES = {  # module -> rule, for importing it at all
    "importlib": "import_system", "imp": "import_system", "runpy": "import_system", "pkgutil": "import_system",
    "builtins": "builtins", "ctypes": "introspection", "gc": "introspection", "marshal": "dynamic",
    "code": "dynamic", "codeop": "dynamic", "IPython": "ipython", "ipykernel": "ipython",
    "threading": "process", "multiprocessing": "process", "subprocess": "process", "signal": "process",
    "atexit": "process", "shutil": "files", "tempfile": "files",
}
_SYS = {
    "modules": "import_system", "meta_path": "import_system", "path_hooks": "import_system",
    "path_importer_cache": "import_system", "path": "import_system", "settrace": "introspection",
    "setprofile": "introspection", "_getframe": "introspection", "addaudithook": "introspection",
    "excepthook": "error_display", "displayhook": "error_display", "stdout": "error_display",
    "stderr": "error_display", "__stdout__": "error_display", "__stderr__": "error_display",
    "breakpointhook": "error_display", "exit": "process",
}
_OS = {
    "system", "popen", "remove", "unlink", "rename", "renames", "replace", "rmdir", "removedirs", "mkdir",
    "makedirs", "chmod", "chown", "symlink", "link", "truncate", "kill", "_exit", "putenv", "environ",
    "fork", "execv", "execve", "execvp", "spawnv", "spawnl", "write", "open", "fdopen", "chdir",
}
_FILE_METHODS = {"write_text", "write_bytes", "unlink", "touch", "symlink_to", "hardlink_to", "chmod", "rmdir", "mkdir"}
_SAVES = {("numpy", "save"), ("numpy", "savez"), ("numpy", "savetxt"), ("numpy", "savez_compressed"), ("torch", "save"),
          ("pickle", "dump"), ("json", "dump")}
_DISPLAY_ATTRS = {
    "showtraceback", "_showtraceback", "showsyntaxerror", "set_custom_exc", "CustomTB", "custom_exceptions",
    "InteractiveTB", "SyntaxTB", "input_transformers_post", "input_transformers_cleanup",
    "input_transformer_manager", "ast_transformers", "events", "display_pub", "displayhook", "excepthook",
    "clear_output", "_render_traceback_", "run_cell", "run_code", "run_ast_nodes", "transform_cell",
    "kernel", "session", "iopub_socket", "shell_handlers",
}
_INTROSPECTION_ATTRS = {
    "__code__", "__globals__", "__closure__", "__defaults__", "__kwdefaults__", "__dict__", "__class__",
    "__subclasses__", "__bases__", "__mro__", "__builtins__", "__wrapped__", "f_locals", "f_back",
    "f_globals", "f_builtins", "tb_frame", "gi_frame", "cr_frame", "cell_contents", "co_code",
}
_INSPECT = {"currentframe", "stack", "getouterframes", "getinnerframes", "trace", "getmembers"}
_TYPES = {"FunctionType", "CodeType", "ModuleType", "MethodType", "LambdaType", "CellType"}
_LYING_DUNDERS = {
    "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__float__", "__int__", "__index__",
    "__abs__", "__sub__", "__rsub__", "__array__", "__array_ufunc__", "__array_function__", "__bool__",
    "__getattribute__", "__instancecheck__", "__subclasscheck__",
}
_CAUGHT = {"AssertionError", "BaseException"}
_ASSIGNED_MAGIC = re.compile(r"^\s*[A-Za-z_][\w.,\s]*=\s*[!%]\S")
ALLOWED_MAGICS = {"matplotlib", "time", "timeit", "capture", "config", "precision", "pprint", "who", "whos"}


@dataclass(frozen=True)
class Finding:
    student: str
    notebook: str
    cell: str
    line: int
    rule: str  # the message key is "checks.scan.<rule>"
    name: str  # what was found, in the code's own words

    def text(self) -> str:
        return "\t".join([self.student, self.notebook, self.cell, str(self.line), i18n.t(f"checks.scan.{self.rule}", name=self.name)])


def _dotted(node) -> str:
    """``a.b.c`` for a chain of attributes (``…`` where the chain starts with something else)."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    elif isinstance(node, ast.Call):
        parts.append(_dotted(node.func) + "()")
    else:
        parts.append("…")
    return ".".join(reversed(parts))


def _root(node) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


class _Rules(ast.NodeVisitor):
    """The rules, one visit method per kind of node; ``imported`` maps each name bound by an
    import anywhere in the notebook to its module (``np`` -> ``numpy``)."""

    def __init__(self, imported: dict[str, str]):
        self.imported = imported
        self.found: list[tuple[int, str, str]] = []

    def flag(self, node, rule: str, name: str) -> None:
        self.found.append((getattr(node, "lineno", 1), rule, name))

    def module_of(self, node) -> str | None:
        root = _root(node)
        return self.imported.get(root) if root else None

    # -- bindings ---------------------------------------------------------------------------------

    def bound(self, target, node) -> None:
        """A name, attribute or item that ``node`` binds, deletes or changes."""
        if isinstance(target, (ast.Tuple, ast.List)):
            for item in target.elts:
                self.bound(item, node)
        elif isinstance(target, ast.Starred):
            self.bound(target.value, node)
        elif isinstance(target, ast.Name):
            if target.id in CHECK_NAMES:
                self.flag(node, "rebind", target.id)
        elif isinstance(target, ast.Attribute):
            if self.module_of(target) is not None:
                self.flag(node, "module_attribute", _dotted(target))
        elif isinstance(target, ast.Subscript):
            module = self.module_of(target)
            if module is not None and module.split(".")[0] == "lrcourse":
                self.flag(node, "checker", _dotted(target.value) + "[…]")

    def visit_Assign(self, node):
        for target in node.targets:
            self.bound(target, node)
        self.generic_visit(node)

    def visit_AnnAssign(self, node):
        self.bound(node.target, node)
        self.generic_visit(node)

    visit_AugAssign = visit_AnnAssign

    def visit_Delete(self, node):
        for target in node.targets:
            self.bound(target, node)
        self.generic_visit(node)

    def visit_For(self, node):
        self.bound(node.target, node)
        self.generic_visit(node)

    def visit_NamedExpr(self, node):
        self.bound(node.target, node)
        self.generic_visit(node)

    def visit_withitem(self, node):
        if node.optional_vars is not None:
            self.bound(node.optional_vars, node.context_expr)
        self.generic_visit(node)

    def visit_FunctionDef(self, node):
        if node.name in CHECK_NAMES:
            self.flag(node, "rebind", node.name)
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node):
        if node.name in CHECK_NAMES:
            self.flag(node, "rebind", node.name)
        own = sorted(
            t.id if isinstance(t, ast.Name) else t.name
            for item in node.body
            for t in (item.targets if isinstance(item, ast.Assign) else [item])
            if isinstance(t, (ast.Name, ast.FunctionDef)) and (t.id if isinstance(t, ast.Name) else t.name) in _LYING_DUNDERS
        )
        if own:
            self.flag(node, "lying_class", f"{node.name}: {', '.join(own)}")
        self.generic_visit(node)

    # -- imports ----------------------------------------------------------------------------------

    def visit_Import(self, node):
        for alias in node.names:
            self.imported_module(node, alias.name)
            if alias.asname in CHECK_NAMES:
                self.flag(node, "rebind", alias.asname)

    def visit_ImportFrom(self, node):
        module = "." * node.level + (node.module or "")
        self.imported_module(node, module)
        for alias in node.names:
            genuine = module in ("lrcourse.checks", "lrcourse.checks.graded") and alias.asname in (None, alias.name)
            if (alias.asname or alias.name) in CHECK_NAMES and not genuine:
                self.flag(node, "rebind", alias.asname or alias.name)
            if module.startswith("lrcourse.checks") and alias.name not in PUBLIC_CHECKS:
                self.flag(node, "checker", f"{module}.{alias.name}")
            self.imported_module(node, f"{module}.{alias.name}")

    def imported_module(self, node, module: str) -> None:
        top = module.split(".")[0]
        if top in _MODULES:
            self.flag(node, _MODULES[top], module)
        if module.startswith("lrcourse.checks.") and module.split(".")[2] not in PUBLIC_CHECKS:
            self.flag(node, "checker", module)

    # -- calls, attributes, names -----------------------------------------------------------------

    def visit_Call(self, node):
        func = node.func
        name = func.id if isinstance(func, ast.Name) else None
        if name in _CODE_BUILTINS:
            self.flag(node, "dynamic", name)
        elif name in _NAMESPACE_BUILTINS:
            self.flag(node, "namespace", name)
        elif name == "open" or (isinstance(func, ast.Attribute) and func.attr == "open"):
            self.check_open(node)
        elif name == "get_ipython":
            self.flag(node, "ipython", "get_ipython()")
        if isinstance(func, ast.Attribute):
            module = self.module_of(func)
            if func.attr in _FILE_METHODS:
                self.flag(node, "files", _dotted(func))
            elif module is not None and (module.split(".")[0], func.attr) in _SAVES:
                self.flag(node, "files", _dotted(func))
        self.generic_visit(node)

    def check_open(self, node) -> None:
        """``open(file, mode)`` with a mode that writes (or one computed at run time), and
        ``path.open("w")``; reading is fine."""
        keyword = next((k.value for k in node.keywords if k.arg == "mode"), None)
        literal = isinstance(keyword, ast.Constant) and isinstance(keyword.value, str)
        if isinstance(node.func, ast.Name):
            mode = node.args[1] if len(node.args) > 1 else keyword
        else:  # a method: only a literal mode says it is a file being opened
            mode = node.args[0] if node.args else keyword
            if not (isinstance(mode, ast.Constant) and isinstance(mode.value, str)) and not literal:
                return
        if mode is None:
            return
        if not (isinstance(mode, ast.Constant) and isinstance(mode.value, str)) or set(mode.value) & set("wax+"):
            self.flag(node, "files", f"open(…, {ast.unparse(mode)})")

    def visit_Attribute(self, node):
        module = self.module_of(node)
        top = module.split(".")[0] if module else None
        attr = node.attr
        if attr in _INTROSPECTION_ATTRS:
            self.flag(node, "introspection", _dotted(node))
        elif attr in _DISPLAY_ATTRS:
            self.flag(node, "error_display", _dotted(node))
        elif top == "sys" and attr in _SYS:
            self.flag(node, _SYS[attr], _dotted(node))
        elif top == "os" and attr in _OS:
            self.flag(node, "files", _dotted(node))
        elif top == "inspect" and attr in _INSPECT:
            self.flag(node, "introspection", _dotted(node))
        elif top == "types" and attr in _TYPES:
            self.flag(node, "dynamic", _dotted(node))
        elif module is not None and module.startswith("lrcourse") and _checker_attribute(module, node):
            self.flag(node, "checker", _dotted(node))
        self.generic_visit(node)

    def visit_Name(self, node):
        if node.id in ("__builtins__", "__import__"):
            self.flag(node, "builtins", node.id)

    def visit_ExceptHandler(self, node):
        caught = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
        for c in caught:
            if isinstance(c, ast.Name) and c.id in _CAUGHT:
                self.flag(node, "catches", c.id)
        self.generic_visit(node)


def _checker_attribute(module: str, node: ast.Attribute) -> bool:
    """Whether ``node`` (an attribute chain on an lrcourse import) reaches past the public names of
    lrcourse.checks: ``lrcourse.checks.reference``, ``checks._SPECS``, ``checks.guard``, ..."""
    chain = _dotted(node).split(".")[1:]  # the attributes after the imported name
    path = module.split(".") + chain
    if path[:2] != ["lrcourse", "checks"] or len(path) < 3:
        return False
    return path[2] not in PUBLIC_CHECKS or (path[2] == "graded" and len(path) > 3 and path[3] not in PUBLIC_CHECKS)


def _imports(tree) -> dict[str, str]:
    out = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                out[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                out[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return out


def _python(code: str) -> tuple[str, list[tuple[int, str, str]]]:
    """The cell's code with IPython's magics and shell lines replaced by ``pass`` (same line
    numbers), and the findings for those that are not in :data:`ALLOWED_MAGICS`."""
    found, lines = [], code.split("\n")
    for i, line in enumerate(lines):
        stripped = line.lstrip()
        magic = None
        if stripped.startswith(("%", "!")):
            magic = stripped
        elif _ASSIGNED_MAGIC.match(line):  # x = !ls, t = %timeit f()
            magic = stripped.split("=", 1)[1].strip()
        if magic is None:
            continue
        word = magic.lstrip("%").split(maxsplit=1)[0] if magic.startswith("%") and len(magic) > 1 else magic
        if magic.startswith("!") or word not in ALLOWED_MAGICS:
            found.append((i + 1, "magic", magic[:60]))
        lines[i] = line[: len(line) - len(stripped)] + "pass"
    return "\n".join(lines), found


def scan_code(code: str, imported: dict[str, str] | None = None) -> list[tuple[int, str, str]]:
    """``[(line, rule, name)]`` for one cell's code; ``imported``: the notebook's imports (alias ->
    module), when the cell uses names imported elsewhere. Code that does not parse runs nothing
    and gives nothing."""
    python, found = _python(code)
    try:
        tree = ast.parse(python)
    except SyntaxError:
        return found
    rules = _Rules({**(imported or {}), **_imports(tree)})
    rules.visit(tree)
    return sorted(set(found + rules.found))


def _cells(nb: dict) -> list[dict]:
    return [c for c in nb.get("cells", []) if c.get("cell_type") == "code"]


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _student_and_name(path: Path) -> tuple[str, str]:
    parts = path.parts
    for folder in ("submitted", "autograded"):
        if folder in parts[:-1]:
            i = len(parts) - 1 - parts[::-1].index(folder)
            if i + 2 < len(parts):
                return parts[i + 1], "/".join(parts[i + 2 :])
    return path.parent.name, path.name


def scan_notebook(path: Path, student: str | None = None) -> list[Finding]:
    """The findings of every cell of ``path`` the student could change."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    who, name = _student_and_name(Path(path))
    student = student or who
    cells = _cells(nb)
    imported: dict[str, str] = {}
    for cell in cells:
        try:
            imported.update(_imports(ast.parse(_python(_source(cell))[0])))
        except SyntaxError:
            pass
    findings, setup_seen = [], False
    for index, cell in enumerate(cells):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        label = cell.get("id") or f"#{index}"
        if meta.get("locked") and not meta.get("solution"):
            setup_seen = True  # nbgrader restores a locked cell: what the student wrote there never runs
            continue
        if not setup_seen and _source(cell).strip():
            findings.append(Finding(student, name, label, 1, "before_setup", label))
        for line, rule, what in scan_code(_source(cell), imported):
            findings.append(Finding(student, name, label, line, rule, what))
    return findings


def scan_paths(paths) -> tuple[list[Path], list[Finding]]:
    """The notebooks under ``paths`` (folders are searched recursively) and their findings."""
    notebooks = []
    for path in map(Path, paths):
        if path.is_dir():
            notebooks += sorted(p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
        elif path.suffix == ".ipynb":
            notebooks.append(path)
    findings = [f for nb in notebooks for f in scan_notebook(nb)]
    return notebooks, findings


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lrcourse.checks.scan",
        description="Flag submissions whose answer cells do what no answer needs (see the module docstring).",
    )
    parser.add_argument("paths", nargs="+", help="notebooks, or folders to search (e.g. notebooks/grading/submitted)")
    args = parser.parse_args(argv)
    notebooks, findings = scan_paths(args.paths)
    if not notebooks:
        print(i18n.t("checks.scan.no_notebooks", paths=" ".join(args.paths)), file=sys.stderr)
        return 2
    for finding in findings:
        print(finding.text())
    flagged = len({(f.student, f.notebook) for f in findings})
    if findings:
        print(i18n.t("checks.scan.summary", flagged=flagged, notebooks=len(notebooks), findings=len(findings)), file=sys.stderr)
        return 1
    print(i18n.t("checks.scan.clean", notebooks=len(notebooks)), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
