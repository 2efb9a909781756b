"""Translations for what actlab writes (chart titles, table headers, messages), no Streamlit.

actlab stays independent of the UI: it marks its texts and looks them up in the language the
current thread has chosen. The page sets that language once per run (``ui.i18n``); scripts,
tests and benches that never set it get English, the source language.

- ``_("text")`` translates now: chart titles, axis names and table headers, built per call.
- ``N_("text")`` only marks a text for the catalogue (module-level tables, error templates);
  whoever shows it translates it then with ``_``.
- ``Refusal(N_("… {name} …"), name=value)`` is a ``ValueError`` whose message is a marked
  template plus its arguments: ``str()`` is the English text, ``localized()`` the text in the
  current language (the page's ``guarded`` shows that one). Arguments may be ``Message``\\ s,
  translated in turn, so a message can be built from parts (formula errors: problem + place),
  or ``Joined`` lists of them (a folder's problems, each download mirror's failure).
- A plain English ``raise`` in actlab carries ``# internal: why``: the page checks that input
  first, so only a script's author reads it (``tests/test_i18n.py`` scans every ``raise``).

The catalogues are gettext ``.mo`` files under ``locales/`` (made by ``python -m
tools.translations``); reading them needs only the standard library.
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

DOMAIN = "actlab"
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locales"
SOURCE_LANGUAGE = "en"
LANGUAGES = ("en", "zh-CN")  # what a visitor may choose; the ``lang`` link values
GETTEXT_LOCALES = {"en": None, "zh-CN": "zh_CN"}  # the catalogue folder of each (en: source)

_ENGLISH = _gettext.NullTranslations()
_current: ContextVar[_gettext.NullTranslations] = ContextVar("actlab_language", default=_ENGLISH)
_current_code: ContextVar[str] = ContextVar("actlab_language_code", default=SOURCE_LANGUAGE)


@cache
def translations(language: str) -> _gettext.NullTranslations:
    """The catalogue of ``language`` (one of ``LANGUAGES``), read once per process.

    A missing ``.mo`` is an error, not a silent fall back to English: the catalogue test and
    ``python -m tools.translations check`` keep it present and current.
    """
    if language not in LANGUAGES:
        # internal: ui.i18n checks the lang link first and names an unknown one
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {language!r}")
    folder = GETTEXT_LOCALES[language]
    if folder is None:
        return _ENGLISH
    return _gettext.translation(DOMAIN, LOCALE_DIR, languages=[folder])


def set_language(language: str) -> None:
    """Use ``language`` for every later ``_`` in this thread (a Streamlit run is one thread)."""
    _current.set(translations(language))
    _current_code.set(language)


def language() -> str:
    """The language ``_`` translates into now ("en" or "zh-CN")."""
    return _current_code.get()


@contextmanager
def using(language: str) -> Iterator[None]:
    """Translate into ``language`` inside the ``with`` block only (tests, file exports)."""
    tokens = _current.set(translations(language)), _current_code.set(language)
    try:
        yield
    finally:
        _current.reset(tokens[0])
        _current_code.reset(tokens[1])


def _(message: str) -> str:
    """``message`` in the current language (itself where the catalogue has no entry)."""
    return _current.get().gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The form of a counted message for ``count`` in the current language (Chinese has one)."""
    return _current.get().ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it (it is translated when shown)."""
    return message


@dataclass(frozen=True)
class Message:
    """A marked template and its arguments, rendered in whatever language is current.

    A counted message also has its ``plural`` template and the ``count`` that picks the form
    (made by ``counted``, so both templates reach the catalogue).
    """

    template: str
    params: dict[str, Any] = field(default_factory=dict)
    plural: str | None = None
    count: int = 1

    def localized(self) -> str:
        if self.plural is None:
            template = _(self.template)
        else:
            template = ngettext(self.template, self.plural, self.count)
        return template.format(**{k: _render(v, True) for k, v in self.params.items()})

    def __str__(self) -> str:
        template = self.template if self.plural is None or self.count == 1 else self.plural
        return template.format(**{k: _render(v, False) for k, v in self.params.items()})


def counted(singular: str, plural: str, count: int, **params: Any) -> Message:
    """A counted ``Message`` (``{count}`` is among its arguments); marks both templates."""
    return Message(singular, {"count": count, **params}, plural, count)


@dataclass(frozen=True)
class Joined:
    """Several messages shown as one argument ("a; b"), each in the current language: the
    problems found in a folder, the failure of each download mirror."""

    parts: tuple[Any, ...]
    separator: str = "; "

    def localized(self) -> str:
        return self.separator.join(str(_render(part, True)) for part in self.parts)

    def __str__(self) -> str:
        return self.separator.join(str(_render(part, False)) for part in self.parts)


def reason(error: BaseException) -> Message | str:
    """What ``error`` says, kept translatable where it is a ``Refusal`` (to build on)."""
    return error.message if isinstance(error, Refusal) else str(error)


def _render(value: Any, localized: bool) -> Any:
    if isinstance(value, Message | Refusal | Joined):
        return value.localized() if localized else str(value)
    return value


class Refusal(ValueError):
    """A ``ValueError`` a page can show in the visitor's language.

    ``str(error)`` is the English message (logs, tests, scripts), ``error.localized()`` the same
    message in the current language.
    """

    def __init__(self, template: str, **params: Any) -> None:
        self.message = Message(template, params)
        super().__init__(str(self.message))

    def localized(self) -> str:
        return self.message.localized()


def localized_error(error: BaseException) -> str:
    """What a page shows for ``error``: a ``Refusal`` translated, any other error as it is."""
    return error.localized() if isinstance(error, Refusal) else str(error)
