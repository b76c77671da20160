"""Tamper resistance: what the notebook's own code cannot change about the checks, and how a
failing test cell stays failed.

In an nbgrader submission, the learner's answer cells run in the same Python kernel as the locked
test cells, before them, and may run anything. Grading holds up as follows (one submission per
attack in ``tests/exploit_corpus``; ``tests/test_exploits.py`` autogrades them):

- Every test cell imports its check itself (``from lrcourse.checks.graded import check_...``), so
  a name rebound by an answer cell is never called.
- When the package is imported (the assignment's locked setup cell, before any answer cell), its
  modules are sealed: their attributes can no longer be set or deleted (:class:`SealedModule`),
  and a snapshot of what they hold (functions with their code, defaults and closures; classes; the
  specs and settings) is compared before and after every check (:func:`tampered`). Any change
  fails the check.
- Their functions look builtins up in a copy taken at import (:data:`BUILTINS`), take the math and
  NumPy functions they need by name at import, and decide pass or fail in plain Python on plain
  floats (``float.__float__`` of a value: a float subclass's own ``__eq__``, ``__sub__`` or
  ``__float__`` is never asked). Patching ``builtins``, ``math`` or ``numpy`` afterwards changes
  nothing.
- A graded check that fails (:func:`guarded` with ``graded=True``) first undoes what code in the
  notebook did to the kernel since the import: IPython's traceback display and custom exception
  handlers, event callbacks (a ``post_run_cell`` callback can clear the cell's output or mark it
  succeeded), input and AST transformers; then it clears what the cell printed before the failure
  (a fake ✓, or an ``execute_result`` that nbgrader would read as partial credit). Where the cell's
  own code may have been rewritten (a transformer) or the checks were changed, it also writes the
  failure to the kernel's stderr, which nbgrader scores 0 even if the error itself is swallowed.

What one kernel cannot stop: code that rewrites this module itself, the import system
(``sys.modules``, import hooks), the kernel's messaging, or files. ``python -m
lrcourse.checks.scan`` flags submissions whose answer cells do such things, for the instructor to
read by hand; and since autograding runs untrusted code, run it isolated (README, instructors).

Every module of the package starts with ``from .guard import BUILTINS as __builtins__``;
:func:`seal` refuses to seal one that does not.
"""

from __future__ import annotations

import builtins as _builtins_module
import functools
import sys
import types
from pathlib import Path

from .. import i18n

#: The builtins of this package's functions: a copy of ``builtins`` taken at import. (CPython
#: functions look builtins up in the ``__builtins__`` of their module as it was when they were
#: defined, so a later ``builtins.abs = ...`` in the kernel does not reach them.)
BUILTINS = dict(vars(_builtins_module))
__builtins__ = BUILTINS

PACKAGE = __name__.rpartition(".")[0]
PACKAGE_DIR = str(Path(__file__).resolve().parent)
_MISSING = object()

i18n.load("checks")


# --------------------------------------------------------------------------------------------
# read-only module attributes and settings


class FrozenDict(dict):
    """A dict that refuses changes (the assignment's settings, the specs); its repr is a dict's."""

    def _refuse(self, *args, **kwargs):
        raise TypeError(i18n.t("checks.read_only", what=f"{PACKAGE} dict"))

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _refuse

    def __reduce__(self):
        return (type(self), (dict(self),))


class SealedModule(types.ModuleType):
    """A module of this package once imported: its attributes cannot be set or deleted, except the
    names in its ``SETTINGS`` (values a test may change; none can make a wrong answer pass) and a
    submodule imported for the first time."""

    def __setattr__(self, name, value):
        own = vars(self)
        new_submodule = (
            name not in own and isinstance(value, types.ModuleType) and value.__name__ == f"{self.__name__}.{name}"
        )
        if name in own.get("SETTINGS", ()) or new_submodule:
            types.ModuleType.__setattr__(self, name, value)
        else:
            raise AttributeError(i18n.t("checks.read_only", what=f"{self.__name__}.{name}"))

    def __delattr__(self, name):
        raise AttributeError(i18n.t("checks.read_only", what=f"{self.__name__}.{name}"))


# --------------------------------------------------------------------------------------------
# the snapshot of the package's own state


def _same(a, b) -> bool:
    """Identity; a bound method is a new object at every lookup, so the same function bound to the
    same object counts as the same."""
    if a is b:
        return True
    method = types.MethodType
    return type(a) is method and type(b) is method and a.__func__ is b.__func__ and a.__self__ is b.__self__


