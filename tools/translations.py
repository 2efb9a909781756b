"""Keep the translation catalogues in step with the source: one command, three verbs.

    python -m tools.translations update   # extract the marked texts, merge them into every
                                          # locales/<lang>/LC_MESSAGES/actlab.po (new ids come
                                          # in empty, ids gone from the source are dropped),
                                          # then compile the .mo files
    python -m tools.translations compile  # .po -> .mo only (after translating)
    python -m tools.translations check    # exit 1, listing every problem, unless each .po has
                                          # exactly the source's ids, all translated, none
                                          # fuzzy, with the same {placeholders}, and each .mo
                                          # is the compiled .po

Texts are found by Babel's extractor in the files babel.cfg names, marked as ``_("…")``,
``N_("…")`` (translated later, when shown), ``ngettext(singular, plural, n)`` and
``counted(singular, plural, n)`` (a counted error message; ``actlab.i18n``). Translate by
filling the ``msgstr`` lines of the .po file, then run ``compile``; ``tests/test_i18n.py`` runs
the same check.
"""

from __future__ import annotations

import io
import string
import sys
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
MAPPING = ROOT / "babel.cfg"
LOCALES = ROOT / "locales"
DOMAIN = "actlab"
TRANSLATED = ("zh_CN",)  # every language but the source (English)
KEYWORDS = {**DEFAULT_KEYWORDS, "counted": (1, 2)}
PO_WIDTH = 100


def po_path(locale: str) -> Path:
    return LOCALES / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(locale: str) -> Path:
    return po_path(locale).with_suffix(".mo")


def extract() -> Catalog:
    """Every marked text of the source, as a template catalogue (no line numbers kept)."""
    with MAPPING.open(encoding="utf-8") as mapping:
        method_map, options_map = parse_mapping_cfg(mapping)
    template = Catalog(project="actlab", domain=DOMAIN, charset="utf-8")
    for filename, _lineno, message, comments, context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS, comment_tags=("Translators:",)
    ):
        template.add(
            message,
            None,
            [(filename, None)],
            auto_comments=comments,
            context=context,
            flags=_format_flags(message),
        )
    return template


def _format_flags(message: str | tuple[str, ...]) -> tuple[str, ...]:
    texts = message if isinstance(message, tuple) else (message,)
    return ("python-brace-format",) if any(placeholders(t) for t in texts) else ()


def placeholders(text: str) -> set[str]:
    """The ``{name}`` fields of a ``str.format`` template ("" for a positional ``{}``)."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:  # a lone brace: not a template (LaTeX); compared as plain text
        return set()


def read(locale: str) -> Catalog:
    with po_path(locale).open("rb") as po:
        return read_po(po, locale=locale, domain=DOMAIN)


def write(locale: str, catalog: Catalog) -> None:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=PO_WIDTH, include_lineno=False, ignore_obsolete=True)
    po_path(locale).parent.mkdir(parents=True, exist_ok=True)
    po_path(locale).write_bytes(buffer.getvalue())


def compiled(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def update() -> None:
    template = extract()
    for locale in TRANSLATED:
        if po_path(locale).exists():
            catalog = read(locale)
        else:
            catalog = Catalog(
                locale=locale,
                project="actlab",
                domain=DOMAIN,
                charset="utf-8",
                last_translator="actlab",
                language_team="actlab",
            )
        # No fuzzy guesses: a changed English text must be translated again, on purpose.
        catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
        catalog.obsolete.clear()
        catalog.fuzzy = False  # the header: a fuzzy one is left out of the .mo (plural forms)
        write(locale, catalog)
    compile_all()


def compile_all() -> None:
    for locale in TRANSLATED:
        mo_path(locale).write_bytes(compiled(read(locale)))


def _ids(catalog: Iterable[Message]) -> dict[str, Message]:
    return {_key(m): m for m in catalog if m.id}


def _key(message: Message) -> str:
    ids = message.id if isinstance(message.id, tuple) else (message.id,)
    return " | ".join(ids) + (f" [{message.context}]" if message.context else "")


def problems(locale: str) -> list[str]:
    """Everything that keeps the ``locale`` catalogue from matching the source, in words."""
    if not po_path(locale).exists():
        return [f"{po_path(locale)} is missing (run: python -m tools.translations update)"]
    source, catalog = _ids(extract()), read(locale)
    translated = _ids(catalog)
    found = [f"missing from the .po: {key!r}" for key in source if key not in translated]
    found += [f"obsolete in the .po: {key!r}" for key in translated if key not in source]
    found += [f"obsolete entry kept: {_key(m)!r}" for m in catalog.obsolete.values()]
    for key, message in translated.items():
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            found.append(f"untranslated: {key!r}")
        elif message.fuzzy:
            found.append(f"fuzzy: {key!r}")
        else:
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            wanted = set().union(*(placeholders(i) for i in ids))
            for text in strings:
                if placeholders(text) != wanted:
                    found.append(f"placeholders differ ({sorted(wanted)}): {key!r} -> {text!r}")
    if not mo_path(locale).exists() or mo_path(locale).read_bytes() != compiled(catalog):
        found.append(f"{mo_path(locale)} is not the compiled .po (run: ... compile)")
    return found


def check() -> list[str]:
    return [f"{locale}: {problem}" for locale in TRANSLATED for problem in problems(locale)]


def main(argv: list[str]) -> int:
    verb = argv[0] if argv else ""
    if verb == "update":
        update()
    elif verb == "compile":
        compile_all()
    elif verb == "check":
        found = check()
        print("\n".join(found) or "catalogues complete and in sync")
        return 1 if found else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
