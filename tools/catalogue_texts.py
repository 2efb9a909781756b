"""A Babel extraction method for actlab/activations.py: the catalogue is data, not calls to ``_``.

Each ``Activation(description=..., note=...)`` and each ``Param(..., help)`` is a text a page
shows (``_(entry.description)``), so they belong in the translation catalogue without marking
every entry of the table. Citations (``origin``) stay as published. Anything the file marks
itself (``_``, ``N_``) is extracted by Babel's Python extractor as usual.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any

from babel.messages.extract import extract_python

FIELDS = {"Activation": ("description", "note"), "Param": ("help",)}
PARAM_HELP_POSITION = 5  # Param(name, default, low, high, step, help)


def extract(fileobj: Any, keywords: Any, comment_tags: Any, options: Any) -> Iterator[tuple]:
    source = fileobj.read()
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        names = FIELDS.get(node.func.id, ())
        texts = [k.value for k in node.keywords if k.arg in names]
        if node.func.id == "Param" and len(node.args) > PARAM_HELP_POSITION:
            texts.append(node.args[PARAM_HELP_POSITION])
        for text in texts:
            if isinstance(text, ast.Constant) and isinstance(text.value, str) and text.value:
                yield text.lineno, "_", text.value, []
    fileobj.seek(0)
    yield from extract_python(fileobj, keywords, comment_tags, options)