def _new_verifier():
    """``(verify, record)``, two closures over a private list of records.

    ``record(kind, holder, key, label)`` reads an item now and keeps it; ``verify()`` reads every
    item again and returns the labels of those that changed. Kinds: "module" (a module's names),
    "items" (a dict, or the namespace of a class or object), "list", "attr" (one attribute),
    "cell" (a closure cell). Both use only the C functions bound here: no name that code in the
    notebook could rebind, and no other function of the package whose code it could replace, is
    on their path; and the list of records is reachable from nowhere else.
    """
    records: list[tuple] = []
    getattr_, vars_, tuple_, len_, zip_, type_, isinstance_ = getattr, vars, tuple, len, zip, type, isinstance
    dict_items, module_type, method_type = dict.items, types.ModuleType, types.MethodType
    missing, submodule = _MISSING, PACKAGE + "."

    def read(kind, holder, key):
        if kind == "attr":
            return getattr_(holder, key, missing)
        if kind == "cell":
            try:
                return holder.cell_contents
            except ValueError:
                return missing
        if kind == "list":
            return tuple_(holder)
        if kind == "module":  # less its SETTINGS, its submodules (the scan, imported later) and the
            own = vars_(holder)  # dunders Python itself adds (__warningregistry__)
            settings = own.get("SETTINGS", ())
            return tuple_(
                (k, v)
                for k, v in dict_items(own)
                if (not k.startswith("__") or k == "__builtins__")
                and k not in settings
                and not (isinstance_(v, module_type) and v.__name__.startswith(submodule))
            )
        return tuple_(dict_items(holder) if isinstance_(holder, dict) else vars_(holder).items())

    def same(a, b):
        return a is b or (
            type_(a) is method_type and type_(b) is method_type and a.__func__ is b.__func__ and a.__self__ is b.__self__
        )

    def verify() -> list[str]:
        changed = []
        for kind, holder, key, original, label in records:
            current = read(kind, holder, key)
            if kind in ("attr", "cell"):
                ok = same(current, original)
            elif kind == "list":
                ok = len_(current) == len_(original) and all(a is b for a, b in zip_(current, original))
            else:
                ok = len_(current) == len_(original) and all(
                    k1 == k2 and v1 is v2 for (k1, v1), (k2, v2) in zip_(current, original)
                )
            if not ok:
                changed.append(label)
        return changed

    def record(kind, holder, key, label):
        original = read(kind, holder, key)
        records.append((kind, holder, key, original, label))
        return original

    return verify, record


_verify, _record = _new_verifier()


class _Snapshot:
    """Walks what the package holds and records what can change in it (:func:`seal`)."""

    def __init__(self):
        self.seen: set[int] = set()

    def add(self, kind: str, holder, key, label: str) -> None:
        original = _record(kind, holder, key, label)
        if kind in ("module", "items"):
            for name, value in original:
                self.walk(value, f"{label}.{name}")
        elif kind == "list":
            for i, value in enumerate(original):
                self.walk(value, f"{label}[{i}]")
        else:
            self.walk(original, label)

    def walk(self, value, label: str) -> None:
        """Record what can change inside ``value``, if it belongs to this package."""
        if id(value) in self.seen or value is _verify or value is _record:
            return  # the verifier holds the records themselves: it is trusted, not recorded
        self.seen.add(id(value))
        if isinstance(value, _Kernel):
            self.add_kernel(value, label)
        elif isinstance(value, types.FunctionType):
            self.add_function(value, label)
        elif isinstance(value, (staticmethod, classmethod)):
            self.walk(value.__func__, label)
        elif isinstance(value, property):
            for part in (value.fget, value.fset, value.fdel):
                self.walk(part, label)
        elif isinstance(value, type) and _ours(value):
            self.add("items", value, None, label)
        elif isinstance(value, (dict, list)):
            self.add("items" if isinstance(value, dict) else "list", value, None, label)
        elif isinstance(value, tuple):
            for i, item in enumerate(value):
                self.walk(item, f"{label}[{i}]")
        elif _ours(type(value)) and hasattr(value, "__dict__"):  # a spec, a mistake
            self.add("items", value, None, label)

    def add_function(self, fn, label: str) -> None:
        if fn.__code__.co_filename.startswith(PACKAGE_DIR) and fn.__builtins__ is not BUILTINS:
            raise RuntimeError(
                f"{fn.__module__}.{fn.__qualname__} uses the kernel's builtins: its module must start with "
                "`from .guard import BUILTINS as __builtins__` (see lrcourse/checks/guard.py)"
            )
        if not (_ours(fn) or fn.__code__.co_filename.startswith(PACKAGE_DIR)):
            return  # a function of another library: its identity is recorded where it is held
        for attr in ("__code__", "__defaults__", "__kwdefaults__"):
            self.add("attr", fn, attr, f"{label}.{attr}")
        self.add("items", fn.__dict__, None, f"{label}.__dict__")
        for i, cell in enumerate(fn.__closure__ or ()):
            self.add("cell", cell, None, f"{label}.<closure {i}>")

    def add_kernel(self, kernel, label: str) -> None:
        """The kernel's record, not what it holds (the shell's own objects change as it runs)."""
        _record("items", kernel, None, label)
        for name, value in vars(kernel).items():
            if isinstance(value, list):
                _record("list", value, None, f"{label}.{name}")
                for i, slot in enumerate(value):
                    if isinstance(slot, _Slot):
                        _record("items", slot, None, f"{label}.{name}[{i}]")


