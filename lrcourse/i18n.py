"""The course language (Bengali or English) and the message catalogue.

Every text that a learner sees from the package (plot labels, progress text,
check messages, errors meant for learners) goes through :func:`t`, so that it
follows the language set in the notebook's first code cell::

    import lrcourse
    lrcourse.set_language("bn")

The messages live in data files, one per domain, ``lrcourse/locale/<domain>.toml``::

    ["plot.step"]
    en = "step"
    bn = "ধাপ (step)"

A module loads its domain once at import and then looks messages up by key::

    from lrcourse import i18n
    i18n.load("plotting")
    i18n.t("plot.step")

A new message goes into the domain file of the module that shows it; the Bengali follows the
course glossary (``lrcourse/locale/glossary.toml``).

Messages are ``str.format`` templates; both languages must be given and must
use the same placeholders (checked at registration, so a typo fails at import,
not in front of a learner).
"""

from __future__ import annotations

import functools
import os
import string
from pathlib import Path

import tomllib

LANGUAGES = ("en", "bn")

_language = os.environ.get("LRCOURSE_LANG", "en") if os.environ.get("LRCOURSE_LANG") in LANGUAGES else "en"
CATALOGUE: dict[str, dict[str, str]] = {}
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def set_language(language: str) -> None:
    """Set the language of everything the package shows: ``"bn"`` or ``"en"``."""
    global _language
    if language not in LANGUAGES:
        raise ValueError(f"language={language!r} is not supported; use one of {LANGUAGES}")
    _language = language


def get_language() -> str:
    """The current language, ``"en"`` or ``"bn"``."""
    return _language


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def register(messages: dict[str, dict[str, str]]) -> None:
    """Add messages ``{key: {"en": ..., "bn": ...}}`` to the catalogue.

    Re-registering a key with the same text is allowed (modules may be
    re-imported in notebooks); registering it with different text is an error.
    """
    for key, texts in messages.items():
        missing = [lang for lang in LANGUAGES if lang not in texts]
        if missing:
            raise ValueError(f"message {key!r} has no text for {missing}; give both 'en' and 'bn'")
        if _fields(texts["en"]) != _fields(texts["bn"]):
            raise ValueError(
                f"message {key!r}: the placeholders differ between languages "
                f"(en {sorted(_fields(texts['en']))}, bn {sorted(_fields(texts['bn']))})"
            )
        if key in CATALOGUE and CATALOGUE[key] != texts:
            raise ValueError(f"message {key!r} is already registered with a different text")
        CATALOGUE[key] = dict(texts)


@functools.cache
def load(domain: str) -> tuple[str, ...]:
    """Register the messages of ``locale/<domain>.toml`` (once per session); returns their keys.

    The file maps each key to a table with ``en`` and ``bn``; both are checked by :func:`register`
    (same placeholders), so a typo fails at import, not in front of a learner.
    """
    path = LOCALE_DIR / f"{domain}.toml"
    try:
        with open(path, "rb") as f:
            messages = tomllib.load(f)
    except FileNotFoundError:
        raise FileNotFoundError(f"no message file {path}; every domain has one in lrcourse/locale/") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path} is not valid TOML: {exc}") from None
    register(messages)
    return tuple(messages)


def t(key: str, language: str | None = None, **values) -> str:
    """The message ``key`` in the current (or the given) language, formatted with ``values``."""
    try:
        texts = CATALOGUE[key]
    except KeyError:
        raise KeyError(f"no message {key!r} in the lrcourse catalogue") from None
    return texts[language or _language].format(**values)

