"""Texts made away from the page (a training thread, a module constant) that the page shows in
the visitor's language.

``actlab.i18n._`` translates into the language of the current thread; a training runs on its own
thread, which has none, and a module constant is made once for every visitor. ``Said`` is the
English text (a ``str``: logs, tests and scripts read it as before) that also keeps its marked
template and arguments, so the page can say it in its own language: ``said.localized()``.
"""

from __future__ import annotations

from typing import Any

from actlab.i18n import Message, counted


class Said(str):
    """A message as English text (a ``str``: logs, tests) that can also say itself in the
    page's language (``localized()``): a run trains on another thread, which has none."""

    message: Message

    def __new__(cls, template: str, **params: object) -> Said:
        message = Message(template, params)
        said = super().__new__(cls, str(message))
        said.message = message
        return said

    def localized(self) -> str:
        return self.message.localized()

    def __reduce__(self) -> tuple:  # a cache may pickle it: keep the message, not just the text
        return (Said.of, (self.message,))

    @classmethod
    def of(cls, message: Message) -> Said:
        """A ``Message`` (``counted`` ones too) as a ``Said``."""
        said = super().__new__(cls, str(message))
        said.message = message
        return said

    @classmethod
    def counted(cls, singular: str, plural: str, count: int, **params: Any) -> Said:
        """A counted message (``{count}`` among its arguments); marks both forms."""
        return cls.of(counted(singular, plural, count, **params))


def localized(text: str) -> str:
    """``text`` in the current language if it is ``Said``, else as it is."""
    return text.localized() if isinstance(text, Said) else str(text)