def _ours(thing) -> bool:
    module = getattr(thing, "__module__", None)
    return isinstance(module, str) and (module == PACKAGE or module.startswith(PACKAGE + "."))


def tampered() -> list[str]:
    """The names of what changed in the package since :func:`seal` (empty when nothing did)."""
    return _verify()


# --------------------------------------------------------------------------------------------
# the kernel: IPython's error display and the path of a cell's code, as they were at import


#: Attributes of the IPython shell (and of objects it holds) through which an error reaches the
#: cell's output. Restored when a graded check fails.
_DISPLAY = (
    "showtraceback", "_showtraceback", "showsyntaxerror", "showindentationerror", "InteractiveTB",
    "SyntaxTB", "CustomTB", "custom_exceptions", "excepthook", "displayhook", "display_pub",
)
#: Attributes through which a cell's code is transformed and run: a change here may mean that the
#: test cell itself was rewritten (wrapped in try/except, say), so its failure also goes to stderr.
_CELL_PATH = (
    "run_cell", "run_cell_async", "_run_cell", "run_ast_nodes", "run_code", "transform_cell",
    "transform_ast", "should_run_async", "compile", "input_transformer_manager",
)
#: Event callbacks of these libraries may come after the import (matplotlib's inline backend
#: registers its own on the first figure); others added since then are removed.
_BENIGN_CALLBACKS = ("matplotlib", "matplotlib_inline")


class _Slot:
    """One attribute of one object, as it was: the value, the instance's own entry and the class's."""

    def __init__(self, obj, name: str):
        self.obj, self.name = obj, name
        self.value = getattr(obj, name, _MISSING)
        self.own = vars(obj).get(name, _MISSING) if hasattr(obj, "__dict__") else _MISSING
        self.cls, self.cls_value = None, _MISSING
        for cls in type(obj).__mro__:
            if name in vars(cls):
                self.cls, self.cls_value = cls, vars(cls)[name]
                break

    def restore(self) -> bool:
        """Put the attribute back; whether it had changed."""
        if _same(getattr(self.obj, self.name, _MISSING), self.value):
            return False
        try:
            if self.cls is not None and vars(self.cls).get(self.name, _MISSING) is not self.cls_value:
                setattr(self.cls, self.name, self.cls_value)
            if self.own is _MISSING and hasattr(self.obj, "__dict__"):
                vars(self.obj).pop(self.name, None)
            if not _same(getattr(self.obj, self.name, _MISSING), self.value) and self.value is not _MISSING:
                setattr(self.obj, self.name, self.value)
        except Exception:  # noqa: BLE001  (a read-only attribute: nothing more can be done here)
            pass
        return True


class _Kernel:
    """The IPython shell's state at import, when the package is imported inside IPython."""

    def __init__(self, shell):
        self.shell = shell
        self.stderr = sys.stderr
        self.display_pub = getattr(shell, "display_pub", None)
        display = [_Slot(shell, name) for name in _DISPLAY]
        display += [_Slot(sys, "excepthook"), _Slot(sys, "displayhook")]
        for obj, names in ((self.stderr, ("write", "flush")), (self.display_pub, ("publish", "clear_output"))):
            if obj is not None:
                display += [_Slot(obj, name) for name in names]
        session = getattr(getattr(shell, "displayhook", None), "session", None)
        if session is not None:
            display.append(_Slot(session, "send"))
        self.display = display
        cell_path = [_Slot(shell, name) for name in _CELL_PATH]
        kernel = getattr(shell, "kernel", None)
        if kernel is not None:
            cell_path += [_Slot(kernel, name) for name in ("do_execute", "execute_request")]
        self.cell_path = cell_path
        manager = getattr(shell, "input_transformer_manager", None)
        lists = [getattr(shell, "ast_transformers", None), getattr(shell, "input_transformers_post", None)]
        lists += [getattr(manager, name, None) for name in ("cleanup_transforms", "line_transforms", "token_transformers")]
        self.transformers = [(lst, tuple(lst)) for lst in lists if isinstance(lst, list)]
        callbacks = getattr(getattr(shell, "events", None), "callbacks", {})
        self.callbacks = [(lst, tuple(lst)) for lst in callbacks.values() if isinstance(lst, list)]

    def undo(self) -> bool:
        """Undo the changes to the error display and the cell path, drop the event callbacks added
        since import, clear the cell's output so far; whether the cell path had changed."""
        for slot in self.display:
            slot.restore()
        rewritten = False
        for slot in self.cell_path:
            rewritten |= slot.restore()
        for lst, original in self.transformers:
            if len(lst) != len(original) or any(a is not b for a, b in zip(lst, original)):
                lst[:] = original
                rewritten = True
        for lst, original in self.callbacks:
            added = [cb for cb in lst if not any(cb is o for o in original) and _benign(cb)]
            lst[:] = [*original, *added]
        if self.display_pub is not None:
            try:
                self.display_pub.clear_output(wait=False)
            except Exception:  # noqa: BLE001  (a front end without clear_output: nothing to clear)
                pass
        return rewritten

    def to_stderr(self, text: str) -> None:
        try:
            self.stderr.write(text + "\n")
            self.stderr.flush()
        except Exception:  # noqa: BLE001  (a closed stream: the error is still raised)
            pass


def _benign(callback) -> bool:
    module = getattr(callback, "__module__", None) or getattr(getattr(callback, "__func__", None), "__module__", None)
    return isinstance(module, str) and module.split(".")[0] in _BENIGN_CALLBACKS


def _kernel_at_import():
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return _Kernel(shell) if shell is not None else None


#: The kernel's state when the package was imported (None outside IPython).
_KERNEL = _kernel_at_import()


# --------------------------------------------------------------------------------------------
# sealing, and the checks' wrapper


def seal() -> None:
    """Record the snapshot of the package and seal its modules (once: the end of its ``__init__``)."""
    modules = [m for name, m in sorted(sys.modules.items()) if name == PACKAGE or name.startswith(PACKAGE + ".")]
    if any(isinstance(m, SealedModule) for m in modules):
        return
    snapshot = _Snapshot()
    snapshot.walk(BUILTINS, "<builtins>")
    for module in modules:
        snapshot.add("module", module, None, module.__name__)
    for module in modules:
        module.__class__ = SealedModule


def guarded(check, *, graded: bool = False):
    """``check`` with the snapshot compared before and after it runs; ``graded``: with the failure
    path of a locked test cell (see the module docstring).

    Until the snapshot says nothing changed, nothing but this wrapper and the verifier runs: both
    reach what they need through their closures, and their code cannot be swapped for that of a
    plain function (``__code__`` must keep the number of closure cells).
    """
    verify, finish, assertion_error, t = _verify, _finish, AssertionError, i18n.t
    stderr = _KERNEL.stderr if graded and _KERNEL is not None else None

    @functools.wraps(check)
    def run(*args, **kwargs):
        changed = verify()
        failure = None
        if not changed:
            try:
                check(*args, **kwargs)
            except BaseException as exc:  # the check's verdict, or an interruption (time limit, Ctrl-C)
                failure = exc
            changed = verify()  # the learner's code ran inside the check
        if changed:  # first the line on stderr: nbgrader scores it 0 even if the error is swallowed
            if stderr is not None:
                stderr.write("✗ lrcourse.checks was changed from the notebook: this test fails.\n")
                stderr.flush()
            raise assertion_error(t("checks.tampered", what=", ".join(changed[:4]))) from None
        if failure is not None:
            finish(failure, graded)

    return run


def _finish(failure: BaseException, graded: bool):
    """Raise ``failure`` (a check's AssertionError afresh, without the checker's frames); for a
    graded check, first undo what the notebook did to the kernel (``_Kernel.undo``)."""
    if graded and _KERNEL is not None and _KERNEL.undo():
        _KERNEL.to_stderr(i18n.t("checks.graded_failure", message=str(failure).splitlines()[0] if str(failure) else ""))
    if isinstance(failure, AssertionError):
        raise AssertionError(str(failure)) from None
    raise failure
